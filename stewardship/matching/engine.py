"""The matching engine: a Fellegi-Sunter scorer with explanations (features: ``features``; blocking: ``blocking``).

Scoring is vectorised: every comparison works on arrays of pairs (rapidfuzz's ``cpdist`` over the pairs' strings,
numpy for the levels), so one pair, one record against its candidates and a million pairs go through the same code.

The model. Each comparison puts a pair on one of its **levels** (exact, nickname, typo, different, ...); each level
carries a weight in bits, log2(m/u), where m is how often true matches land there and u how often non-matches do.
The weights add up (with the domain's prior) to the match log-odds. Two departures from the textbook model, both
because real customers are not independent draws:

- **Evidence against** is explicit: a different given name, a different birth date, a different product size or
  colour are strongly negative, because households, twins and product variants share everything else.
- **Shared fields are capped**: family name, address, phone and email are shared by households, so together they
  count at most ``HOUSEHOLD_CAP`` bits (and the address fields together at most ``LOCATION_CAP``); a family living
  together is not five times as likely to be one person because five household fields agree. What belongs to one
  person is not capped: a mobile number (a landline is the household's), and an email address whose local part
  names the person ("anna.schmitz@", "aschmitz@"; "the.schmitz@" is the family's).
- **Moving is not evidence against**: a different address counts at most ``LOCATION_FLOOR`` bits for address,
  postcode and city together (they disagree together when someone moves, which customers do).

Per-field weights can be scaled per domain (``MatchSettings.weights``, in the admin): ``{"phone": 0.5}`` halves what
a phone comparison contributes, for and against.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz

from . import customers
from . import normalise as norm
from .comparisons import (
    Columns,
    Comparison,
    _exact_or_absent,
    _levels,
    _present,
    _similarity,
    _string_levels,
)
from .features import (
    BRAND,
    CATEGORY,
    COLOUR,
    CUSTOMER,
    GIVEN_NAME_GROUPS,
    GTIN,
    GTIN_SLIP,
    PRODUCT,
    QUANTITY,
    SIZE,
    SKU,
    TITLE,
    Features,
    _brand_word,
)

LOCATION_CAP = 12.0
LOCATION_FLOOR = -4.0
HOUSEHOLD_CAP = 20.0
PRIOR = {CUSTOMER: -20.0, PRODUCT: -10.0}  # log2 odds that two records sharing a blocking key match, before evidence


@dataclass(frozen=True)
class FieldExplanation:
    field: str
    a: Any
    b: Any
    comparator: str  # the level the pair landed on: "exact", "nickname", "jaro-winkler ≥ 0.92", "different", ...
    similarity: float  # 0..1, or -1 when a value is missing on either side
    weight: float  # contribution to the log2 match odds (negative: evidence against)

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "a": self.a,
            "b": self.b,
            "comparator": self.comparator,
            "similarity": round(self.similarity, 4),
            "weight": round(self.weight, 3),
        }


@dataclass(frozen=True)
class Score:
    probability: float
    explanation: list[FieldExplanation] = field(default_factory=list)


# --- comparisons ---


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
    return _levels([exact], present), exact.astype(np.float64)


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
    return _levels([exact, slipped], present), np.where(exact, 1.0, np.where(slipped, 0.9, 0.0))


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


def _brand(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Exact (squashed), alike, or one inside the other: a brand and its line or company name ("Miller's" / "Miller's
    Kitchen", "Petit Jardin" / "Le Petit Jardin")."""
    level, sim = _string_levels(BRAND, (0.9,))(a, b)
    x, y = a[BRAND], b[BRAND]
    for i in np.flatnonzero(level == 2):
        short, long_ = sorted((x[i], y[i]), key=len)
        if _brand_word(short) and short in long_:
            level[i] = 2
        else:
            level[i] = 3
    return level, sim


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
    return _levels([words, ~words & (sim >= 0.95), sim >= 0.85, sim >= 0.7], present), np.maximum(same, sim)


PRODUCT_COMPARISONS = (
    Comparison(
        "gtin",
        (GTIN,),
        ("exact (GTIN-14)", "one keying slip (a check digit wrong)", "different"),
        (20.0, 16.0, -12.0),
        _gtin,
    ),
    Comparison("sku", (SKU,), ("exact", "different"), (6.0, -0.5), _exact_or_absent(SKU)),
    Comparison(
        "brand",
        (BRAND,),
        ("exact", "jaro-winkler ≥ 0.90", "one inside the other", "different"),
        (3.0, 2.0, 2.0, -5.0),
        _brand,
    ),
    Comparison(
        "name",
        (TITLE,),
        ("same words", "extra words in one", "token set ≥ 0.85", "token set ≥ 0.70", "different"),
        (9.0, 2.0, 5.0, 1.0, -6.0),
        _title,
    ),
    Comparison("size", (QUANTITY,), ("same quantity", "different quantity"), (3.0, -20.0), _exact_or_absent(QUANTITY)),
    Comparison("colour", (COLOUR,), ("same colour", "different colour"), (2.0, -20.0), _colour),
    Comparison("variant_size", (SIZE,), ("same size", "different size"), (2.0, -20.0), _exact_or_absent(SIZE)),
    Comparison(
        "category",
        (CATEGORY,),
        ("exact", "similar ≥ 0.90", "different"),
        (1.0, 1.0, 0.0),
        _string_levels(CATEGORY, (0.9,), fuzz.ratio),
    ),
)

