"""Features: the comparable form of a record, what blocking files it under and what the comparisons read.

A record's features are a dict from a two-letter feature key to a normalised value (a value that is missing or empty
is left out). They are stored with the source record as JSON and compared with what is stored: the keys below are
part of that stored form and never change; code names them by the constants.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import normalise as norm
from .nicknames import name_groups

Features = dict[str, Any]

CUSTOMER, PRODUCT = "customer", "product"

# --- customer features ---
GIVEN_NAME = "gn"  # the given name, folded, umlauts spelt out ("jürgen" -> "juergen")
GIVEN_NAME_GROUPS = "gg"  # the nickname families the given name belongs to (a list; the name itself if in none)
GIVEN_NAME_FROM_EMAIL = "ge"  # without a given name: the one the email holds beside the family name
FAMILY_NAME = "fn"  # the family name, folded, umlauts spelt out
FAMILY_SOUNDEX = "fs"  # the family name's Soundex code, spaces removed ("van der berg" -> V536)
EMAIL = "em"  # the email address, canonical (lower case, no +tag, Gmail's dots ignored)
PHONE = "ph"  # the phone number in E.164
BIRTH_DATE = "db"  # the ISO birth date, placeholders (1900-01-01) left out
ADDRESS = "ad"  # the address lines' words, street types abbreviated, house number included
HOUSE_NUMBER = "an"  # the address's first house number
STREET = "as"  # the address's words without numbers
FIRST_LINE_STREET = "a1"  # the first address line's words without numbers, when there is a second line
POSTCODE = "pc"  # the postal code, upper case, without spaces and hyphens
CITY = "ct"  # the city, folded, umlauts spelt out
ACCOUNT = "ac"  # the ERP account number, upper case, without spaces and hyphens

# --- product features ---
GTIN = "gt"  # the GTIN as GTIN-14
GTIN_SLIP = "gx"  # True where that GTIN fails its check digit (a keying slip); left out otherwise
SKU = "sk"  # the SKU, upper case, without spaces and hyphens
BRAND = "br"  # the brand (or the one a shop's title names after its last "|"), squashed: no spaces
BRAND_WORDS = "bw"  # the brand as blocking knows it: its spellings and words (a list; ``_brand_words``)
TITLE = "ti"  # the title's words without brand, quantity, colour and size, sorted
QUANTITY = "qt"  # the title's quantity in a base unit ("ml:1000", "6xml:330")
COLOUR = "co"  # the title's colour words, canonical, sorted
SIZE = "sz"  # the title's apparel or shoe size ("m", "xl", "42")
CATEGORY = "ca"  # the category, folded


def features(domain: str, attributes: Mapping[str, Any]) -> Features:
    """The comparable form of a record's usable attributes (JSON-serialisable; stored with the source record)."""
    return _customer_features(attributes) if domain == CUSTOMER else _product_features(attributes)


def _customer_features(a: Mapping[str, Any]) -> Features:
    given, family = norm.fold_spelt_out(a.get("given_name")), norm.fold_spelt_out(a.get("family_name"))
    place = norm.address(a.get("address_line1"), a.get("address_line2"))
    feats: Features = {
        GIVEN_NAME: given,
        GIVEN_NAME_GROUPS: list(name_groups(given)),
        FAMILY_NAME: family,
        FAMILY_SOUNDEX: norm.soundex(family.replace(" ", "")) if family else "",
        EMAIL: (email := norm.email_canonical(a.get("email"))),
        # Without a given name, the one the email holds beside the family name ("schmidt.hildegard@").
        GIVEN_NAME_FROM_EMAIL: "" if given or not email else norm.email_given_name(email, a.get("family_name")),
        PHONE: norm.phone_e164(a.get("phone"), a.get("country")),
        BIRTH_DATE: norm.birth_date(a.get("birth_date")),
        ADDRESS: place.text,
        HOUSE_NUMBER: place.number,
        STREET: place.street,
        FIRST_LINE_STREET: place.street1,
        POSTCODE: norm.postcode(a.get("postal_code")),
        CITY: norm.fold_spelt_out(a.get("city")),
        ACCOUNT: norm.postcode(a.get("erp_account_number")),
    }
    return {k: v for k, v in feats.items() if v}


def _product_features(a: Mapping[str, Any]) -> Features:
    name = a.get("name") or ""
    # Without a brand, a shop's title names it after its last "|": "Bath Towel – Grey | Nordic Home".
    brand = a.get("brand") or (name.rsplit("|", 1)[1].strip() if "|" in name else "")
    title = norm.product_title(name, brand)
    gtin = norm.gtin14(a.get("gtin"))
    feats: Features = {
        GTIN: gtin,
        GTIN_SLIP: bool(gtin) and not norm.gtin_check_digit_ok(gtin),  # a slip (a wrong check digit): see ``_gtin``
        SKU: norm.postcode(a.get("sku")),
        BRAND: norm.squash(brand),
        BRAND_WORDS: _brand_words(brand, name),
        TITLE: title.core,
        QUANTITY: title.quantity,
        COLOUR: title.colour,
        SIZE: title.size,
        CATEGORY: norm.fold(a.get("category")),
    }
    return {k: v for k, v in feats.items() if v}


def _brand_words(brand: str | None, name: str | None) -> list[str]:
    """The brand as blocking knows it: squashed ("Polar Stern" = "Polarstern"), without a leading article ("Le Petit
    Jardin" = "Petit Jardin"), and by its first and last words ("Green & Co" = "Green and Co", "Sonnenfeld Bio" =
    "Sonnenfeld", "Kaffeerösterei Nord" = "Rösterei Nord", "Dr. Sommer" = "Doktor Sommer"). Without a brand: the
    title's first word (ERPs write "POLARSTERN BATH TOWEL"), or its second after a title ("DR. SOMMER HOODIE"). A
    brand with umlauts is known by them spelt out too ("Kaffeerösterei" = "KAFFEEROESTEREI")."""
    if not brand:
        first = [w for w in norm.fold(name).split()[:2] if brand_word(w) and not w.isdigit()]
        return first[:1]
    keys: list[str] = []
    for spelling in dict.fromkeys((brand, norm.umlauts_spelt_out(brand))):
        words = norm.fold(spelling).split()
        if not words:
            continue
        keys.append(norm.squash(spelling))
        if len(words) > 1 and words[0] in _ARTICLES:
            words = words[1:]
            keys.append("".join(words))
        if len(words) > 1:
            keys += [w for w in (words[0], words[-1]) if brand_word(w) and w not in _ARTICLES]
    return list(dict.fromkeys(keys))


def brand_word(word: str) -> bool:
    """Long enough to block on: three letters, or two with a digit ("K2", "3M"); not "Dr" or "St"."""
    return len(word) >= 3 or (len(word) == 2 and any(ch.isdigit() for ch in word) and not word.isdigit())


_ARTICLES = {"the", "le", "la", "les", "l", "der", "die", "das", "el", "los", "las", "il", "de", "and", "co"}
