"""Steward decisions on the matcher's proposals: claim, merge, not a match, and unmerge.

Two stewards acting on the same thing: the rows are locked in one order (candidate, then golden records by id), so
one wins and the other gets a clear 409; nothing is half-done because each service is one transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import correlation
from ..errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from ..models import (
    AttributeLock,
    CandidateStatus,
    ChangeReason,
    ConsentEvent,
    ConsentState,
    ConsentStatus,
    GoldenRecord,
    GoldenStatus,
    GoldenVersion,
    MatchCandidate,
    NotAMatch,
    SourceRecord,
)
from .core import _golden_recompute, _read_value, versions_save


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


def _versions_seen(*ids: uuid.UUID) -> dict[uuid.UUID, int]:
    """The versions this request decides on, read before waiting for any lock."""
    return dict(GoldenRecord.objects.filter(id__in=ids).values_list("id", "version"))


def _decision_open(candidate_id: int) -> tuple[MatchCandidate, dict[uuid.UUID, GoldenRecord]]:
    """Lock what a decision on a candidate changes, always in one order: its golden records (by id), then the
    candidate row. (Merges supersede other candidates after locking their golden records: taking a candidate row
    first would deadlock with them.)"""
    pair = MatchCandidate.objects.filter(pk=candidate_id).values_list("golden_a_id", "golden_b_id").first()
    if pair is None:
        raise NotFound("No such match candidate.")
    seen = _versions_seen(*pair)
    locked = {g.id: g for g in GoldenRecord.objects.select_for_update(no_key=True).filter(id__in=pair).order_by("id")}
    candidate = _candidate_for_decision(candidate_id)
    goldens = _check_goldens(locked, pair, seen)
    candidate.golden_a, candidate.golden_b = goldens[candidate.golden_a_id], goldens[candidate.golden_b_id]
    return candidate, goldens


def _lock_goldens(*ids: uuid.UUID, seen: Mapping[uuid.UUID, int] | None = None) -> dict[uuid.UUID, GoldenRecord]:
    """Lock golden records (in id order) for a decision."""
    locked = {g.id: g for g in GoldenRecord.objects.select_for_update(no_key=True).filter(id__in=ids).order_by("id")}
    return _check_goldens(locked, ids, seen)


def _check_goldens(
    goldens: Mapping[uuid.UUID, GoldenRecord], ids: Iterable[uuid.UUID], seen: Mapping[uuid.UUID, int] | None
) -> dict[uuid.UUID, GoldenRecord]:
    """Active, and unchanged since the request read them: a record another steward or a source changed while this
    request waited for its lock is a conflict, since the decision was made on what is no longer there."""
    for golden_id in ids:
        golden = goldens.get(golden_id)
        if golden is None:
            raise NotFound("No such golden record.")
        if golden.status != GoldenStatus.ACTIVE:
            raise Conflict(f"Golden record {golden_id} is {golden.status}: the decision no longer applies.")
        if seen is not None and seen.get(golden_id) != golden.version:
            raise Conflict(
                f"Golden record {golden_id} changed while you were deciding (now version {golden.version}): "
                "reload and decide again.",
                code="changed_meanwhile",
            )
    return dict(goldens)


def match_candidate_assign(*, candidate_id: int, user: AbstractBaseUser) -> MatchCandidate:
    """Claim a pending candidate. Claiming one another steward holds is a conflict."""
    with transaction.atomic():
        candidate = _candidate_for_decision(candidate_id)
        if candidate.assigned_to_id not in (None, user.pk):
            raise Conflict(f"Already assigned to {candidate.assigned_to.get_username()}.", code="already_assigned")
        candidate.assigned_to = user
        candidate.save(update_fields=["assigned_to"])
    return candidate


def match_candidate_merge(
    *,
    candidate_id: int,
    user: AbstractBaseUser,
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
        parsed = _read_value(a.domain, attribute, value)
        if parsed not in options:
            errors[attribute] = ["Choose one of the two records' values."]
        else:
            chosen[attribute] = parsed
    if errors:
        raise ValidationFailed("Some chosen values cannot be used.", fields=errors)
    return chosen


def golden_merge(
    *,
    survivor: GoldenRecord,
    merged: GoldenRecord,
    user: AbstractBaseUser | None,
    note: str,
    chosen: Mapping[str, Any] | None = None,
    reason: str = ChangeReason.MERGE,
) -> None:
    """Fold ``merged`` into ``survivor`` (both locked by the caller): source records, consent and steward values
    move; ``merged`` keeps its id with status merged; both get a version."""
    SourceRecord.objects.filter(golden=merged).update(golden=survivor, previous_golden=merged)
    ConsentEvent.objects.filter(golden=merged).update(golden=survivor)
    ConsentState.objects.filter(golden=merged).delete()
    consent_changes = _consent_states_rebuild([survivor])
    survivor_locked = set(AttributeLock.objects.filter(golden=survivor).values_list("attribute", flat=True))
    AttributeLock.objects.filter(golden=merged).exclude(attribute__in=survivor_locked).update(golden=survivor)
    AttributeLock.objects.filter(golden=merged).delete()
    for attribute, value in (chosen or {}).items():
        AttributeLock.objects.update_or_create(
            golden=survivor, attribute=attribute, defaults={"value": value, "locked_by": user}
        )
    merged.status, merged.merged_into = GoldenStatus.MERGED, survivor
    merged.version += 1
    merged.save(update_fields=["status", "merged_into", "version", "updated_at"])
    versions_save(
        [
            GoldenVersion(
                golden=merged,
                version=merged.version,
                reason=reason,
                changes={"status": {"before": GoldenStatus.ACTIVE, "after": GoldenStatus.MERGED}},
                actor_user=user,
                correlation_id=correlation.get(),
                note=f"merged into {survivor.id}; {note}",
            )
        ]
    )
    extra = {"merged": {"before": None, "after": str(merged.id)}} | consent_changes.get(survivor.id, {})
    _golden_recompute([survivor], reason=reason, actor_user=user, note=note, extra_changes={survivor.id: extra})
    _candidates_supersede(merged, survivor)


def _candidates_supersede(merged: GoldenRecord, survivor: GoldenRecord) -> None:
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


def match_candidate_reject(*, candidate_id: int, user: AbstractBaseUser, if_match: str | None = None) -> MatchCandidate:
    """Not a match: remembered for every pair of the two golden records' source records, never proposed again."""
    with transaction.atomic():
        candidate, _ = _decision_open(candidate_id)
        if if_match and if_match != candidate_etag(candidate):
            raise PreconditionFailed("One of the golden records changed since you looked: reload and decide again.")
        _not_a_match_remember(
            SourceRecord.objects.filter(golden=candidate.golden_a).values_list("id", flat=True),
            SourceRecord.objects.filter(golden=candidate.golden_b).values_list("id", flat=True),
            user,
        )
        candidate.status = CandidateStatus.REJECTED
        candidate.decided_by, candidate.decided_at = user, timezone.now()
        candidate.save(update_fields=["status", "decided_by", "decided_at"])
    return candidate


