"""The one place connectors do HTTP: a pooled session, timeouts, the correlation header, and the classification
of failures into transient (retry later) and permanent (dead letter at once).

Tests point connectors at the sandbox stand-ins through their base URL; nothing else patches HTTP.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

USER_AGENT = "Steward-sync/1"
#: 4xx answers that are worth retrying: timeout, conflict on a lock, too early, too many requests.
TRANSIENT_4XX = frozenset({408, 409, 423, 425, 429})
MAX_RETRY_AFTER = 3600.0


class TransportError(Exception):
    """A call that did not succeed. ``permanent`` failures go to the dead letters at once; transient ones are
    retried with backoff (or after ``retry_after`` seconds when the server said so)."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        status_code: int | None = None,
        retry_after: float | None = None,
        request: str = "",
        response: str = "",
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status_code = status_code
        self.retry_after = retry_after
        self.request = request
        self.response = response


@dataclass(frozen=True)
class Response:
    status_code: int
    body: Any  # decoded JSON, or the text when the body is not JSON
    headers: dict[str, str]
    request: str  # "POST https://host/path (1234 B)": what an attempt row shows


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date. None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = when.timestamp() - (now if now is not None else time.time())
    return min(max(delta, 0.0), MAX_RETRY_AFTER)


def classify(status_code: int) -> bool:
    """True when a failed answer with this status is permanent."""
    return 400 <= status_code < 500 and status_code not in TRANSIENT_4XX


def _excerpt(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class HttpClient:
    """A keep-alive session to one system. ``request`` returns a :class:`Response` for 2xx answers and raises
    :class:`TransportError` for anything else (connection errors and timeouts are transient)."""

    def __init__(self, base_url: str, *, timeout: float = 10.0, headers: dict[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, **(headers or {})})
        #: Called before every request: the sync worker plugs the connector's shared rate limit in here.
        self.before_request: Callable[[], object] | None = None

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        params: dict[str, Any] | None = None,
        correlation_id: str = "",
        timeout: float | None = None,
    ) -> Response:
        url = self.url(path)
        if json_body is not None:
            data = json.dumps(json_body, separators=(",", ":"), default=str).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        if correlation_id:
            headers = {"X-Correlation-ID": correlation_id, **(headers or {})}
        summary = f"{method} {url} ({len(data or b'')} B)"
        if self.before_request is not None:
            self.before_request()
        try:
            raw = self.session.request(
                method, url, data=data, headers=headers, auth=auth, params=params, timeout=timeout or self.timeout
            )
        except requests.Timeout as exc:
            raise TransportError(f"timed out: {exc}", permanent=False, request=summary) from exc
        except requests.RequestException as exc:
            raise TransportError(f"connection failed: {exc}", permanent=False, request=summary) from exc
        text = raw.text
        try:
            body: Any = raw.json() if text else None
        except ValueError:
            body = text
        if raw.status_code >= 400:
            raise TransportError(
                f"HTTP {raw.status_code}: {_excerpt(text, 300)}",
                permanent=classify(raw.status_code),
                status_code=raw.status_code,
                retry_after=parse_retry_after(raw.headers.get("Retry-After")),
                request=summary,
                response=_excerpt(text),
            )
        return Response(raw.status_code, body, dict(raw.headers), summary)

    def close(self) -> None:
        self.session.close()


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")
