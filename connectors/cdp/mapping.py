"""Golden record -> Segment calls. Pure functions: a message in, a list of Segment events (dicts) out.

| Steward event             | Segment calls                                                                      |
| ------------------------- | ---------------------------------------------------------------------------------- |
| customer.upserted         | identify (userId = golden id, traits)                                              |
| customer.consent_changed  | identify (traits, messageId "<key>/identify") + track "Consent Changed"            |
| customer.unmerged         | identify (traits, messageId "<key>/identify") + track "Customer Unmerged"          |
| customer.merged           | track "Customer Merged" {mergedInto} (userId = the merged-away golden id)          |
| customer.erased           | track "Customer Erased" (no traits)                                                |
| product.*                 | track "Product Updated" / "Product Merged" / "Product Erased" with the product     |
|                           | properties of Segment's e-commerce spec; anonymousId = options.product_anonymous_id |

``messageId`` is the delivery's idempotency key (Segment deduplicates on it), so a retried delivery has no second
effect; ``timestamp`` is when the change happened; ``context.steward`` carries the version and the correlation id of
each message (a batch request carries only one ``X-Correlation-ID`` header).
"""

from __future__ import annotations

from typing import Any

from connectors.base import Message

LIBRARY = {"name": "steward-sync", "version": "1"}
DEFAULT_PRODUCT_ANONYMOUS_ID = "steward-catalog"

#: golden attribute -> Segment trait (Segment's reserved traits where one exists, camelCase otherwise)
TRAITS = {
    "given_name": "firstName",
    "family_name": "lastName",
    "email": "email",
    "phone": "phone",
    "birth_date": "birthday",
    "erp_account_number": "erpAccountNumber",
    "loyalty_tier": "loyaltyTier",
    "loyalty_points": "loyaltyPoints",
}
#: golden address attribute -> key of Segment's ``address`` trait
ADDRESS = {"postal_code": "postalCode", "city": "city", "country": "country"}
#: golden product attribute -> property of Segment's e-commerce spec
PRODUCT = {
    "sku": "sku",
    "gtin": "gtin",
    "name": "name",
    "brand": "brand",
    "category": "category",
    "currency": "currency",
    "description": "description",
    "image_url": "image_url",
}


def traits(payload: dict[str, Any]) -> dict[str, Any]:
    attributes = payload.get("attributes") or {}
    result: dict[str, Any] = {name: attributes[key] for key, name in TRAITS.items() if key in attributes}
    lines = [attributes.get("address_line1"), attributes.get("address_line2")]
    address: dict[str, Any] = {name: attributes[key] for key, name in ADDRESS.items() if key in attributes}
    if any(lines) or "address_line1" in attributes:
        address["street"] = ", ".join(line for line in lines if line) or None
    if address:
        result["address"] = address
    consents = payload.get("consents") or {}
    if consents:
        result["consents"] = {purpose: state.get("status") for purpose, state in consents.items()}
    return result


def _context(message: Message) -> dict[str, Any]:
    context: dict[str, Any] = {
        "library": LIBRARY,
        "steward": {"version": message.version, "correlationId": message.correlation_id},
    }
    consents = message.payload.get("consents") or {}
    if consents:
        # Segment Consent Management reads the categories a user agreed to from here.
        context["consent"] = {
            "categoryPreferences": {purpose: state.get("status") == "granted" for purpose, state in consents.items()}
        }
    sources = message.payload.get("sources") or []
    if sources:
        context["externalIds"] = [
            {"id": str(s["source_key"]), "type": f"{s['source']}_id", "collection": "users", "encoding": "none"}
            for s in sources
        ]
    return context


def _base(message: Message, kind: str, message_id: str) -> dict[str, Any]:
    return {
        "type": kind,
        "messageId": message_id,
        "timestamp": message.occurred_at.isoformat(),
        "context": _context(message),
    }


def identify(message: Message, message_id: str) -> dict[str, Any]:
    return {**_base(message, "identify", message_id), "userId": message.golden_id, "traits": traits(message.payload)}


def track(message: Message, event: str, properties: dict[str, Any], **ids: str) -> dict[str, Any]:
    return {
        **_base(message, "track", message.idempotency_key),
        **(ids or {"userId": message.golden_id}),
        "event": event,
        "properties": properties,
    }


def product_properties(message: Message) -> dict[str, Any]:
    attributes = message.payload.get("attributes") or {}
    properties: dict[str, Any] = {"product_id": message.golden_id, "version": message.version}
    properties.update({name: attributes[key] for key, name in PRODUCT.items() if key in attributes})
    price = attributes.get("price")
    if price not in (None, ""):
        properties["price"] = float(price)  # Segment's spec wants a number; Steward keeps a decimal string
    if message.payload.get("merged_into"):
        properties["merged_into"] = message.payload["merged_into"]
    return properties


def events(message: Message, options: dict[str, Any]) -> list[dict[str, Any]]:
    """The Segment calls for one delivery, in the order they must be applied."""
    kind, payload = message.kind, message.payload
    if message.domain == "product":
        anonymous_id = options.get("product_anonymous_id") or DEFAULT_PRODUCT_ANONYMOUS_ID
        event = {"merged": "Product Merged", "erased": "Product Erased"}.get(kind, "Product Updated")
        return [track(message, event, product_properties(message), anonymousId=anonymous_id)]
    if kind == "merged":
        return [track(message, "Customer Merged", {"mergedInto": payload.get("merged_into")})]
    if kind == "erased":
        return [track(message, "Customer Erased", {})]
    if kind == "consent_changed":
        changes = payload.get("changes") or {}
        properties = {"consents": traits(payload).get("consents", {}), "changes": changes}
        return [identify(message, f"{message.idempotency_key}/identify"), track(message, "Consent Changed", properties)]
    if kind == "unmerged":
        return [identify(message, f"{message.idempotency_key}/identify"), track(message, "Customer Unmerged", {})]
    return [identify(message, message.idempotency_key)]
