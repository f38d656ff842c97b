"""End to end with real parts: changes committed through the services, real Celery workers (prefork, beat embedded)
on a real Redis broker, PostgreSQL (or SQLite), and the sandbox stand-ins over HTTP. Then faults: workers killed with
SIGKILL mid-run, the system failing then recovering, throttling, a permanent error replayed after the fix, and the
broker restarted."""

from __future__ import annotations

import time

import pytest

from stewardship.models import SourceSystem
from sync.models import AttemptOutcome, Connector, Delivery, DeliveryAttempt, DeliveryStatus, Subscription
from tests.conftest import record
from tests.sync.processes import settled, summary, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def connectors(clean_sandbox) -> dict[str, Connector]:
    made = {
        "hooks": Connector.objects.create(
            name="hooks",
            kind="webhook",
            base_url=clean_sandbox.webhook_url,
            secret=clean_sandbox.webhook_secret,
            backoff_base_seconds=0.5,
            backoff_cap_seconds=2,
            breaker_cooldown_seconds=1,
            timeout_seconds=3,
        ),
        "cdp": Connector.objects.create(
            name="cdp",
            kind="segment",
            base_url=clean_sandbox.cdp_url,
            secret=clean_sandbox.write_key,
            backoff_base_seconds=0.5,
            backoff_cap_seconds=2,
        ),
        "loyalty": Connector.objects.create(
            name="loyalty",
            kind="loyalty",
            base_url=clean_sandbox.loyalty_url,
            secret=clean_sandbox.loyalty_password,
            options={"username": clean_sandbox.loyalty_username, "store_code": clean_sandbox.loyalty_store},
            backoff_base_seconds=0.5,
            backoff_cap_seconds=2,
        ),
    }
    for connector in made.values():
        Subscription.objects.create(connector=connector, domain="customer")
    return made


def ingest(n: int, *, start: int = 0, batch: int = 100, source: str = "erp") -> None:
    from stewardship import services

    system, _ = SourceSystem.objects.get_or_create(code=source, defaults={"name": source})
    people = [
        record(f"C-{i}", given_name=f"Given{i}", family_name=f"Family{i}", email=f"person{i}@example.com", country="GB")
        for i in range(start, start + n)
    ]
    for offset in range(0, n, batch):
        services.source_records_upsert(source=system, domain="customer", records=people[offset : offset + batch])


def test_approved_changes_arrive_at_every_subscribed_system(workers, connectors, clean_sandbox):
    workers.start()
    ingest(60)
    wait_until(settled, what="all delivered")
    assert summary() == {"delivered": 180}
    for target in ("webhook", "cdp"):
        received = clean_sandbox.received(target)
        assert received["effects"] == 60, target
    keys = set(
        map(str, Delivery.objects.filter(connector=connectors["hooks"]).values_list("idempotency_key", flat=True))
    )
    assert set(clean_sandbox.received("webhook")["keys"]) == keys


def test_workers_killed_repeatedly_lose_nothing_and_apply_nothing_twice(workers, connectors, clean_sandbox):
    Connector.objects.exclude(name="hooks").update(active=False)
    ingest(1000, batch=100)
    expected = set(map(str, Delivery.objects.values_list("idempotency_key", flat=True)))
    assert len(expected) == 1000
    kills = 0
    workers.start(2)
    for _ in range(5):
        time.sleep(1.5)
        workers.kill()
        kills += 1
        workers.start(2)
        if settled():
            break
    wait_until(settled, timeout=120, what="all delivered after the kills")
    received = clean_sandbox.received("webhook", limit=0)
    assert summary() == {"delivered": 1000}
    assert set(received["keys"]) == expected  # every change arrived
    assert received["effects"] == 1000  # and none twice in effect
    print(f"{kills} SIGKILLs; {received['received']} requests for 1000 changes ({received['duplicates']} duplicates)")


def test_an_outage_then_recovery_delivers_everything(workers, connectors, clean_sandbox):
    Connector.objects.exclude(name="hooks").update(active=False)
    clean_sandbox.fault("webhook", "error", status=503, count=-1)
    workers.start()
    ingest(100)
    wait_until(lambda: Connector.objects.get(name="hooks").consecutive_failures >= 5, what="the breaker to open")
    clean_sandbox.session.delete(f"{clean_sandbox.url}/_sandbox/faults").raise_for_status()  # the system is back
    wait_until(settled, what="delivery after recovery")
    assert summary() == {"delivered": 100}
    assert clean_sandbox.received("webhook")["effects"] == 100
    assert Connector.objects.get(name="hooks").consecutive_failures == 0
    assert DeliveryAttempt.objects.filter(outcome=AttemptOutcome.TRANSIENT, status_code=503).exists()


def test_retry_after_is_honoured(workers, connectors, clean_sandbox):
    Connector.objects.exclude(name="hooks").update(active=False)
    clean_sandbox.fault("webhook", "throttle", retry_after=2, count=1)
    workers.start()
    ingest(1)
    wait_until(settled, what="delivery after the throttle")
    first, second = DeliveryAttempt.objects.order_by("started_at")
    assert (first.outcome, first.status_code, second.outcome) == ("transient", 429, "delivered")
    assert (second.started_at - first.started_at).total_seconds() >= 2


def test_a_permanent_error_is_dead_at_once_then_replayed_after_the_fix(workers, connectors, clean_sandbox, steward):
    from rest_framework.test import APIClient

    Connector.objects.exclude(name="hooks").update(active=False)
    clean_sandbox.fault("webhook", "reject", status=422, count=1)
    workers.start()
    ingest(1)
    wait_until(settled, what="the delivery to die")
    [dead] = Delivery.objects.all()
    assert (dead.status, dead.attempts) == (DeliveryStatus.DEAD, 1)
    client = APIClient()
    client.force_authenticate(steward)
    listed = client.get("/api/v1/sync/deliveries/", {"status": "dead"}).json()["results"]
    assert [d["id"] for d in listed] == [dead.pk] and "422" in listed[0]["last_error"]
    assert client.post(f"/api/v1/sync/deliveries/{dead.pk}/replay/").status_code == 200
    wait_until(lambda: Delivery.objects.get().status == DeliveryStatus.DELIVERED, what="the replay")
    assert clean_sandbox.received("webhook")["effects"] == 1


def test_a_broker_restart_mid_run_loses_nothing(workers, broker, connectors, clean_sandbox):
    Connector.objects.exclude(name="hooks").update(active=False)
    clean_sandbox.fault("webhook", "slow", delay=0.02, count=-1)  # keep work in the queue when the broker dies
    workers.start()
    ingest(300)
    wait_until(lambda: Delivery.objects.filter(status=DeliveryStatus.DELIVERED).exists(), what="a first delivery")
    broker.stop()  # every task still queued in Redis is gone
    time.sleep(2)
    broker.start()
    clean_sandbox.session.delete(f"{clean_sandbox.url}/_sandbox/faults").raise_for_status()
    wait_until(lambda: workers.revive() >= 0 and settled(), timeout=120, what="delivery after the broker restart")
    assert summary() == {"delivered": 300}
    assert clean_sandbox.received("webhook")["effects"] == 300
    print(f"workers restarted by the supervisor: {workers.restarts}")
