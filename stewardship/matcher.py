"""Matching against stored records: candidate retrieval through the blocking-key table, and the decision.

The engine (``stewardship.matching``) scores; this module finds what to score against, with one query per batch,
and decides per record: link to one golden record, queue candidates for review, or start a new golden record.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from . import matching
from .models import BlockingKey, GoldenStatus, MatchSettings, NotAMatch


@dataclass(frozen=True)
class Stored:
    """A source record as a candidate: its id, golden record and features."""

    record_id: int | None  # None: a record of the current batch, not saved yet
    golden_id: uuid.UUID
    features: dict[str, Any]


@dataclass
class Decision:
    """What the matcher decided for one record."""

    link_to: uuid.UUID | None = None  # join this golden record (None: start a new one)
    review: list[tuple[uuid.UUID, matching.Score]] = field(default_factory=list)  # queue a candidate with each
    reason: str = ""
    frequent_keys: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Thresholds:
    auto_link: float
    review: float
    max_block_size: int
    weights: dict[str, float] = field(default_factory=dict)
    model: matching.Model | None = None

    @classmethod
    def for_domain(cls, domain: str) -> Thresholds:
        row = MatchSettings.objects.filter(domain=domain).first() or MatchSettings(domain=domain)
        return cls(row.auto_link, row.review, row.max_block_size, dict(row.weights or {}), row.engine_model())

    def scores(self, domain: str, a: dict[str, Any], others: Sequence[dict[str, Any]]) -> list[matching.Score]:
        return matching.score_many(domain, a, others, weights=self.weights, model=self.model)


class BatchMatcher:
    """Matches the records of one batch against stored records and against each other.

    Build it with every blocking key of the batch (two queries), then call ``decide`` record by record in input
    order and ``add`` each record once its golden record is known, so later records of the batch see it.
    """

    def __init__(self, domain: str, keys: Iterable[str], *, exclude_records: Iterable[int] = ()) -> None:
        self.domain = domain
        self.thresholds = Thresholds.for_domain(domain)
        keys = set(keys)
        excluded = set(exclude_records)
        self.frequent: set[str] = set()
        self._index: dict[str, list[Stored]] = defaultdict(list)
        if not keys:
            return
        self.frequent = set(
            BlockingKey.objects.filter(domain=domain, key__in=keys)
            .values("key")
            .annotate(n=Count("id"))
            .filter(n__gt=self.thresholds.max_block_size)
            .values_list("key", flat=True)
        )
        rows = BlockingKey.objects.filter(
            domain=domain, key__in=keys - self.frequent, record__golden__status=GoldenStatus.ACTIVE
        ).values_list("key", "record_id", "record__golden_id", "record__features")
        for key, record_id, golden_id, feats in rows:
            if record_id not in excluded:
                self._index[key].append(Stored(record_id, golden_id, feats))

    def candidates(self, keys: Sequence[str]) -> list[Stored]:
        seen: set[int | tuple[uuid.UUID, int]] = set()
        found = []
        for key in keys:
            for stored in self._index.get(key, ()):
                marker = stored.record_id if stored.record_id is not None else (stored.golden_id, id(stored.features))
                if marker not in seen:
                    seen.add(marker)
                    found.append(stored)
        return found

    def decide(
        self,
        features: dict[str, Any],
        keys: Sequence[str],
        *,
        own_golden: uuid.UUID | None = None,
        never: set[uuid.UUID] = frozenset(),  # type: ignore[assignment]
    ) -> Decision:
        """Score the record against its candidates (other than its own golden record and ``never``)."""
        decision = Decision(frequent_keys=sorted(k for k in keys if k in self.frequent))
        stored = [s for s in self.candidates(keys) if s.golden_id != own_golden and s.golden_id not in never]
        if not stored:
            return decision
        best: dict[uuid.UUID, matching.Score] = {}
        for candidate, result in zip(
            stored,
            self.thresholds.scores(self.domain, features, [s.features for s in stored]),
            strict=True,
        ):
            if candidate.golden_id not in best or result.probability > best[candidate.golden_id].probability:
                best[candidate.golden_id] = result
        t = self.thresholds
        sure = [(g, s) for g, s in best.items() if s.probability >= t.auto_link]
        maybe = [(g, s) for g, s in best.items() if t.review <= s.probability < t.auto_link]
        if len(sure) == 1 and own_golden is None:
            decision.link_to = sure[0][0]
            decision.review = maybe
        elif len(sure) > 1 and own_golden is None:
            decision.review = sure + maybe
            decision.reason = f"fits {len(sure)} golden records above the auto-link threshold"
        else:
            decision.review = sure + maybe
            decision.reason = "changed record" if own_golden else "score between review and auto-link thresholds"
        decision.review.sort(key=lambda pair: -pair[1].probability)
        return decision

    def add(self, golden_id: uuid.UUID, features: dict[str, Any], keys: Sequence[str]) -> None:
        """Make a record of the batch a candidate for the records after it."""
        stored = Stored(None, golden_id, features)
        for key in keys:
            if key not in self.frequent:
                self._index[key].append(stored)


def rejected_goldens(record_ids: Iterable[int]) -> dict[int, set[uuid.UUID]]:
    """For each record, the golden records holding a record a steward said it is not a match with."""
    record_ids = list(record_ids)
    result: dict[int, set[uuid.UUID]] = defaultdict(set)
    if not record_ids:
        return result
    for a, golden_b in NotAMatch.objects.filter(record_a_id__in=record_ids).values_list(
        "record_a_id", "record_b__golden_id"
    ):
        result[a].add(golden_b)
    for b, golden_a in NotAMatch.objects.filter(record_b_id__in=record_ids).values_list(
        "record_b_id", "record_a__golden_id"
    ):
        result[b].add(golden_a)
    return result
