"""Matching everything again: after the engine or the thresholds changed, or to find what ingest could not see.

Work is split by blocking key so several Celery workers share it: each task takes a chunk of keys, scores the
records of each block against each other and decides per pair of golden records:
- a group of golden records whose every pair the decision policy links (``matching.policy.judge``) is merged
  (auto-merge, by rule); a pair it sends to review (the contradiction rule) is queued;
- a group that is only chained together (A~B and B~C sure, A~C not) is queued for review, never merged blindly;
- pairs between ``review`` and ``auto_link`` are queued, and so are the only two golden records with a full name
  (``matching.FULL_NAME_KEY``) under the full-name rule (``policy.namesakes_eligible``, ``policy.kept_apart``);
  pairs a steward rejected are never proposed again.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count

from .. import db, domains, logs, matching
from ..errors import Conflict, ValidationFailed
from ..matching.policy import Verdict, judge, kept_apart, namesakes_eligible, only_namesakes
from ..matching.retrieval import Thresholds, rejected_goldens
from ..matching.training import train
from ..models import BlockingKey, ChangeReason, GoldenStatus, MatchSettings, SourceRecord
from .candidates import Proposal, candidates_queue, score_facing
from .golden import golden_merge, goldens_check, goldens_lock

logger = logging.getLogger(__name__)


@dataclass
class RematchResult:
    blocks: int = 0
    comparisons: int = 0
    merged: int = 0
    queued: int = 0
    skipped_blocks: int = 0

    def __iadd__(self, other: RematchResult) -> RematchResult:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def rematch_keys(*, domain: str, chunk_size: int = 500) -> Iterator[list[str]]:
    """Chunks of the blocking keys worth a look: shared by records of at least two active golden records."""
    keys = (
        BlockingKey.objects.filter(domain=domain, record__golden__status=GoldenStatus.ACTIVE)
        .values("key")
        .annotate(goldens=Count("record__golden", distinct=True))
        .filter(goldens__gt=1)
        .order_by("key")
        .values_list("key", flat=True)
    )
    chunk: list[str] = []
    for key in keys.iterator(chunk_size=2000):
        chunk.append(key)
        if len(chunk) == chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def source_records_refeature(*, domain: str, record_ids: Sequence[int]) -> int:
    """Recompute stored features and blocking keys with the current engine."""
    with transaction.atomic():
        records = list(
            SourceRecord.objects.filter(domain=domain, id__in=record_ids).only("id", "attributes", "usable", "features")
        )
        keys = []
        for record in records:
            record.features, current = features_now(domain, record)
            keys += [BlockingKey(record_id=record.id, domain=domain, key=key) for key in current]
        db.bulk_update(records, ["features"])
        BlockingKey.objects.filter(record_id__in=[r.id for r in records]).delete()
        db.bulk_insert(keys)
    return len(records)


def features_now(domain: str, record: SourceRecord) -> tuple[dict[str, Any], list[str]]:
    """A stored record's features and blocking keys as the engine computes them now."""
    # A slip (``domains.Slip``: a birth date that is no real date) is compared too; it is kept only as sent.
    slips = domains.read_attributes(domain, record.attributes).slips
    features = matching.features(domain, {**record.usable, **slips})
    return features, list(dict.fromkeys(matching.blocking_keys(domain, features)))


def stale_records(*, domain: str, sample: int = 100) -> tuple[int, int]:
    """Of the ``sample`` oldest and ``sample`` newest records of a domain, how many have stored features or blocking
    keys other than the engine's now (an upgrade changed the engine and ``rematch --refeature`` has not run), and
    how many were looked at."""
    rows = SourceRecord.objects.filter(domain=domain).only("id", "attributes", "usable", "features")
    records = {r.id: r for r in [*rows.order_by("id")[:sample], *rows.order_by("-id")[:sample]]}
    stored: dict[int, set[str]] = defaultdict(set)
    for record_id, key in BlockingKey.objects.filter(record_id__in=records).values_list("record_id", "key"):
        stored[record_id].add(key)
    stale = 0
    for record in records.values():
        features, keys = features_now(domain, record)
        stale += features != record.features or set(keys) != stored[record.id]
    return stale, len(records)


