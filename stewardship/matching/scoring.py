"""Scoring: a Fellegi-Sunter scorer with explanations, the same for both domains (their comparisons and their own
caps are in ``customers`` and ``products``).

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
from typing import Any, Protocol

import numpy as np

from . import customers, products
from .comparisons import Columns
from .features import CUSTOMER, GIVEN_NAME_GROUPS, PRODUCT, Features

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


COMPARISONS = {CUSTOMER: customers.COMPARISONS, PRODUCT: products.COMPARISONS}
FIELDS = {domain: tuple(c.field for c in comparisons) for domain, comparisons in COMPARISONS.items()}
_COLUMNS = {CUSTOMER: customers.COLUMNS, PRODUCT: products.COLUMNS}


class _Adjustments(Protocol):
    """A domain's own caps on the pairs' log2 odds (``customers.adjustments``, ``products.adjustments``)."""

    def __call__(
        self,
        *,
        levels: Mapping[str, np.ndarray],
        similarity: Mapping[str, np.ndarray],
        weight: Mapping[str, np.ndarray],
        total: np.ndarray,
        household: np.ndarray,
        personal: np.ndarray,
    ) -> dict[str, np.ndarray]: ...


_ADJUSTMENTS: dict[str, _Adjustments] = {CUSTOMER: customers.adjustments, PRODUCT: products.adjustments}


def columns(domain: str, records: Sequence[Features], index: np.ndarray | None = None) -> dict[str, np.ndarray]:
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


def compare(domain: str, a: Columns, b: Columns) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
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
    levels, similarity = compare(domain, a, b)
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
    for name, cap in _ADJUSTMENTS[domain](
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


_CAPPED = {
    **products.CAPPED,
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
    probability: np.ndarray = 1.0 / (1.0 + np.exp2(-np.clip(log2_odds, -60, 60)))
    return probability


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
    cols = columns(domain, records)
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
    left = columns(domain, [a], np.zeros(len(others), dtype=np.int64))
    right = columns(domain, others)
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
