"""WebhookConnector over real HTTP against the sandbox's Standard Webhooks receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

import pytest

from connectors.registry import connector_class
from connectors.webhook.client import decode_secret, sign
from connectors.webhook.connector import WebhookConnector
from tests.fixtures.sandbox import Sandbox, make_message


@pytest.fixture
def connector(clean_sandbox: Sandbox):
    connector = WebhookConnector(clean_sandbox.webhook_config(timeout=2.0))
    yield connector
    connector.close()


def test_it_is_registered_as_webhook() -> None:
    assert connector_class("webhook") is WebhookConnector


def test_a_delivery_is_a_signed_standard_webhooks_envelope(connector: WebhookConnector, clean_sandbox: Sandbox) -> None:
    message = make_message("upserted", version=4)
    outcome = connector.send_timed(message)
    assert outcome.ok, outcome.error

    [item] = clean_sandbox.received("webhook")["items"]
    assert item["key"] == message.idempotency_key  # webhook-id
    assert item["correlation_id"] == message.correlation_id
    event = item["event"]
    assert set(event) == {"type", "timestamp", "data"}
    assert event["type"] == "customer.upserted"
    assert event["timestamp"].endswith("Z")
    assert event["data"] == message.payload


def test_a_retried_delivery_is_signed_afresh_and_deduplicated(
    connector: WebhookConnector, clean_sandbox: Sandbox
) -> None:
    message = make_message("erased", payload={"id": "g", "status": "erased"})
    assert connector.send_timed(message).ok
    assert connector.send_timed(message).ok
    received = clean_sandbox.received("webhook")
    assert (received["received"], received["effects"]) == (2, 1)


def test_a_different_secret_is_refused_with_401_permanently(clean_sandbox: Sandbox) -> None:
    other = "whsec_" + base64.b64encode(uuid.uuid4().bytes * 2).decode()
    connector = WebhookConnector(clean_sandbox.webhook_config(secret=other))
    try:
        outcome = connector.send_timed(make_message())
    finally:
        connector.close()
    assert (outcome.status_code, outcome.error.permanent) == (401, True)
    assert clean_sandbox.received("webhook")["rejected"] == 1


def test_a_malformed_secret_is_permanent_without_a_call(clean_sandbox: Sandbox) -> None:
    connector = WebhookConnector(clean_sandbox.webhook_config(secret="whsec_not base64!"))
    try:
        outcome = connector.send_timed(make_message())
    finally:
        connector.close()
    assert (outcome.status_code, outcome.error.permanent) == (None, True)
    assert clean_sandbox.received("webhook")["requests"] == 0


def test_the_signature_follows_the_spec() -> None:
    key = decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    expected = hmac.new(key, b"msg_1.1700000000.{}", hashlib.sha256).digest()
    assert sign(key, "msg_1", 1700000000, b"{}") == "v1," + base64.b64encode(expected).decode()
    with pytest.raises(ValueError):
        decode_secret("whsec_c2hvcnQ=")  # 5 bytes: too short to be a key


@pytest.mark.parametrize(
    ("fault", "permanent", "status"),
    [
        ({"mode": "error", "status": 500}, False, 500),
        ({"mode": "error", "status": 503}, False, 503),
        ({"mode": "throttle", "retry_after": 5}, False, 429),
        ({"mode": "reject"}, True, 400),
    ],
)
def test_faults_are_classified(connector: WebhookConnector, clean_sandbox: Sandbox, fault, permanent, status) -> None:
    clean_sandbox.fault("webhook", **fault)
    outcome = connector.send_timed(make_message())
    assert (outcome.ok, outcome.error.permanent, outcome.status_code) == (False, permanent, status)
    if status == 429:
        assert outcome.error.retry_after == 5.0


def test_a_timeout_is_transient(clean_sandbox: Sandbox) -> None:
    connector = WebhookConnector(clean_sandbox.webhook_config(timeout=0.3))
    clean_sandbox.fault("webhook", "timeout", delay=3)
    try:
        outcome = connector.send_timed(make_message())
    finally:
        connector.close()
    assert (outcome.ok, outcome.error.permanent) == (False, False)
    assert "timed out" in str(outcome.error)


def test_a_transient_failure_stops_the_rest_of_the_batch(connector: WebhookConnector, clean_sandbox: Sandbox) -> None:
    clean_sandbox.fault("webhook", "error")
    outcomes = connector.send([make_message(), make_message()])
    assert [(o.ok, o.status_code) for o in outcomes] == [(False, 500), (False, None)]
    assert clean_sandbox.received("webhook")["received"] == 0
