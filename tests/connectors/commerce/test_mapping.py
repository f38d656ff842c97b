"""Golden record payload -> Medusa bodies: pure functions, no server."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.commerce import mapping
from connectors.commerce.connector import MedusaConnector

GOLDEN = "0b7e4a52-3c1d-4f6e-9a8b-1c2d3e4f5a6b"


def customer(**attributes: Any) -> dict[str, Any]:
    base = {"given_name": "Ann", "family_name": "Lee", "email": "Ann.Lee@example.com", "phone": "+447700900123"}
    return {
        "id": GOLDEN,
        "domain": "customer",
        "version": 3,
        "status": "active",
        "merged_into": None,
        "attributes": {**base, **attributes},
        "consents": {"email_marketing": {"status": "granted", "captured_at": "2026-01-01T10:00:00Z"}},
        "sources": [],
        "changes": {},
    }


def product(**attributes: Any) -> dict[str, Any]:
    base = {
        "gtin": "4006381333931",
        "sku": "MUG-01",
        "name": "Enamel mug",
        "brand": "Acme",
        "category": "Kitchen",
        "price": "12.50",
        "currency": "EUR",
        "description": "A blue mug.",
        "image_url": "https://img.example.com/mug.jpg",
    }
    return {
        "id": GOLDEN,
        "domain": "product",
        "version": 2,
        "status": "active",
        "merged_into": None,
        "attributes": {**base, **attributes},
        "sources": [],
        "changes": {},
    }


def test_a_new_customer_gets_names_email_phone_and_our_key_in_metadata():
    body = mapping.customer_body(customer())
    assert body == {
        "email": "Ann.Lee@example.com",
        "first_name": "Ann",
        "last_name": "Lee",
        "phone": "+447700900123",
        "metadata": {
            "steward_golden_id": GOLDEN,
            "steward_version": 3,
            "steward_status": "active",
            "steward_consents": {"email_marketing": "granted"},
        },
    }


def test_a_new_customer_body_leaves_out_what_the_golden_record_lacks():
    body = mapping.customer_body(customer(phone=None, family_name="  "))
    assert "phone" not in body
    assert "last_name" not in body


def test_an_update_clears_removed_fields_but_keeps_the_email_and_others_metadata():
    current = {"steward_golden_id": GOLDEN, "steward_version": 2, "steward_merged_into": "x", "shop_note": "vip"}
    body = mapping.customer_body(customer(phone=None, email=None), current_metadata=current)
    assert body["phone"] is None
    assert "email" not in body  # the email is the lookup key: never blanked
    assert body["metadata"]["steward_merged_into"] == ""  # Medusa deletes a key sent as ""
    assert "shop_note" not in body["metadata"]  # Medusa merges metadata: not ours, not touched
    assert body["metadata"]["steward_version"] == 3


def test_email_keys_cover_the_previous_email_and_the_lower_case_form():
    payload = customer()
    payload["changes"] = {"email": {"before": "ann@old.example.com", "after": "Ann.Lee@example.com"}}
    assert mapping.email_keys(payload) == ["Ann.Lee@example.com", "ann.lee@example.com", "ann@old.example.com"]


def test_email_keys_of_an_erased_record_come_only_from_its_changes():
    payload = customer()
    payload["attributes"] = {}
    assert mapping.email_keys(payload) == []


def test_the_version_and_golden_id_are_read_back_from_metadata():
    record = {"metadata": {"steward_golden_id": GOLDEN, "steward_version": "7"}}
    assert mapping.golden_id_of(record) == GOLDEN
    assert mapping.version_of(record) == 7
    assert mapping.version_of({"metadata": None}) == 0
    assert mapping.version_of({"metadata": {"steward_version": "x"}}) == 0


def test_a_merged_marker_points_at_the_survivor():
    payload = customer()
    payload.update(status="merged", merged_into="survivor-id", version=4)
    marker = mapping.merged_marker(payload, {"steward_consents": {"email_marketing": "granted"}})
    assert marker == {
        "steward_golden_id": GOLDEN,
        "steward_version": 4,
        "steward_status": "merged",
        "steward_merged_into": "survivor-id",
    }


def test_a_new_product_has_one_default_variant_with_sku_codes_and_price():
    body = mapping.product_create_body(product(), status="published", sales_channel_id="sc_1")
    assert body["title"] == "Enamel mug"
    assert body["handle"] == "enamel-mug-mug-01"
    assert body["external_id"] == GOLDEN
    assert body["status"] == "published"
    assert body["sales_channels"] == [{"id": "sc_1"}]
    assert body["thumbnail"] == "https://img.example.com/mug.jpg"
    assert body["options"] == [{"title": "Default", "values": ["Default"]}]
    assert body["variants"] == [
        {
            "title": "Enamel mug",
            "sku": "MUG-01",
            "barcode": "4006381333931",
            "ean": "4006381333931",
            "prices": [{"currency_code": "eur", "amount": 12.5}],
            "options": {"Default": "Default"},
        }
    ]
    assert body["metadata"]["steward_brand"] == "Acme"
    assert body["metadata"]["steward_category"] == "Kitchen"


@pytest.mark.parametrize(
    ("gtin", "codes"),
    [
        ("4006381333931", {"barcode": "4006381333931", "ean": "4006381333931", "upc": None}),
        ("036000291452", {"barcode": "036000291452", "ean": None, "upc": "036000291452"}),
        ("10036000291459", {"barcode": "10036000291459", "ean": None, "upc": None}),
        ("96385074", {"barcode": "96385074", "ean": "96385074", "upc": None}),
        (None, {"barcode": None, "ean": None, "upc": None}),
    ],
)
def test_gtin_becomes_barcode_and_ean_or_upc_by_length(gtin, codes):
    assert mapping.gtin_codes(gtin) == codes


def test_a_product_without_sku_gets_a_handle_from_its_golden_id():
    assert mapping.product_handle(product(sku=None, name="Café crème")) == "cafe-creme-0b7e4a52"


@pytest.mark.parametrize(
    ("price", "currency", "error"),
    [
        ("12.50", None, "go together"),
        (None, "EUR", "go together"),
        ("twelve", "EUR", "not a decimal"),
        ("-1", "EUR", "non-negative"),
        ("1", "EURO", "ISO 4217"),
    ],
)
def test_a_bad_price_is_a_mapping_error(price, currency, error):
    with pytest.raises(mapping.MappingError, match=error):
        mapping.price_of(product(price=price, currency=currency))


def test_a_product_without_price_has_no_prices():
    assert mapping.price_of(product(price=None, currency=None)) is None


def test_a_product_without_name_cannot_be_created():
    with pytest.raises(mapping.MappingError, match="no name"):
        mapping.product_create_body(product(name=""))


def test_a_price_update_keeps_other_currencies_and_price_ids():
    current = [
        {"id": "price_eur", "currency_code": "eur", "amount": 10, "rules": {}},
        {"id": "price_usd", "currency_code": "usd", "amount": 11, "rules": {}},
        {"id": "price_eur_b2b", "currency_code": "eur", "amount": 9, "rules": {"customer_group_id": "g"}},
    ]
    prices = mapping.merge_prices(current, {"currency_code": "eur", "amount": 12.5})
    assert prices == [
        {"id": "price_eur", "currency_code": "eur", "amount": 12.5},
        {"id": "price_usd"},
        {"id": "price_eur_b2b"},
    ]


def test_a_price_in_a_new_currency_is_added():
    prices = mapping.merge_prices(
        [{"id": "price_usd", "currency_code": "usd", "amount": 11}], mapping.price_of(product())
    )
    assert prices == [{"id": "price_usd"}, {"currency_code": "eur", "amount": 12.5}]


def test_a_product_update_leaves_handle_images_and_missing_values_alone():
    body = mapping.product_update_body(product(description=None), current_metadata={"steward_version": 1})
    assert set(body) == {"title", "external_id", "metadata", "thumbnail"}
    variant = mapping.variant_update_body(product(sku=None, gtin="036000291452"), [])
    assert "sku" not in variant
    assert variant["ean"] is None  # a GTIN that is no longer 13 digits drops its stale ean
    assert variant["upc"] == "036000291452"


def test_options_are_checked():
    assert MedusaConnector.check_options({}) == {}
    assert (
        MedusaConnector.check_options({"sales_channel_id": "sc_01", "source": "web", "product_status": "draft"}) == {}
    )
    errors = MedusaConnector.check_options({"sales_channel_id": "x", "product_status": "live", "colour": "red"})
    assert set(errors) == {"sales_channel_id", "product_status", "colour"}
