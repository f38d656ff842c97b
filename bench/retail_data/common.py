"""What every part of the generator shares: the record and its truth, the hard cases, text helpers."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from stewardship.matching import nicknames

T = TypeVar("T")

CUSTOMER_SOURCES = ("erp", "cdp", "loyalty", "commerce")
PRODUCT_SOURCES = ("erp", "commerce")

# Hard cases a record can carry (SourceRecord.cases). A pair of records shows a case when either record does.
CUSTOMER_CASES = (
    "household",  # lives with other customers: same address, often landline and family name
    "twin",  # has a twin: same family name, birth date, address
    "nickname",  # given name sent as a nickname or spelling variant (Bob for Robert)
    "typo",  # a typing error in a name, street or email
    "email_case",  # email in another case
    "email_tag",  # email with a +tag
    "gmail_alias",  # gmail dots moved, or googlemail.com
    "other_email",  # the person's second email address
    "shared_email",  # the household's shared email address
    "phone_format",  # phone written nationally or with 00 instead of E.164
    "name_change",  # the family name before marriage (email, phone and birth date unchanged)
    "moved",  # an old address
    "erp_style",  # upper case, transliterated umlauts/accents, abbreviated street
    "dob_error",  # day and month swapped, or a digit wrong
    "dob_placeholder",  # 1900-01-01 for an unknown birth date
    "same_source",  # a second record of the person in the same system
    "missing",  # values missing beyond what the source usually leaves out
)
PRODUCT_CASES = (
    "variant",  # its product family has other sizes, colours or sibling lines (which must not match)
    "gtin_format",  # GTIN written as 12 (UPC-A) or 14 digits
    "gtin_missing",  # no GTIN sent
    "gtin_typo",  # a wrong digit in the GTIN
    "unit_variant",  # size written in another unit (1 L vs 1000 ml)
    "brand_variant",  # brand spelled differently (Fizz-Co / FIZZCO)
    "same_source",  # listed twice in the shop
    "missing",  # brand or category missing
)


@dataclass(frozen=True)
class SourceRecord:
    """One record as a source system sends it, with its truth."""

    source: str
    source_key: str
    entity: str  # the real person or product (one GTIN) that generated it
    group: str  # look-alikes that are *different* entities: the household, or the product family of one brand
    cases: tuple[str, ...]
    attributes: dict[str, Any]


@dataclass
class RetailData:
    customers: list[SourceRecord]
    products: list[SourceRecord]


# --- text helpers ----------------------------------------------------------------------------------------------


def zipf(rng: random.Random, items: Sequence[T], offset: float) -> T:
    """A few common values and a long tail, as real names are distributed: Zipf-Mandelbrot, the item of rank ``r``
    (from 1) weighing ``1 / (r + offset)``; a larger offset flattens the head."""
    return rng.choices(items, cum_weights=zipf_weights(len(items), offset))[0]


ZIPF_CACHE: dict[tuple[int, float], list[float]] = {}


def zipf_weights(n: int, offset: float) -> list[float]:
    """Cumulative weights of ``zipf``."""
    key = (n, offset)
    if key not in ZIPF_CACHE:
        total, cumulative = 0.0, []
        for rank in range(1, n + 1):
            total += 1 / (rank + offset)
            cumulative.append(total)
        ZIPF_CACHE[key] = cumulative
    return ZIPF_CACHE[key]


def ascii_only(text: str) -> str:
    """What an ASCII-only system makes of a name: umlauts spelled out, other accents dropped."""
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def email_part(text: str) -> str:
    return "".join(ch for ch in ascii_only(text).lower() if ch.isalnum() or ch == "-")


KEYBOARD = {
    c: n
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i, c in enumerate(row)
    for n in [row[max(i - 1, 0)] + row[min(i + 1, len(row) - 1)]]
}


def typo(rng: random.Random, text: str) -> str:
    """One typing error away from a field of four letters or more (never the first letter)."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.3 and text[i] != text[i + 1]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # transposition
    if kind < 0.55:
        return text[:i] + text[i + 1 :]  # deletion
    if kind < 0.7:
        return text[:i] + text[i] + text[i:]  # doubled letter
    near = KEYBOARD.get(text[i].lower())
    if not near:
        return text[:i] + text[i + 1 :]
    sub = rng.choice(near)
    return text[:i] + (sub.upper() if text[i].isupper() else sub) + text[i + 1 :]


def title(name: str) -> str:
    """A folded table name as a person writes it: "hans-peter" -> "Hans-Peter"."""
    return "-".join(part.capitalize() for part in name.split("-"))


def nickname_table() -> dict[str, list[str]]:
    """Formal given name (folded) -> its nicknames and variants in the engine's table, sorted."""
    variants: dict[str, set[str]] = {}
    for name, formals in nicknames.NAME_GROUPS.items():
        for formal in formals:
            if name != formal and len(name) > 1:
                variants.setdefault(formal, set()).add(name)
    return {formal: sorted(names) for formal, names in sorted(variants.items())}


def fold(text: str) -> str:
    return " ".join(ascii_only(text).lower().split())
