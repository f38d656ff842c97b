"""The correlation id of the work in progress: set per request (or task), read by logs and history."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar, Token

HEADER = "X-Correlation-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
_current: ContextVar[str] = ContextVar("correlation_id", default="")


def new_id() -> str:
    return uuid.uuid4().hex


def accept(candidate: str | None) -> str:
    """The caller's id when it is a sane token, else a new one (never echo arbitrary header content)."""
    if candidate and _VALID.match(candidate):
        return candidate
    return new_id()


def get() -> str:
    return _current.get()


def set(value: str) -> Token[str]:  # noqa: A001 - mirrors ContextVar.set
    return _current.set(value)


def reset(token: Token[str]) -> None:
    _current.reset(token)


class CorrelationIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = _current.get() or "-"
        return True
