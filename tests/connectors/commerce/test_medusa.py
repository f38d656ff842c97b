"""The Medusa connector against a real Medusa v2 server over real HTTP (``medusa_server``, tests/fixtures/medusa.py).

Every test uses fresh golden ids, emails and SKUs, so the tests share one server and one database across runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from connectors.base import ConnectorConfig, Message, Outcome
from connectors.commerce.connector import MedusaConnector
from connectors.http import TransportError
from connectors.registry import connector_class
from tests.fixtures.medusa import MedusaServer

_delivery_ids = iter(range(1, 1_000_000))


def customer_payload(golden_id: str, version: int = 1, **attributes: Any) -> dict[str, Any]:
    tag = golden_id.split("-")[0]
    base = {"given_name": "Ann", "family_name": "Lee", "email": f"ann.{tag}@example.com", "phone": "+447700900123"}
    return {
        "id": golden_id,
        "domain": "customer",
        "version": version,
        "status": "active",
        "merged_into": None,
        "attributes": {**base, **attributes},
        "consents": {},
        "sources": [],
        "changes": {},
    }


def gtin(length: int = 13) -> str:
    """A random GTIN with a valid check digit (Medusa keeps barcodes, EANs and UPCs unique)."""
    body = [int(d) for d in str(uuid.uuid4().int)[: length - 1]]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


def product_payload(golden_id: str, version: int = 1, **attributes: Any) -> dict[str, Any]:
    tag = golden_id.split("-")[0]
    base = {
        "gtin": gtin(),
        "sku": f"MUG-{tag}",
        "name": "Enamel mug",
        "brand": "Acme",
        "category": "Kitchen",
        "price": "12.50",
        "currency": "EUR",
        "description": "A blue mug.",
        "image_url": "https://img.example.com/mug.jpg",
    }
    return {
        "id": golden_id,
        "domain": "product",
        "version": version,
        "status": "active",
        "merged_into": None,
        "attributes": {**base, **attributes},
        "sources": [],
        "changes": {},
    }


def message(payload: dict[str, Any], kind: str = "upserted") -> Message:
    return Message(
        delivery_id=next(_delivery_ids),
        idempotency_key=str(uuid.uuid4()),
        event_type=f"{payload['domain']}.{kind}",
        domain=payload["domain"],
        golden_id=payload["id"],
        version=payload["version"],
        payload=payload,
        correlation_id=f"test-{uuid.uuid4().hex[:8]}",
        occurred_at=datetime.now(UTC),
    )


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def connector(medusa_server: MedusaServer) -> Iterator[MedusaConnector]:
    instance = MedusaConnector(
        ConnectorConfig(name="medusa", base_url=medusa_server.base_url, secret=medusa_server.api_key)
    )
    yield instance
    instance.close()


def send(connector: MedusaConnector, payload: dict[str, Any], kind: str = "upserted") -> Outcome:
    return connector.send_timed(message(payload, kind))


def sent(connector: MedusaConnector, payload: dict[str, Any], kind: str = "upserted") -> str:
    outcome = send(connector, payload, kind)
    assert outcome.ok, outcome.error
    return outcome.remote_id


def customer(medusa_server: MedusaServer, customer_id: str) -> dict[str, Any]:
    return medusa_server.admin("GET", f"/admin/customers/{customer_id}")["customer"]


def customers_with_email(medusa_server: MedusaServer, email: str) -> list[dict[str, Any]]:
    return medusa_server.admin("GET", "/admin/customers", params={"email": email})["customers"]


def product(medusa_server: MedusaServer, product_id: str) -> dict[str, Any]:
    params = {"fields": "*variants,*variants.prices"}
    return medusa_server.admin("GET", f"/admin/products/{product_id}", params=params)["product"]


def test_the_registry_knows_the_kind():
    assert connector_class("medusa") is MedusaConnector
    assert MedusaConnector.label == "Commerce: Medusa v2 Admin API"


# --- customers ------------------------------------------------------------------------------------------------------


def test_it_creates_a_customer_that_reads_back_through_the_admin_api(connector, medusa_server):
    golden = new_id()
    payload = customer_payload(golden, 1)
    payload["consents"] = {"email_marketing": {"status": "granted", "captured_at": "2026-01-01T10:00:00Z"}}

    customer_id = sent(connector, payload)

    assert customer_id.startswith("cus_")
    record = customer(medusa_server, customer_id)
    assert record["email"] == payload["attributes"]["email"]
    assert (record["first_name"], record["last_name"], record["phone"]) == ("Ann", "Lee", "+447700900123")
    assert record["metadata"]["steward_golden_id"] == golden
    assert record["metadata"]["steward_version"] == 1
    assert record["metadata"]["steward_consents"] == {"email_marketing": "granted"}


def test_a_newer_version_updates_the_same_customer_even_when_the_email_changed(connector, medusa_server):
    golden = new_id()
    first = customer_payload(golden, 1)
    customer_id = sent(connector, first)
    new_email = f"ann.lee.{golden[:8]}@new.example.com"
    second = customer_payload(golden, 2, email=new_email, family_name="Lee-Smith", phone=None)
    second["changes"] = {"email": {"before": first["attributes"]["email"], "after": new_email}}

    assert sent(connector, second) == customer_id

    record = customer(medusa_server, customer_id)
    assert record["email"] == new_email
    assert record["last_name"] == "Lee-Smith"
    assert record["phone"] is None
    assert record["metadata"]["steward_version"] == 2
    assert customers_with_email(medusa_server, first["attributes"]["email"]) == []


def test_the_same_message_twice_makes_one_customer_and_no_second_write(connector, medusa_server):
    payload = customer_payload(new_id(), 1)
    same = message(payload)

    first = connector.send_timed(same)
    # Medusa stamps created_at and updated_at separately (they can differ by a millisecond), so
    # "no second write" is pinned by comparing updated_at before and after the repeat.
    written = customer(medusa_server, first.remote_id)["updated_at"]
    second = connector.send_timed(same)

    assert first.ok and second.ok
    assert first.remote_id == second.remote_id
    found = customers_with_email(medusa_server, payload["attributes"]["email"])
    assert [c["id"] for c in found] == [first.remote_id]
    assert found[0]["updated_at"] == written  # the repeat wrote nothing


def test_an_older_version_after_a_newer_one_is_skipped(connector, medusa_server):
    golden = new_id()
    customer_id = sent(connector, customer_payload(golden, 5, given_name="Annabel"))

    assert sent(connector, customer_payload(golden, 4, given_name="Ann")) == customer_id

    record = customer(medusa_server, customer_id)
    assert record["first_name"] == "Annabel"
    assert record["metadata"]["steward_version"] == 5


def test_a_shop_customer_with_the_email_and_no_golden_id_is_adopted(connector, medusa_server):
    golden = new_id()
    payload = customer_payload(golden, 1)
    existing = medusa_server.admin(
        "POST",
        "/admin/customers",
        json_body={"email": payload["attributes"]["email"], "first_name": "A.", "metadata": {"shop_note": "vip"}},
    )["customer"]

    assert sent(connector, payload) == existing["id"]

    record = customer(medusa_server, existing["id"])
    assert record["first_name"] == "Ann"
    assert record["metadata"]["steward_golden_id"] == golden
    assert record["metadata"]["shop_note"] == "vip"  # the shop's own metadata is kept
    assert len(customers_with_email(medusa_server, payload["attributes"]["email"])) == 1


def test_a_customer_steward_knows_by_its_medusa_id_is_found_whatever_its_email(connector, medusa_server):
    golden = new_id()
    shop = medusa_server.admin("POST", "/admin/customers", json_body={"email": f"shop.{golden[:8]}@example.com"})
    payload = customer_payload(golden, 1)  # another email: the shopper changed it in the shop
    payload["sources"] = [
        {"source": "erp", "source_key": "C-1"},
        {"source": "commerce", "source_key": shop["customer"]["id"]},
    ]

    assert sent(connector, payload) == shop["customer"]["id"]

    record = customer(medusa_server, shop["customer"]["id"])
    assert record["email"] == payload["attributes"]["email"]
    assert record["metadata"]["steward_golden_id"] == golden


def test_an_email_held_by_another_golden_record_is_a_permanent_clear_error(connector, medusa_server):
    owner, intruder = new_id(), new_id()
    owner_payload = customer_payload(owner, 1)
    customer_id = sent(connector, owner_payload)

    outcome = send(
        connector, customer_payload(intruder, 1, email=owner_payload["attributes"]["email"], given_name="Bo")
    )

    assert not outcome.ok
    assert outcome.error.permanent
    text = str(outcome.error)
    assert "duplicate email" in text and customer_id in text and owner in text and intruder in text
    record = customer(medusa_server, customer_id)
    assert record["first_name"] == "Ann"  # untouched
    assert record["metadata"]["steward_golden_id"] == owner


def test_a_merged_customer_is_marked_and_an_unmerge_clears_the_mark(connector, medusa_server):
    golden, survivor = new_id(), new_id()
    customer_id = sent(connector, customer_payload(golden, 1))
    merged = customer_payload(golden, 2)
    merged.update(status="merged", merged_into=survivor)

    assert sent(connector, merged, "merged") == customer_id

    metadata = customer(medusa_server, customer_id)["metadata"]
    assert metadata["steward_status"] == "merged"
    assert metadata["steward_merged_into"] == survivor
    assert metadata["steward_version"] == 2

    assert sent(connector, customer_payload(golden, 3), "unmerged") == customer_id
    metadata = customer(medusa_server, customer_id)["metadata"]
    assert metadata["steward_status"] == "active"
    assert "steward_merged_into" not in metadata


def test_the_survivor_adopts_the_customer_of_a_record_merged_into_it(connector, medusa_server):
    golden, survivor = new_id(), new_id()
    payload = customer_payload(golden, 1)
    customer_id = sent(connector, payload)
    merged = customer_payload(golden, 2)
    merged.update(status="merged", merged_into=survivor)
    sent(connector, merged, "merged")

    assert sent(connector, customer_payload(survivor, 7, email=payload["attributes"]["email"])) == customer_id

    assert customer(medusa_server, customer_id)["metadata"]["steward_golden_id"] == survivor


def test_a_consent_change_is_written_to_metadata(connector, medusa_server):
    golden = new_id()
    customer_id = sent(connector, customer_payload(golden, 1))
    payload = customer_payload(golden, 2)
    payload["consents"] = {"email_marketing": {"status": "withdrawn", "captured_at": "2026-02-01T10:00:00Z"}}

    assert sent(connector, payload, "consent_changed") == customer_id

    assert customer(medusa_server, customer_id)["metadata"]["steward_consents"] == {"email_marketing": "withdrawn"}


def test_an_erased_customer_is_blanked_and_deleted_and_a_repeat_is_harmless(connector, medusa_server):
    golden = new_id()
    payload = customer_payload(golden, 1)
    customer_id = sent(connector, payload)
    medusa_server.admin(
        "POST",
        f"/admin/customers/{customer_id}/addresses",
        json_body={"first_name": "Ann", "address_1": "1 High St", "city": "Leeds", "country_code": "gb"},
    )
    erased = customer_payload(golden, 2)
    erased.update(status="erased", attributes={}, changes={})  # what the outbox sends: no personal data left

    assert sent(connector, erased, "erased") == customer_id

    assert customers_with_email(medusa_server, payload["attributes"]["email"]) == []
    with pytest.raises(TransportError, match="404"):
        customer(medusa_server, customer_id)
    # Medusa deletes softly: the rows stay, so what counts is that nothing personal is left in them.
    with psycopg.connect(medusa_server.database_url) as db:
        row = db.execute(
            "SELECT email, first_name, last_name, phone, deleted_at FROM customer WHERE id = %s", (customer_id,)
        ).fetchone()
        addresses = db.execute(
            "SELECT first_name, address_1, city, deleted_at IS NOT NULL FROM customer_address WHERE customer_id = %s",
            (customer_id,),
        ).fetchall()
    assert row[:4] == (None, None, None, None) and row[4] is not None
    assert all(address == (None, None, None, True) for address in addresses)  # 2.21 removes them outright
    repeat = send(connector, erased, "erased")
    assert repeat.ok and repeat.remote_id == ""


def test_a_customer_without_email_is_not_sent(connector):
    outcome = send(connector, customer_payload(new_id(), 1, email=None))
    assert outcome.ok and outcome.remote_id == ""


# --- products -------------------------------------------------------------------------------------------------------


def test_it_creates_a_product_with_variant_sku_barcode_and_price(connector, medusa_server):
    golden = new_id()
    payload = product_payload(golden, 1)

    product_id = sent(connector, payload)

    record = product(medusa_server, product_id)
    assert record["title"] == "Enamel mug"
    assert record["status"] == "published"
    assert record["external_id"] == golden
    assert record["handle"] == f"enamel-mug-mug-{golden[:8]}"
    assert record["description"] == "A blue mug."
    assert record["metadata"]["steward_golden_id"] == golden
    [variant] = record["variants"]
    assert variant["sku"] == payload["attributes"]["sku"]
    assert variant["barcode"] == variant["ean"] == payload["attributes"]["gtin"]
    assert [(p["currency_code"], p["amount"]) for p in variant["prices"]] == [("eur", 12.5)]


def test_a_product_update_changes_price_and_codes_and_keeps_the_shops_other_prices(connector, medusa_server):
    golden = new_id()
    product_id = sent(connector, product_payload(golden, 1))
    [variant] = product(medusa_server, product_id)["variants"]
    eur = variant["prices"][0]["id"]
    medusa_server.admin(  # the shop adds a USD price of its own
        "POST",
        f"/admin/products/{product_id}/variants/{variant['id']}",
        json_body={"prices": [{"id": eur}, {"currency_code": "usd", "amount": 15}]},
    )

    upc = gtin(12)
    update = product_payload(golden, 2, name="Enamel mug, blue", price="13.90", gtin=upc)
    assert sent(connector, update) == product_id

    record = product(medusa_server, product_id)
    assert record["title"] == "Enamel mug, blue"
    assert record["handle"] == f"enamel-mug-mug-{golden[:8]}"  # the storefront URL does not move
    [variant] = record["variants"]
    assert (variant["barcode"], variant["upc"], variant["ean"]) == (upc, upc, None)
    assert sorted((p["currency_code"], p["amount"]) for p in variant["prices"]) == [("eur", 13.9), ("usd", 15)]
    assert record["metadata"]["steward_version"] == 2


def test_the_same_product_message_twice_makes_one_product(connector, medusa_server):
    golden = new_id()
    same = message(product_payload(golden, 1))

    first, second = connector.send_timed(same), connector.send_timed(same)

    assert first.ok and second.ok and first.remote_id == second.remote_id
    found = medusa_server.admin("GET", "/admin/products", params={"external_id": golden})["products"]
    assert [p["id"] for p in found] == [first.remote_id]


def test_a_shop_product_with_the_sku_is_adopted(connector, medusa_server):
    golden = new_id()
    payload = product_payload(golden, 1)
    existing = medusa_server.admin(
        "POST",
        "/admin/products",
        json_body={
            "title": "Mug (shop)",
            "handle": f"shop-mug-{golden[:8]}",
            "options": [{"title": "Size", "values": ["One"]}],
            "variants": [
                {"title": "One", "sku": payload["attributes"]["sku"], "prices": [], "options": {"Size": "One"}}
            ],
        },
    )["product"]

    assert sent(connector, payload) == existing["id"]

    record = product(medusa_server, existing["id"])
    assert record["external_id"] == golden
    assert record["title"] == "Enamel mug"
    assert [(p["currency_code"], p["amount"]) for p in record["variants"][0]["prices"]] == [("eur", 12.5)]


def test_a_merged_product_is_marked_and_taken_off_the_storefront(connector, medusa_server):
    golden, survivor = new_id(), new_id()
    product_id = sent(connector, product_payload(golden, 1))
    merged = product_payload(golden, 2)
    merged.update(status="merged", merged_into=survivor)

    assert sent(connector, merged, "merged") == product_id

    record = product(medusa_server, product_id)
    assert record["status"] == "draft"
    assert record["metadata"]["steward_merged_into"] == survivor

    sent(connector, product_payload(golden, 3), "unmerged")
    assert product(medusa_server, product_id)["status"] == "published"


# --- failures -------------------------------------------------------------------------------------------------------


def test_data_medusa_rejects_is_a_permanent_error(connector):
    outcome = send(connector, customer_payload(new_id(), 1, email="not-an-email"))

    assert not outcome.ok
    assert outcome.error.permanent
    assert outcome.status_code == 400
    assert "invalid_data" in str(outcome.error)


def test_data_that_cannot_be_mapped_is_a_permanent_error_without_a_call(connector):
    outcome = send(connector, product_payload(new_id(), 1, currency="EURO"))

    assert not outcome.ok and outcome.error.permanent
    assert outcome.status_code is None
    assert "ISO 4217" in str(outcome.error)


def test_a_wrong_api_key_is_a_permanent_error(medusa_server):
    wrong = MedusaConnector(ConnectorConfig(name="medusa", base_url=medusa_server.base_url, secret="sk_wrong"))
    outcome = wrong.send_timed(message(customer_payload(new_id(), 1)))
    wrong.close()

    assert not outcome.ok and outcome.error.permanent
    assert outcome.status_code == 401
    assert "secret API key" in str(outcome.error)


def test_an_unreachable_server_is_a_transient_error_and_stops_the_batch():
    config = ConnectorConfig(name="medusa", base_url="http://127.0.0.1:9", secret="sk_any", timeout=2)
    unreachable = MedusaConnector(config)
    messages = [message(customer_payload(new_id(), 1)), message(customer_payload(new_id(), 1))]

    first, second = unreachable.send(messages)
    unreachable.close()

    assert not first.ok and not first.error.permanent and first.status_code is None
    assert "connection failed" in str(first.error)
    assert not second.attempted
