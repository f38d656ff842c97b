"""Through Steward into a real ERP (Tryton) and a real commerce platform (Medusa): customers and products created and
updated by source systems are delivered by a real Celery worker and read back through each system's own API."""

from __future__ import annotations

import json
import uuid

import pytest

from stewardship.models import SourceSystem
from sync.models import Connector, Delivery, DeliveryStatus, Subscription
from tests.conftest import record
from tests.sync.processes import settled, summary, wait_until

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def gtin13(body: str) -> str:
    digits = [int(c) for c in body[:12]]
    check = (10 - sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10) % 10
    return body[:12] + str(check)


def upsert(source: str, domain: str, *records) -> list:
    from stewardship import services

    system, _ = SourceSystem.objects.get_or_create(code=source, defaults={"name": source})
    return services.source_records_upsert(source=system, domain=domain, records=list(records))


@pytest.fixture
def real_connectors(tryton_server, medusa_server) -> None:
    erp = Connector.objects.create(
        name="tryton",
        kind="tryton",
        base_url=tryton_server.base_url,
        secret=tryton_server.password,
        options=tryton_server.connector_options(),
        backoff_base_seconds=0.5,
        timeout_seconds=30,
    )
    shop = Connector.objects.create(
        name="medusa",
        kind="medusa",
        base_url=medusa_server.base_url,
        secret=medusa_server.api_key,
        backoff_base_seconds=0.5,
        timeout_seconds=30,
    )
    for connector in (erp, shop):
        for domain in ("customer", "product"):
            Subscription.objects.create(connector=connector, domain=domain)


def test_customers_and_products_reach_tryton_and_medusa_and_follow_updates(
    real_connectors, workers, tryton_server, medusa_server
):
    run = uuid.uuid4().hex[:8]  # Tryton's and Medusa's databases outlive the test database: keep this run's apart
    email, new_email, sku = f"iris.{run}@example.com", f"iris.{run}@quint.example", f"STW-TEE-{run}"
    workers.start()
    [customer] = upsert(
        "cdp",
        "customer",
        record(
            "cdp-77",
            given_name="Iris",
            family_name="Quint",
            email=email,
            phone="+44 20 7946 0958",
            address_line1="2 Mill Lane",
            postal_code="SW1A 2AA",
            city="London",
            country="GB",
        ),
    )
    [product] = upsert(
        "commerce",
        "product",
        record(
            "sku-1",
            sku=sku,
            name="Steward tee",
            gtin=gtin13(f"50{int(run, 16) % 10**10:010d}"),
            price="19.90",
            currency="EUR",
        ),
    )
    wait_until(settled, timeout=120, what="first deliveries")
    dead = list(Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).values_list("connector__name", "last_error"))
    assert summary() == {"delivered": 4}, dead
    golden, product_golden = str(customer.golden_id), str(product.golden_id)

    [party] = tryton_server.search_read("party.party", [["code", "=", golden]], ["name", "contact_mechanisms"])
    assert party["name"] == "Iris Quint"
    mechanisms = tryton_server.search_read("party.contact_mechanism", [["party", "=", party["id"]]], ["type", "value"])
    assert {m["type"]: m["value"] for m in mechanisms}["email"] == email
    [shopper] = medusa_server.admin("GET", "/admin/customers", params={"email": email})["customers"]
    assert shopper["metadata"]["steward_golden_id"] == golden
    assert (shopper["first_name"], shopper["last_name"]) == ("Iris", "Quint")
    [tee] = medusa_server.admin("GET", "/admin/products", params={"external_id": product_golden})["products"]
    assert tee["title"] == "Steward tee"
    assert tryton_server.search_read("product.product", [["code", "=", sku]], ["id"])

    # The CDP owns email: a new address flows to both systems, replacing the old one.
    upsert(
        "cdp",
        "customer",
        record(
            "cdp-77",
            "2026-02-01T10:00:00Z",
            given_name="Iris",
            family_name="Quint",
            email=new_email,
            phone="+44 20 7946 0958",
            address_line1="2 Mill Lane",
            postal_code="SW1A 2AA",
            city="London",
            country="GB",
        ),
    )
    wait_until(settled, timeout=120, what="the update")
    assert Delivery.objects.filter(status=DeliveryStatus.DELIVERED, version=2).count() == 2
    mechanisms = tryton_server.search_read("party.contact_mechanism", [["party", "=", party["id"]]], ["type", "value"])
    assert [m["value"] for m in mechanisms if m["type"] == "email"] == [new_email]
    shopper = medusa_server.admin("GET", f"/admin/customers/{shopper['id']}")["customer"]
    assert shopper["email"] == new_email and shopper["metadata"]["steward_version"] == 2