COMPARISONS = {CUSTOMER: customers.COMPARISONS, PRODUCT: PRODUCT_COMPARISONS}


FIELDS = {domain: tuple(c.field for c in comparisons) for domain, comparisons in COMPARISONS.items()}


# --- scoring ---


_COLUMNS = {
    CUSTOMER: customers.COLUMNS,
    PRODUCT: (GTIN, GTIN_SLIP, SKU, BRAND, TITLE, QUANTITY, COLOUR, SIZE, CATEGORY),
}


def _columns(domain: str, records: Sequence[Features], index: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The domain's feature columns as object arrays ("" where missing), optionally gathered by ``index``."""
    keys = _COLUMNS[domain]
    present = set().union(*(r.keys() for r in records)) if len(records) < 64 else keys
    cols = {}
    for key in keys:
        if key not in present:
            cols[key] = np.full(len(records), "", dtype=object)
            continue
        default: Any = () if key == GIVEN_NAME_GROUPS else ""
        cols[key] = np.array([r.get(key, default) for r in records] + [None], dtype=object)[:-1]
    if index is not None:
        return {k: v[index] for k, v in cols.items()}
    return cols


@dataclass(frozen=True)
class Model:
    """The weights the scorer uses: a prior and, per field, bits per level (most similar level first).

    ``Model.default(domain)`` is the engine's own table; ``stewardship.matching.training.train`` estimates one from
    a domain's records (Fellegi-Sunter m and u by expectation-maximisation, as Splink does)."""

    prior: float
    levels: Mapping[str, tuple[float, ...]]

    @classmethod
    def default(cls, domain: str) -> Model:
        return cls(PRIOR[domain], {c.field: c.weights for c in COMPARISONS[domain]})

    @classmethod
    def from_dict(cls, domain: str, data: Mapping[str, Any] | None) -> Model:
        """A stored model (``as_dict``), or the default where it is empty or was trained on other levels."""
        default = cls.default(domain)
        if not data:
            return default
        levels = dict(default.levels)
        for name, weights in (data.get("levels") or {}).items():
            if name in levels and len(weights) == len(levels[name]):
                levels[name] = tuple(float(w) for w in weights)
        return cls(float(data.get("prior", default.prior)), levels)

    def as_dict(self) -> dict[str, Any]:
        return {"prior": round(self.prior, 4), "levels": {k: [round(w, 4) for w in v] for k, v in self.levels.items()}}


def _compare(domain: str, a: Columns, b: Columns) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Every comparison's level (-1: missing) and similarity for each pair."""
    levels, similarity = {}, {}
    for comparison in COMPARISONS[domain]:
        levels[comparison.field], similarity[comparison.field] = comparison.compare(a, b)
    return levels, similarity


@dataclass
class _Evaluation:
    total: np.ndarray  # log2 odds with the prior
    levels: dict[str, np.ndarray]
    similarity: dict[str, np.ndarray]
    weight: dict[str, np.ndarray]
    caps: dict[str, np.ndarray]  # group -> (negative) adjustment


def _evaluate(
    domain: str, a: Columns, b: Columns, weights: Mapping[str, float] | None, model: Model | None = None
) -> _Evaluation:
    model = model or Model.default(domain)
    levels, similarity = _compare(domain, a, b)
    n = len(next(iter(a.values())))
    ev = _Evaluation(np.full(n, model.prior), levels, similarity, {}, {})
    groups: dict[str, np.ndarray] = {}
    personal = np.zeros(n)  # what household fields say of the person alone (a mobile, an email naming them)
    for comparison in COMPARISONS[domain]:
        table = np.asarray((*model.levels[comparison.field], 0.0)) * (weights or {}).get(comparison.field, 1.0)
        weight = table[levels[comparison.field]]  # level -1 picks the trailing 0.0: a missing value is no evidence
        ev.weight[comparison.field] = weight
        if comparison.group:
            own = np.isin(levels[comparison.field], comparison.personal) if comparison.personal else None
            if own is not None and own.any():
                personal += np.where(own, weight, 0.0)
                weight = np.where(own, 0.0, weight)
            groups[comparison.group] = groups.get(comparison.group, 0) + weight
        else:
            ev.total += weight
    ev.total += personal
    if "location" in groups:
        capped = np.clip(groups["location"], LOCATION_FLOOR, LOCATION_CAP)
        ev.caps["location"] = capped - groups["location"]
        groups["household"] = groups.get("household", 0) + capped
    household = groups.get("household", np.zeros(n))  # before its cap
    if "household" in groups:
        capped = np.minimum(groups["household"], HOUSEHOLD_CAP)
        ev.caps["household"] = capped - groups["household"]
        ev.total += capped
    if domain == PRODUCT:
        # A GTIN identifies the trade item, its size and colour included: when the GTINs agree, a size, colour or
        # title read differently from the two names is a reading or data error, not a variant.
        same_item = levels["gtin"] == 0
        for name in _VARIANT_FIELDS:
            ev.caps[name] = np.where(same_item & (ev.weight[name] < 0), -ev.weight[name], 0.0)
            ev.total += ev.caps[name]
    if domain == CUSTOMER:
        for name, cap in customers.adjustments(
            levels=levels,
            similarity=similarity,
            weight=ev.weight,
            total=ev.total,
            household=household,
            personal=personal,
        ).items():
            ev.caps[name] = cap
            ev.total += cap
    return ev


_VARIANT_FIELDS = ("name", "size", "colour", "variant_size")
_CAPPED = {
    **{name: "the GTINs agree: not a variant" for name in _VARIANT_FIELDS},
    "location": f"address fields held between {LOCATION_FLOOR:g} and {LOCATION_CAP:g} bits",
    "household": f"shared fields capped at {HOUSEHOLD_CAP:g} bits",
    **customers.CAPPED,
}


def two_people(score: Score) -> bool:
    """Whether one comparison of an explained pair counts more against it than a move does (``LOCATION_FLOOR``, the
    most a different address costs): under the engine's weights a different birth date (-12 bits) or given name; under
    weights trained on the data, also a value EM found the records of one person hardly ever disagree on there (FEBRL's
    postcode, -6). Another email, phone or address (-1.5 to -3) is not: people have several, and move. Caps aside."""
    return any(e.weight < LOCATION_FLOOR for e in score.explanation if e.field not in _CAPPED)


def _probability(log2_odds: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(log2_odds, -60, 60)))


