"""Delivering, over real HTTP to the sandbox's Standard Webhooks receiver: the worker called directly (a real Celery
worker runs in test_worker_process.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stewardship import correlation, services
from stewardship.errors import Conflict
from stewardship.models import ConsentPurpose, SourceSystem
from sync.models import AttemptOutcome, BreakerState, Connector, Delivery, DeliveryStatus
from sync.services import deliveries_replay, deliveries_sweep, delivery_replay
from sync.worker import deliveries_process
from tests.sync.conftest import ann


def process(*deliveries: Delivery):
    return deliveries_process(delivery_ids=[d.pk for d in deliveries])


def all_pending():
    return list(Delivery.objects.filter(status=DeliveryStatus.PENDING).order_by("id"))


def make_due(*deliveries: Delivery) -> None:
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(next_attempt_at=timezone.now())


def consent(key: str, status: str, captured_at: str) -> None:
    services.consent_events_record(
        source=SourceSystem.objects.get(code="erp"),
        events=[{"source_key": key, "purpose": "email_marketing", "status": status, "captured_at": captured_at}],
    )


def test_it_delivers_with_the_idempotency_key_and_correlation_id(webhook, upsert, clean_sandbox):
    token = correlation.set("req-42")
    try:
        upsert("erp", ann())
    finally:
        correlation.reset(token)
    [delivery] = all_pending()
    result = process(delivery)
    assert (result.claimed, result.delivered) == (1, 1)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at and delivery.attempts == 1
    [attempt] = delivery.attempt_rows.all()
    assert (attempt.outcome, attempt.status_code) == (AttemptOutcome.DELIVERED, 200)
    received = clean_sandbox.received("webhook")
    assert received["keys"] == {str(delivery.idempotency_key): 1}
    [item] = received["items"]
    assert item["correlation_id"] == delivery.event.correlation_id == "req-42"
    assert item["event"]["type"] == "customer.upserted"


def test_a_duplicate_task_has_no_second_effect(webhook, upsert, clean_sandbox):
    upsert("erp", ann())
    [delivery] = all_pending()
    process(delivery)
    assert process(delivery).claimed == 0
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING)  # as if the write-back was lost
    process(delivery)
    received = clean_sandbox.received("webhook")
    assert (received["received"], received["effects"]) == (2, 1)


def test_a_server_error_is_retried_later_then_delivered(webhook, upsert, clean_sandbox):
    upsert("erp", ann())
    [delivery] = all_pending()
    clean_sandbox.fault("webhook", "error", status=503, count=1)
    before = timezone.now()
    assert process(delivery).retrying == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at >= before + timedelta(seconds=webhook.backoff_base_seconds / 2)
    assert delivery.queued_at is None  # the sweeper queues it when due
    assert process(delivery).claimed == 0  # not due yet
    make_due(delivery)
    assert process(delivery).delivered == 1
    outcomes = list(Delivery.objects.get().attempt_rows.values_list("outcome", "status_code"))
    assert outcomes == [("transient", 503), ("delivered", 200)]


def test_a_validation_error_is_dead_at_once_and_replayed_after_the_fix(webhook, upsert, clean_sandbox, steward):
    upsert("erp", ann())
    [delivery] = all_pending()
    clean_sandbox.fault("webhook", "reject", status=400, count=1)
    assert process(delivery).dead == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 1 and "400" in delivery.last_error
    delivery_replay(delivery_id=delivery.pk, user=steward)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.replayed_by) == (DeliveryStatus.PENDING, 0, steward)
    assert process(delivery).delivered == 1
    assert clean_sandbox.received("webhook")["effects"] == 1
    with pytest.raises(Conflict, match="Only dead deliveries"):
        delivery_replay(delivery_id=delivery.pk, user=steward)


def test_retry_after_is_honoured_and_holds_the_whole_connector(webhook, upsert, clean_sandbox):
    upsert("erp", ann())
    upsert("erp", ann("C-2", given_name="Bo", email="bo@example.com"))
    first, second = all_pending()
    clean_sandbox.fault("webhook", "throttle", retry_after=30, count=1)
    before = timezone.now()
    process(first)
    first.refresh_from_db()
    webhook.refresh_from_db()
    assert first.next_attempt_at >= before + timedelta(seconds=30)
    assert webhook.throttled_until >= before + timedelta(seconds=30)
    result = process(second)  # another record: held until the throttle ends, costing no attempt
    second.refresh_from_db()
    assert result.held == 1 and second.attempts == 0 and second.next_attempt_at >= webhook.throttled_until
    received = clean_sandbox.received("webhook")
    assert (received["faulted"], received["requests"]) == (1, 0)  # the held one never reached the system


def test_attempts_are_capped(webhook, upsert, clean_sandbox):
    Connector.objects.filter(pk=webhook.pk).update(max_attempts=3, breaker_threshold=100)
    upsert("erp", ann())
    [delivery] = all_pending()
    clean_sandbox.fault("webhook", "error", status=500, count=-1)
    for _ in range(3):
        make_due(delivery)
        process(delivery)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 3
    assert delivery.last_error.startswith("gave up after 3 attempts")


def test_versions_of_a_record_go_out_in_order(webhook, upsert, clean_sandbox):
    upsert("erp", ann())
    consent("C-1", "granted", "2026-01-02T10:00:00Z")  # a fact: it supersedes nothing
    v1, v2 = all_pending()
    clean_sandbox.fault("webhook", "error", count=1)
    process(v1, v2)  # v1 fails: v2 is not sent before it
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v1.attempts, v2.status, v2.attempts) == ("pending", 1, "pending", 0)
    assert v2.next_attempt_at >= v1.next_attempt_at  # it waits for v1
    make_due(v2)
    assert process(v2).claimed == 0  # asked alone, it still waits: v1 is undelivered
    make_due(v1, v2)
    process(v1, v2)
    versions = [item["event"]["data"]["version"] for item in clean_sandbox.received("webhook")["items"]]
    assert versions == [1, 2]


def test_the_breaker_opens_holds_without_burning_attempts_then_probes(webhook, upsert, clean_sandbox):
    Connector.objects.filter(pk=webhook.pk).update(breaker_threshold=2, breaker_cooldown_seconds=60)
    for n in range(3):
        upsert("erp", ann(f"C-{n}", given_name=f"Ann{n}", email=f"a{n}@example.com"))
    a, b, c = all_pending()
    clean_sandbox.fault("webhook", "error", count=-1)
    process(a)
    process(b)
    webhook.refresh_from_db()
    assert webhook.breaker_state() == BreakerState.OPEN
    assert process(c).held == 1
    c.refresh_from_db()
    assert c.attempts == 0 and c.next_attempt_at >= webhook.breaker_open_until
    assert clean_sandbox.received("webhook")["faulted"] == 2  # nothing more reached the system
    clean_sandbox.reset()
    Connector.objects.filter(pk=webhook.pk).update(breaker_open_until=timezone.now() - timedelta(seconds=1))
    make_due(a, b, c)
    result = process(a, b, c)  # half-open: one probe, the others wait for its answer
    assert (result.delivered, result.held) == (1, 2)
    webhook.refresh_from_db()
    assert webhook.breaker_state() == BreakerState.CLOSED
    make_due(a, b, c)
    assert process(a, b, c).delivered == 2


def test_marketing_data_is_suppressed_without_consent_but_withdrawals_flow(webhook, upsert, clean_sandbox):
    webhook.consent_purposes.add(ConsentPurpose.objects.get(code="email_marketing"))
    upsert("erp", ann())
    [no_consent] = all_pending()
    assert process(no_consent).suppressed == 1
    no_consent.refresh_from_db()
    assert no_consent.status == DeliveryStatus.SUPPRESSED
    assert no_consent.attempt_rows.get().outcome == AttemptOutcome.SUPPRESSED
    consent("C-1", "granted", "2026-01-02T10:00:00Z")
    [granted] = all_pending()
    assert process(granted).delivered == 1
    consent("C-1", "withdrawn", "2026-01-03T10:00:00Z")
    [withdrawn] = all_pending()
    assert process(withdrawn).delivered == 1  # the customer no longer consents, but the withdrawal must arrive
    upsert("erp", ann(updated_at="2026-01-04T10:00:00Z", city="Leeds"))
    [after] = all_pending()
    assert process(after).suppressed == 1
    changes = [item["event"]["data"]["changes"] for item in clean_sandbox.received("webhook")["items"]]
    assert changes == [
        {"consent.email_marketing": {"before": None, "after": "granted"}},
        {"consent.email_marketing": {"before": "granted", "after": "withdrawn"}},
    ]


def test_a_lost_worker_is_recovered_by_the_sweeper_and_its_late_report_ignored(webhook, upsert, clean_sandbox):
    upsert("erp", ann())
    [delivery] = all_pending()
    # A worker claimed it and died: in flight with an expired lease.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.IN_FLIGHT, attempts=1, lease_until=timezone.now() - timedelta(seconds=1)
    )
    result = deliveries_sweep()
    assert (result.lost, result.requeued) == (1, 1)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.queued_at is not None
    assert delivery.attempt_rows.get().outcome == AttemptOutcome.LOST
    assert process(delivery).delivered == 1
    assert clean_sandbox.received("webhook")["effects"] == 1


def test_the_sweeper_requeues_due_retries_and_lost_tasks_only(webhook, upsert, settings):
    upsert("erp", ann())
    upsert("erp", ann("C-2", given_name="Bo", email="bo@example.com"))
    fresh, lost = all_pending()
    long_ago = timezone.now() - timedelta(seconds=settings.STEWARD_SYNC_REQUEUE_SECONDS + 1)
    Delivery.objects.filter(pk=lost.pk).update(queued_at=long_ago)
    assert deliveries_sweep().requeued == 1  # the fresh one's task is still on its way
    lost.refresh_from_db()
    assert lost.queued_at > long_ago


def test_replay_is_refused_when_a_newer_version_was_delivered(webhook, upsert, clean_sandbox, steward):
    upsert("erp", ann())
    consent("C-1", "granted", "2026-01-02T10:00:00Z")
    v1, v2 = all_pending()
    clean_sandbox.fault("webhook", "reject", count=1)
    process(v1, v2)
    v1.refresh_from_db()
    assert v1.status == DeliveryStatus.DEAD
    assert Delivery.objects.get(pk=v2.pk).status == DeliveryStatus.DELIVERED
    with pytest.raises(Conflict, match="Version 2"):
        delivery_replay(delivery_id=v1.pk, user=steward)
    assert deliveries_replay(deliveries=Delivery.objects.all(), user=steward) == {"replayed": 0, "superseded": 1}


def test_the_rate_limit_spaces_calls(webhook, upsert, clean_sandbox):
    import time

    Connector.objects.filter(pk=webhook.pk).update(rate_limit_per_second=20)
    upsert("erp", *[ann(f"C-{n}", given_name=f"N{n}", email=f"n{n}@example.com") for n in range(6)])
    started = time.monotonic()
    assert process(*all_pending()).delivered == 6
    assert time.monotonic() - started >= 5 * 0.05  # 6 calls at 20/s: at least 5 intervals


def test_a_failed_delivery_is_logged_without_the_reply(caplog):
    from connectors.base import Message, Outcome
    from connectors.http import TransportError
    from sync.worker import _log

    reply = '{"error": "email ann.secret@example.com is taken by customer 42", "birth_date": "1980-02-29"}'
    error = TransportError(f"HTTP 422: {reply}", permanent=True, status_code=422, response=reply)
    message = Message(
        delivery_id=7,
        idempotency_key="k",
        event_type="customer.upserted",
        domain="customer",
        golden_id="g-1",
        version=3,
        payload={"email": "ann.secret@example.com"},
        correlation_id="c-1",
        occurred_at=timezone.now(),
    )
    _log(Connector(name="cdp"), message, Outcome(7, error, status_code=422, response=reply))
    assert "delivery 7 (g-1 v3) to cdp failed: HTTP 422, permanent" in caplog.text
    assert "ann.secret" not in caplog.text and "1980" not in caplog.text
