"""HTTP to a webhook endpoint, signed as the Standard Webhooks spec says.

Headers: ``webhook-id`` (the delivery's idempotency key: the receiver deduplicates on it), ``webhook-timestamp``
(unix seconds, at the time of *this* attempt: receivers refuse stale ones), ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, keyed with the base64-decoded part of ``whsec_...``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

from connectors.http import HttpClient, Response, TransportError

SECRET_PREFIX = "whsec_"


def decode_secret(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret (the prefix is optional); ValueError when it is not one."""
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("the webhook secret must be whsec_ followed by base64") from None
    if len(key) < 16:
        raise ValueError("the webhook secret must hold at least 16 bytes")
    return key


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class WebhookClient:
    def __init__(self, http: HttpClient, url: str, secret: str) -> None:
        self.http = http
        self.url = url
        self.secret = secret
        self._key: bytes | None = None

    @property
    def key(self) -> bytes:
        if self._key is None:
            try:
                self._key = decode_secret(self.secret)
            except ValueError as exc:
                raise TransportError(str(exc), permanent=True) from None
        return self._key

    def post(self, msg_id: str, body: bytes, *, correlation_id: str = "") -> Response:
        timestamp = int(time.time())
        return self.http.request(
            "POST",
            self.url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "webhook-id": msg_id,
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(self.key, msg_id, timestamp, body),
            },
            correlation_id=correlation_id,
        )