@pytest.fixture
def stand_ins(clean_sandbox) -> None:
    """The sandbox's CDP (Segment), loyalty and webhook receivers, subscribed to customers."""
    made = [
        Connector.objects.create(
            name="cdp", kind="segment", base_url=clean_sandbox.cdp_url, secret=clean_sandbox.write_key
        ),
        Connector.objects.create(
            name="loyalty",
            kind="loyalty",
            base_url=clean_sandbox.loyalty_url,
            secret=clean_sandbox.loyalty_password,
            options={"username": clean_sandbox.loyalty_username, "store_code": clean_sandbox.loyalty_store},
        ),
        Connector.objects.create(
            name="hooks", kind="webhook", base_url=clean_sandbox.webhook_url, secret=clean_sandbox.webhook_secret
        ),
    ]
    for connector in made:
        Subscription.objects.create(connector=connector, domain="customer")


def test_an_erasure_reaches_tryton_medusa_and_the_stand_ins(
    real_connectors, stand_ins, workers, tryton_server, medusa_server, clean_sandbox
):
    from django.contrib.auth.models import Group, User

    from stewardship import services
    from stewardship.models import PrivacyRequest

    run = uuid.uuid4().hex[:8]
    email = f"erin.{run}@example.com"
    workers.start()
    [customer] = upsert(
        "erp",
        "customer",
        record(
            f"erp-{run}",
            given_name="Erin",
            family_name=f"Vale{run}",
            email=email,
            phone="+44 20 7946 0111",
            address_line1="9 Orchard Road",
            postal_code="SW1A 1AA",
            city="London",
            country="GB",
            loyalty_tier="gold",
        ),
    )
    wait_until(settled, timeout=120, what="the customer's deliveries")
    assert summary() == {"delivered": 5}, list(Delivery.objects.values_list("connector__name", "last_error"))
    golden = str(customer.golden_id)
    [party] = tryton_server.search_read("party.party", [["code", "=", golden]], ["name"])
    assert party["name"] == f"Erin Vale{run}"
    assert medusa_server.admin("GET", "/admin/customers", params={"email": email})["customers"]

    officer = User.objects.create_user("priya")
    officer.groups.add(Group.objects.get(name="privacy"))
    request = services.customer_erase(golden_id=golden, user=officer, reason=f"erasure test {run}")
    wait_until(settled, timeout=120, what="the erase deliveries")
    erased = Delivery.objects.filter(golden_id=golden, event_type="customer.erased")
    assert sorted(erased.values_list("connector__name", "status")) == [
        ("cdp", "delivered"),
        ("hooks", "delivered"),
        ("loyalty", "delivered"),
        ("medusa", "delivered"),
        ("tryton", "delivered"),
    ], list(erased.values_list("connector__name", "last_error"))
    request = PrivacyRequest.objects.get(pk=request.pk)
    assert request.status == "completed", request.outcome
    assert {name: o["status"] for name, o in request.outcome.items()} == dict.fromkeys(
        ("cdp", "hooks", "loyalty", "medusa", "tryton"), "delivered"
    )

    # Read back through each system's own API.
    [party] = tryton_server.search_read(
        "party.party", [["code", "=", golden], ["active", "in", [True, False]]], ["name", "active"]
    )
    assert (party["name"], party["active"]) == (None, False)
    assert (
        tryton_server.search_read(
            "party.contact_mechanism", [["value", "=", email], ["active", "in", [True, False]]], []
        )
        == []
    )
    assert medusa_server.admin("GET", "/admin/customers", params={"email": email})["customers"] == []
    members = clean_sandbox.received("loyalty")["members"]
    [member] = [m for m in members.values() if m.get("externalId") == golden or golden in json.dumps(m)]
    assert member.get("anonymized") is True and email not in json.dumps(member)
    tracks = [i["message"] for i in clean_sandbox.received("cdp")["items"]]
    assert any(m.get("event") == "Customer Erased" and m.get("userId") == golden for m in tracks), tracks
    hooks = [i["event"] for i in clean_sandbox.received("webhook")["items"]]
    assert [e["type"] for e in hooks if e.get("type") == "customer.erased"] == ["customer.erased"]
    assert all(email not in json.dumps(e) for e in hooks if e.get("type") == "customer.erased")
