"""SegmentConnector over real HTTP against the sandbox's Segment stand-in."""

from __future__ import annotations

import uuid

import pytest

from connectors.base import ConnectorConfig
from connectors.cdp.connector import SegmentConnector
from connectors.registry import connector_class
from tests.fixtures.sandbox import Sandbox, customer_payload, make_message


@pytest.fixture
def connector(clean_sandbox: Sandbox):
    connector = SegmentConnector(clean_sandbox.segment_config(timeout=2.0))
    yield connector
    connector.close()


def _messages(received: dict) -> dict[str, dict]:
    return {item["key"]: item["message"] for item in received["items"]}


def test_it_is_registered_as_segment() -> None:
    assert connector_class("segment") is SegmentConnector
    assert SegmentConnector.label == "CDP: Segment HTTP Tracking API"


def test_an_upsert_is_an_identify_keyed_by_golden_id_and_idempotency_key(
    connector: SegmentConnector, clean_sandbox: Sandbox
) -> None:
    message = make_message("upserted", version=3)
    [outcome] = connector.send([message])
    assert outcome.ok, outcome.error
    assert outcome.status_code == 200

    received = clean_sandbox.received("cdp")
    identify = _messages(received)[message.idempotency_key]
    assert (identify["type"], identify["userId"]) == ("identify", message.golden_id)
    assert identify["traits"]["firstName"] == "Ann"
    assert identify["traits"]["email"] == "ann.lee@example.com"
    assert identify["traits"]["address"] == {
        "street": "1 High Street",
        "postalCode": "SW1A 1AA",
        "city": "London",
        "country": "GB",
    }
    assert identify["traits"]["consents"] == {"email_marketing": "granted"}
    assert identify["context"]["consent"] == {"categoryPreferences": {"email_marketing": True}}
    assert identify["context"]["steward"]["version"] == 3
    assert received["items"][0]["correlation_id"] == message.correlation_id


def test_many_messages_go_in_one_batch_request_in_order(connector: SegmentConnector, clean_sandbox: Sandbox) -> None:
    messages = [make_message("upserted") for _ in range(40)]
    outcomes = connector.send(messages)
    assert [outcome.delivery_id for outcome in outcomes] == [m.delivery_id for m in messages]
    assert all(outcome.ok for outcome in outcomes)
    received = clean_sandbox.received("cdp")
    assert (received["requests"], received["effects"]) == (1, 40)
    assert [item["key"] for item in received["items"]] == [m.idempotency_key for m in messages]


def test_consent_changed_merged_erased_and_products(connector: SegmentConnector, clean_sandbox: Sandbox) -> None:
    golden = str(uuid.uuid4())
    survivor = str(uuid.uuid4())
    consent = make_message("consent_changed", golden_id=golden)
    merged_payload = {**customer_payload(golden), "status": "merged", "merged_into": survivor}
    merged = make_message("merged", golden_id=golden, payload=merged_payload)
    erased = make_message("erased", golden_id=golden, payload={"id": golden, "status": "erased", "attributes": {}})
    product = make_message("upserted", domain="product")
    assert all(outcome.ok for outcome in connector.send([consent, merged, erased, product]))

    by_key = _messages(clean_sandbox.received("cdp"))
    assert by_key[f"{consent.idempotency_key}/identify"]["type"] == "identify"
    assert by_key[consent.idempotency_key]["event"] == "Consent Changed"
    assert by_key[consent.idempotency_key]["properties"]["consents"] == {"email_marketing": "granted"}
    assert by_key[merged.idempotency_key]["event"] == "Customer Merged"
    assert by_key[merged.idempotency_key]["properties"] == {"mergedInto": survivor}
    assert by_key[erased.idempotency_key]["event"] == "Customer Erased"
    assert "traits" not in by_key[erased.idempotency_key]
    track = by_key[product.idempotency_key]
    assert (track["event"], track["anonymousId"], "userId" in track) == ("Product Updated", "steward-catalog", False)
    assert track["properties"]["product_id"] == product.golden_id
    assert track["properties"]["price"] == 39.9


def test_a_resent_message_has_no_second_effect(connector: SegmentConnector, clean_sandbox: Sandbox) -> None:
    message = make_message("upserted")
    assert connector.send([message])[0].ok
    assert connector.send([message])[0].ok
    received = clean_sandbox.received("cdp")
    assert (received["received"], received["effects"], received["duplicates"]) == (2, 1, 1)


