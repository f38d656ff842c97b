"""Golden customer -> Open Loyalty member (``{"customer": {...}}`` of the member endpoints).

| golden                                    | Open Loyalty member                                             |
| ----------------------------------------- | --------------------------------------------------------------- |
| id                                        | loyaltyCardNumber (the external id members are looked up by)    |
| given_name, family_name                   | firstName, lastName (required by Open Loyalty)                  |
| email, phone, birth_date                  | email, phone, birthDate                                         |
| address_line1, address_line2              | address.street, address.address2                                |
| postal_code, city, country                | address.postal, address.city, address.country                   |
| consents.email_marketing / .sms_marketing | agreement2 (marketing: true when either is granted)             |
| consents.profiling                        | agreement3 (data processing)                                    |
| version, id                               | labels steward_version, steward_id                              |

agreement1 (terms and conditions) is the member's own act in the loyalty programme: Steward does not send it.
loyalty_tier and loyalty_points come *from* the loyalty system (it owns them): they are not sent back.
"""

from __future__ import annotations

from typing import Any

from connectors.base import Message

FIELDS = {"given_name": "firstName", "family_name": "lastName", "email": "email", "phone": "phone"}
ADDRESS = {
    "address_line1": "street",
    "address_line2": "address2",
    "postal_code": "postal",
    "city": "city",
    "country": "country",
}


def _granted(consents: dict[str, Any], purpose: str) -> bool | None:
    state = consents.get(purpose)
    return None if state is None else state.get("status") == "granted"


def customer(message: Message) -> dict[str, Any]:
    attributes = message.payload.get("attributes") or {}
    result: dict[str, Any] = {name: attributes[key] for key, name in FIELDS.items() if key in attributes}
    if "birth_date" in attributes:
        result["birthDate"] = attributes["birth_date"]
    address = {name: attributes[key] for key, name in ADDRESS.items() if key in attributes}
    if address:
        result["address"] = address
    consents = message.payload.get("consents") or {}
    marketing = [_granted(consents, purpose) for purpose in ("email_marketing", "sms_marketing")]
    if any(value is not None for value in marketing):
        result["agreement2"] = any(marketing)
    profiling = _granted(consents, "profiling")
    if profiling is not None:
        result["agreement3"] = profiling
    result["loyaltyCardNumber"] = message.golden_id
    result["labels"] = [
        {"key": "steward_id", "value": message.golden_id},
        {"key": "steward_version", "value": str(message.version)},
    ]
    return result
