"""Stand-in for a webhook receiver that verifies the Standard Webhooks spec (standardwebhooks.com), under ``/webhook``.

``POST /webhook/<any path>`` with ``webhook-id``, ``webhook-timestamp`` (unix seconds, at most 5 minutes off the
receiver's clock) and ``webhook-signature`` (space-separated ``v1,<base64 HMAC-SHA256>`` of
``"{id}.{timestamp}.{body}"``, keyed with the base64-decoded part of the ``whsec_...`` secret). A missing header,
a stale timestamp or no matching signature -> 401; a body that is not JSON -> 400; otherwise 204. Deliveries are
deduplicated by ``webhook-id``, as the spec asks receivers to do.

This is written from the spec, independently of connectors/webhook/client.py, so that a signing bug there fails.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time

from .base import Reply, Request, StandIn

TOLERANCE_SECONDS = 5 * 60
NO_CONTENT = Reply(204)


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


class WebhookStandIn(StandIn):
    name = "webhook"

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.key = secret_key(secret)

    def fault_reply(self, status: int, mode: str) -> Reply:
        return Reply(status, f"sandbox fault: {mode}".encode(), {"Content-Type": "text/plain"})

    def _refuse(self, request: Request, status: int, message: str) -> Reply:
        self.recorder.reject(status, request.path, message)
        return Reply(status, message.encode(), {"Content-Type": "text/plain"})

    def handle(self, request: Request) -> Reply:
        if request.method != "POST":
            return self._refuse(request, 405, "method not allowed")
        headers = request.headers
        msg_id = headers.get("webhook-id")
        timestamp = headers.get("webhook-timestamp")
        signatures = headers.get("webhook-signature")
        if not (msg_id and timestamp and signatures):
            return self._refuse(request, 401, "missing webhook-id, webhook-timestamp or webhook-signature")
        try:
            sent_at = int(timestamp)
        except ValueError:
            return self._refuse(request, 401, "webhook-timestamp is not unix seconds")
        if abs(time.time() - sent_at) > TOLERANCE_SECONDS:
            return self._refuse(request, 401, "webhook-timestamp is more than 5 minutes off")
        expected = hmac.new(self.key, f"{msg_id}.{timestamp}.".encode() + request.body, hashlib.sha256).digest()
        matched = False
        for signature in signatures.split(" "):
            version, _, value = signature.partition(",")
            if version != "v1":
                continue
            try:
                candidate = base64.b64decode(value, validate=True)
            except binascii.Error:
                continue
            if hmac.compare_digest(candidate, expected):
                matched = True
                break
        if not matched:
            return self._refuse(request, 401, "no matching signature")
        try:
            event = json.loads(request.body)
        except ValueError:
            return self._refuse(request, 400, "body is not JSON")
        self.recorder.accept()
        self.recorder.record(
            msg_id,
            {"path": request.path, "event": event, "correlation_id": request.correlation_id, "sent_at": sent_at},
        )
        return NO_CONTENT
