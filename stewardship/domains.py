"""Attribute schemas of the master-data domains: how a source's value is read, checked and normalised.

Pure functions, no ORM. Reading a record has two outcomes per attribute:
- an **error** (the value cannot be read: unknown attribute, wrong type, unparseable date, bad country code): the
  record is rejected;
- a **warning** (the value reads but fails a quality check: GTIN check digit, a phone number not valid for its
  country, an email that is not an address): the value is kept as sent, and left out of matching and survivorship.
  A warning that is a ``Slip`` (a birth date in the right shape that is no real date: 1990-02-30, 2090-05-14; a GTIN
  with a wrong check digit) keeps the value out of survivorship only: it is a keying slip of the real value, and
  matching compares it as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import phonenumbers
from django.utils.dateparse import parse_date, parse_datetime

from . import text
from .countries import ISO_3166_ALPHA2
from .matching.normalise import PLACEHOLDER_BIRTH_DATES, gtin_check_digit_ok, phone_e164

CUSTOMER = "customer"
PRODUCT = "product"
DOMAINS = (CUSTOMER, PRODUCT)


class Unreadable(ValueError):
    """The value cannot be read as this attribute."""


class Slip(str):
    """A warning message saying the value is a slip of a real one: not fit for the golden record, but evidence for
    matching (the real date is one keystroke or one field away)."""


@dataclass(frozen=True)
class Attribute:
    name: str
    parse: Callable[[Any], Any]
    check: Callable[[Any, dict[str, Any]], str | None] | None = None  # -> warning message or None
    max_length: int | None = None


@dataclass
class ReadRecord:
    """What a source sent for one record, read: ``values`` (as sent, typed), ``usable`` (what matching and
    survivorship may use), ``errors`` and ``warnings`` by attribute."""

    values: dict[str, Any] = field(default_factory=dict)
    usable: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    slips: dict[str, Any] = field(default_factory=dict)  # warned values that matching still compares (``Slip``)

    @property
    def matchable(self) -> dict[str, Any]:
        """What matching compares: the usable values and the slips."""
        return {**self.usable, **self.slips}


# --- parsers (raise Unreadable) ---


def _text(max_length: int) -> Callable[[Any], str | None]:
    def parse(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise Unreadable("Must be a string.")
        if not text.storable(value):
            raise Unreadable(text.MESSAGE)
        value = " ".join(value.split())
        if len(value) > max_length:
            raise Unreadable(f"At most {max_length} characters.")
        return value or None

    return parse


def _date(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Unreadable("Must be a date string (YYYY-MM-DD).")
    try:
        parsed = parse_date(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Unreadable("Not a valid date (YYYY-MM-DD).")
    if parsed > date.today() or parsed.year < 1900:
        raise Unreadable("Date out of range.")
    return parsed.isoformat()


_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_or_slip(value: Any) -> str | None:
    """A date (YYYY-MM-DD); a string of that shape that is no real date is kept as sent, for ``check_birth_date``
    to warn of: a legacy system's 1990-02-30 is a customer with a mistyped birth date, not a record to refuse."""
    try:
        return _date(value)
    except Unreadable:
        if isinstance(value, str) and _DATE_SHAPE.fullmatch(value.strip()):
            return value.strip()
        raise


