"""A data subject's requests and the record of who read their data.

- ``subject_export``: everything held on a customer, as one document (a subject access request);
- ``customer_erase``: the customer erased everywhere Steward keeps them, and an ``erased`` event for every connector,
  in one transaction; the privacy request then follows the erase deliveries (``privacy_requests_refresh``);
- ``access_log_write``: one row per read of a customer's personal data by a user.

A subject is a golden customer together with every golden record merged into it (a merged-away id stands for its
survivor): what was merged is the same person.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from .. import correlation, db, domains, publishing
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import (
    AccessKind,
    AccessLogEntry,
    AttributeLock,
    BlockingKey,
    CandidateStatus,
    ChangeReason,
    ChangeRequest,
    ChangeRequestStatus,
    ConsentEvent,
    ConsentState,
    GoldenRecord,
    GoldenStatus,
    GoldenVersion,
    IdempotencyRecord,
    MatchCandidate,
    NotAMatch,
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestStatus,
    SourceRecord,
)
from ..privacy import PERSONAL, REDACTED, redacted_changes
from .golden import versions_save

logger = logging.getLogger(__name__)

ERASED = "erased"  # the error code of a record or event refused because its customer was erased


# --- the subject ---


def subject_ids(golden_id: uuid.UUID | str) -> tuple[GoldenRecord, list[uuid.UUID]]:
    """The golden customer a request is about (the survivor of a merged-away id) and the ids of every golden record
    that is the same person (it and those merged into it, at any depth). 404 for no such customer."""
    try:
        golden_id = uuid.UUID(str(golden_id))
    except ValueError as exc:
        raise NotFound("No such customer.") from exc
    golden = GoldenRecord.objects.filter(pk=golden_id, domain=domains.CUSTOMER).first()
    if golden is None:
        raise NotFound("No such customer.")
    seen = {golden.pk}
    while golden.merged_into_id is not None and golden.merged_into_id not in seen:
        seen.add(golden.merged_into_id)
        golden = GoldenRecord.objects.get(pk=golden.merged_into_id)
    ids, frontier = [golden.pk], [golden.pk]
    while frontier:
        frontier = list(GoldenRecord.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return golden, ids


def _request(kind: str, subject: uuid.UUID, user: User | None, reason: str, now: datetime) -> PrivacyRequest:
    return PrivacyRequest.objects.create(
        kind=kind,
        subject=subject,
        reason=reason,
        requested_by=user,
        received_at=now,
        due_at=now + timedelta(days=settings.STEWARD_PRIVACY_REQUEST_DUE_DAYS),
        correlation_id=correlation.get(),
    )


# --- the access log ---


def access_log_write(*, user: Any, golden_ids: Iterable[uuid.UUID], what: str) -> None:
    """Record that ``user`` read these customers' personal data: one insert, whose commit does not wait for a disk
    flush (``db.bulk_insert_unflushed``). Source systems and anonymous callers
    are not users: their reads are not personal access by a person, and are not logged here."""
    if not isinstance(user, User):
        return
    now, cid = timezone.now(), correlation.get()
    db.bulk_insert_unflushed(
        [
            AccessLogEntry(golden_id=g, user=user, username=user.get_username(), at=now, what=what, correlation_id=cid)
            for g in dict.fromkeys(golden_ids)
        ]
    )


def access_log_purge(*, older_than: timedelta) -> int:
    """Retention: forget access-log rows older than this."""
    deleted, _ = AccessLogEntry.objects.filter(at__lt=timezone.now() - older_than).delete()
    return deleted


# --- export ---


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def subject_export(*, golden_id: uuid.UUID | str, user: User) -> tuple[dict[str, Any], PrivacyRequest]:
    """Everything held on a customer, as one JSON-ready document, recorded as a completed export request and an
    access-log entry."""
    survivor, ids = subject_ids(golden_id)
    now = timezone.now()
    records = list(SourceRecord.objects.filter(golden__in=ids).select_related("source").order_by("id"))
    record_ids = [r.pk for r in records]
    pairs = Q(golden_a__in=ids) | Q(golden_b__in=ids)
    document: dict[str, Any] = {
        "subject": str(survivor.pk),
        "exported_at": now.isoformat(),
        "golden_records": [
            {
                "id": str(g.pk),
                "status": g.status,
                "merged_into": str(g.merged_into_id) if g.merged_into_id else None,
                "version": g.version,
                "attributes": g.attributes,
                "provenance": g.provenance,
                "created_at": _when(g.created_at),
                "updated_at": _when(g.updated_at),
            }
            for g in GoldenRecord.objects.filter(pk__in=ids).order_by("created_at")
        ],
        "versions": [
            {
                "golden_id": str(v.golden_id),
                "version": v.version,
                "reason": v.reason,
                "changes": v.changes,
                "actor": v.actor,
                "correlation_id": v.correlation_id,
                "note": v.note,
                "created_at": _when(v.created_at),
            }
            for v in GoldenVersion.objects.filter(golden__in=ids)
            .select_related("actor_user", "actor_source")
            .order_by("golden_id", "version")
        ],
        "source_records": [
            {
                "source": r.source.code,
                "source_key": r.source_key,
                "golden_id": str(r.golden_id),
                "attributes": r.attributes,
                "warnings": r.warnings,
                "updated_at": _when(r.source_updated_at),
                "received_at": _when(r.received_at),
                "erased_at": _when(r.erased_at),
            }
            for r in records
        ],
        "consent_events": [
            {
                "source": e.source.code,
                "source_key": e.source_key,
                "purpose": e.purpose.code,
                "status": e.status,
                "captured_at": _when(e.captured_at),
                "received_at": _when(e.received_at),
            }
            for e in ConsentEvent.objects.filter(golden__in=ids).select_related("source", "purpose")
        ],
        "consents": [
            {"purpose": s.purpose.code, "status": s.status, "captured_at": _when(s.captured_at)}
            for s in ConsentState.objects.filter(golden__in=ids).select_related("purpose")
        ],
        "steward_values": [
            {"attribute": lock.attribute, "value": lock.value, "by": str(lock.locked_by), "at": _when(lock.locked_at)}
            for lock in AttributeLock.objects.filter(golden__in=ids).select_related("locked_by")
        ],
        "match_candidates": [
            {
                "id": c.pk,
                "golden_ids": [str(c.golden_a_id), str(c.golden_b_id)],
                "score": c.score,
                "status": c.status,
                "reason": c.reason,
                "explanation": c.explanation,
                "decided_by": str(c.decided_by) if c.decided_by else None,
                "decided_at": _when(c.decided_at),
                "created_at": _when(c.created_at),
            }
            for c in MatchCandidate.objects.filter(pairs).select_related("decided_by").order_by("id")
        ],
        "not_a_match": [
            {"records": [n.record_a_id, n.record_b_id], "by": str(n.decided_by) if n.decided_by else None}
            for n in NotAMatch.objects.filter(Q(record_a__in=record_ids) | Q(record_b__in=record_ids))
            .select_related("decided_by")
            .order_by("id")
        ],
        "change_requests": [
            {
                "id": c.pk,
                "golden_id": str(c.golden_id),
                "attribute": c.attribute,
                "value": c.value,
                "unlock": c.unlock,
                "comment": c.comment,
                "status": c.status,
                "requested_by": str(c.requested_by),
                "requested_at": _when(c.requested_at),
                "decided_by": str(c.decided_by) if c.decided_by else None,
                "decided_at": _when(c.decided_at),
            }
            for c in ChangeRequest.objects.filter(golden__in=ids).select_related("requested_by", "decided_by")
        ],
        "deliveries": publishing.subject_deliveries(ids),
        "access_log": [
            {"user": a.username, "at": _when(a.at), "golden_id": str(a.golden_id), "what": a.what}
            for a in AccessLogEntry.objects.filter(golden_id__in=ids)
        ],
        "privacy_requests": [
            {"id": p.pk, "kind": p.kind, "status": p.status, "received_at": _when(p.received_at)}
            for p in PrivacyRequest.objects.filter(subject__in=ids)
        ],
    }
    with transaction.atomic():
        request = _request(PrivacyRequestKind.EXPORT, survivor.pk, user, "", now)
        request.status, request.completed_at = PrivacyRequestStatus.COMPLETED, now
        request.save(update_fields=["status", "completed_at"])
        access_log_write(user=user, golden_ids=[survivor.pk], what=AccessKind.EXPORT)
    return document, request


# --- erasure ---


def _values_of(
    records: Sequence[SourceRecord], goldens: Sequence[GoldenRecord], versions: Sequence[GoldenVersion]
) -> frozenset[str]:
    """Every personal value the subject's records, golden records and history hold, as text: what must be gone from
    other records' history too."""
    personal = PERSONAL[domains.CUSTOMER]
    values: set[str] = set()
    for mapping in [*(r.attributes for r in records), *(r.usable for r in records), *(g.attributes for g in goldens)]:
        values |= {str(v) for k, v in mapping.items() if k in personal and v not in (None, "")}
    for v in versions:
        for name, change in v.changes.items():
            if name in personal and isinstance(change, dict):
                values |= {str(x) for x in (change.get("before"), change.get("after")) if x not in (None, "")}
    return frozenset(values)


