"""Steward decisions on the matcher's proposals: claim, merge, not a match (unmerge is ``services.golden``'s).

Two stewards acting on the same thing: the rows are locked in one order (golden records by id, then the candidate), so
one wins and the other gets a clear 409; nothing is half-done because each service is one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ..errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from ..models import CandidateStatus, GoldenRecord, MatchCandidate, SourceRecord
from .candidates import not_a_match_remember
from .golden import golden_merge, goldens_check, goldens_lock, goldens_seen
from .locks import steward_value_read


def candidate_etag(candidate: MatchCandidate) -> str:
    """Changes whenever either golden record of the pair changes: a decision sent with an older one is stale."""
    return f'"{candidate.golden_a.version}.{candidate.golden_b.version}"'


def _candidate_for_decision(candidate_id: int) -> MatchCandidate:
    candidate = MatchCandidate.objects.select_for_update(no_key=True).filter(pk=candidate_id).first()
    if candidate is None:
        raise NotFound("No such match candidate.")
    if candidate.status != CandidateStatus.PENDING:
        who = f" by {candidate.decided_by.get_username()}" if candidate.decided_by else ""
        raise Conflict(
            f"This candidate was already decided{who}: it is {candidate.get_status_display().lower()}.",
            code="already_decided",
        )
    return candidate


def _decision_open(candidate_id: int) -> tuple[MatchCandidate, dict[uuid.UUID, GoldenRecord]]:
    """Lock what a decision on a candidate changes, always in one order: its golden records (by id), then the
    candidate row. (Merges supersede other candidates after locking their golden records: taking a candidate row
    first would deadlock with them.)"""
    pair = MatchCandidate.objects.filter(pk=candidate_id).values_list("golden_a_id", "golden_b_id").first()
    if pair is None:
        raise NotFound("No such match candidate.")
    seen = goldens_seen(*pair)
    goldens = goldens_lock(*pair)
    candidate = _candidate_for_decision(candidate_id)
    goldens_check(goldens, pair, seen)
    candidate.golden_a, candidate.golden_b = goldens[candidate.golden_a_id], goldens[candidate.golden_b_id]
    return candidate, goldens


def match_candidate_assign(*, candidate_id: int, user: User) -> MatchCandidate:
    """Claim a pending candidate. Claiming one another steward holds is a conflict."""
    with transaction.atomic():
        candidate = _candidate_for_decision(candidate_id)
        if candidate.assigned_to_id not in (None, user.pk):
            assert candidate.assigned_to is not None  # its id is set: the row exists (PROTECT)
            raise Conflict(f"Already assigned to {candidate.assigned_to.get_username()}.", code="already_assigned")
        candidate.assigned_to = user
        candidate.save(update_fields=["assigned_to"])
    return candidate


def match_candidate_merge(
    *,
    candidate_id: int,
    user: User,
    values: Mapping[str, Any] | None = None,
    if_match: str | None = None,
) -> GoldenRecord:
    """Merge the two golden records of a candidate. ``values`` picks the surviving value of attributes where the
    two differ (each must be one of the two values); they become steward values. Returns the surviving record."""
    with transaction.atomic():
        candidate, goldens = _decision_open(candidate_id)
        if if_match and if_match != candidate_etag(candidate):
            raise PreconditionFailed("One of the golden records changed since you looked: reload and decide again.")
        survivor, merged = sorted(goldens.values(), key=lambda g: (g.created_at, str(g.id)))
        chosen = _chosen_values(survivor, merged, values or {})
        note = f"match candidate {candidate.pk} (score {candidate.score:.3f})"
        golden_merge(survivor=survivor, merged=merged, user=user, note=note, chosen=chosen)
        candidate.status = CandidateStatus.MERGED
        candidate.decided_by, candidate.decided_at = user, timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
    return survivor


def _chosen_values(a: GoldenRecord, b: GoldenRecord, values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    chosen: dict[str, Any] = {}
    for attribute, value in values.items():
        options = [g.attributes.get(attribute) for g in (a, b)]
        if options[0] == options[1]:
            errors[attribute] = ["The two records agree on this attribute: nothing to choose."]
            continue
        parsed = steward_value_read(a.domain, attribute, value)
        if parsed not in options:
            errors[attribute] = ["Choose one of the two records' values."]
        else:
            chosen[attribute] = parsed
    if errors:
        raise ValidationFailed("Some chosen values cannot be used.", fields=errors)
    return chosen


def match_candidate_reject(*, candidate_id: int, user: User, if_match: str | None = None) -> MatchCandidate:
    """Not a match: remembered for every pair of the two golden records' source records, never proposed again."""
    with transaction.atomic():
        candidate, _ = _decision_open(candidate_id)
        if if_match and if_match != candidate_etag(candidate):
            raise PreconditionFailed("One of the golden records changed since you looked: reload and decide again.")
        not_a_match_remember(
            SourceRecord.objects.filter(golden=candidate.golden_a).values_list("id", flat=True),
            SourceRecord.objects.filter(golden=candidate.golden_b).values_list("id", flat=True),
            user,
        )
        candidate.status = CandidateStatus.REJECTED
        candidate.decided_by, candidate.decided_at = user, timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
    return candidate
