"""Products: how two product records compare, field by field, and the caps a shared GTIN sets.

GTIN, SKU, brand, title ("name"), quantity ("size"), colour, apparel size ("variant_size") and category: each a
``Comparison`` whose levels carry weights in bits (``scoring`` adds them up). A different quantity, colour or size is
strong evidence against (a product line's variants share everything else), unless the GTINs agree (``adjustments``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum

import numpy as np
from rapidfuzz import fuzz

from . import normalise as norm
from .comparisons import (
    Columns,
    Comparison,
    SameLevel,
    SimilarLevel,
    _exact_or_absent,
    _levels,
    _present,
    _similarity,
    _string_levels,
    _string_match,
)
from .features import BRAND, CATEGORY, COLOUR, GTIN, GTIN_SLIP, QUANTITY, SIZE, SKU, TITLE, brand_word


def _colour(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Same or different colours. A record that names no brand may read a colour out of the brand's words in its
    title ("GREEN & CO RUNNING SHOES BLACK" beside "Running Shoes Black" by Green & Co): a colour the other record's
    brand holds is not counted, as long as a colour is left ("Green & Co Running Shoes" in green is not in black)."""
    x, y = a[COLOUR], b[COLOUR]
    present = _present(x, y)
    exact = present & (x == y)
    brand_a, brand_b = a[BRAND], b[BRAND]
    for i in np.flatnonzero(present & ~exact):
        cx, cy = set(x[i].split()), set(y[i].split())
        if not brand_a[i]:
            cx = cx - {c for c in cx - cy if c in brand_b[i]} or cx
        if not brand_b[i]:
            cy = cy - {c for c in cy - cx if c in brand_a[i]} or cy
        exact[i] = cx == cy
    return _levels({SameLevel.SAME: exact}, present, SameLevel.DIFFERENT), exact.astype(np.float64)


class GtinLevel(IntEnum):
    EXACT = 0
    SLIP = 1  # one keying slip apart, one side failing its check digit
    DIFFERENT = 2


