"""Matching against stored records: candidate retrieval through the blocking-key table, and the decision per record.
The one module of ``stewardship.matching`` that reads the database.

The engine scores; this module finds what to score against, with one query per batch, and decides per record under
the decision policy (``policy``): link to one golden record, queue candidates for review, or start a new golden
record.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Q

from .. import db, matching
from ..models import MatchSettings, NotAMatch
from .policy import BETWEEN, Verdict, judge, kept_apart, namesakes_eligible, only_namesakes


@dataclass(frozen=True)
class Stored:
    """A source record as a candidate: its id, golden record and features."""

    record_id: int | None  # None: a record of the current batch, not saved yet
    golden_id: uuid.UUID
    features: dict[str, Any]

    @property
    def marker(self) -> int | tuple[uuid.UUID, int]:
        """The record's identity: one stored record comes back once per key it shares, as separate objects."""
        return self.record_id if self.record_id is not None else (self.golden_id, id(self.features))


@dataclass
class Decision:
    """What the matcher decided for one record."""

    link_to: uuid.UUID | None = None  # join this golden record (None: start a new one)
    review: list[tuple[uuid.UUID, matching.Score]] = field(default_factory=list)  # queue a candidate with each
    reason: str = ""
    reasons: dict[uuid.UUID, str] = field(default_factory=dict)  # a candidate's own reason, where not ``reason``
    frequent_keys: list[str] = field(default_factory=list)

    def proposals(self, golden_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID, matching.Score, str]]:
        """The candidates to queue, from the record's golden record ``golden_id``, each with its reason."""
        return [(golden_id, other, result, self.reasons.get(other, self.reason)) for other, result in self.review]


@dataclass(frozen=True)
class Thresholds:
    auto_link: float
    review: float
    max_block_size: int
    weights: dict[str, float] = field(default_factory=dict)
    model: matching.Model | None = None

    @classmethod
    def for_domain(cls, domain: str) -> Thresholds:
        return cls._of(MatchSettings.objects.filter(domain=domain).first() or MatchSettings(domain=domain))

    @classmethod
    def from_json(cls, domain: str, data: dict[str, Any] | None) -> Thresholds:
        """``_SETTINGS_SQL``'s object (None: the domain has no settings stored, the defaults apply)."""
        return cls._of(MatchSettings(domain=domain, **(data or {})))

    @classmethod
    def part(cls, domain: str) -> db.Part[Thresholds]:
        """The domain's thresholds as a read of ``db.read_together``: ingest reads them in the statement that locks
        the source."""
        return db.Part(
            _SETTINGS_SQL, [domain], lambda data: cls.from_json(domain, data), lambda: cls.for_domain(domain)
        )

    @classmethod
    def _of(cls, row: MatchSettings) -> Thresholds:
        return cls(row.auto_link, row.review, row.max_block_size, dict(row.weights or {}), row.engine_model())

    def scores(
        self, domain: str, a: dict[str, Any], others: Sequence[dict[str, Any]], *, explain_all: bool = False
    ) -> list[matching.Score]:
        """Scores against ``others``; only those at or above ``review`` (the ones a decision may queue), or with
        ``explain_all`` every one, are explained."""
        explain_from = 0.0 if explain_all else self.review
        return matching.score_many(domain, a, others, weights=self.weights, model=self.model, explain_from=explain_from)


# A domain's settings as one JSON object (``Thresholds.part``).
_SETTINGS_SQL = """
    SELECT json_build_object(
        'auto_link', m.auto_link, 'review', m.review, 'max_block_size', m.max_block_size, 'weights', m.weights,
        'model', m.model)
    FROM stewardship_matchsettings AS m WHERE m.domain = %s
"""