def _scrubbed(text: str, values: frozenset[str]) -> str:
    """Free text (a version's note, which may quote a steward's comment) with the subject's values taken out."""
    for value in sorted(values, key=len, reverse=True):
        if len(value) >= 3 and value.lower() in text.lower():
            text = re.sub(re.escape(value), REDACTED, text, flags=re.IGNORECASE)
    return text


def _related(ids: Sequence[uuid.UUID], records: Sequence[SourceRecord]) -> set[uuid.UUID]:
    """Golden records that once held one of the subject's source records (unmerged since) or were compared with them:
    their copies may hold some of the subject's values."""
    related = {r.previous_golden_id for r in records if r.previous_golden_id} | {
        g
        for pair in MatchCandidate.objects.filter(Q(golden_a__in=ids) | Q(golden_b__in=ids)).values_list(
            "golden_a_id", "golden_b_id"
        )
        for g in pair
    }
    return related - set(ids)


def _others_history_redact(related: set[uuid.UUID], values: frozenset[str]) -> None:
    """The related golden records' history loses the subject's values, and only those."""
    versions = list(GoldenVersion.objects.filter(golden__in=related))
    changed = []
    for v in versions:
        redacted, note = redacted_changes(domains.CUSTOMER, v.changes, values), _scrubbed(v.note, values)
        if redacted != v.changes or note != v.note:
            v.changes, v.note = redacted, note
            changed.append(v)
    GoldenVersion.objects.bulk_update(changed, ["changes", "note"], batch_size=500)


