"""Logs carry no personal data: what Steward writes names records by id, counts and keyed hashes, never by values.

Two nets catch what other code writes:

- ``PersonalDataFilter`` (on the console handler, and on the loggers that log other code's failures: requests, Celery
  tasks) strips the details of database errors (PostgreSQL's ``DETAIL``, ``CONTEXT`` and ``LINE`` lines quote the
  row; its messages quote the value they refused) from messages and tracebacks, the values of query-string
  parameters that may be personal (``?email=...`` becomes ``?email=…``), and any email address left;
- ``GunicornLogger`` does the same for gunicorn's access log (``stewardship/gunicorn.py`` names it).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl

from django.utils.crypto import salted_hmac
from gunicorn.glogging import Logger as GunicornBaseLogger

REDACTED = "…"

# Query-string parameters whose values are never personal: kept in logs as sent. Every other parameter (the search
# box ``q``, ``email``, ``phone``, ``postal_code``, ``name``, ``source_key``, ``next``, ...) keeps its name only.
SAFE_QUERY_PARAMETERS = frozenset(
    {
        "age",
        "band",
        "connector",
        "cursor",
        "domain",
        "format",
        "kind",
        "lang",
        "ordering",
        "page",
        "page_size",
        "script",
        "sort",
        "source",
        "status",
        "updated_since",
    }
)

_QUERY = re.compile(r"\?([^\s\"'#]*)")
_EMAIL = re.compile(r"[\w.%+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# PostgreSQL's detail lines (psycopg puts them in the exception's text): the row or key they are about.
_DETAIL_LINE = re.compile(r"^(\s*)(DETAIL|CONTEXT|LINE \d+|QUERY):.*$", re.MULTILINE)
_CARET_LINE = re.compile(r"^\s*\^\s*$\n?", re.MULTILINE)
# A quoted value in a database message, unless it names a schema object ("constraint \"x\"", "relation \"y\"").
_QUOTED = re.compile(r'(?<!constraint )(?<!relation )(?<!column )(?<!table )(?<!index )(?<!type )"[^"\n]*"')
_TRACEBACK_LINES = ("Traceback", "During handling", "The above exception")
_DATABASE_ERROR = re.compile(r"\b(?:psycopg|django\.db|IntegrityError|DataError|DatabaseError|OperationalError)\b")


def key_label(key: str) -> str:
    """A blocking key as logs show it: its kind and a keyed hash of it (``em:3f2a9c1b07d4``), the same for the same
    key within a deployment, and not to be reversed without the secret key even for a birth date."""
    kind, _, _ = key.partition(":")
    return f"{kind}:{salted_hmac('steward.logs.key', key).hexdigest()[:12]}"


def redact_query(text: str) -> str:
    """Every query string in ``text`` with the values of parameters not known to be safe replaced."""

    def one(match: re.Match[str]) -> str:
        pairs = parse_qsl(match.group(1), keep_blank_values=True)
        if not pairs:
            return match.group(0)
        return "?" + "&".join(
            f"{name}={value if name in SAFE_QUERY_PARAMETERS else REDACTED}" for name, value in pairs
        ).replace(" ", "+")

    return _QUERY.sub(one, text)


def redact_database_details(text: str) -> str:
    """A database error's text without the values it quotes: its detail lines (with the lines that continue them,
    such as ``unnamed portal parameter $5 = '...'``) and the quoted values of its messages go. A traceback's indented
    lines (file names and code) stay."""
    kept: list[str] = []
    in_detail = False
    for line in _CARET_LINE.sub("", text).split("\n"):
        detail = _DETAIL_LINE.match(line)
        if detail:
            kept.append(f"{detail.group(1)}{detail.group(2)}: {REDACTED}")
            in_detail = True
            continue
        if in_detail and line and not line[:1].isspace() and not line.startswith(_TRACEBACK_LINES):
            continue  # a detail's continuation
        in_detail = False
        kept.append(line if line[:1].isspace() else _QUOTED.sub(f'"{REDACTED}"', line))
    return "\n".join(kept)


def redact(text: str) -> str:
    if _DATABASE_ERROR.search(text) or "DETAIL:" in text:
        text = redact_database_details(text)
    if "?" in text:
        text = redact_query(text)
    return _EMAIL.sub(REDACTED, text)


class PersonalDataFilter(logging.Filter):
    """Rewrites a record's message and traceback without personal data (``redact``); never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "personal_data_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record: the handler reports it (handleError), not this filter
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.personal_data_redacted = True
        return True


class GunicornLogger(GunicornBaseLogger):  # type: ignore[misc]  # gunicorn is untyped
    """gunicorn's logger, writing access-log lines whose URLs and referrers carry no personal query values."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in ("r", "f", "{referer}i"):
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        if atoms.get("q"):
            atoms["q"] = redact_query("?" + atoms["q"])[1:]
        return atoms
