"""The Segment stand-in refuses what Segment refuses, with Segment's status codes, and counts effects by messageId."""

from __future__ import annotations

import gzip
import json
import uuid

import requests

from tests.fixtures.sandbox import Sandbox


def _post(sandbox: Sandbox, path: str, body: object, *, key: str | None = None, **kwargs) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    auth = (key if key is not None else sandbox.write_key, "")
    return requests.post(f"{sandbox.cdp_url}/v1/{path}", data=data, headers=headers, auth=auth, timeout=5, **kwargs)


def identify(**fields) -> dict:
    return {"userId": "u-1", "messageId": str(uuid.uuid4()), "traits": {"email": "a@example.com"}, **fields}


def test_it_accepts_identify_track_and_batch_with_segments_answer(clean_sandbox: Sandbox) -> None:
    assert _post(clean_sandbox, "identify", identify()).json() == {"success": True}
    assert _post(clean_sandbox, "track", {"anonymousId": "a-1", "event": "Signed Up"}).status_code == 200
    batch = {"batch": [{"type": "identify", **identify()}, {"type": "track", "userId": "u-1", "event": "X"}]}
    assert _post(clean_sandbox, "batch", batch).status_code == 200

    received = clean_sandbox.received("cdp")
    assert (received["requests"], received["received"], received["effects"]) == (3, 4, 4)
    assert [item["message"]["type"] for item in received["items"]] == ["identify", "track", "identify", "track"]


def test_a_bad_or_missing_write_key_is_401(clean_sandbox: Sandbox) -> None:
    assert _post(clean_sandbox, "identify", identify(), key="wrong").status_code == 401
    no_auth = requests.post(f"{clean_sandbox.cdp_url}/v1/identify", json=identify(), timeout=5)
    assert no_auth.status_code == 401
    assert no_auth.json()["code"] == "invalid_write_key"
    # Segment also takes the write key in the body.
    assert requests.post(
        f"{clean_sandbox.cdp_url}/v1/identify", json={**identify(), "writeKey": clean_sandbox.write_key}, timeout=5
    ).ok
    assert clean_sandbox.received("cdp")["rejected"] == 2


def test_a_call_without_user_id_or_anonymous_id_is_400(clean_sandbox: Sandbox) -> None:
    response = _post(clean_sandbox, "identify", {"traits": {"email": "a@example.com"}})
    assert response.status_code == 400
    assert set(response.json()) == {"code", "message"}
    assert _post(clean_sandbox, "batch", {"batch": [identify(), {"type": "identify"}]}).status_code == 400
    assert clean_sandbox.received("cdp")["received"] == 0


def test_a_track_without_event_name_or_a_bad_body_is_400(clean_sandbox: Sandbox) -> None:
    assert _post(clean_sandbox, "track", {"userId": "u-1"}).status_code == 400
    assert _post(clean_sandbox, "identify", b"{not json").status_code == 400
    assert _post(clean_sandbox, "identify", identify(timestamp="yesterday")).status_code == 400
    assert _post(clean_sandbox, "identify", identify(traits=["a"])).status_code == 400
    assert _post(clean_sandbox, "batch", {"batch": {"type": "identify"}}).status_code == 400


def test_an_event_over_32_kb_is_400_alone_or_in_a_batch(clean_sandbox: Sandbox) -> None:
    big = identify(traits={"note": "x" * (33 * 1024)})
    assert _post(clean_sandbox, "identify", big).status_code == 400
    assert _post(clean_sandbox, "batch", {"batch": [identify(), {"type": "identify", **big}]}).status_code == 400
    assert _post(clean_sandbox, "identify", identify(traits={"note": "x" * (31 * 1024)})).status_code == 200


def test_a_batch_request_over_500_kb_is_400(clean_sandbox: Sandbox) -> None:
    events = [{"type": "identify", **identify(traits={"note": "x" * 20_000})} for _ in range(30)]  # ~600 KB
    response = _post(clean_sandbox, "batch", {"batch": events})
    assert response.status_code == 400
    assert response.json()["code"] == "payload_too_large"
    assert _post(clean_sandbox, "batch", {"batch": events[:20]}).status_code == 200  # ~400 KB


def test_a_gzipped_body_is_accepted(clean_sandbox: Sandbox) -> None:
    body = gzip.compress(json.dumps({"batch": [{"type": "identify", **identify()}]}).encode())
    assert _post(clean_sandbox, "batch", body, headers={"Content-Encoding": "gzip"}).status_code == 200
    assert clean_sandbox.received("cdp")["received"] == 1


def test_a_repeated_message_id_is_recorded_but_has_one_effect(clean_sandbox: Sandbox) -> None:
    event = identify()
    for _ in range(3):
        assert _post(clean_sandbox, "identify", event).status_code == 200
    received = clean_sandbox.received("cdp")
    assert (received["received"], received["effects"], received["duplicates"]) == (3, 1, 2)
    assert received["keys"] == {event["messageId"]: 3}
    assert [item["duplicate"] for item in received["items"]] == [False, True, True]


def test_the_correlation_header_is_recorded(clean_sandbox: Sandbox) -> None:
    _post(clean_sandbox, "identify", identify(), headers={"X-Correlation-ID": "corr-1"})
    assert clean_sandbox.received("cdp")["items"][0]["correlation_id"] == "corr-1"