def _idempotency_scrub(records: Sequence[SourceRecord], ids: Sequence[uuid.UUID]) -> None:
    """Stored batch answers that name the subject (by golden id or source key) are forgotten: a retry then runs
    again, and is refused as erased."""
    needles = [str(g) for g in ids] + [json.dumps(r.source_key) for r in records]
    by_text = Q()
    for needle in needles:
        by_text |= Q(text__contains=needle)
    IdempotencyRecord.objects.filter(source__in={r.source_id for r in records}).annotate(
        text=Cast("response", TextField())
    ).filter(by_text).delete()


def customer_erase(*, golden_id: uuid.UUID | str, user: User, reason: str) -> PrivacyRequest:
    """Erase a customer everywhere Steward keeps them, in one transaction, and send an ``erased`` event to every
    subscribed connector. The (source, key) of each source record stays as a tombstone: the source's later records
    with that key are refused (error code ``erased``). Who did what and when stays; the values are gone."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the customer is erased.", fields={"reason": ["Required."]})
    survivor, ids = subject_ids(golden_id)
    with transaction.atomic():
        goldens = list(GoldenRecord.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        subject = next(g for g in goldens if g.pk == survivor.pk)
        if subject.status == GoldenStatus.ERASED:
            raise Conflict(f"Customer {subject.pk} is already erased.", code="already_erased")
        if subject.status != GoldenStatus.ACTIVE or subject.merged_into_id:
            raise Conflict(f"Customer {subject.pk} changed meanwhile: try again.", code="changed_meanwhile")
        now = timezone.now()
        records = list(SourceRecord.objects.select_for_update().filter(golden__in=ids).order_by("pk"))
        versions = list(GoldenVersion.objects.filter(golden__in=ids))
        values = _values_of(records, goldens, versions)
        request = _request(PrivacyRequestKind.ERASURE, subject.pk, user, reason, now)

        # History first: every version of the subject keeps who, when and why, not the values.
        for v in versions:
            v.changes, v.note = redacted_changes(domains.CUSTOMER, v.changes), _scrubbed(v.note, values)
        GoldenVersion.objects.bulk_update(versions, ["changes", "note"], batch_size=500)
        related = _related(ids, records)
        _others_history_redact(related, values)

        # Source records become tombstones: the key stays, nothing else.
        BlockingKey.objects.filter(record__in=records).delete()
        SourceRecord.objects.filter(pk__in=[r.pk for r in records]).update(
            attributes={}, usable={}, warnings={}, features={}, content_hash="", erased_at=now
        )
        AttributeLock.objects.filter(golden__in=ids).delete()
        ChangeRequest.objects.filter(golden__in=ids, status=ChangeRequestStatus.PENDING).update(
            status=ChangeRequestStatus.REJECTED, decided_by=user, decided_at=now, decision_comment="customer erased"
        )
        ChangeRequest.objects.filter(golden__in=ids).update(value=None, comment="")
        pairs = Q(golden_a__in=ids) | Q(golden_b__in=ids)
        MatchCandidate.objects.filter(pairs, status=CandidateStatus.PENDING).update(status=CandidateStatus.SUPERSEDED)
        MatchCandidate.objects.filter(pairs).update(explanation=[])
        _idempotency_scrub(records, ids)
        publishing.subject_redact(ids, related=sorted(related, key=str), values=values)

        for g in goldens:
            g.attributes, g.provenance = {}, {}
        GoldenRecord.objects.filter(pk__in=[g.pk for g in goldens if g.pk != subject.pk]).update(
            attributes={}, provenance={}
        )
        before = subject.status
        subject.status, subject.version = GoldenStatus.ERASED, subject.version + 1
        subject.save(update_fields=["status", "version", "attributes", "provenance", "updated_at"])
        versions_save(
            [
                GoldenVersion(
                    golden=subject,
                    version=subject.version,
                    reason=ChangeReason.ERASURE,
                    changes={"status": {"before": before, "after": GoldenStatus.ERASED}},
                    actor_user=user,
                    correlation_id=correlation.get(),
                    note=f"privacy request {request.pk}",
                )
            ]
        )
        request.version = subject.version
        request.save(update_fields=["version"])
        _refresh(request)
    return request


def tombstones_lift(*, record_ids: Sequence[int], user: User) -> int:
    """An administrator's decision to accept erased keys again: the tombstones among these source records are
    deleted, so their sources' next records with those keys start new customers. Returns how many were lifted."""
    with transaction.atomic():
        lifted, _ = SourceRecord.objects.filter(pk__in=record_ids, erased_at__isnull=False).delete()
    logger.info("%s lifted %d tombstones", user.get_username(), lifted)
    return lifted


