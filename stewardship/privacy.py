"""Personal data: which attributes are personal, and how a reader who may not see them in full sees them (masked).

Pure functions, no ORM. Who sees what is ``roles.sees_personal_data``; the API's serializers and the UI's queries mask
with these for everyone else. Erasure (``services.privacy``) empties these attributes everywhere they are stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import domains

#: The personal attributes, per domain (city and country are not: they do not single a person out). Products hold
#: none. The privacy page of the docs lists the same.
PERSONAL: Mapping[str, frozenset[str]] = {
    domains.CUSTOMER: frozenset(
        {
            "given_name",
            "family_name",
            "email",
            "phone",
            "birth_date",
            "address_line1",
            "address_line2",
            "postal_code",
        }
    ),
    domains.PRODUCT: frozenset(),
}

#: Shown in place of what is masked, and what erasure leaves where a personal value was.
DOT = "•••"
REDACTED = "[erased]"

#: Names are shown in full, masked or not: a steward-like reader needs to tell records apart.
_SHOWN_IN_FULL = frozenset({"given_name", "family_name"})


def is_personal(domain: str, attribute: str) -> bool:
    return attribute in PERSONAL.get(domain, ())


def mask(attribute: str, value: Any) -> Any:
    """One personal value as a masked reader sees it: an email as its first letter and domain (``q•••@example.org``),
    a phone as its last two digits, a birth date as its year, address lines and postcodes as dots; names in full."""
    if value in (None, "") or attribute in _SHOWN_IN_FULL:
        return value
    text = str(value)
    if attribute == "email":
        local, at, domain = text.rpartition("@")
        return f"{local[:1]}{DOT}@{domain}" if at else DOT
    if attribute == "phone":
        digits = [c for c in text if c.isdigit()]
        return f"{DOT}{''.join(digits[-2:])}" if len(digits) > 2 else DOT
    if attribute == "birth_date":
        return text[:4] if len(text) >= 4 and text[:4].isdigit() else DOT
    return DOT


def masked(domain: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """A record's attributes with the personal ones masked."""
    return {k: mask(k, v) if is_personal(domain, k) else v for k, v in attributes.items()}


#: Match explanations compare the address lines as one field.
_EXPLAINED_TOGETHER = {"address": "address_line1"}


def masked_explanation(domain: str, explanation: list[Any]) -> list[Any]:
    """A match candidate's explanation (``[{"field", "a", "b", ...}]``) with the personal values masked."""
    out = []
    for entry in explanation:
        field = str(entry.get("field")) if isinstance(entry, Mapping) else ""
        name = _EXPLAINED_TOGETHER.get(field, field)
        if name and is_personal(domain, name):
            entry = {**entry, "a": mask(name, entry.get("a")), "b": mask(name, entry.get("b"))}
        out.append(entry)
    return out


def masked_changes(domain: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """A version's ``{attribute: {"before", "after"}}`` with the personal values masked."""
    out: dict[str, Any] = {}
    for name, change in changes.items():
        if is_personal(domain, name) and isinstance(change, Mapping):
            out[name] = {k: mask(name, v) if k in ("before", "after") else v for k, v in change.items()}
        else:
            out[name] = change
    return out


def redacted_changes(domain: str, changes: Mapping[str, Any], values: frozenset[str] | None = None) -> dict[str, Any]:
    """A version's changes with the personal values replaced by ``REDACTED`` (who, when and why are elsewhere and
    stay). ``values``: only these values are redacted (another person's history that held some of the subject's)."""

    def gone(name: str, value: Any) -> Any:
        if value in (None, "") or not is_personal(domain, name):
            return value
        return REDACTED if values is None or str(value) in values else value

    out: dict[str, Any] = {}
    for name, change in changes.items():
        if isinstance(change, Mapping) and is_personal(domain, name):
            out[name] = {k: gone(name, v) if k in ("before", "after") else v for k, v in change.items()}
        else:
            out[name] = change
    return out
