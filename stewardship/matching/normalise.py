"""Normalisers: the comparable form of names, emails, phones, postcodes, addresses, GTINs and product titles.

Pure functions on strings. Each returns ``None`` (or an empty value) when there is nothing comparable, so a missing
value is never mistaken for an agreeing one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
from rapidfuzz.distance import OSA

from .nicknames import name_groups

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=262144)
def fold(value: str | None) -> str:
    """Lowercase, accents removed (ß → ss, ø → o), punctuation to spaces, whitespace collapsed."""
    if not value:
        return ""
    value = value.replace("ß", "ss").replace("ø", "o").replace("Ø", "o").replace("æ", "ae").replace("œ", "oe")
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(_NON_ALNUM.sub(" ", stripped).split())


def fold_spelt_out(value: str | None) -> str:
    """``fold`` with German umlauts spelt out first, as ASCII-only systems write them: "Müller" = "MUELLER",
    "Mühlenweg" = "MUEHLENWEG" (other accents are dropped: "Zoé" = "ZOE")."""
    return fold(umlauts_spelt_out(unicodedata.normalize("NFC", value))) if value else ""


def squash(value: str) -> str:
    """A folded value without spaces: "Coca-Cola" and "Coca Cola" and "cocacola" are one brand."""
    return fold(value).replace(" ", "")


# --- people ---

_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")


@lru_cache(maxsize=131072)
def soundex(name: str) -> str:
    """American Soundex of a folded name (letters only): "Meyer", "Meier" and "Maier" share M600."""
    letters = [ch for ch in name if "a" <= ch <= "z"]
    if not letters:
        return ""
    first = letters[0]
    out, last = [], first.translate(_SOUNDEX) if first in "bfpvcgjkqsxzdtlmnr" else ""
    for ch in letters[1:]:
        code = ch.translate(_SOUNDEX) if ch in "bfpvcgjkqsxzdtlmnr" else ""
        if code and code != last:
            out.append(code)
        if ch not in "hw":  # h and w don't separate equal codes; vowels do
            last = code
    return (first.upper() + "".join(out) + "000")[:4]


def email_canonical(value: str | None) -> str:
    """Lowercase; ``+tag`` stripped; dots ignored and googlemail.com read as gmail.com for Gmail."""
    if not value or "@" not in value:
        return ""
    local, _, domain = value.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in {"gmail.com", "googlemail.com"}:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}" if local and domain else ""


_E164 = re.compile(r"\+[1-9]\d{6,14}")


@lru_cache(maxsize=65536)
def phone_e164(value: str | None, country: str | None) -> str:
    """E.164 form ("+442079460000") read with the record's country; digits only when it does not parse."""
    if not value:
        return ""
    if _E164.fullmatch(value) and "0" not in value[2:5]:
        # Already E.164: parsing would only give it back. (A zero right after the country code may be a trunk
        # prefix, "+4402079460000", which parsing drops: such values are parsed.)
        return value
    try:
        number = phonenumbers.parse(value, country or None)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", value)
        return digits if len(digits) >= 6 else ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=65536)