def blocks_rematch(*, domain: str, keys: Sequence[str]) -> RematchResult:
    """Score the records of these blocks against each other and act on what is found (see the module docstring)."""
    thresholds = Thresholds.for_domain(domain)
    result = RematchResult()
    blocks: dict[str, list[tuple[int, uuid.UUID, dict]]] = defaultdict(list)
    for key, record_id, golden_id, feats in BlockingKey.objects.filter(
        domain=domain, key__in=keys, record__golden__status=GoldenStatus.ACTIVE
    ).values_list("key", "record_id", "record__golden_id", "record__features"):
        blocks[key].append((record_id, golden_id, feats))
    best: dict[tuple[uuid.UUID, uuid.UUID], matching.Score] = {}  # pairs at or above review: the best record pair
    top: dict[tuple[uuid.UUID, uuid.UUID], float] = {}  # every pair: the best and the worst record pair's score
    worst: dict[tuple[uuid.UUID, uuid.UUID], float] = {}
    # The only two customers with a full name, by pair: the closest pair of their records under it (golden id, other
    # golden id, features, explained score), and the pairs the rule keeps apart (policy.kept_apart).
    namesakes: dict[tuple[uuid.UUID, uuid.UUID], tuple[uuid.UUID, uuid.UUID, dict, matching.Score]] = {}
    apart: set[tuple[uuid.UUID, uuid.UUID]] = set()
    records_seen: set[int] = set()
    for key, members in blocks.items():
        if len(members) > thresholds.max_block_size:
            logger.warning(
                "rematch: block %s has %d records, over max_block_size: skipped", logs.key_label(key), len(members)
            )
            result.skipped_blocks += 1
            continue
        result.blocks += 1
        only_two = key.startswith(matching.FULL_NAME_KEY) and len({m[1] for m in members}) == 2
        for i, (record_id, golden_id, feats) in enumerate(members):
            others = [m for m in members[i + 1 :] if m[1] != golden_id]
            if not others:
                continue
            records_seen.add(record_id)
            records_seen.update(m[0] for m in others)
            result.comparisons += len(others)
            for other, score in zip(
                others,
                thresholds.scores(domain, feats, [m[2] for m in others], explain_all=only_two),
                strict=True,
            ):
                pair = (golden_id, other[1]) if str(golden_id) < str(other[1]) else (other[1], golden_id)
                top[pair] = max(score.probability, top.get(pair, 0.0))
                worst[pair] = min(score.probability, worst.get(pair, 1.0))
                if only_two:
                    if kept_apart(score):
                        apart.add(pair)
                    if pair not in namesakes or score.probability > namesakes[pair][3].probability:
                        namesakes[pair] = (golden_id, other[1], feats, score)
                if score.probability >= thresholds.review and (
                    pair not in best or score.probability > best[pair].probability
                ):
                    best[pair] = score_facing(score, turned=pair[0] != golden_id)
    rejected = _rejected_pairs(records_seen)
    best = {pair: score for pair, score in best.items() if pair not in rejected}
    sure: set[tuple[uuid.UUID, uuid.UUID]] = set()
    queued: list[Proposal] = []
    for (a, b), score in best.items():
        verdict = judge(score.probability, worst[(a, b)], auto_link=thresholds.auto_link, review=thresholds.review)
        assert verdict is not None  # every pair in ``best`` scores at or above review
        kind, reason = verdict
        if kind is Verdict.LINK:
            sure.add((a, b))
        else:
            queued.append((a, b, score, reason))
    for group in _components(sure):
        if all(tuple(sorted(p, key=str)) in sure for p in itertools.combinations(group, 2)):
            result.merged += _group_merge(group, best)
        else:
            reason = f"chained to {len(group)} golden records by sure matches, not all of them sure"
            queued += [(a, b, best[(a, b)], reason) for (a, b) in sure if a in group]
    for pair, (one_id, other_id, feats, score) in namesakes.items():
        if (
            pair in rejected
            or pair in apart
            or not namesakes_eligible(top[pair], worst[pair], review=thresholds.review)
        ):
            continue
        queued.append((one_id, other_id, score, only_namesakes(feats)))
    result.queued = len(queued)
    with transaction.atomic():
        candidates_queue(domain=domain, proposals=queued)
    return result


def _rejected_pairs(record_ids: set[int]) -> set[tuple[uuid.UUID, uuid.UUID]]:
    golden_of = dict(SourceRecord.objects.filter(id__in=record_ids).values_list("id", "golden_id"))
    pairs = set()
    for record_id, others in rejected_goldens(record_ids).items():
        for other in others:
            one = golden_of[record_id]
            pairs.add((one, other) if str(one) < str(other) else (other, one))
    return pairs


def _components(edges: set[tuple[uuid.UUID, uuid.UUID]]) -> list[set[uuid.UUID]]:
    neighbours: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    seen: set[uuid.UUID] = set()
    groups = []
    for start in neighbours:
        if start in seen:
            continue
        group, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node not in group:
                group.add(node)
                stack.extend(neighbours[node] - group)
        seen |= group
        groups.append(group)
    return groups


def _group_merge(group: set[uuid.UUID], scores: dict[tuple[uuid.UUID, uuid.UUID], matching.Score]) -> int:
    """Merge a group of golden records that all match each other into the oldest. Returns how many merged."""
    try:
        with transaction.atomic():
            ids = sorted(group, key=str)
            goldens = goldens_lock(*ids)
            goldens_check(goldens, ids)
            survivor, *others = sorted(goldens.values(), key=lambda g: (g.created_at, str(g.id)))
            for other in others:
                pair = (survivor.id, other.id) if str(survivor.id) < str(other.id) else (other.id, survivor.id)
                score = scores.get(pair)
                note = f"auto-merge by rematch (score {score.probability:.3f})" if score else "auto-merge by rematch"
                golden_merge(survivor=survivor, merged=other, user=None, note=note, reason=ChangeReason.MERGE)
                survivor.refresh_from_db()
    except Conflict as exc:
        # Another task or a steward changed one of them meanwhile: the next rematch sees the new state.
        logger.info("rematch: group %s left as is: %s", sorted(map(str, group)), exc.message)
        return 0
    return len(others)


@dataclass
class TrainingResult:
    records: int
    candidate_pairs: int
    model: matching.Model


def match_model_train(*, domain: str, save: bool = False) -> TrainingResult:
    """Estimate the domain's level weights from its stored records (``matching.training``); ``save`` stores them in
    the domain's match settings, where ingest and rematch pick them up."""

    thresholds = Thresholds.for_domain(domain)
    feats = list(
        SourceRecord.objects.filter(domain=domain, golden__status=GoldenStatus.ACTIVE)
        .order_by("id")
        .values_list("features", flat=True)
        .iterator(chunk_size=5000)
    )
    left, right, _ = matching.pair_candidates(domain, feats, max_block_size=thresholds.max_block_size)
    if len(feats) < 2 or not len(left):
        raise ValidationFailed("Not enough records sharing blocking keys to estimate weights from.")
    model = train(domain, feats, left, right, max_block_size=thresholds.max_block_size)
    if save:
        MatchSettings.objects.filter(domain=domain).update(model=model.as_dict())
    return TrainingResult(len(feats), len(left), model)