def _not_a_match_remember(left: Iterable[int], right: Iterable[int], user: AbstractBaseUser | None) -> None:
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


def golden_record_unmerge(
    *,
    golden_id: uuid.UUID | str,
    sources: Sequence[tuple[str, str]],
    user: AbstractBaseUser,
    if_match: int | None = None,
) -> list[GoldenRecord]:
    """Split source records out of a golden record. Each goes back to the golden record it was merged from (same
    id, reactivated) where there is one, else to a new golden record; the split is remembered as not-a-match."""
    golden_id = uuid.UUID(str(golden_id))
    seen = _versions_seen(golden_id)
    with transaction.atomic():
        [golden] = _lock_goldens(golden_id, seen=seen).values()
        if if_match is not None and if_match != golden.version:
            raise PreconditionFailed(
                f"The golden record is at version {golden.version}, not {if_match}: reload and decide again."
            )
        records = list(SourceRecord.objects.filter(golden=golden).select_related("source", "previous_golden"))
        by_ref = {(r.source.code, r.source_key): r for r in records}
        unknown = [f"{code}:{key}" for code, key in sources if (code, key) not in by_ref]
        if unknown:
            raise ValidationFailed(
                "Some source records are not linked to this golden record.", fields={"sources": unknown}
            )
        moving = list({id(by_ref[ref]): by_ref[ref] for ref in sources}.values())
        if not moving:
            raise ValidationFailed("Name at least one source record to split out.", fields={"sources": ["Empty."]})
        if len(moving) == len(records):
            raise ValidationFailed(
                "At least one source record must stay with the golden record.", fields={"sources": ["All of them."]}
            )
        staying = [r for r in records if r not in moving]
        groups: dict[uuid.UUID | None, list[SourceRecord]] = defaultdict(list)
        for record in moving:
            previous = record.previous_golden
            restorable = previous is not None and previous.status == GoldenStatus.MERGED
            groups[previous.id if restorable else None].append(record)
        targets: list[GoldenRecord] = []
        extra: dict[uuid.UUID, dict[str, Any]] = {}
        for previous_id, group in groups.items():
            if previous_id is not None:
                target = GoldenRecord.objects.select_for_update(no_key=True).get(pk=previous_id)
                target.status, target.merged_into = GoldenStatus.ACTIVE, None
                target.save(update_fields=["status", "merged_into", "updated_at"])
                extra[target.id] = {"status": {"before": GoldenStatus.MERGED, "after": GoldenStatus.ACTIVE}}
                targets.append(target)
            else:
                for record in group:
                    # Each record without a golden record of its own before gets a new one: unmerge splits, it
                    # does not guess which of them belong together.
                    target = GoldenRecord.objects.create(domain=golden.domain, version=0)
                    targets.append(target)
                    _records_move([record], target)
                continue
            _records_move(group, target)
        for target in targets:
            extra.setdefault(target.id, {})["unmerged_from"] = {"before": None, "after": str(golden.id)}
        consent_changes = _consent_states_rebuild([golden, *targets])
        for golden_key, changes in consent_changes.items():
            extra.setdefault(golden_key, {}).update(changes)
        extra.setdefault(golden.id, {})["split_out"] = {
            "before": None,
            "after": [f"{r.source.code}:{r.source_key}" for r in moving],
        }
        _not_a_match_remember([r.id for r in moving], [r.id for r in staying], user)
        _golden_recompute(
            [golden, *targets],
            reason=ChangeReason.UNMERGE,
            actor_user=user,
            note=f"split out of {golden.id}",
            extra_changes=extra,
        )
    return targets