class BatchMatcher:
    """Matches the records of one batch against stored records and against each other.

    Build it with every blocking key of the batch (two queries: the settings, unless given, then the candidates),
    then call ``decide`` record by record in input order and ``add`` each record once its golden record is known, so
    later records of the batch see it.
    """

    def __init__(
        self,
        domain: str,
        keys: Iterable[str],
        *,
        exclude_records: Iterable[int] = (),
        thresholds: Thresholds | None = None,
    ) -> None:
        self.domain = domain
        self.thresholds = thresholds or Thresholds.for_domain(domain)
        keys = set(keys)
        excluded = set(exclude_records)
        self.frequent: set[str] = set()
        self._index: dict[str, list[Stored]] = defaultdict(list)
        self._scored: dict[tuple[int, int], float] = {}  # (id of a batch record's features, id of a candidate's)
        self._stored_names: Counter[str] = Counter()  # the stored records under each full-name key
        self._batch_names: Counter[str] = Counter()  # the batch's records under each full-name key (``prescore``)
        if not keys:
            return
        self.frequent, rows = _lookup(domain, keys, self.thresholds.max_block_size)
        for key, record_id, golden_id, feats in rows:
            if record_id not in excluded:
                self._index[key].append(Stored(record_id, golden_id, feats))
        self._stored_names = Counter(
            {k: len(v) for k, v in self._index.items() if k.startswith(matching.FULL_NAME_KEY)}
        )

    def candidates(self, keys: Sequence[str]) -> list[Stored]:
        seen: set[int | tuple[uuid.UUID, int]] = set()
        found = []
        for key in keys:
            for stored in self._index.get(key, ()):
                marker = stored.marker
                if marker not in seen:
                    seen.add(marker)
                    found.append(stored)
        return found

    def prescore(self, batch: Sequence[tuple[dict[str, Any], Sequence[str]]]) -> None:
        """Score every record of the batch (features, keys), in order, against every candidate it can meet: the
        stored records under its keys and the batch's earlier records sharing one. One vectorised engine call for
        the whole batch instead of one per record; ``decide`` then only explains what it may queue."""
        pool: list[dict[str, Any]] = []
        slot: dict[int, int] = {}
        left: list[int] = []
        right: list[int] = []
        pairs: list[tuple[int, int]] = []

        def at(feats: dict[str, Any]) -> int:
            if id(feats) not in slot:
                slot[id(feats)] = len(pool)
                pool.append(feats)
            return slot[id(feats)]

        self._batch_names = Counter(k for _, keys in batch for k in keys if k.startswith(matching.FULL_NAME_KEY))
        earlier: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for feats, keys in batch:
            me = at(feats)
            others = {id(s.features): s.features for s in self.candidates(keys)}
            for key in keys:
                if key not in self.frequent:
                    others.update((id(f), f) for f in earlier[key])
            for other in others.values():
                left.append(me)
                right.append(at(other))
                pairs.append((id(feats), id(other)))
            for key in keys:
                earlier[key].append(feats)
        if not pairs:
            return
        t = self.thresholds
        probabilities = matching.score_pairs(
            self.domain, pool, np.asarray(left), np.asarray(right), weights=t.weights, model=t.model
        )
        self._scored.update(zip(pairs, probabilities.tolist(), strict=True))

    def _probabilities(self, features: dict[str, Any], stored: Sequence[Stored]) -> list[float]:
        known = [self._scored.get((id(features), id(s.features))) for s in stored]
        if any(p is None for p in known):  # not prescored: score them now (one engine call)
            t = self.thresholds
            return [s.probability for s in t.scores(self.domain, features, [s.features for s in stored])]
        return known  # type: ignore[return-value]

    def decide(
        self,
        features: dict[str, Any],
        keys: Sequence[str],
        *,
        own_golden: uuid.UUID | None = None,
    ) -> Decision:
        """Score the record against its candidates (other than its own golden record; what stewards rejected is the
        caller's to drop from ``review``: it is read only when there is something to drop)."""
        limit = self.thresholds.max_block_size
        # Name keys over their own, lower limit are skipped silently (see matching.NAME_BLOCK_SIZE).
        decision = Decision(
            frequent_keys=sorted(k for k in keys if k in self.frequent and matching.block_limit(k, limit) == limit)
        )
        stored = [s for s in self.candidates(keys) if s.golden_id != own_golden]
        if not stored:
            return decision
        # The best-scoring record per golden record (only those the decision queues are explained, below), and the
        # worst.
        top: dict[uuid.UUID, tuple[float, Stored]] = {}
        worst: dict[uuid.UUID, float] = {}
        for candidate, probability in zip(stored, self._probabilities(features, stored), strict=True):
            if candidate.golden_id not in top or probability > top[candidate.golden_id][0]:
                top[candidate.golden_id] = (probability, candidate)
            worst[candidate.golden_id] = min(probability, worst.get(candidate.golden_id, 1.0))
        best = {g: matching.Score(p) for g, (p, _) in top.items()}
        t = self.thresholds
        sure: list[tuple[uuid.UUID, matching.Score]] = []
        maybe: list[tuple[uuid.UUID, matching.Score]] = []
        for g, score in best.items():
            verdict = judge(score.probability, worst[g], auto_link=t.auto_link, review=t.review)
            if verdict is None:
                continue
            kind, reason = verdict
            if kind is Verdict.LINK:
                sure.append((g, score))
                continue
            maybe.append((g, score))
            if reason != BETWEEN:  # the contradiction rule's own reason
                decision.reasons[g] = reason
        # The only other customer with the record's full name: queued below review too, unless something says they are
        # two people (the full-name rule, ``policy``).
        namesakes = self._namesakes(keys, own_golden)
        namesake = namesakes[0].golden_id if namesakes else None
        if namesake is not None and namesakes_eligible(best[namesake].probability, worst[namesake], review=t.review):
            explained = t.scores(self.domain, features, [h.features for h in namesakes], explain_all=True)
            if not any(kept_apart(score) for score in explained):
                k = max(range(len(namesakes)), key=lambda i: explained[i].probability)
                top[namesake] = (explained[k].probability, namesakes[k])
                decision.reasons[namesake] = only_namesakes(features)
                maybe.append((namesake, explained[k]))
        if len(sure) == 1 and own_golden is None:
            decision.link_to = sure[0][0]
            decision.review = maybe  # what else it resembles, from the golden record it joins
            decision.reason = BETWEEN
        elif len(sure) > 1 and own_golden is None:
            decision.review = sure + maybe
            decision.reason = f"fits {len(sure)} golden records above the auto-link threshold"
        else:
            decision.review = sure + maybe
            decision.reason = "changed record" if own_golden else BETWEEN
        unexplained = [i for i, (_, score) in enumerate(decision.review) if not score.explanation]
        if unexplained:
            others = [top[decision.review[i][0]][1].features for i in unexplained]
            for i, result in zip(unexplained, t.scores(self.domain, features, others, explain_all=True), strict=True):
                decision.review[i] = (decision.review[i][0], result)
        decision.review.sort(key=lambda pair: -pair[1].probability)
        return decision

    def _namesakes(self, keys: Sequence[str], own_golden: uuid.UUID | None) -> list[Stored]:
        """The records filed under the record's full-name key (stored, or earlier in the batch) when they all belong to
        one other golden record and no later record of the batch has the name: the two golden records are then the
        only ones with it (the record's own golden record aside: a changed record is stored under its old keys)."""
        for key in keys:
            if not key.startswith(matching.FULL_NAME_KEY) or key in self.frequent:
                continue
            holders = self._index.get(key, [])
            earlier = len(holders) - self._stored_names[key]
            later = (self._batch_names[key] or earlier + 1) - earlier - 1  # decided without ``prescore``: none
            others = [h for h in holders if h.golden_id != own_golden]
            if others and not later and len({h.golden_id for h in others}) == 1:
                return others
        return []

    def add(self, golden_id: uuid.UUID, features: dict[str, Any], keys: Sequence[str]) -> None:
        """Make a record of the batch a candidate for the records after it."""
        stored = Stored(None, golden_id, features)
        for key in keys:
            if key not in self.frequent:
                self._index[key].append(stored)


def _lookup(domain: str, keys: set[str], max_block_size: int) -> tuple[set[str], list[db.Filed]]:
    """(keys shared by more records than their ``matching.block_limit``, (key, record id, golden id, features) of
    the records filed under the other keys)."""
    return db.blocking_lookup(domain, {key: matching.block_limit(key, max_block_size) for key in keys})


def rejected_goldens(record_ids: Iterable[int]) -> dict[int, set[uuid.UUID]]:
    """For each record, the golden records holding a record a steward said it is not a match with."""
    ids = set(record_ids)
    result: dict[int, set[uuid.UUID]] = defaultdict(set)
    if not ids:
        return result
    rows = NotAMatch.objects.filter(Q(record_a_id__in=ids) | Q(record_b_id__in=ids)).values_list(
        "record_a_id", "record_b_id", "record_a__golden_id", "record_b__golden_id"
    )
    for a, b, golden_a, golden_b in rows:
        if a in ids:
            result[a].add(golden_b)
        if b in ids:
            result[b].add(golden_a)
    return result