def test_an_event_over_32_kb_fails_that_message_only(connector: SegmentConnector, clean_sandbox: Sandbox) -> None:
    golden = str(uuid.uuid4())
    huge = make_message("upserted", golden_id=golden, payload=customer_payload(golden, address_line2="x" * 40_000))
    before, after = make_message("upserted"), make_message("upserted")
    outcomes = connector.send([before, huge, after])
    assert [outcome.ok for outcome in outcomes] == [True, False, True]
    assert outcomes[1].error.permanent
    assert "32 KB" in str(outcomes[1].error)
    assert clean_sandbox.received("cdp")["effects"] == 2


def test_batches_over_500_kb_are_split_and_all_accepted(connector: SegmentConnector, clean_sandbox: Sandbox) -> None:
    messages = []
    for _ in range(60):  # ~25 KB each: about 1.5 MB in all
        golden = str(uuid.uuid4())
        messages.append(
            make_message("upserted", golden_id=golden, payload=customer_payload(golden, address_line2="y" * 25_000))
        )
    outcomes = connector.send(messages)
    assert all(outcome.ok for outcome in outcomes), [o.error for o in outcomes if o.error]
    received = clean_sandbox.received("cdp", limit=0)
    assert received["requests"] >= 4
    assert (received["effects"], received["rejected"]) == (60, 0)


def test_a_server_error_is_transient_and_stops_the_later_messages(
    connector: SegmentConnector, clean_sandbox: Sandbox
) -> None:
    clean_sandbox.fault("cdp", "error", status=503)
    outcomes = connector.send([make_message("upserted"), make_message("upserted")])
    assert [(o.ok, o.error.permanent, o.status_code) for o in outcomes] == [(False, False, 503), (False, False, 503)]
    assert clean_sandbox.received("cdp")["received"] == 0


def test_a_transient_failure_leaves_the_later_batches_not_attempted(
    connector: SegmentConnector, clean_sandbox: Sandbox
) -> None:
    messages = []
    for _ in range(30):  # ~25 KB each: two batch requests
        golden = str(uuid.uuid4())
        messages.append(
            make_message("upserted", golden_id=golden, payload=customer_payload(golden, address_line2="z" * 25_000))
        )
    clean_sandbox.fault("cdp", "error", status=500)
    outcomes = connector.send(messages)
    assert all(not outcome.ok and not outcome.error.permanent for outcome in outcomes)
    assert outcomes[0].attempted and outcomes[0].status_code == 500
    assert not outcomes[-1].attempted
    assert clean_sandbox.received("cdp")["faulted"] == 1


def test_a_429_is_transient_with_the_retry_after_it_gave(connector: SegmentConnector, clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("cdp", "throttle", retry_after=3)
    [outcome] = connector.send([make_message("upserted")])
    assert (outcome.error.permanent, outcome.status_code, outcome.error.retry_after) == (False, 429, 3.0)


def test_a_timeout_is_transient(clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("cdp", "timeout", delay=3)
    connector = SegmentConnector(clean_sandbox.segment_config(timeout=0.3))
    try:
        [outcome] = connector.send([make_message("upserted")])
    finally:
        connector.close()
    assert not outcome.ok
    assert not outcome.error.permanent
    assert "timed out" in str(outcome.error)


def test_a_refusal_is_permanent(connector: SegmentConnector, clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("cdp", "reject")
    [outcome] = connector.send([make_message("upserted")])
    assert (outcome.error.permanent, outcome.status_code) == (True, 400)


def test_a_refused_batch_is_retried_message_by_message(connector: SegmentConnector, clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("cdp", "reject", count=2)  # the batch, then the first message alone
    outcomes = connector.send([make_message("upserted") for _ in range(3)])
    assert [outcome.ok for outcome in outcomes] == [False, True, True]
    assert outcomes[0].error.permanent
    assert clean_sandbox.received("cdp")["effects"] == 2


def test_a_wrong_write_key_is_permanent(clean_sandbox: Sandbox) -> None:
    connector = SegmentConnector(ConnectorConfig(name="cdp", base_url=clean_sandbox.cdp_url, secret="wrong"))
    try:
        outcomes = connector.send([make_message("upserted"), make_message("upserted")])
    finally:
        connector.close()
    assert [(o.status_code, o.error.permanent) for o in outcomes] == [(401, True), (401, True)]
    assert clean_sandbox.received("cdp")["rejected"] == 1  # not retried one by one


def test_send_one_works_through_the_base_interface(connector: SegmentConnector, clean_sandbox: Sandbox) -> None:
    outcome = connector.send_timed(make_message("upserted"))
    assert outcome.ok
    assert clean_sandbox.received("cdp")["effects"] == 1


def test_options_are_checked() -> None:
    assert SegmentConnector.check_options({}) == {}
    assert SegmentConnector.check_options({"product_anonymous_id": ""}) == {
        "product_anonymous_id": ["Must be a non-empty string."]
    }
