"""The webhook stand-in verifies Standard Webhooks signatures and timestamps, and deduplicates by webhook-id. The
signing here is written out from the spec, separately from the connector's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import requests

from tests.fixtures.sandbox import Sandbox


def signed(sandbox: Sandbox, body: bytes, *, msg_id: str = "msg_1", timestamp: int | None = None, secret=None):
    timestamp = int(time.time()) if timestamp is None else timestamp
    key = base64.b64decode((secret or sandbox.webhook_secret).removeprefix("whsec_"))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        "Content-Type": "application/json",
    }


BODY = json.dumps({"type": "customer.upserted", "timestamp": "2026-01-01T00:00:00Z", "data": {"id": "g-1"}}).encode()


def _post(sandbox: Sandbox, headers: dict, body: bytes = BODY) -> requests.Response:
    return requests.post(sandbox.webhook_url, data=body, headers=headers, timeout=5)


def test_a_correctly_signed_delivery_is_accepted_and_recorded(clean_sandbox: Sandbox) -> None:
    assert _post(clean_sandbox, signed(clean_sandbox, BODY)).status_code == 204
    item = clean_sandbox.received("webhook")["items"][0]
    assert (item["key"], item["path"], item["event"]["type"]) == ("msg_1", "/steward", "customer.upserted")


def test_a_bad_signature_is_401(clean_sandbox: Sandbox) -> None:
    other_secret = "whsec_" + base64.b64encode(b"another secret of 32 bytes......").decode()
    assert _post(clean_sandbox, signed(clean_sandbox, BODY, secret=other_secret)).status_code == 401
    tampered = signed(clean_sandbox, BODY)
    assert _post(clean_sandbox, tampered, BODY.replace(b"g-1", b"g-2")).status_code == 401
    assert _post(clean_sandbox, {"webhook-id": "x", "Content-Type": "application/json"}).status_code == 401
    received = clean_sandbox.received("webhook")
    assert (received["received"], received["rejected"]) == (0, 3)


def test_one_good_signature_among_several_is_enough(clean_sandbox: Sandbox) -> None:
    headers = signed(clean_sandbox, BODY)
    headers["webhook-signature"] = "v1,AAAA v1a,whatever " + headers["webhook-signature"]
    assert _post(clean_sandbox, headers).status_code == 204


def test_a_timestamp_more_than_five_minutes_off_is_401(clean_sandbox: Sandbox) -> None:
    now = int(time.time())
    assert _post(clean_sandbox, signed(clean_sandbox, BODY, timestamp=now - 6 * 60)).status_code == 401
    assert _post(clean_sandbox, signed(clean_sandbox, BODY, timestamp=now + 6 * 60)).status_code == 401
    assert _post(clean_sandbox, signed(clean_sandbox, BODY, timestamp=now - 4 * 60)).status_code == 204


def test_a_repeated_webhook_id_is_recorded_once_as_an_effect(clean_sandbox: Sandbox) -> None:
    for _ in range(2):
        assert _post(clean_sandbox, signed(clean_sandbox, BODY, msg_id="msg_dup")).status_code == 204
    received = clean_sandbox.received("webhook")
    assert (received["received"], received["effects"], received["keys"]) == (2, 1, {"msg_dup": 2})


def test_a_signed_body_that_is_not_json_is_400(clean_sandbox: Sandbox) -> None:
    assert _post(clean_sandbox, signed(clean_sandbox, b"not json"), b"not json").status_code == 400
