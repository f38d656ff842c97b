"""The Tryton connector against a real Tryton server over real HTTP (JSON-RPC), read back through JSON-RPC."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from connectors.base import ConnectorConfig, Message
from connectors.erp.connector import TrytonConnector
from connectors.registry import connector_class
from tests.fixtures.local import free_port
from tests.fixtures.tryton import TrytonServer

ALL = ["active", "in", [True, False]]
ANN = {
    "given_name": "Ann",
    "family_name": "Lee",
    "email": "ann.lee@example.com",
    "phone": "+442079460000",
    "address_line1": "1 High Street",
    "address_line2": "Flat 2",
    "postal_code": "SW1A 1AA",
    "city": "London",
    "country": "GB",
}
_delivery = iter(range(1, 1_000_000))


def message(
    golden_id: str,
    attributes: dict[str, Any],
    *,
    kind: str = "upserted",
    domain: str = "customer",
    version: int = 1,
    status: str = "active",
    merged_into: str | None = None,
) -> Message:
    payload = {
        "id": golden_id,
        "domain": domain,
        "version": version,
        "status": status,
        "merged_into": merged_into,
        "attributes": attributes,
        "consents": {},
        "sources": [],
        "changes": {},
    }
    return Message(
        delivery_id=next(_delivery),
        idempotency_key=str(uuid.uuid5(uuid.NAMESPACE_URL, f"tryton/{golden_id}/{version}")),
        event_type=f"{domain}.{kind}",
        domain=domain,
        golden_id=golden_id,
        version=version,
        payload=payload,
        correlation_id=str(uuid.uuid4()),
        occurred_at=datetime.now(UTC),
    )


def gid() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def erp(tryton_server: TrytonServer):
    connector = connector_class("tryton")(
        ConnectorConfig(
            name="erp",
            base_url=tryton_server.base_url,
            secret=tryton_server.password,
            options=tryton_server.connector_options(),
        )
    )
    yield connector
    connector.close()


def send_ok(erp: TrytonConnector, msg: Message) -> str:
    (outcome,) = erp.send([msg])
    assert outcome.ok, (outcome.error, outcome.response)
    return outcome.remote_id


def party(server: TrytonServer, golden_id: str) -> dict[str, Any]:
    (found,) = server.search_read(
        "party.party",
        [["code", "=", golden_id], ALL],
        ["name", "active", "replaced_by", "write_date", "contact_mechanisms", "addresses"],
    )
    return found


def mechanisms(server: TrytonServer, party_id: int) -> list[tuple[str, str]]:
    rows = server.search_read("party.contact_mechanism", [["party", "=", party_id]], ["type", "value"])
    return sorted((row["type"], row["value"]) for row in rows)


def addresses(server: TrytonServer, party_id: int) -> list[dict[str, Any]]:
    return server.search_read(
        "party.address", [["party", "=", party_id]], ["street", "postal_code", "city", "country.code"]
    )


def test_the_registry_knows_the_tryton_kind():
    assert connector_class("tryton") is TrytonConnector
    assert TrytonConnector.label == "ERP: Tryton JSON-RPC"
    assert TrytonConnector.check_options({"database": "x"}) == {
        "username": ["Required: the Tryton database and the user Steward logs in as."]
    }


def test_it_creates_a_party_with_email_phone_and_address(erp, tryton_server):
    golden = gid()
    remote_id = send_ok(erp, message(golden, ANN))

    found = party(tryton_server, golden)
    assert str(found["id"]) == remote_id
    assert found["name"] == "Ann Lee"
    assert found["active"] is True
    # Tryton formats phone numbers itself (phonenumbers is installed, as on a real server)
    assert mechanisms(tryton_server, found["id"]) == [("email", "ann.lee@example.com"), ("phone", "+44 20 7946 0000")]
    (address,) = addresses(tryton_server, found["id"])
    assert address["street"] == "1 High Street\nFlat 2"
    assert (address["postal_code"], address["city"]) == ("SW1A 1AA", "London")
    assert address["country."]["code"] == "GB"


def test_a_changed_email_replaces_the_old_one(erp, tryton_server):
    golden = gid()
    send_ok(erp, message(golden, ANN))
    send_ok(erp, message(golden, {**ANN, "email": "ann@newmail.example", "city": "Londinium"}, version=2))

    found = party(tryton_server, golden)
    assert mechanisms(tryton_server, found["id"]) == [("email", "ann@newmail.example"), ("phone", "+44 20 7946 0000")]
    (address,) = addresses(tryton_server, found["id"])
    assert address["city"] == "Londinium"


def test_the_same_message_twice_has_no_second_effect(erp, tryton_server):
    golden = gid()
    msg = message(golden, ANN)
    first = send_ok(erp, msg)
    before = party(tryton_server, golden)

    assert send_ok(erp, msg) == first

    parties = tryton_server.search_read("party.party", [["code", "=", golden], ALL], ["id"])
    assert len(parties) == 1
    after = party(tryton_server, golden)
    assert after["write_date"] == before["write_date"]  # not even rewritten
    assert len(after["contact_mechanisms"]) == 2
    assert len(after["addresses"]) == 1


def test_a_party_the_erp_created_is_found_by_its_account_number_not_duplicated(erp, tryton_server):
    account = "C-" + uuid.uuid4().hex[:8]
    (own_id,) = tryton_server.model("party.party", "create", [{"name": "A. Lee", "code": account, "addresses": []}])
    golden = gid()

    remote_id = send_ok(erp, message(golden, {**ANN, "erp_account_number": account}))

    assert remote_id == str(own_id)
    (found,) = tryton_server.search_read("party.party", [["code", "in", [account, golden]], ALL], ["name", "code"])
    assert (found["name"], found["code"]) == ("Ann Lee", account)


def test_merged_deactivates_the_party_and_points_at_the_survivor_and_unmerge_restores_it(erp, tryton_server):
    merged, survivor = gid(), gid()
    send_ok(erp, message(merged, ANN))
    survivor_id = int(send_ok(erp, message(survivor, {**ANN, "email": "ann@survivor.example"})))

    send_ok(erp, message(merged, ANN, kind="merged", version=2, status="merged", merged_into=survivor))
    found = party(tryton_server, merged)
    assert found["active"] is False
    assert found["replaced_by"] == survivor_id
    assert tryton_server.search_read("party.party", [["code", "=", merged]], ["id"]) == []  # out of normal searches

    send_ok(erp, message(merged, ANN, kind="unmerged", version=3))
    found = party(tryton_server, merged)
    assert (found["active"], found["replaced_by"]) == (True, None)


def test_erased_removes_the_personal_data_and_deactivates(erp, tryton_server):
    golden = gid()
    party_id = int(send_ok(erp, message(golden, {**ANN, "email": f"erase-{golden}@example.com"})))

    erased = message(golden, {}, kind="erased", version=2, status="erased")
    assert send_ok(erp, erased) == str(party_id)
    assert send_ok(erp, erased) == str(party_id)  # a re-sent erasure is harmless

    found = party(tryton_server, golden)
    assert found["active"] is False
    assert found["name"] is None
    left = tryton_server.search_read(
        "party.contact_mechanism", [["party", "=", party_id], ALL], ["type", "value", "active"]
    )
    assert left and all(row["value"] == "****" and not row["active"] for row in left)
    assert (
        tryton_server.search_read("party.contact_mechanism", [["value", "=", f"erase-{golden}@example.com"], ALL], [])
        == []
    )
    (address,) = tryton_server.search_read(
        "party.address", [["party", "=", party_id], ALL], ["street", "postal_code", "city", "country"]
    )
    assert (address["street"], address["postal_code"], address["city"], address["country"]) == (None, None, None, None)


def test_a_validation_failure_in_tryton_is_permanent_and_leaves_nothing_behind(erp, tryton_server):
    golden = gid()
    (outcome,) = erp.send([message(golden, {**ANN, "phone": "12"})])

    assert outcome.error is not None
    assert outcome.error.permanent is True
    assert "not valid" in str(outcome.error)
    assert tryton_server.search_read("party.party", [["code", "=", golden], ALL], ["id"]) == []


def test_an_unknown_country_is_permanent(erp):
    (outcome,) = erp.send([message(gid(), {**ANN, "country": "XX"})])
    assert outcome.error is not None and outcome.error.permanent
    assert "no country 'XX'" in str(outcome.error)


def test_an_expired_session_is_renewed_once(erp, tryton_server):
    golden = gid()
    send_ok(erp, message(golden, ANN))
    # End the connector's session behind its back, as Tryton's session timeout would.
    erp.client._post("common.db.logout", [], auth=erp.client.authorization)

    send_ok(erp, message(golden, {**ANN, "given_name": "Annie"}, version=2))
    assert party(tryton_server, golden)["name"] == "Annie Lee"


def test_an_unreachable_tryton_is_transient(tryton_server):
    connector = TrytonConnector(
        ConnectorConfig(
            name="erp",
            base_url=f"http://127.0.0.1:{free_port()}",
            secret="x",
            options=tryton_server.connector_options(),
            timeout=2,
        )
    )
    first, second = connector.send([message(gid(), ANN), message(gid(), ANN)])
    assert first.error is not None and first.error.permanent is False
    assert second.error is not None and second.error.permanent is False  # not attempted after a transient failure


def test_wrong_credentials_are_permanent(tryton_server):
    connector = TrytonConnector(
        ConnectorConfig(
            name="erp", base_url=tryton_server.base_url, secret="wrong", options=tryton_server.connector_options()
        )
    )
    (outcome,) = connector.send([message(gid(), ANN)])
    assert outcome.error is not None and outcome.error.permanent is True


MUG = {
    "sku": "MUG-",
    "name": "Blue mug",
    "price": "12.50",
    "currency": "EUR",
    "gtin": "4006381333931",
    "brand": "Acme",
    "description": "A blue mug.",
    "category": "Kitchen",
}


def product(server: TrytonServer, golden_id: str) -> dict[str, Any]:
    (found,) = server.search_read(
        "product.product",
        [["identifiers.code", "=", f"steward:{golden_id}"], ALL],
        ["code", "active", "description", "replaced_by", "template.name", "template.list_price", "identifiers"],
    )
    found["identifiers"] = sorted(
        (row["type"] or "", row["code"])
        for row in server.search_read("product.identifier", [["product", "=", found["id"]]], ["type", "code"])
    )
    return found


def test_it_creates_and_updates_a_product(erp, tryton_server):
    golden, sku = gid(), "MUG-" + uuid.uuid4().hex[:6]
    remote_id = send_ok(erp, message(golden, {**MUG, "sku": sku}, domain="product"))

    found = product(tryton_server, golden)
    assert str(found["id"]) == remote_id
    assert found["code"] == sku
    assert found["template."]["name"] == "Blue mug"
    assert Decimal(found["template."]["list_price"]["decimal"]) == Decimal("12.50")
    assert found["description"] == "A blue mug."
    assert found["identifiers"] == [("", f"steward:{golden}"), ("brand", "Acme"), ("ean", "4006381333931")]

    updated = {**MUG, "sku": sku, "name": "Navy mug", "price": "13.00", "gtin": "5901234123457", "brand": None}
    assert send_ok(erp, message(golden, updated, domain="product", version=2)) == remote_id
    send_ok(erp, message(golden, updated, domain="product", version=2))  # again: nothing more

    found = product(tryton_server, golden)
    assert found["template."]["name"] == "Navy mug"
    assert Decimal(found["template."]["list_price"]["decimal"]) == Decimal("13.00")
    assert found["identifiers"] == [("", f"steward:{golden}"), ("ean", "5901234123457")]
    assert len(tryton_server.search_read("product.product", [["code", "=", sku], ALL], ["id"])) == 1


def test_a_merged_product_is_deactivated_and_replaced_by_the_survivor(erp, tryton_server):
    merged, survivor = gid(), gid()
    send_ok(erp, message(merged, {**MUG, "sku": "M-" + merged[:8]}, domain="product"))
    survivor_id = int(send_ok(erp, message(survivor, {**MUG, "sku": "S-" + survivor[:8]}, domain="product")))

    send_ok(erp, message(merged, {}, domain="product", kind="merged", status="merged", merged_into=survivor))

    found = product(tryton_server, merged)
    assert (found["active"], found["replaced_by"]) == (False, survivor_id)


def test_a_bad_gtin_or_a_foreign_currency_is_permanent(erp):
    bad_gtin, dollars = (
        message(gid(), {**MUG, "sku": "BAD-" + uuid.uuid4().hex[:6], "gtin": "4006381333932"}, domain="product"),
        message(gid(), {**MUG, "sku": "USD-" + uuid.uuid4().hex[:6], "currency": "USD"}, domain="product"),
    )
    outcomes = erp.send([bad_gtin, dollars])
    assert [outcome.error is not None and outcome.error.permanent for outcome in outcomes] == [True, True]
    assert "USD" in str(outcomes[1].error)
