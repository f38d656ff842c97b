"""Golden record payload -> Medusa v2 Admin API bodies. Pure functions on plain dicts: no HTTP, no ORM.

Medusa keeps our key in ``metadata.steward_golden_id`` (customers and products) and, for products, also in
``external_id``, which the Admin API can filter on. ``metadata.steward_version`` is the golden version last applied,
so an older or repeated message can be recognised and skipped.

Medusa merges ``metadata`` on update and deletes a key sent as ``""``; on create an ``""`` would be stored, so empty
values are left out of create bodies and sent as ``""`` only to clear a key Medusa already holds.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

GOLDEN_ID = "steward_golden_id"
VERSION = "steward_version"
STATUS = "steward_status"
MERGED_INTO = "steward_merged_into"
CONSENTS = "steward_consents"

#: The single option every Steward product has in Medusa: a golden product is one sellable item (one variant).
DEFAULT_OPTION = "Default"
PRODUCT_STATUSES = ("draft", "proposed", "published", "rejected")


class MappingError(ValueError):
    """The golden record cannot be expressed in Medusa (a permanent failure: retrying will not help)."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def golden_id_of(record: dict[str, Any]) -> str:
    """The golden id a Medusa customer or product carries, or ""."""
    return str((record.get("metadata") or {}).get(GOLDEN_ID) or "")


def version_of(record: dict[str, Any]) -> int:
    """The golden version last applied to a Medusa record (0 when none or unreadable)."""
    try:
        return int((record.get("metadata") or {}).get(VERSION) or 0)
    except (TypeError, ValueError):
        return 0


def merged_into_of(record: dict[str, Any]) -> str:
    return str((record.get("metadata") or {}).get(MERGED_INTO) or "")


def email_keys(payload: dict[str, Any]) -> list[str]:
    """The emails a golden customer may be filed under in Medusa: the current one and, when this version changed
    it, the previous one; each as given and lower-cased (Medusa's email filter is an exact match)."""
    candidates: list[Any] = [(payload.get("attributes") or {}).get("email")]
    change = (payload.get("changes") or {}).get("email")
    if isinstance(change, dict):
        candidates += [change.get("before"), change.get("after")]
    keys: list[str] = []
    for value in candidates:
        text = _text(value)
        for key in (text, text.lower() if text else None):
            if key and key not in keys:
                keys.append(key)
    return keys


def steward_metadata(payload: dict[str, Any]) -> dict[str, Any]:
    """What Steward keeps in a Medusa record's metadata. None means "absent" (see :func:`metadata_patch`)."""
    metadata: dict[str, Any] = {
        GOLDEN_ID: str(payload["id"]),
        VERSION: int(payload["version"]),
        STATUS: payload.get("status") or "active",
        MERGED_INTO: _text(payload.get("merged_into")),
    }
    if payload.get("domain") == "customer":
        consents = payload.get("consents") or {}
        metadata[CONSENTS] = {
            purpose: state.get("status") for purpose, state in sorted(consents.items()) if isinstance(state, dict)
        } or None
    else:
        attributes = payload.get("attributes") or {}
        metadata["steward_brand"] = _text(attributes.get("brand"))
        metadata["steward_category"] = _text(attributes.get("category"))
    return metadata


def metadata_for_create(wanted: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in wanted.items() if value is not None}


def metadata_patch(current: dict[str, Any] | None, wanted: dict[str, Any]) -> dict[str, Any]:
    """The metadata body for an update: our keys set, our absent keys that Medusa still holds cleared with "",
    everyone else's keys untouched (Medusa merges)."""
    current = current or {}
    patch = {key: value for key, value in wanted.items() if value is not None}
    patch.update({key: "" for key, value in wanted.items() if value is None and key in current})
    return patch


# --- customers ------------------------------------------------------------------------------------------------------