def _country(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or value.strip().upper() not in ISO_3166_ALPHA2:
        raise Unreadable("Not an ISO 3166-1 alpha-2 country code.")
    return value.strip().upper()


def _decimal(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Unreadable("Must be a number.")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise Unreadable("Must be a number.") from exc
    if not number.is_finite() or number < 0 or number >= Decimal("1e12"):
        raise Unreadable("Must be a non-negative amount.")
    return str(number.quantize(Decimal("0.01")))


def _integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Unreadable("Must be an integer.")
    # At most 15 digits (what every system downstream holds), ASCII ones: int() also reads "٣" as 3.
    if isinstance(value, int) and abs(value) < 10**15:
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,15}", value.strip()):
        return int(value)
    raise Unreadable("Must be an integer.")


def _currency(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{3}", value.strip()):
        raise Unreadable("Must be an ISO 4217 currency code (3 letters).")
    return value.strip().upper()


def _url(value: Any) -> str | None:
    parsed = _text(2000)(value)
    if parsed is not None and not re.match(r"^https?://\S+$", parsed):
        raise Unreadable("Must be an http(s) URL.")
    return parsed


# --- quality checks (return a warning message or None) ---

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(value: str, record: dict[str, Any]) -> str | None:
    return None if _EMAIL.match(value) else "Not an email address."


@lru_cache(maxsize=8192)
def _parse_phone(value: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None


def check_phone(value: str, record: dict[str, Any]) -> str | None:
    region = record.get("country") or None
    number = _parse_phone(value, region)
    if number is None:
        return "Not a phone number."
    if not phonenumbers.is_valid_number(number):
        where = f" for country {region}" if region else ""
        return f"Not a valid phone number{where}."
    return None


def check_birth_date(value: str, record: dict[str, Any]) -> str | None:
    if value in PLACEHOLDER_BIRTH_DATES:
        return "Looks like a placeholder for an unknown date."
    try:
        _date(value)
    except Unreadable:
        return Slip(
            "No such date, or out of range: kept as sent and compared in matching, not used in the golden record."
        )
    return None


def check_gtin(value: str, record: dict[str, Any]) -> str | None:
    if not re.fullmatch(r"\d{8}|\d{12,14}", value):
        return "A GTIN has 8, 12, 13 or 14 digits."
    # A wrong check digit is a keying slip: the real GTIN is one digit away, and matching compares it as such.
    return None if gtin_check_digit_ok(value) else Slip("GTIN check digit is wrong.")


def _gtin(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    parsed = _text(14)(value)
    return parsed.replace(" ", "") if parsed else parsed


# --- standardisation ---


def _attrs(*attributes: Attribute) -> dict[str, Attribute]:
    return {a.name: a for a in attributes}


SCHEMAS: dict[str, dict[str, Attribute]] = {
    CUSTOMER: _attrs(
        Attribute("given_name", _text(100)),
        Attribute("family_name", _text(100)),
        Attribute("email", _text(254), check_email),
        Attribute("phone", _text(40), check_phone),
        Attribute("birth_date", _date_or_slip, check_birth_date),
        Attribute("address_line1", _text(200)),
        Attribute("address_line2", _text(200)),
        Attribute("postal_code", _text(20)),
        Attribute("city", _text(100)),
        Attribute("country", _country),
        Attribute("erp_account_number", _text(64)),
        Attribute("loyalty_tier", _text(40)),
        Attribute("loyalty_points", _integer),
    ),
    PRODUCT: _attrs(
        Attribute("gtin", _gtin, check_gtin),
        Attribute("sku", _text(64)),
        Attribute("name", _text(300)),
        Attribute("brand", _text(100)),
        Attribute("category", _text(200)),
        Attribute("price", _decimal),
        Attribute("currency", _currency),
        Attribute("description", _text(10000)),
        Attribute("image_url", _url),
    ),
}


def read_attributes(domain: str, attributes: Any) -> ReadRecord:
    """Read one record's attributes for ``domain``: typed values, errors and quality warnings."""
    result = ReadRecord()
    if not isinstance(attributes, dict):
        result.errors["attributes"] = ["Must be an object."]
        return result
    schema = SCHEMAS[domain]
    for name, raw in attributes.items():
        spec = schema.get(name)
        if spec is None:
            result.errors[name] = ["Unknown attribute."]
            continue
        try:
            result.values[name] = spec.parse(raw)
        except Unreadable as exc:
            result.errors[name] = [str(exc)]
    if result.errors:
        return result
    for name, value in result.values.items():
        spec = schema[name]
        warning = spec.check(value, result.values) if spec.check and value is not None else None
        if warning:
            result.warnings[name] = [warning]
            if isinstance(warning, Slip):
                result.slips[name] = value
        elif value is not None:
            result.usable[name] = standardise(name, value, result.values)
    return result


def standardise(name: str, value: Any, record: dict[str, Any]) -> Any:
    """The golden form of a value that passed its checks: phones in E.164, emails and postcodes in one case."""
    if name == "phone":
        return phone_e164(value, record.get("country")) or value  # a valid number (check_phone): its E.164
    if name == "email":
        return value.lower()
    if name == "postal_code":
        return value.upper()
    return value


#: The earliest timestamp a source may send: older ones are keying slips or placeholders, and year-1 ones cannot be
#: read back once stored in UTC (before year 1). The latest is the caller's (now, plus the clock skew allowed).
EARLIEST_TIMESTAMP = datetime(1900, 1, 1, tzinfo=UTC)


def parse_timestamp(value: Any, *, latest: datetime | None = None) -> datetime:
    """An ISO 8601 timestamp with a time zone, from 1900-01-01 (UTC) to ``latest`` (when given)."""
    if not isinstance(value, str):
        raise Unreadable("Must be an ISO 8601 timestamp.")
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise Unreadable("Not a valid ISO 8601 timestamp.")
    if parsed.tzinfo is None:
        raise Unreadable("Timestamp needs a time zone (e.g. Z or +01:00).")
    try:
        # 9999-12-31T23:00-05:00 is past the last datetime in UTC, 0001-01-01T00:00+05:00 before the first: PostgreSQL
        # would store them, and no read of them would ever succeed again.
        in_utc = parsed.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or in_utc < EARLIEST_TIMESTAMP:
        raise Unreadable("Out of range: from 1900-01-01 to now.")
    if latest is not None and in_utc > latest:
        raise Unreadable("In the future.")
    return parsed


def completeness(values: Mapping[str, Any]) -> int:
    return sum(1 for v in values.values() if v not in (None, ""))
