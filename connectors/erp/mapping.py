"""Golden record -> Tryton values, as pure functions (no HTTP): what a party or a product should look like, and
the smallest set of One2Many operations that turns what Tryton holds into that.

Steward manages one record of each kind it knows on a party: the first active address, the first email and the
first phone contact mechanism. It updates those in place, creates them when missing and deletes them when the
golden value became empty; any other address or mechanism a Tryton user added is left alone. So a re-sent
message plans no operation at all, and a changed email replaces the old one instead of piling up.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

#: Products carry the golden id as a product identifier with this prefix (see README: natural keys).
PRODUCT_KEY_PREFIX = "steward:"
#: Golden phone -> Tryton contact mechanism type "phone"; email -> "email".
CONTACT_TYPES = ("email", "phone")
#: Golden product attribute -> Tryton product identifier type.
PRODUCT_IDENTIFIER_TYPES = {"gtin": "ean", "brand": "brand"}

Ops = list[list[Any]]


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""


def tryton_decimal(value: Any) -> dict[str, str]:
    """A decimal in Tryton's JSON form. Raises ValueError on something that is not a number."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a decimal: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a decimal: {value!r}")
    return {"__class__": "Decimal", "decimal": str(number)}


def compact(kind: str, value: Any) -> str:
    """The form two values are compared in: Tryton reformats phone numbers (``+44 20 7946 0000``) and emails keep
    their case, so compare phones on digits and emails case-insensitively."""
    text = _text(value)
    if kind in ("phone", "mobile", "fax"):
        return re.sub(r"[^\d+]", "", text)
    if kind == "email":
        return text.lower()
    return text


# Customers -> party.party


def party_name(attributes: dict[str, Any]) -> str | None:
    name = " ".join(
        part for part in (_text(attributes.get("given_name")), _text(attributes.get("family_name"))) if part
    )
    return name or None


def contact_values(attributes: dict[str, Any]) -> dict[str, str | None]:
    """Desired value per managed contact mechanism type (None: there should be none)."""
    return {kind: _text(attributes.get(kind)) or None for kind in CONTACT_TYPES}


def address_values(attributes: dict[str, Any]) -> dict[str, Any] | None:
    """The managed address: ``street`` (two lines), ``postal_code``, ``city`` and ``country`` as an ISO code (the
    connector turns it into Tryton's country id). None when the golden record has no address at all."""
    lines = [_text(attributes.get("address_line1")), _text(attributes.get("address_line2"))]
    values = {
        "street": "\n".join(line for line in lines if line) or None,
        "postal_code": _text(attributes.get("postal_code")) or None,
        "city": _text(attributes.get("city")) or None,
        "country": _text(attributes.get("country")).upper() or None,
    }
    return values if any(values.values()) else None


def party_values(payload: dict[str, Any]) -> dict[str, Any]:
    """Party fields for an active golden customer (an unmerge re-activates a party a merge had deactivated)."""
    return {"name": party_name(payload.get("attributes") or {}), "active": True, "replaced_by": None}


def changed(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, Any]:
    """The desired fields whose current value differs (Many2One values compare by id)."""
    out = {}
    for name, value in desired.items():
        now = current.get(name)
        if isinstance(now, dict):  # a dotted read gives {"id": ..., ...}
            now = now.get("id")
        wanted = Decimal(value["decimal"]) if isinstance(value, dict) and "decimal" in value else value
        if (now or None) != (wanted or None) and now != wanted:
            out[name] = value
    return out


def plan_contact_mechanisms(current: list[dict[str, Any]], desired: dict[str, str | None]) -> Ops:
    """One2Many operations on ``party.contact_mechanisms``. ``current``: dicts with id, type, value."""
    ops: Ops = []
    create = []
    for kind, value in desired.items():
        mine = next((m for m in current if m.get("type") == kind), None)
        if value is None:
            if mine is not None:
                ops.append(["delete", [mine["id"]]])
        elif mine is None:
            create.append({"type": kind, "value": value})
        elif compact(kind, mine.get("value")) != compact(kind, value):
            ops.append(["write", [mine["id"]], {"value": value}])
    if create:
        ops.append(["create", create])
    return ops


def plan_address(current: list[dict[str, Any]], desired: dict[str, Any] | None) -> Ops:
    """One2Many operations on ``party.addresses``; ``desired`` has the country already as a Tryton id. An address
    that disappeared from the golden record is left to Tryton (invoices may point at it)."""
    if desired is None:
        return []
    if not current:
        return [["create", [desired]]]
    mine = current[0]
    update = changed(mine, desired)
    return [["write", [mine["id"]], update]] if update else []


# Products -> product.template / product.product


def product_key(golden_id: str) -> str:
    return PRODUCT_KEY_PREFIX + golden_id


def template_values(attributes: dict[str, Any]) -> dict[str, Any]:
    """Template fields: ``name``, ``code`` (the SKU: with no variant suffix it is the product's code too) and
    ``list_price`` when the golden record has a price. Raises ValueError on a price that is not a number."""
    values: dict[str, Any] = {
        "name": _text(attributes.get("name")) or _text(attributes.get("sku")) or None,
        "code": _text(attributes.get("sku")) or None,
        "active": True,
    }
    if _text(attributes.get("price")):
        values["list_price"] = tryton_decimal(attributes["price"])
    return values


def variant_values(attributes: dict[str, Any]) -> dict[str, Any]:
    return {"description": _text(attributes.get("description")) or None, "active": True, "replaced_by": None}


def identifier_values(golden_id: str, attributes: dict[str, Any]) -> dict[str | None, str | None]:
    """Desired product identifiers by Tryton type: the golden key (type None), the GTIN as EAN, the brand."""
    values: dict[str | None, str | None] = {None: product_key(golden_id)}
    for attribute, kind in PRODUCT_IDENTIFIER_TYPES.items():
        values[kind] = _text(attributes.get(attribute)) or None
    return values


def plan_identifiers(current: list[dict[str, Any]], desired: dict[str | None, str | None]) -> Ops:
    """One2Many operations on ``product.identifiers``; the untyped identifier Steward manages is the one holding
    the golden key, other untyped identifiers are left alone."""
    ops: Ops = []
    create = []
    for kind, value in desired.items():
        if kind is None:
            mine = next((i for i in current if i.get("type") is None and i.get("code") == value), None)
        else:
            mine = next((i for i in current if i.get("type") == kind), None)
        if value is None:
            if mine is not None:
                ops.append(["delete", [mine["id"]]])
        elif mine is None:
            create.append({"type": kind, "code": value})
        elif mine.get("code") != value:
            ops.append(["write", [mine["id"]], {"code": value}])
    if create:
        ops.append(["create", create])
    return ops