def score_pairs(
    domain: str,
    records: Sequence[Features],
    left: np.ndarray,
    right: np.ndarray,
    *,
    weights: Mapping[str, float] | None = None,
    model: Model | None = None,
    chunk: int = 200_000,
) -> np.ndarray:
    """Match probabilities of the pairs (records[left[k]], records[right[k]]), vectorised; no explanations."""
    cols = _columns(domain, records)
    out = np.empty(len(left), dtype=np.float64)
    for start in range(0, len(left), chunk):
        li, ri = left[start : start + chunk], right[start : start + chunk]
        a = {k: v[li] for k, v in cols.items()}
        b = {k: v[ri] for k, v in cols.items()}
        out[start : start + chunk] = _probability(_evaluate(domain, a, b, weights, model).total)
    return out


def score_many(
    domain: str,
    a: Features,
    others: Sequence[Features],
    *,
    weights: Mapping[str, float] | None = None,
    model: Model | None = None,
    explain_from: float = 0.0,
) -> list[Score]:
    """One record against many, each with its explanation (the review queue shows it).

    Only the pairs scoring at least ``explain_from`` are explained (the others get an empty explanation): an
    upsert needs explanations only for the candidates it may queue."""
    if not others:
        return []
    left = _columns(domain, [a], np.zeros(len(others), dtype=np.int64))
    right = _columns(domain, others)
    ev = _evaluate(domain, left, right, weights, model)
    probabilities = _probability(ev.total)
    results = []
    for k, other in enumerate(others):
        if probabilities[k] < explain_from:
            results.append(Score(float(probabilities[k])))
            continue
        explanation = []
        for comparison in COMPARISONS[domain]:
            level = int(ev.levels[comparison.field][k])
            explanation.append(
                FieldExplanation(
                    comparison.field,
                    _shown(a, comparison.shows),
                    _shown(other, comparison.shows),
                    "missing" if level < 0 else comparison.labels[level],
                    -1.0 if level < 0 else float(ev.similarity[comparison.field][k]),
                    float(ev.weight[comparison.field][k]),
                )
            )
        for group, adjustment in ev.caps.items():
            if adjustment[k] != 0:
                explanation.append(FieldExplanation(group, None, None, _CAPPED[group], -1.0, float(adjustment[k])))
        results.append(Score(float(probabilities[k]), explanation))
    return results


def score(
    domain: str,
    a: Features,
    b: Features,
    *,
    weights: Mapping[str, float] | None = None,
    model: Model | None = None,
) -> Score:
    """How likely two records describe the same customer or product, with a per-field explanation."""
    return score_many(domain, a, [b], weights=weights, model=model)[0]


def _shown(feats: Features, keys: tuple[str, ...]) -> Any:
    values = [feats.get(k) for k in keys]
    return values[0] if len(values) == 1 else values


def log2_odds(probability: float) -> float:
    """The log2 odds of a probability (for showing a threshold in the units of the weights)."""
    probability = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log2(probability / (1 - probability))
