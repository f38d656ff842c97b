"""Consent: an immutable log; the latest captured_at wins whatever the arrival order; on a tie, withdrawal wins."""

import json

import pytest

from stewardship.models import ConsentEvent, ConsentState, GoldenRecord
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(source_cdp, push) -> str:
    return push(source_cdp, "cdp", record("C1", given_name="Ann", family_name="Lee", email="ann@example.com")).json()[
        "results"
    ][0]["golden_id"]


def consents(client, source, *events, **headers):
    return client.post(f"/api/v1/sources/{source}/consents/batch/", {"events": list(events)}, format="json", **headers)


def event(status, captured_at, purpose="email_marketing", source_key="C1"):
    return {"source_key": source_key, "purpose": purpose, "status": status, "captured_at": captured_at}


def state(golden_id, purpose="email_marketing"):
    return ConsentState.objects.get(golden_id=golden_id, purpose__code=purpose).status


def test_the_latest_captured_at_wins_whatever_the_arrival_order(source_cdp, customer):
    consents(source_cdp, "cdp", event("withdrawn", "2026-03-01T00:00:00Z"))
    response = consents(source_cdp, "cdp", event("granted", "2026-01-01T00:00:00Z"))
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "created"
    assert state(customer) == "withdrawn"
    assert ConsentEvent.objects.count() == 2  # the older event is still in the log


def test_within_one_batch_the_order_does_not_matter(source_cdp, customer):
    consents(
        source_cdp,
        "cdp",
        event("granted", "2026-05-01T00:00:00Z"),
        event("withdrawn", "2026-02-01T00:00:00Z"),
    )
    assert state(customer) == "granted"


def test_on_a_tie_withdrawal_wins(source_cdp, customer):
    consents(source_cdp, "cdp", event("withdrawn", "2026-03-01T00:00:00Z"))
    consents(source_cdp, "cdp", event("granted", "2026-03-01T00:00:00Z"))
    assert state(customer) == "withdrawn"
    consents(source_cdp, "cdp", event("granted", "2026-03-02T00:00:00Z", purpose="profiling"))
    consents(source_cdp, "cdp", event("withdrawn", "2026-03-02T00:00:00Z", purpose="profiling"))
    assert state(customer, "profiling") == "withdrawn"


def test_events_from_different_sources_combine(source_cdp, source_erp, customer, push):
    push(source_erp, "erp", record("E1", given_name="Ann", family_name="Lee", email="ann@example.com"))
    consents(source_cdp, "cdp", event("granted", "2026-03-01T00:00:00Z"))
    consents(source_erp, "erp", event("withdrawn", "2026-03-05T00:00:00Z", source_key="E1"))
    assert state(customer) == "withdrawn"


def test_bad_events_are_rejected_one_by_one(source_cdp, customer):
    response = consents(
        source_cdp,
        "cdp",
        event("granted", "2026-03-01T00:00:00Z", purpose="telepathy"),
        event("maybe", "2026-03-01T00:00:00Z"),
        event("granted", "not a date"),
        event("granted", "2026-03-01T00:00:00Z", source_key="nobody"),
        event("granted", "2099-01-01T00:00:00Z"),
        event("granted", "2026-03-01T00:00:00Z"),
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 5 + ["created"]
    assert "purpose" in results[0]["errors"]
    assert "status" in results[1]["errors"]
    assert "captured_at" in results[2]["errors"]
    assert "source_key" in results[3]["errors"]
    assert results[4]["errors"] == {"captured_at": ["In the future."]}


def test_a_repeated_event_is_unchanged(source_cdp, customer):
    consents(source_cdp, "cdp", event("granted", "2026-03-01T00:00:00Z"))
    again = consents(source_cdp, "cdp", event("granted", "2026-03-01T00:00:00Z"))
    assert again.json()["results"][0]["status"] == "unchanged"
    assert ConsentEvent.objects.count() == 1


def test_consent_changes_are_versioned_and_shown_on_the_golden_record(source_cdp, customer, steward, client_for):
    consents(source_cdp, "cdp", event("granted", "2026-03-01T00:00:00Z"))
    consents(source_cdp, "cdp", event("withdrawn", "2026-03-04T00:00:00Z"))
    golden = GoldenRecord.objects.get(pk=customer)
    assert golden.version == 3
    latest = golden.versions.first()
    assert latest.reason == "consent"
    assert latest.changes == {"consent.email_marketing": {"before": "granted", "after": "withdrawn"}}
    body = client_for(steward).get(f"/api/v1/customers/{customer}/").json()
    assert body["consents"] == [
        {"purpose": "email_marketing", "status": "withdrawn", "captured_at": "2026-03-04T00:00:00Z", "source": "cdp"}
    ]


def test_a_captured_at_before_1900_is_rejected_and_the_customer_still_reads(
    source_cdp, customer, steward, client_for, client
):
    response = consents(
        source_cdp,
        "cdp",
        event("granted", "0001-01-01T00:00:00+05:00"),
        event("withdrawn", "1899-12-31T23:00:00Z", purpose="profiling"),
        event("granted", "2026-03-01T00:00:00Z", purpose="sms_marketing"),
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "created"]
    assert results[0]["errors"] == {"captured_at": ["Out of range: from 1900-01-01 to now."]}
    assert ConsentEvent.objects.count() == 1
    assert client_for(steward).get(f"/api/v1/customers/{customer}/").status_code == 200
    client.force_login(steward)
    assert client.get(f"/customers/{customer}/").status_code == 200


def test_an_event_with_text_postgresql_cannot_store_is_rejected_alone(source_cdp, customer):
    events = [
        event("granted", "2026-03-01T00:00:00Z", source_key="C\x001"),
        event("granted", "2026-03-01T00:00:00Z", purpose="email_\udc80marketing"),
        {**event("granted", "2026-03-01T00:00:00Z"), "status": "granted\x00"},
        event("granted", "2026-03-01T00:00:00Z", purpose="profiling"),
    ]
    response = source_cdp.post(
        "/api/v1/sources/cdp/consents/batch/", data=json.dumps({"events": events}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 3 + ["created"]
    assert [list(r["errors"]) for r in results[:3]] == [["source_key"], ["purpose"], ["status"]]
    assert ConsentEvent.objects.count() == 1