def _gtin(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Exact; one keying slip apart where one side (or both) fails its check digit; different. Every single wrong
    digit fails the check, so a valid GTIN one slip away from one that fails is almost surely the one meant; a GTIN
    further away names another trade item, mistyped or not."""
    x, y = a[GTIN], b[GTIN]
    slip_x, slip_y = a[GTIN_SLIP] == True, b[GTIN_SLIP] == True  # noqa: E712 (object arrays: "" where missing)
    present = _present(x, y)
    valid = present & ~slip_x & ~slip_y
    exact = valid & (x == y)
    slipped = np.zeros(len(x), dtype=bool)
    for i in np.flatnonzero(present & ~valid):
        slipped[i] = x[i] == y[i] or norm.gtin_slip(x[i], y[i])
    conditions = {GtinLevel.EXACT: exact, GtinLevel.SLIP: slipped}
    return _levels(conditions, present, GtinLevel.DIFFERENT), np.where(exact, 1.0, np.where(slipped, 0.9, 0.0))


def _without(title: str, brand: str, sizes: str) -> str:
    """A title's words less those inside ``brand`` (squashed) and those among ``sizes``; the title as it was if
    nothing would be left."""
    drop = set(sizes.split())
    words = [w for w in title.split() if w not in drop and not (brand and len(w) >= 2 and w in brand)]
    return " ".join(words) if words else title


def _abbreviations_expanded(x: str, y: str) -> tuple[str, str]:
    """Each word of one title that is no word of the other but abbreviates one, written as that word: a word of 3
    letters or more that begins a longer one ("choc dark", "chocolate dark") -> ("chocolate dark", "chocolate dark"),
    or 2 or 3 letters that are the initials of words only the other has ("ev oil", "extra oil virgin")."""
    words_x, words_y = x.split(), y.split()
    set_x, set_y = set(words_x), set(words_y)

    def expand(words: list[str], own: set[str], others: list[str], other_set: set[str]) -> str:
        out = []
        unmatched = [o for o in others if o not in own and len(o) > 1 and o.isalpha()]
        for word in words:
            if word in other_set or word.isdigit():
                out.append(word)
                continue
            longer = (
                next((o for o in others if len(o) > len(word) and o.startswith(word)), None) if len(word) >= 3 else None
            )
            if longer:
                out.append(longer)
            elif 2 <= len(word) <= 3 and word.isalpha() and (spelt := _initials_of(word, unmatched)):
                out.extend(spelt)
            else:
                out.append(word)
        return " ".join(sorted(out))

    return expand(words_x, set_x, words_y, set_y), expand(words_y, set_y, words_x, set_x)


def _initials_of(word: str, candidates: list[str]) -> list[str] | None:
    """Distinct ``candidates`` whose first letters spell ``word``, or None."""
    spelt: list[str] = []
    for letter in word:
        found = next((c for c in candidates if c[0] == letter and c not in spelt), None)
        if found is None:
            return None
        spelt.append(found)
    return spelt


class BrandLevel(IntEnum):
    EXACT = 0  # squashed: "Coca-Cola" and "Coca Cola"
    SIMILAR = 1  # jaro-winkler 0.90 or above
    INSIDE = 2  # one inside the other
    DIFFERENT = 3


def _brand(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Exact (squashed), alike, or one inside the other: a brand and its line or company name ("Miller's" / "Miller's
    Kitchen", "Petit Jardin" / "Le Petit Jardin")."""
    x, y = a[BRAND], b[BRAND]
    present, exact, sim = _string_match(x, y, 0.9)
    similar = sim >= 0.9
    inside = np.zeros(len(x), dtype=bool)
    for i in np.flatnonzero(present & ~exact & ~similar):
        short, long_ = sorted((x[i], y[i]), key=len)
        inside[i] = brand_word(short) and short in long_
    conditions = {BrandLevel.EXACT: exact, BrandLevel.SIMILAR: similar, BrandLevel.INSIDE: inside}
    return _levels(conditions, present, BrandLevel.DIFFERENT), sim


class TitleLevel(IntEnum):
    SAME_WORDS = 0  # in any order, typos allowed
    EXTRA_WORDS = 1  # the words of one title all in the other, which has more
    SIMILAR = 2  # token-set similarity 0.85 or above
    LOOSELY_SIMILAR = 3  # token-set similarity 0.70 or above
    DIFFERENT = 4


def _title(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Same words (any order, typos allowed); the words of one title all in the other, which has more ("apple juice"
    / "apple juice cloudy": the extra words are often what makes a variant); then token-set similarity."""
    x, y = a[TITLE], b[TITLE]
    present = _present(x, y)
    exact = present & (x == y)
    short = present & ~exact
    if short.any():
        x, y = x.copy(), y.copy()
        brand_a, brand_b, size_a, size_b = a[BRAND], b[BRAND], a[SIZE], b[SIZE]
        for i in np.flatnonzero(short):
            # What the other record holds apart from its title: its brand where this one names none ("LUMEN+ DISH
            # SOAP" / "Dish Soap" by Lumen+), its size ("Running Shoes (black, 42)" / "RUNNING SHOES GR 42").
            p = _without(x[i], brand_b[i] if not brand_a[i] else "", size_b[i])
            q = _without(y[i], brand_a[i] if not brand_b[i] else "", size_a[i])
            # Abbreviations written out: "dark choc" / "dark chocolate", "org cotton" / "organic cotton".
            x[i], y[i] = _abbreviations_expanded(p, q)
    same = _similarity(fuzz.token_sort_ratio, x, y, present & ~exact) / 100
    sim = _similarity(fuzz.token_set_ratio, x, y, present & ~exact) / 100
    same[exact], sim[exact] = 1.0, 1.0
    words = same >= 0.95
    conditions = {
        TitleLevel.SAME_WORDS: words,
        TitleLevel.EXTRA_WORDS: ~words & (sim >= 0.95),
        TitleLevel.SIMILAR: sim >= 0.85,
        TitleLevel.LOOSELY_SIMILAR: sim >= 0.7,
    }
    return _levels(conditions, present, TitleLevel.DIFFERENT), np.maximum(same, sim)


COMPARISONS = (
    Comparison.by_level(
        "gtin",
        (GTIN,),
        {
            GtinLevel.EXACT: ("exact (GTIN-14)", 20.0),
            GtinLevel.SLIP: ("one keying slip (a check digit wrong)", 16.0),
            GtinLevel.DIFFERENT: ("different", -12.0),
        },
        _gtin,
    ),
    Comparison.by_level(
        "sku",
        (SKU,),
        {SameLevel.SAME: ("exact", 6.0), SameLevel.DIFFERENT: ("different", -0.5)},
        _exact_or_absent(SKU),
    ),
    Comparison.by_level(
        "brand",
        (BRAND,),
        {
            BrandLevel.EXACT: ("exact", 3.0),
            BrandLevel.SIMILAR: ("jaro-winkler ≥ 0.90", 2.0),
            BrandLevel.INSIDE: ("one inside the other", 2.0),
            BrandLevel.DIFFERENT: ("different", -5.0),
        },
        _brand,
    ),
    Comparison.by_level(
        "name",
        (TITLE,),
        {
            TitleLevel.SAME_WORDS: ("same words", 9.0),
            TitleLevel.EXTRA_WORDS: ("extra words in one", 2.0),
            TitleLevel.SIMILAR: ("token set ≥ 0.85", 5.0),
            TitleLevel.LOOSELY_SIMILAR: ("token set ≥ 0.70", 1.0),
            TitleLevel.DIFFERENT: ("different", -6.0),
        },
        _title,
    ),
    Comparison.by_level(
        "size",
        (QUANTITY,),
        {SameLevel.SAME: ("same quantity", 3.0), SameLevel.DIFFERENT: ("different quantity", -20.0)},
        _exact_or_absent(QUANTITY),
    ),
    Comparison.by_level(
        "colour",
        (COLOUR,),
        {SameLevel.SAME: ("same colour", 2.0), SameLevel.DIFFERENT: ("different colour", -20.0)},
        _colour,
    ),
    Comparison.by_level(
        "variant_size",
        (SIZE,),
        {SameLevel.SAME: ("same size", 2.0), SameLevel.DIFFERENT: ("different size", -20.0)},
        _exact_or_absent(SIZE),
    ),
    Comparison.by_level(
        "category",
        (CATEGORY,),
        {
            SimilarLevel.EXACT: ("exact", 1.0),
            SimilarLevel.SIMILAR: ("similar ≥ 0.90", 1.0),
            SimilarLevel.DIFFERENT: ("different", 0.0),
        },
        _string_levels(CATEGORY, 0.9, fuzz.ratio),
    ),
)


# The feature columns the comparisons read (BRAND_WORDS is for blocking only).
COLUMNS = (GTIN, GTIN_SLIP, SKU, BRAND, TITLE, QUANTITY, COLOUR, SIZE, CATEGORY)

VARIANT_FIELDS = ("name", "size", "colour", "variant_size")  # what a shared GTIN overrules
_GTIN_EXACT = int(GtinLevel.EXACT)  # a plain number: numpy compares an array with an IntEnum member on a slow path


def adjustments(
    *,
    levels: Mapping[str, np.ndarray],
    similarity: Mapping[str, np.ndarray],
    weight: Mapping[str, np.ndarray],
    total: np.ndarray,
    household: np.ndarray,
    personal: np.ndarray,
) -> dict[str, np.ndarray]:
    """The products' own caps, by name, in the order they are added to the pairs' log2 odds: one per variant field,
    taking back what it counts against a pair whose GTINs agree."""
    # A GTIN identifies the trade item, its size and colour included: when the GTINs agree, a size, colour or
    # title read differently from the two names is a reading or data error, not a variant.
    same_item = levels["gtin"] == _GTIN_EXACT
    return {name: np.where(same_item & (weight[name] < 0), -weight[name], 0.0) for name in VARIANT_FIELDS}


CAPPED = {name: "the GTINs agree: not a variant" for name in VARIANT_FIELDS}  # what those caps say in an explanation