# --- the requests' progress ---


def _refresh(request: PrivacyRequest) -> bool:
    """Bring an erasure's status in line with its erase deliveries: completed once each is delivered, failed while one
    is a dead letter, open otherwise. Returns whether it changed."""
    if request.kind != PrivacyRequestKind.ERASURE or request.version is None:
        return False
    outcome = publishing.erasure_outcome(request.subject, request.version)
    statuses = {o["status"] for o in outcome.values()}
    if "dead" in statuses:
        status = PrivacyRequestStatus.FAILED
    elif statuses <= {"delivered", "suppressed"}:
        status = PrivacyRequestStatus.COMPLETED
    else:
        status = PrivacyRequestStatus.OPEN
    if status == request.status and outcome == request.outcome:
        return False
    request.status, request.outcome = status, outcome
    request.completed_at = timezone.now() if status == PrivacyRequestStatus.COMPLETED else None
    request.save(update_fields=["status", "outcome", "completed_at"])
    return True


def privacy_requests_refresh(*, subjects: Iterable[uuid.UUID] | None = None) -> int:
    """Refresh the erasures not yet completed (of these subjects; all when None) from their deliveries. Called when an
    erase delivery is delivered, dies or is replayed. Returns how many changed."""
    requests = PrivacyRequest.objects.filter(kind=PrivacyRequestKind.ERASURE).exclude(
        status=PrivacyRequestStatus.COMPLETED
    )
    if subjects is not None:
        requests = requests.filter(subject__in=list(subjects))
    return sum(_refresh(r) for r in requests)


__all__ = [
    "ERASED",
    "REDACTED",
    "access_log_purge",
    "access_log_write",
    "customer_erase",
    "privacy_requests_refresh",
    "subject_export",
    "subject_ids",
    "tombstones_lift",
]