def phone_is_mobile(e164: str) -> bool:
    """Whether an E.164 number is a mobile (one person's) rather than a landline (a household's). Numbers that
    cannot tell (NANP's "fixed line or mobile", unparseable digits) count as landlines."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


_LETTERS = re.compile(r"[^a-z]+")


def email_names(
    email: str,
    given_names: Sequence[str],
    family_names: Sequence[str],
    name_families: AbstractSet[str] = frozenset(),
) -> bool:
    """Whether a canonical email's local part names one of the people: a folded given name of three letters or more
    ("anna.schmitz", "christian751"), or an initial and a family name ("aschmitz", "schmitz.a"). A family mailbox
    ("the.schmitz", "schmitzfamily") names nobody. With the given names' ``name_families`` (``nicknames.name_groups``),
    another form of a given name names the person too: a nickname or a slip ("sophie464" for So, "camille826" for
    Camolle), or the initial of its formal name beside a family name ("aschaefer" for Sasha, of Alexandra)."""
    words = [w for w in _LETTERS.split(email.partition("@")[0]) if w]
    local = "".join(words)
    if not local:
        return False
    for given in given_names:
        for part in given.split():
            if len(part) >= 3 and part in local:
                return True
    initials = {g[0] for g in given_names if g} | {f[0] for f in name_families if f}
    families = {f.replace(" ", "") for f in family_names if f}
    if any(local in (i + f, f + i) for i in initials for f in families):
        return True
    slipped = [g for g in given_names if len(g) >= 4]
    for word in words:
        if len(word) < 3 or word in families:
            continue
        if name_families & set(name_groups(word)) or any(OSA.distance(word, g, score_cutoff=1) <= 1 for g in slipped):
            return True
    return False


def email_given_name(email: str, family_name: str | None) -> str:
    """The given name a canonical email's local part holds beside the family name ("martin.jade4906",
    "christinarichter", "schmidt.hildegard"): one other word of three letters or more, or "" (a family mailbox,
    "the.schmitz" or "schmitzfamily", holds none; neither does an email without the family name)."""
    local = email.partition("@")[0]
    words = [w for w in _LETTERS.split(local) if w]
    for family in dict.fromkeys((fold(family_name), fold_spelt_out(family_name))):
        family = family.replace(" ", "")
        if len(family) < 2:
            continue
        if family in words:
            rest = [w for w in words if w != family]
        elif len(words) == 1 and words[0] != family and (words[0].startswith(family) or words[0].endswith(family)):
            rest = [words[0].removeprefix(family) if words[0].startswith(family) else words[0].removesuffix(family)]
        else:
            continue
        names = [w for w in rest if len(w) >= 3 and w not in _MAILBOX_WORDS]
        if len(names) == 1 and len(rest) == 1:
            return names[0]
    return ""


# What a household's or a role's mailbox holds beside the family name.
_MAILBOX_WORDS = {
    "the", "family", "familie", "famille", "familia", "fam", "home", "haus", "maison", "casa", "info", "mail",
    "contact", "kontakt", "office", "shop", "post", "and", "und", "et",
}  # fmt: skip


# Dates systems put where the birth date is unknown: read as no birth date.
PLACEHOLDER_BIRTH_DATES = frozenset({"1900-01-01", "1901-01-01", "1899-12-31"})


def birth_date(value: str | None) -> str:
    """An ISO birth date, or "" when missing or a placeholder (``PLACEHOLDER_BIRTH_DATES``)."""
    return "" if not value or value in PLACEHOLDER_BIRTH_DATES else value


def postcode(value: str | None) -> str:
    """Upper case, spaces and hyphens removed: "sw1a 1aa" = "SW1A1AA", "75 001" = "75001"."""
    return re.sub(r"[\s\-]", "", value).upper() if value else ""


# Street-type words and their short form, by language. Applied to whole words, and to German compounds
# ("Hauptstraße" → "hauptstr").
_ADDRESS_WORDS = {
    "street": "st",
    "str": "st",
    "road": "rd",
    "avenue": "ave",
    "av": "ave",
    "avda": "ave",
    "avenida": "ave",
    "boulevard": "blvd",
    "bd": "blvd",
    "bvd": "blvd",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "plaza": "pl",
    "platz": "pl",
    "square": "sq",
    "crescent": "cres",
    "terrace": "tce",
    "highway": "hwy",
    "parade": "pde",
    "close": "cl",
    "mount": "mt",
    "circuit": "cct",
    "grove": "gr",
    "gardens": "gdns",
    "apartment": "apt",
    "appartement": "apt",
    "flat": "apt",
    "unit": "apt",
    "suite": "ste",
    "building": "bldg",
    "floor": "fl",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "chemin": "ch",
    "calle": "c",
    "carrer": "c",
    "via": "v",
    "piazza": "pza",
    "strasse": "st",
    "gasse": "g",
    "weg": "wg",
    "allee": "al",
}
_GERMAN_COMPOUND = re.compile(r"(?<=[a-z]{3})(strasse|str)$")
_HOUSE_NUMBER = re.compile(r"^\d+[a-z]?$")
_UNIT_WORDS = {"apt", "ste", "fl", "bldg", "no", "nr"}


@dataclass(frozen=True)
class Address:
    text: str  # normalised words, numbers included
    number: str  # the first house number, "" if none
    street: str  # the words without numbers
    street1: str = ""  # those of the first line, when there is a second


@lru_cache(maxsize=131072)
def address(line1: str | None, line2: str | None = None) -> Address:
    """Address lines folded, street types abbreviated one way (Street → st, Straße → st, Road → rd). A second line
    without a first is no address: "3. OG" or "Flat 12" alone say nothing of where."""
    if not (line1 or "").strip():
        return Address("", "", "")
    first, second = _address_words(line1), _address_words(line2)
    words = first + second
    number = next(
        (w for i, w in enumerate(words) if _HOUSE_NUMBER.match(w) and (i == 0 or words[i - 1] not in _UNIT_WORDS)), ""
    )
    street = " ".join(w for w in words if not any(ch.isdigit() for ch in w))
    # The first line's alone, where a second line adds to it ("Bât. D", "Flat 3" are no part of the street).
    street1 = " ".join(w for w in first if not any(ch.isdigit() for ch in w)) if second else ""
    return Address(" ".join(words), number, street, street1)


def _address_words(line: str | None) -> list[str]:
    words: list[str] = []
    for word in fold_spelt_out(line).split():
        word = _GERMAN_COMPOUND.sub("", word) + (" st" if _GERMAN_COMPOUND.search(word) else "")
        words.extend(_ADDRESS_WORDS.get(w, w) for w in word.split())
    return words


# --- products ---


def gtin_check_digit_ok(digits: str) -> bool:
    """GS1's mod-10 check (weights 3, 1 from the right): it catches every single wrong digit."""
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def gtin_slip(a: str, b: str) -> bool:
    """Two GTIN-14s one keying slip apart: one digit wrong, or two neighbours swapped."""
    if len(a) != len(b) or a == b:
        return False
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(differ) == 1 or (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and a[differ[0]] == b[differ[1]]
        and a[differ[1]] == b[differ[0]]
    )


