"""The outbox is written with the change, in the same transaction: events, deliveries, no echo, supersession."""

import pytest
from django.db import transaction

from stewardship import services
from stewardship.models import ConsentPurpose, GoldenRecord, SourceSystem
from stewardship.services.golden import golden_merge
from sync import outbox
from sync.models import Connector, Delivery, DeliveryStatus, OutboxEvent, Subscription
from tests.sync.conftest import ann


def test_an_ingested_customer_writes_an_event_with_its_whole_state_and_a_delivery(webhook, upsert):
    [result] = upsert("erp", ann(phone="+44 7700 900123"))
    event = OutboxEvent.objects.get()
    assert event.event_type == "customer.upserted" and event.version == 1
    assert event.golden_id == result.golden_id
    assert event.payload["attributes"]["email"] == "ann.lee@example.com"
    assert event.payload["sources"] == [{"source": "erp", "source_key": "C-1"}]
    assert event.payload["consents"] == {}
    assert event.origin_source.code == "erp"
    delivery = Delivery.objects.get()
    assert (delivery.connector, delivery.status, delivery.version) == (webhook, DeliveryStatus.PENDING, 1)
    assert delivery.idempotency_key == outbox.idempotency_key(webhook.pk, result.golden_id, 1)
    assert delivery.queued_at is not None


def test_nothing_is_written_when_the_change_rolls_back(webhook, upsert):
    with pytest.raises(RuntimeError), transaction.atomic():
        upsert("erp", ann())
        raise RuntimeError("the request failed after the change")
    assert not OutboxEvent.objects.exists() and not Delivery.objects.exists()
    assert not GoldenRecord.objects.exists()


def test_a_change_is_not_sent_back_to_the_system_it_came_from(webhook, upsert):
    erp_connector = Connector.objects.create(
        name="erp",
        kind="webhook",
        base_url=webhook.base_url,
        secret=webhook.secret,
        source=SourceSystem.objects.get_or_create(code="erp", defaults={"name": "ERP"})[0],
    )
    Subscription.objects.create(connector=erp_connector, domain="customer")
    upsert("erp", ann())
    upsert("cdp", ann("cdp-1", email="ann@newmail.example"))
    to_erp = Delivery.objects.filter(connector=erp_connector)
    assert [d.event.origin_source.code for d in to_erp] == ["cdp"]
    assert Delivery.objects.filter(connector=webhook).count() == 2


def test_subscriptions_choose_domains_and_event_kinds(webhook, upsert):
    consent_only = Connector.objects.create(name="consents", kind="webhook", base_url=webhook.base_url)
    Subscription.objects.create(connector=consent_only, domain="customer", event_kinds=["consent_changed"])
    inactive = Connector.objects.create(name="off", kind="webhook", base_url=webhook.base_url, active=False)
    Subscription.objects.create(connector=inactive, domain="customer")
    upsert("erp", ann())
    upsert(
        "erp",
        record_product := {
            "source_key": "P-1",
            "updated_at": "2026-01-01T10:00:00Z",
            "attributes": {"name": "Linen shirt", "sku": "SKU-1"},
        },
        domain="product",
    )
    assert record_product
    source = SourceSystem.objects.get(code="erp")
    services.consent_events_record(
        source=source,
        events=[
            {
                "source_key": "C-1",
                "purpose": "email_marketing",
                "status": "granted",
                "captured_at": "2026-01-02T10:00:00Z",
            }
        ],
    )
    assert sorted(Delivery.objects.filter(connector=webhook).values_list("event_type", flat=True)) == [
        "customer.consent_changed",
        "customer.upserted",
        "product.upserted",
    ]
    assert list(Delivery.objects.filter(connector=consent_only).values_list("event_type", flat=True)) == [
        "customer.consent_changed"
    ]
    assert not Delivery.objects.filter(connector=inactive).exists()
    consent = OutboxEvent.objects.get(event_type="customer.consent_changed")
    assert consent.payload["consents"]["email_marketing"]["status"] == "granted"
    assert consent.payload["changes"] == {"consent.email_marketing": {"before": None, "after": "granted"}}
    assert ConsentPurpose.objects.filter(code="email_marketing").exists()


