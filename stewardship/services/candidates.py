"""The review queue's writes: match candidates queued (by ingest and rematch), superseded when a merge makes them
stale, and the "not a match" that stewards say, remembered so a pair is never proposed again. The decisions
stewards take on candidates are ``services.review``."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import replace

from django.contrib.auth.models import User
from django.db.models import Q

from .. import matching
from ..models import CandidateStatus, GoldenRecord, MatchCandidate, NotAMatch

Proposal = tuple[uuid.UUID, uuid.UUID, matching.Score, str]  # (golden record, other golden record, score, reason)


def candidates_queue(*, domain: str, proposals: Sequence[Proposal]) -> None:
    """Queue one pending candidate per pair of golden records (the best score wins; an existing pending candidate
    for the pair stays as it is)."""
    best: dict[tuple[uuid.UUID, uuid.UUID], tuple[matching.Score, str]] = {}
    for one, other, result, reason in proposals:
        if one == other:
            continue
        swapped = str(one) > str(other)  # the pair is stored in id order; its explanation must follow
        pair = (other, one) if swapped else (one, other)
        if pair not in best or result.probability > best[pair][0].probability:
            best[pair] = (score_facing(result, turned=swapped), reason)
    MatchCandidate.objects.bulk_create(
        [
            MatchCandidate(
                domain=domain,
                golden_a_id=a,
                golden_b_id=b,
                score=round(result.probability, 6),
                explanation=[e.as_dict() for e in result.explanation],
                reason=reason,
            )
            for (a, b), (result, reason) in best.items()
        ],
        ignore_conflicts=True,
    )


def score_facing(score: matching.Score, *, turned: bool) -> matching.Score:
    """The score with its explanation's values the other way round when ``turned``: a pair of golden records is kept in
    id order, and its explanation must show each one's own values on its side."""
    if not turned:
        return score
    return matching.Score(score.probability, [replace(e, a=e.b, b=e.a) for e in score.explanation])


def candidates_supersede(*, merged: GoldenRecord, survivor: GoldenRecord) -> None:
    """Pending candidates that name the merged record are stale: superseded, and re-proposed against the survivor
    where that pair has none pending."""
    stale = list(
        MatchCandidate.objects.select_for_update(no_key=True)
        .filter(Q(golden_a=merged) | Q(golden_b=merged), status=CandidateStatus.PENDING)
        .order_by("id")
    )
    if not stale:
        return
    MatchCandidate.objects.filter(pk__in=[c.pk for c in stale]).update(status=CandidateStatus.SUPERSEDED)
    fresh = []
    for candidate in stale:
        other = candidate.golden_b_id if candidate.golden_a_id == merged.id else candidate.golden_a_id
        if other == survivor.id:
            continue
        a, b = sorted([survivor.id, other], key=str)
        fresh.append(
            MatchCandidate(
                domain=candidate.domain,
                golden_a_id=a,
                golden_b_id=b,
                score=candidate.score,
                explanation=candidate.explanation,
                reason=f"re-proposed after {merged.id} merged into {survivor.id}",
            )
        )
    MatchCandidate.objects.bulk_create(fresh, ignore_conflicts=True)


def not_a_match_remember(left: Iterable[int], right: Iterable[int], user: User | None) -> None:
    """Remember that no source record of ``left`` is the same as one of ``right`` (record ids)."""
    right = list(right)
    NotAMatch.objects.bulk_create(
        [
            NotAMatch(record_a_id=min(a, b), record_b_id=max(a, b), decided_by=user)
            for a in left
            for b in right
            if a != b
        ],
        ignore_conflicts=True,
    )
