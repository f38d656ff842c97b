"""Stand-in for the Segment HTTP Tracking API (what RudderStack's HTTP API accepts too), served under ``/cdp``.

Checks what Segment documents: the write key (Basic auth username, or ``writeKey`` in the body), JSON bodies (gzip
allowed), 32 KB per event and 500 KB per batch request, ``userId`` or ``anonymousId`` on every call, ``event`` on a
track, ``groupId`` on a group, ``previousId`` on an alias. Segment itself answers 200 to calls it will later drop
(no identifier, no event name); the stand-in refuses them with a 400 instead, so a mapping bug fails a test rather
than vanishing. Errors carry ``{"code", "message"}``, which is what Segment's own libraries read.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import time
import uuid
from datetime import datetime
from typing import Any

from .base import Reply, Request, StandIn

MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
TYPES = ("identify", "track", "page", "screen", "group", "alias")
OK = Reply.json(200, {"success": True})


class BadRequest(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _identifier(value: Any) -> bool:
    return (isinstance(value, str) and value.strip() != "") or (
        isinstance(value, int | float) and not isinstance(value, bool)
    )


def check_message(message: Any, kind: str | None = None) -> dict[str, Any]:
    """One call as Segment's spec requires it; raises :class:`BadRequest`."""
    if not isinstance(message, dict):
        raise BadRequest("invalid_request", "each message must be a JSON object")
    kind = kind or message.get("type")
    if kind not in TYPES:
        raise BadRequest("invalid_request", f"type must be one of {', '.join(TYPES)}")
    if kind == "alias":
        if not _identifier(message.get("userId")) or not _identifier(message.get("previousId")):
            raise BadRequest("invalid_request", "alias requires userId and previousId")
    elif not (_identifier(message.get("userId")) or _identifier(message.get("anonymousId"))):
        raise BadRequest("invalid_request", "userId or anonymousId is required")
    if kind == "track" and not (isinstance(message.get("event"), str) and message["event"].strip()):
        raise BadRequest("invalid_request", "track requires an event name")
    if kind == "group" and not _identifier(message.get("groupId")):
        raise BadRequest("invalid_request", "group requires groupId")
    for name in ("traits", "properties", "context", "integrations"):
        if message.get(name) is not None and not isinstance(message[name], dict):
            raise BadRequest("invalid_request", f"{name} must be an object")
    timestamp = message.get("timestamp")
    if timestamp is not None:
        try:
            datetime.fromisoformat(str(timestamp))
        except ValueError:
            raise BadRequest("invalid_request", "timestamp must be ISO-8601") from None
    message_id = message.get("messageId")
    if message_id is not None and not (isinstance(message_id, str) and message_id):
        raise BadRequest("invalid_request", "messageId must be a non-empty string")
    return message


class SegmentStandIn(StandIn):
    name = "cdp"

    def __init__(self, write_keys: tuple[str, ...]) -> None:
        super().__init__()
        self.write_keys = frozenset(write_keys)

    def fault_reply(self, status: int, mode: str) -> Reply:
        code = "server_error" if status >= 500 else "too_many_requests" if status == 429 else "bad_request"
        return Reply.json(status, {"code": code, "message": f"sandbox fault: {mode}"})

    def _write_key(self, request: Request, body: Any) -> str:
        header = request.headers.get("Authorization") or ""
        if header.startswith("Basic "):
            try:
                return base64.b64decode(header[6:], validate=True).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                return ""
        if isinstance(body, dict) and isinstance(body.get("writeKey"), str):
            return body["writeKey"]
        return ""

    def handle(self, request: Request) -> Reply:
        if request.method != "POST":
            return self.reject(request, 404, {"code": "not_found", "message": "not found"})
        parts = request.path.strip("/").split("/")
        if len(parts) != 2 or parts[0] != "v1" or parts[1] not in (*TYPES, "batch"):
            return self.reject(request, 404, {"code": "not_found", "message": "not found"})
        endpoint = parts[1]
        raw = request.body
        try:
            if (request.headers.get("Content-Encoding") or "").lower() == "gzip":
                raw = gzip.decompress(raw)
            limit = MAX_BATCH_BYTES if endpoint == "batch" else MAX_EVENT_BYTES
            if len(raw) > limit:
                raise BadRequest("payload_too_large", f"request body exceeds {limit // 1024} KB")
            try:
                body = json.loads(raw)
            except ValueError:
                raise BadRequest("invalid_json", "request body is not valid JSON") from None
            if self._write_key(request, body) not in self.write_keys:
                return self.reject(request, 401, {"code": "invalid_write_key", "message": "invalid write key"})
            if endpoint == "batch":
                if not isinstance(body, dict) or not isinstance(body.get("batch"), list):
                    raise BadRequest("invalid_request", "batch must be a list of messages")
                messages = [check_message(item) for item in body["batch"]]
                for item in messages:
                    if len(json.dumps(item, separators=(",", ":")).encode()) > MAX_EVENT_BYTES:
                        raise BadRequest("payload_too_large", "an event in the batch exceeds 32 KB")
            else:
                messages = [check_message(body, endpoint)]
        except BadRequest as exc:
            return self.reject(request, 400, {"code": exc.code, "message": exc.message})
        except (OSError, EOFError):
            return self.reject(request, 400, {"code": "invalid_request", "message": "bad gzip body"})
        self.recorder.accept()
        header_correlation = request.correlation_id
        received_at = time.time()
        for message in messages:
            message.setdefault("type", endpoint)
            message_id = message.get("messageId") or f"sandbox-{uuid.uuid4()}"
            context = message.get("context") or {}
            steward = context.get("steward")
            if not isinstance(steward, dict):
                steward = {}
            self.recorder.record(
                message_id,
                {
                    "message": message,
                    "correlation_id": steward.get("correlationId") or header_correlation,
                    "received_at": received_at,
                },
            )
        return OK