def _records_move(records: Sequence[SourceRecord], target: GoldenRecord) -> None:
    SourceRecord.objects.filter(id__in=[r.id for r in records]).update(golden=target, previous_golden=None)
    for record in records:
        ConsentEvent.objects.filter(source=record.source, source_key=record.source_key).update(golden=target)


def _consent_states_rebuild(goldens: Sequence[GoldenRecord]) -> dict[uuid.UUID, dict[str, dict[str, Any]]]:
    """Recompute the current consent per purpose from the event log (after events moved between records).
    Returns the state changes per golden record, for its version."""
    ids = [g.id for g in goldens]
    before = {
        (s.golden_id, s.purpose.code): s.status
        for s in ConsentState.objects.filter(golden_id__in=ids).select_related("purpose")
    }
    winners: dict[tuple[uuid.UUID, int], ConsentEvent] = {}
    for event in ConsentEvent.objects.filter(golden_id__in=ids).select_related("purpose"):
        key = (event.golden_id, event.purpose_id)
        current = winners.get(key)
        rank = (event.captured_at, event.status == ConsentStatus.WITHDRAWN)
        if current is None or rank > (current.captured_at, current.status == ConsentStatus.WITHDRAWN):
            winners[key] = event
    ConsentState.objects.filter(golden_id__in=ids).delete()
    ConsentState.objects.bulk_create(
        [
            ConsentState(golden_id=g, purpose_id=p, status=e.status, captured_at=e.captured_at, event=e)
            for (g, p), e in winners.items()
        ]
    )
    after = {(e.golden_id, e.purpose.code): e.status for e in winners.values()}
    changes: dict[uuid.UUID, dict[str, dict[str, Any]]] = defaultdict(dict)
    for golden_key, purpose in set(before) | set(after):
        if before.get((golden_key, purpose)) != after.get((golden_key, purpose)):
            changes[golden_key][f"consent.{purpose}"] = {
                "before": before.get((golden_key, purpose)),
                "after": after.get((golden_key, purpose)),
            }
    return changes
