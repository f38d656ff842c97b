"""Placeholder engine with the final interface; the real one replaces the bodies (see the package docstring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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


def pair_candidates(
    domain: str, records: Sequence[Features], *, max_block_size: int = 1000
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Deduplication of an in-memory set: the index pairs (left < right) sharing a blocking key, each pair once,
    and the keys left out because more than ``max_block_size`` records share them."""
    blocks: dict[str, list[int]] = {}
    for i, feats in enumerate(records):
        for key in blocking_keys(domain, feats):
            blocks.setdefault(key, []).append(i)
    pairs: set[tuple[int, int]] = set()
    oversized = []
    for key, members in blocks.items():
        if len(members) > max_block_size:
            oversized.append(key)
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                pairs.add((members[x], members[y]))
    ordered = sorted(pairs)
    left = np.fromiter((p[0] for p in ordered), dtype=np.int64, count=len(ordered))
    right = np.fromiter((p[1] for p in ordered), dtype=np.int64, count=len(ordered))
    return left, right, oversized


def score_pairs(domain: str, records: Sequence[Features], left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Match probabilities of the pairs (records[left[k]], records[right[k]]), vectorised; no explanations."""
    return np.array([score(domain, records[i], records[j]).probability for i, j in zip(left, right, strict=True)])
