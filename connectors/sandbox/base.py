"""What a stand-in is: a prefix, a recorder, and ``handle(request) -> Reply``."""

from __future__ import annotations

import email.message
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .state import Recorder

JSON = {"Content-Type": "application/json"}


@dataclass
class Request:
    method: str
    path: str  # below the stand-in's prefix, starting with "/", without the query string
    query: dict[str, str]
    headers: email.message.Message  # the handler's http.client.HTTPMessage: lookups ignore case, as HTTP headers must
    body: bytes

    @property
    def correlation_id(self) -> str:
        return self.headers.get("X-Correlation-ID") or ""


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, json.dumps(data, separators=(",", ":")).encode(), {**JSON, **(headers or {})})


class StandIn:
    """A local stand-in for one external system, served under ``/<name>/``."""

    name: ClassVar[str] = ""

    def __init__(self) -> None:
        self.recorder = Recorder()

    def handle(self, request: Request) -> Reply:
        raise NotImplementedError

    def reject(
        self, request: Request, status: int, error: dict[str, Any], headers: dict[str, str] | None = None
    ) -> Reply:
        """A refusal by the protocol checks, in the real system's error shape; counted and kept for tests."""
        self.recorder.reject(status, request.path, error)
        return Reply.json(status, error, headers)

    def fault_reply(self, status: int, mode: str) -> Reply:
        """The body of an injected failure (5xx, 429, or a permanent 400 for "reject")."""
        return Reply.json(status, {"code": status, "message": f"sandbox fault: {mode}"})

    def reset(self) -> None:
        self.recorder.reset()

    def snapshot(self, *, limit: int, keys: bool) -> dict[str, Any]:
        return self.recorder.snapshot(limit=limit, keys=keys)
