"""Placeholder engine with the final interface; the real one replaces the bodies (see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import domains

Features = dict[str, Any]


@dataclass(frozen=True)
class FieldExplanation:
    field: str
    a: Any
    b: Any
    comparator: str
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


def features(domain: str, attributes: Mapping[str, Any]) -> Features:
    key = domains.link_key(domain, dict(attributes))
    return {"link": key}


def blocking_keys(domain: str, feats: Features) -> list[str]:
    return [f"lk:{feats['link']}"[:200]] if feats.get("link") else []


def score(domain: str, a: Features, b: Features) -> Score:
    same = a.get("link") is not None and a.get("link") == b.get("link")
    return Score(
        1.0 if same else 0.0, [FieldExplanation("link", a.get("link"), b.get("link"), "exact", float(same), 0)]
    )


def score_many(domain: str, a: Features, others: Sequence[Features]) -> list[Score]:
    return [score(domain, a, b) for b in others]