def gtin14(value: str | None) -> str:
    """A GTIN-8/12/13/14 as GTIN-14 (left-padded with zeros); "" when it is not one. The check digit is checked where
    the value is read; one that fails reaches matching as a slip (``gtin_check_digit_ok``)."""
    if not value:
        return ""
    digits = re.sub(r"[\s\-]", "", value)
    return digits.zfill(14) if re.fullmatch(r"\d{8}|\d{12,14}", digits) else ""


# Units to a base unit per dimension: volume in ml, mass in g, length in mm.
_UNITS: dict[str, tuple[str, int | Decimal]] = {
    "ml": ("ml", 1),
    "millilitre": ("ml", 1),
    "milliliter": ("ml", 1),
    "cl": ("ml", 10),
    "dl": ("ml", 100),
    "l": ("ml", 1000),
    "lt": ("ml", 1000),
    "ltr": ("ml", 1000),
    "litre": ("ml", 1000),
    "liter": ("ml", 1000),
    "litres": ("ml", 1000),
    "liters": ("ml", 1000),
    "floz": ("ml", Decimal("29.5735")),
    "mg": ("g", Decimal("0.001")),
    "g": ("g", 1),
    "gr": ("g", 1),
    "gram": ("g", 1),
    "grams": ("g", 1),
    "gramm": ("g", 1),
    "kg": ("g", 1000),
    "kilo": ("g", 1000),
    "oz": ("g", Decimal("28.3495")),
    "lb": ("g", Decimal("453.592")),
    "lbs": ("g", Decimal("453.592")),
    "mm": ("mm", 1),
    "cm": ("mm", 10),
    "m": ("mm", 1000),
    "in": ("mm", Decimal("25.4")),
    "inch": ("mm", Decimal("25.4")),
    # Electrical ratings: a power bank's capacity, a bulb's light, a device's power are its variant as a size is.
    "mah": ("mah", 1),
    "wh": ("wh", 1),
    "lm": ("lm", 1),
    "lumen": ("lm", 1),
    "lumens": ("lm", 1),
    "w": ("w", 1),
}
_UNIT_NAMES = "|".join(sorted(_UNITS, key=len, reverse=True))  # longest first: "ml" before "m"
_QUANTITY = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)\s*(fl\.?\s?oz|" + _UNIT_NAMES + r")(?![a-z])")
# Dimensions ("70 x 140 cm", "70X140"): two numbers by "x" with a length unit or none; "6 x 330 ml" is a pack.
_DIMENSIONS = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*x\s*(\d+(?:\.\d+)?)\s*(mm|cm|m|in|inch)?(?![\w.])")
_UNIT_AFTER = re.compile(r"\d+(?:\.\d+)?\s*(?:" + _UNIT_NAMES + r")(?![a-z])")
_GLUED_QUANTITY = re.compile(r"(?<=[a-z]{3})(?=\d+(?:[.,]\d+)?\s*(?:" + _UNIT_NAMES + r")(?![a-z]))")
_PACK = re.compile(
    r"(?<![\w])(?:(\d{1,3})\s*(?:x(?=\s*\d)|-?\s*(?:pack|pk|pcs|pieces|stuck|stk|st|count|ct)\b)|pack\s+of\s+(\d{1,3})\b)"
)
_COLOURS = {
    "black": "black",
    "schwarz": "black",
    "noir": "black",
    "negro": "black",
    "nero": "black",
    "white": "white",
    "weiss": "white",
    "blanc": "white",
    "blanco": "white",
    "bianco": "white",
    "red": "red",
    "rot": "red",
    "rouge": "red",
    "rojo": "red",
    "rosso": "red",
    "blue": "blue",
    "blau": "blue",
    "bleu": "blue",
    "azul": "blue",
    "blu": "blue",
    "navy": "navy",
    "green": "green",
    "grun": "green",
    "gruen": "green",
    "vert": "green",
    "verde": "green",
    "yellow": "yellow",
    "gelb": "yellow",
    "jaune": "yellow",
    "amarillo": "yellow",
    "giallo": "yellow",
    "grey": "grey",
    "gray": "grey",
    "grau": "grey",
    "gris": "grey",
    "grigio": "grey",
    "pink": "pink",
    "rosa": "pink",
    "rose": "pink",
    "purple": "purple",
    "lila": "purple",
    "violet": "purple",
    "orange": "orange",
    "brown": "brown",
    "braun": "brown",
    "marron": "brown",
    "beige": "beige",
    "silver": "silver",
    "silber": "silver",
    "gold": "gold",
    "turquoise": "turquoise",
    "khaki": "khaki",
    "sand": "sand",
    "cream": "cream",
    "creme": "cream",
    "ivory": "ivory",
    "olive": "olive",
    "oliv": "olive",
    "burgundy": "burgundy",
    "bordeaux": "burgundy",
    "charcoal": "anthracite",
    "anthracite": "anthracite",
    "anthrazit": "anthracite",
    "taupe": "taupe",
    "mint": "mint",
    "coral": "coral",
    "teal": "teal",
}
# Colour names of two words that name one colour ("navy blue" is navy, not navy and blue).
_COMPOUND_COLOURS = {
    ("navy", "blue"): "navy",
    ("dark", "blue"): "navy",
    ("royal", "blue"): "blue",
    ("sky", "blue"): "blue",
    ("light", "blue"): "blue",
    ("light", "grey"): "grey",
    ("light", "gray"): "grey",
    ("dark", "grey"): "anthracite",
    ("dark", "gray"): "anthracite",
    ("olive", "green"): "olive",
    ("forest", "green"): "green",
    ("dark", "green"): "green",
    ("wine", "red"): "burgundy",
    ("dark", "red"): "burgundy",
    ("off", "white"): "cream",
}
_APPAREL_SIZES = {"xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "2xl", "3xl", "4xl"}
# Sizes spelt out, as shops write them ("Navy, Small", "Extra Large"): to the letters ERPs use.
_SIZE_NAMES = (
    ("extra extra large", "xxl"),
    ("extra large", "xl"),
    ("x large", "xl"),
    ("extra small", "xs"),
    ("x small", "xs"),
    ("small", "s"),
    ("large", "l"),
)  # "medium" only beside a colour (below): a sparkling water or a roast is medium too
# A size range of shoes or socks ("EU 39-42", "43/46"): one size token.
_SIZE_RANGE = re.compile(r"(?<![\d.])(\d{2})\s*[-/]\s*(\d{2})(?![\d.%])")
_SIZE_WORDS = {"size", "gr", "grosse", "taille", "talla", "eu", "uk", "us"}
_STOPWORDS = {"the", "and", "with", "for", "of", "a", "an", "de", "la", "le", "et", "und", "mit", "fur", "y", "con"}


@dataclass(frozen=True)
class ProductTitle:
    core: str  # the title's words without brand, quantities, colours and sizes, sorted
    quantity: str  # "ml:1000", "g:500", "" if none; a multipack as "6x" prefix: "6xml:330"
    colour: str  # canonical colour words, sorted, space-separated
    size: str  # apparel/shoe size tokens: "m", "xl", "42"


def _amount(number: str, unit: str) -> str:
    unit = unit.replace(".", "").replace(" ", "")
    dimension, factor = _UNITS[unit]
    if re.fullmatch(r"0\d+", number):
        number = "0." + number[1:]  # "05 l", "01 kg": a decimal point lost on the way (nobody writes 05 for 5)
    try:
        value = Decimal(number.replace(",", ".")) * Decimal(factor)
    except InvalidOperation:
        return ""
    return f"{dimension}:{value.normalize():f}"


def umlauts_spelt_out(text: str) -> str:
    return text.translate(_UMLAUTS)


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


@lru_cache(maxsize=131072)
def product_title(name: str | None, brand: str | None = None) -> ProductTitle:
    """Read a product title: "Coca-Cola Zero 1,5 L" → core "zero", quantity "ml:1500" (brand "coca cola")."""
    plain = unicodedata.normalize("NFKD", name or "")
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    plain = plain.replace("×", "x")  # 50×100 cm
    plain = re.sub(r"(?<![\w.,])([1-9]\d{0,2})[, ](\d{3})(?![\d,.])(?=\s*[a-z])", r"\1\2", plain)  # 10,000 mAh
    plain = _GLUED_QUANTITY.sub(" ", plain)  # "Rice5 kg": a space lost before the quantity
    plain = re.sub(r"(\d),(\d)", r"\1.\2", plain)  # decimal comma: 0,5 l
    dimensions = _DIMENSIONS.search(plain)
    if dimensions and not dimensions.group(3) and _UNIT_AFTER.match(plain, dimensions.start(2)):
        dimensions = None  # "6 x 330 ml": a pack of six
    if dimensions:  # the numbers only: "70 x 140 cm" = "70x140" (the unit is often left out; cm and mm never mix up)
        plain = plain[: dimensions.start()] + " " + plain[dimensions.end() :]
    count = 1
    pack = _PACK.search(plain)
    if pack:
        count = int(pack.group(1) or pack.group(2))
        plain = plain[: pack.start()] + " " + plain[pack.end() :]
    quantity = ""
    match = _QUANTITY.search(plain)
    if match:
        quantity = _amount(match.group(1), match.group(2))
        plain = plain[: match.start()] + " " + plain[match.end() :]
    if count > 1:
        quantity = f"{count}x{quantity}"
    if dimensions and not quantity:
        quantity = "dim:" + "x".join(f"{Decimal(n).normalize():f}" for n in dimensions.group(1, 2))
    sizes = set()
    size_range = _SIZE_RANGE.search(plain)
    if size_range:
        sizes.add("-".join(size_range.groups()))
        plain = plain[: size_range.start()] + " " + plain[size_range.end() :]
    text = f" {fold(plain)} "
    for spelt, letters in _SIZE_NAMES:
        text = text.replace(f" {spelt} ", f" {letters} ")
    brand_words = set(fold(brand).split()) if brand else set()
    brand_squashed = squash(brand) if brand else ""
    # The brand's own words are not the product's ("Blue Harbor Bath Towel", "Green & Co T-Shirt"), also where the
    # title spells the brand's umlauts out ("KAFFEEROESTEREI NORD" for Kaffeerösterei Nord).
    for spelling in {fold(brand), fold_spelt_out(brand)} if brand else ():
        text = text.replace(f" {spelling} ", " ", 1)
    colours, core = set(), []
    words = text.split()
    coloured = any(word in _COLOURS for word in words)
    skip = False
    for i, word in enumerate(words):
        if skip:
            skip = False
            continue
        compound = _COMPOUND_COLOURS.get((word, words[i + 1])) if i + 1 < len(words) else None
        if compound:
            colours.add(compound)
            skip = True
        elif word in _COLOURS:
            colours.add(_COLOURS[word])
        elif word == "medium" and coloured:  # "Hoodie Zip – Gray, Medium"; a medium roast or water has no colour
            sizes.add("m")
        elif word in _APPAREL_SIZES:
            sizes.add(word.replace("xxxl", "3xl").replace("xxl", "2xl"))
        elif word.isdigit() and i > 0 and words[i - 1] in _SIZE_WORDS:
            sizes.add(word)
        elif word in _SIZE_WORDS or word in _STOPWORDS or word in brand_words or word == brand_squashed:
            continue
        else:
            core.append(word)
    return ProductTitle(" ".join(sorted(set(core))), quantity, " ".join(sorted(colours)), " ".join(sorted(sizes)))