def customer_body(payload: dict[str, Any], *, current_metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """``POST /admin/customers`` (``current_metadata`` None) or ``POST /admin/customers/{id}`` body.

    An empty email is left out rather than cleared: the email is how the customer is found again in Medusa."""
    attributes = payload.get("attributes") or {}
    body: dict[str, Any] = {
        "first_name": _text(attributes.get("given_name")),
        "last_name": _text(attributes.get("family_name")),
        "phone": _text(attributes.get("phone")),
    }
    email = _text(attributes.get("email"))
    if email:
        body["email"] = email
    wanted = steward_metadata(payload)
    if current_metadata is None:
        body = {key: value for key, value in body.items() if value is not None}
        body["metadata"] = metadata_for_create(wanted)
    else:
        body["metadata"] = metadata_patch(current_metadata, wanted)
    return body


#: Every personal field blanked before the delete: Medusa only soft-deletes, so the rows would keep them.
CUSTOMER_ERASURE_BODY: dict[str, Any] = {
    "email": None,
    "first_name": None,
    "last_name": None,
    "phone": None,
    "company_name": None,
    "metadata": None,
}
ADDRESS_ERASURE_BODY: dict[str, Any] = {
    "address_name": None,
    "company": None,
    "first_name": None,
    "last_name": None,
    "address_1": None,
    "address_2": None,
    "city": None,
    "province": None,
    "postal_code": None,
    "phone": None,
    "metadata": None,
}


def merged_marker(payload: dict[str, Any], current_metadata: dict[str, Any] | None) -> dict[str, Any]:
    """Metadata that marks a Medusa record whose golden record was merged into another one."""
    wanted = {
        GOLDEN_ID: str(payload["id"]),
        VERSION: int(payload["version"]),
        STATUS: "merged",
        MERGED_INTO: _text(payload.get("merged_into")),
    }
    return metadata_patch(current_metadata, wanted)


# --- products -------------------------------------------------------------------------------------------------------


def slugify(value: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def product_handle(payload: dict[str, Any]) -> str:
    """A stable, unique-enough handle: the name's slug, then the SKU's (or the golden id's first block) so two
    products called "T-shirt" do not collide."""
    attributes = payload.get("attributes") or {}
    name = slugify(_text(attributes.get("name")) or "product")
    suffix = slugify(_text(attributes.get("sku")) or "") or str(payload["id"]).split("-")[0].lower()
    return f"{name}-{suffix}"[:120].strip("-")


def gtin_codes(gtin: Any) -> dict[str, str | None]:
    """GTIN -> Medusa variant codes: barcode always; ean for GTIN-13 (and GTIN-8); upc for GTIN-12."""
    code = _text(gtin)
    if not code:
        return {"barcode": None, "ean": None, "upc": None}
    return {
        "barcode": code,
        "ean": code if len(code) in (8, 13) else None,
        "upc": code if len(code) == 12 else None,
    }


def price_of(payload: dict[str, Any]) -> dict[str, Any] | None:
    """The golden price as a Medusa price (major units, lower-case ISO currency), or None when there is none."""
    attributes = payload.get("attributes") or {}
    price, currency = _text(attributes.get("price")), _text(attributes.get("currency"))
    if price is None and currency is None:
        return None
    if price is None or currency is None:
        raise MappingError(f"price {price!r} and currency {currency!r} go together: one is missing")
    try:
        amount = Decimal(price)
    except InvalidOperation:
        raise MappingError(f"price {price!r} is not a decimal number") from None
    if not amount.is_finite() or amount < 0:
        raise MappingError(f"price {price!r} is not a non-negative amount")
    if not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise MappingError(f"currency {currency!r} is not an ISO 4217 code")
    # Medusa v2 stores amounts in major units as numbers (12.5 = 12.50 EUR); float keeps a cent-precise value.
    return {"currency_code": currency.lower(), "amount": float(amount)}


def merge_prices(current: list[dict[str, Any]], price: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A variant's new price list: Medusa replaces the whole list on update, so every other currency's price is
    sent back unchanged (by id) and only the golden currency's price is set."""
    prices: list[dict[str, Any]] = []
    replaced = False
    for existing in current:
        rules = existing.get("rules") or {}
        if price is not None and existing.get("currency_code") == price["currency_code"] and not rules and not replaced:
            prices.append({"id": existing["id"], **price})
            replaced = True
        else:
            prices.append({"id": existing["id"]})
    if price is not None and not replaced:
        prices.append(dict(price))
    return prices


def _product_name(payload: dict[str, Any]) -> str:
    name = _text((payload.get("attributes") or {}).get("name"))
    if not name:
        raise MappingError("the golden product has no name: Medusa requires a product title")
    return name


def variant_codes(payload: dict[str, Any]) -> dict[str, Any]:
    attributes = payload.get("attributes") or {}
    return {"sku": _text(attributes.get("sku")), **gtin_codes(attributes.get("gtin"))}


def product_create_body(
    payload: dict[str, Any], *, status: str = "published", sales_channel_id: str | None = None
) -> dict[str, Any]:
    """``POST /admin/products``: one "Default" option, one variant with the SKU, GTIN codes and the price."""
    attributes = payload.get("attributes") or {}
    name = _product_name(payload)
    price = price_of(payload)
    variant: dict[str, Any] = {
        "title": name,
        **{key: value for key, value in variant_codes(payload).items() if value is not None},
        "prices": [price] if price else [],
        "options": {DEFAULT_OPTION: DEFAULT_OPTION},
    }
    body: dict[str, Any] = {
        "title": name,
        "handle": product_handle(payload),
        "status": status,
        "external_id": str(payload["id"]),
        "options": [{"title": DEFAULT_OPTION, "values": [DEFAULT_OPTION]}],
        "variants": [variant],
        "metadata": metadata_for_create(steward_metadata(payload)),
    }
    description = _text(attributes.get("description"))
    if description:
        body["description"] = description
    image_url = _text(attributes.get("image_url"))
    if image_url:
        body["thumbnail"] = image_url
        body["images"] = [{"url": image_url}]
    if sales_channel_id:
        body["sales_channels"] = [{"id": sales_channel_id}]
    return body


def product_update_body(
    payload: dict[str, Any], *, current_metadata: dict[str, Any] | None, status: str | None = None
) -> dict[str, Any]:
    """``POST /admin/products/{id}``: title, description, thumbnail, our key and metadata. The handle (a storefront
    URL), images, options and sales channels belong to the shop once the product exists and are left alone; so does
    a value the golden record lacks (no source has it) rather than being cleared."""
    attributes = payload.get("attributes") or {}
    body: dict[str, Any] = {
        "title": _product_name(payload),
        "external_id": str(payload["id"]),
        "metadata": metadata_patch(current_metadata, steward_metadata(payload)),
    }
    description, image_url = _text(attributes.get("description")), _text(attributes.get("image_url"))
    if description:
        body["description"] = description
    if image_url:
        body["thumbnail"] = image_url
    if status:
        body["status"] = status
    return body


def variant_update_body(payload: dict[str, Any], current_prices: list[dict[str, Any]]) -> dict[str, Any]:
    """``POST /admin/products/{id}/variants/{variant_id}``: SKU, GTIN codes and the golden price (codes the golden
    record lacks are left as Medusa has them)."""
    attributes = payload.get("attributes") or {}
    body: dict[str, Any] = {}
    if _text(attributes.get("sku")):
        body["sku"] = _text(attributes.get("sku"))
    if _text(attributes.get("gtin")):
        body.update(gtin_codes(attributes.get("gtin")))  # all three: a GTIN-13 that became a GTIN-14 drops its ean
    body["prices"] = merge_prices(current_prices, price_of(payload))
    return body
