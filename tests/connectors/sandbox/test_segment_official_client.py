"""The CDP stand-in is faithful to Segment: Segment's own Python library (segment-analytics-python), pointed at it,
gets its identify, track and batched calls accepted and recorded, and its errors parsed."""

from __future__ import annotations

import pytest
from segment.analytics import Client
from segment.analytics.request import APIError, post

from tests.fixtures.sandbox import Sandbox


def test_the_official_client_in_sync_mode_is_accepted(clean_sandbox: Sandbox) -> None:
    errors: list[Exception] = []
    client = Client(
        clean_sandbox.write_key,
        host=clean_sandbox.cdp_url,
        sync_mode=True,
        max_retries=0,
        on_error=lambda error, batch: errors.append(error),
    )
    client.identify("golden-1", {"email": "ann@example.com", "firstName": "Ann"}, message_id="m-identify")
    client.track("golden-1", "Consent Changed", {"email_marketing": "granted"}, message_id="m-track")
    client.flush()
    assert errors == []

    received = clean_sandbox.received("cdp")
    by_id = {item["key"]: item["message"] for item in received["items"]}
    assert by_id["m-identify"]["type"] == "identify"
    assert by_id["m-identify"]["traits"]["firstName"] == "Ann"
    assert by_id["m-track"]["event"] == "Consent Changed"
    assert by_id["m-track"]["properties"] == {"email_marketing": "granted"}
    assert received["requests"] == 2  # sync mode: one /v1/batch request per call


def test_the_official_client_batches_and_gzips_in_the_background(clean_sandbox: Sandbox) -> None:
    errors: list[Exception] = []
    client = Client(
        clean_sandbox.write_key,
        host=clean_sandbox.cdp_url,
        gzip=True,
        upload_size=50,
        max_retries=0,
        on_error=lambda error, batch: errors.append(error),
    )
    for index in range(120):
        client.track(f"user-{index}", "Product Updated", {"sku": f"SKU-{index}"}, message_id=f"m-{index}")
    client.flush()
    client.join()
    assert errors == []
    received = clean_sandbox.received("cdp", limit=0)
    assert (received["received"], received["effects"]) == (120, 120)
    assert received["requests"] >= 3  # upload_size 50: at least three batches


def test_the_official_client_reads_the_stand_ins_errors(clean_sandbox: Sandbox) -> None:
    with pytest.raises(APIError) as bad_key:
        post("not-the-key", host=clean_sandbox.cdp_url, batch=[{"type": "identify", "userId": "u"}])
    assert bad_key.value.status == 401
    assert bad_key.value.code == "invalid_write_key"

    with pytest.raises(APIError) as no_user:
        post(clean_sandbox.write_key, host=clean_sandbox.cdp_url, batch=[{"type": "identify", "traits": {}}])
    assert no_user.value.status == 400
    assert no_user.value.code == "invalid_request"
    assert clean_sandbox.received("cdp")["received"] == 0