def test_a_record_joining_a_golden_record_sends_every_source_in_order_and_the_consents_it_holds(webhook, upsert):
    [first] = upsert("erp", ann())
    services.consent_events_record(
        source=SourceSystem.objects.get(code="erp"),
        events=[
            {"source_key": "C-1", "purpose": "email_marketing", "status": "granted", "captured_at": "2026-01-02T10:00Z"}
        ],
    )
    [joined] = upsert("cdp", ann("cdp-9", phone="+44 7911 123456"))
    assert joined.golden_id == first.golden_id
    event = OutboxEvent.objects.filter(golden_id=first.golden_id).latest("version")
    assert event.event_type == "customer.upserted" and event.payload["attributes"]["phone"] == "+447911123456"
    assert event.payload["sources"] == [
        {"source": "erp", "source_key": "C-1"},
        {"source": "cdp", "source_key": "cdp-9"},
    ]
    assert event.payload["consents"]["email_marketing"]["status"] == "granted"


def test_a_newer_version_supersedes_an_older_undelivered_one_but_not_one_in_flight(webhook, upsert):
    upsert("erp", ann())
    upsert("erp", ann(updated_at="2026-01-02T10:00:00Z", city="Leeds"))
    v1, v2 = Delivery.objects.order_by("version")
    assert (v1.status, v2.status) == (DeliveryStatus.SUPERSEDED, DeliveryStatus.PENDING)
    Delivery.objects.filter(pk=v2.pk).update(status=DeliveryStatus.IN_FLIGHT)
    upsert("erp", ann(updated_at="2026-01-03T10:00:00Z", city="York"))
    statuses = dict(Delivery.objects.values_list("version", "status"))
    assert statuses == {1: "superseded", 2: "in_flight", 3: "pending"}


def test_a_dead_state_delivery_is_superseded_by_a_newer_version(webhook, upsert):
    upsert("erp", ann())
    Delivery.objects.update(status=DeliveryStatus.DEAD)
    upsert("erp", ann(updated_at="2026-01-02T10:00:00Z", city="Leeds"))
    assert dict(Delivery.objects.values_list("version", "status")) == {1: "superseded", 2: "pending"}


def test_a_merge_sends_the_merged_record_with_its_survivor(webhook, upsert, steward):
    [a] = upsert("erp", ann())
    [b] = upsert("cdp", ann("cdp-9", given_name="Bob", family_name="Stone", email="bob@example.com"))
    with transaction.atomic():
        survivor, merged = (
            GoldenRecord.objects.select_for_update().filter(id__in=[a.golden_id, b.golden_id]).order_by("created_at")
        )
        golden_merge(survivor=survivor, merged=merged, user=steward, note="test")
    merged_event = OutboxEvent.objects.get(event_type="customer.merged")
    assert merged_event.golden_id == b.golden_id
    assert merged_event.payload["merged_into"] == str(a.golden_id)
    survivor_event = OutboxEvent.objects.filter(golden_id=a.golden_id).latest("version")
    assert survivor_event.event_type == "customer.upserted"
    assert {s["source"] for s in survivor_event.payload["sources"]} == {"erp", "cdp"}
    # The merge is a fact, not state: it supersedes nothing and is superseded by nothing.
    assert Delivery.objects.get(event=merged_event).status == DeliveryStatus.PENDING


def test_the_request_correlation_id_reaches_the_event(webhook, source_erp, push):
    response = push(source_erp, "erp", ann(), **{"X-Correlation-ID": "req-from-erp-7"})
    assert response.status_code == 200, response.content
    assert OutboxEvent.objects.get().correlation_id == "req-from-erp-7"
