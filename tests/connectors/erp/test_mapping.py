"""Golden record -> Tryton values, and the One2Many plans that keep re-sent messages from piling up records."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.erp import mapping
from connectors.erp.client import decode, error_is_permanent, error_message

ANN = {
    "given_name": "Ann",
    "family_name": "Lee",
    "email": "ann@example.com",
    "phone": "+442079460000",
    "address_line1": "1 High Street",
    "address_line2": "Flat 2",
    "postal_code": "SW1A 1AA",
    "city": "London",
    "country": "gb",
}


def test_it_names_the_party_from_given_and_family_name():
    assert mapping.party_name(ANN) == "Ann Lee"
    assert mapping.party_name({"family_name": " Lee "}) == "Lee"
    assert mapping.party_name({}) is None


def test_an_active_golden_record_reactivates_the_party():
    assert mapping.party_values({"attributes": ANN}) == {"name": "Ann Lee", "active": True, "replaced_by": None}


def test_it_maps_the_address_with_two_street_lines_and_an_upper_case_country():
    assert mapping.address_values(ANN) == {
        "street": "1 High Street\nFlat 2",
        "postal_code": "SW1A 1AA",
        "city": "London",
        "country": "GB",
    }
    assert mapping.address_values({"given_name": "Ann"}) is None


def test_a_new_party_gets_one_email_and_one_phone():
    ops = mapping.plan_contact_mechanisms([], mapping.contact_values(ANN))
    assert ops == [
        ["create", [{"type": "email", "value": "ann@example.com"}, {"type": "phone", "value": "+442079460000"}]]
    ]


def test_unchanged_contacts_plan_nothing_even_when_tryton_reformatted_the_phone():
    current = [
        {"id": 1, "type": "email", "value": "Ann@Example.com"},
        {"id": 2, "type": "phone", "value": "+44 20 7946 0000"},
    ]
    assert mapping.plan_contact_mechanisms(current, mapping.contact_values(ANN)) == []


def test_a_changed_email_is_written_over_the_old_one_and_a_removed_phone_is_deleted():
    current = [
        {"id": 1, "type": "email", "value": "old@example.com"},
        {"id": 2, "type": "phone", "value": "+44 20 7946 0000"},
        {"id": 3, "type": "website", "value": "https://ann.example"},
    ]
    desired = mapping.contact_values({**ANN, "email": "new@example.com", "phone": None})
    assert mapping.plan_contact_mechanisms(current, desired) == [
        ["write", [1], {"value": "new@example.com"}],
        ["delete", [2]],
    ]


def test_the_first_address_is_updated_in_place_and_others_are_left_alone():
    desired = {"street": "2 Low Road", "postal_code": "SW1A 1AA", "city": "London", "country": 7}
    current = [
        {"id": 10, "street": "1 High Street", "postal_code": "SW1A 1AA", "city": "London", "country": 7},
        {"id": 11, "street": "Warehouse", "postal_code": None, "city": "Leeds", "country": 7},
    ]
    assert mapping.plan_address(current, desired) == [["write", [10], {"street": "2 Low Road"}]]
    assert mapping.plan_address([], desired) == [["create", [desired]]]
    assert mapping.plan_address(current, None) == []


def test_changed_compares_many2one_reads_by_id_and_decimals_by_value():
    current = {"country": {"id": 7, "code": "GB"}, "list_price": Decimal("12.50"), "name": "Mug", "code": None}
    desired = {"country": 7, "list_price": mapping.tryton_decimal("12.5"), "name": "Mug", "code": ""}
    assert mapping.changed(current, desired) == {}
    assert mapping.changed(current, {"list_price": mapping.tryton_decimal("13")}) == {
        "list_price": {"__class__": "Decimal", "decimal": "13"}
    }


def test_it_maps_a_product_to_template_variant_and_identifiers():
    attributes = {
        "sku": "MUG-1",
        "name": "Blue mug",
        "price": "12.50",
        "currency": "EUR",
        "gtin": "4006381333931",
        "brand": "Acme",
        "description": "A mug.",
    }
    assert mapping.template_values(attributes) == {
        "name": "Blue mug",
        "code": "MUG-1",
        "active": True,
        "list_price": {"__class__": "Decimal", "decimal": "12.50"},
    }
    assert mapping.variant_values(attributes) == {"description": "A mug.", "active": True, "replaced_by": None}
    assert mapping.identifier_values("g-1", attributes) == {
        None: "steward:g-1",
        "ean": "4006381333931",
        "brand": "Acme",
    }


def test_a_product_without_price_leaves_the_price_alone_and_a_bad_price_is_refused():
    assert "list_price" not in mapping.template_values({"name": "Mug", "price": None})
    with pytest.raises(ValueError, match="not a decimal"):
        mapping.template_values({"name": "Mug", "price": "twelve"})


def test_identifier_plan_keeps_the_golden_key_and_replaces_the_gtin():
    current = [
        {"id": 1, "type": None, "code": "steward:g-1"},
        {"id": 2, "type": "ean", "code": "4006381333931"},
        {"id": 3, "type": None, "code": "legacy-42"},
    ]
    desired = {None: "steward:g-1", "ean": "5901234123457", "brand": None}
    assert mapping.plan_identifiers(current, desired) == [["write", [2], {"code": "5901234123457"}]]


def test_tryton_errors_are_classified():
    user_error = ["UserError", ['The phone number "12" for party "Ann" is not valid.', "", None]]
    assert error_is_permanent(user_error)
    assert error_message(user_error) == 'The phone number "12" for party "Ann" is not valid.'
    assert error_is_permanent(["UserWarning", ["key", "Are you sure?", ""]])
    assert not error_is_permanent(["ConcurrencyException", "Records were modified in the meanwhile"])
    assert not error_is_permanent(["could not serialize access due to concurrent update", ""])


def test_decode_turns_tryton_decimals_into_decimals():
    assert decode([{"list_price": {"__class__": "Decimal", "decimal": "1.50"}}]) == [{"list_price": Decimal("1.50")}]
