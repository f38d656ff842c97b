"""Consent: an immutable event log per customer and purpose, and the current state it gives (the event captured last
wins, whatever order events arrive in; on a tie, withdrawal wins: ``survivorship.consent_rank``)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from .. import correlation, db, domains
from ..models import (
    ChangeReason,
    ConsentEvent,
    ConsentPurpose,
    ConsentState,
    ConsentStatus,
    GoldenRecord,
    GoldenVersion,
    SourceRecord,
    SourceSystem,
)
from ..survivorship import consent_rank
from .batch import (
    CREATED,
    REJECTED,
    UNCHANGED,
    RecordResult,
    batch_answer,
    erased,
    latest_timestamp,
    not_an_object,
    source_key_read,
    timestamp_read,
    unknown_fields,
    unstorable_text,
)
from .golden import versions_save

_FIELDS = ("source_key", "purpose", "status", "captured_at")


@dataclass
class _ConsentIncoming:
    index: int
    source_key: str
    purpose: ConsentPurpose
    status: str
    captured_at: datetime


def consent_events_record(*, source: SourceSystem, events: Sequence[Any]) -> list[RecordResult]:
    """Record a batch of a source's consent events and update the current consent state per purpose."""
    purposes = {p.code: p for p in ConsentPurpose.objects.all()}
    latest = latest_timestamp()
    return batch_answer(
        events,
        lambda index, item: _read(index, item, purposes, latest),
        lambda incoming, results: _apply(source, incoming, results),
    )


def _read(
    index: int, item: Any, purposes: dict[str, ConsentPurpose], latest: datetime
) -> _ConsentIncoming | RecordResult:
    rejected = not_an_object(item, "An event") or unstorable_text(item)
    if rejected:
        return rejected
    errors: dict[str, list[str]] = {}
    source_key = source_key_read(item, errors)
    purpose = purposes.get(item.get("purpose")) if isinstance(item.get("purpose"), str) else None
    if purpose is None:
        errors["purpose"] = [f"Unknown purpose; one of: {', '.join(sorted(purposes))}."]
    status = item.get("status")
    if status not in ConsentStatus.values:
        errors["status"] = ["One of: granted, withdrawn."]
    captured_at = timestamp_read(item, "captured_at", errors, latest=latest)
    unknown_fields(item, _FIELDS, errors)
    if errors:
        return RecordResult(source_key, REJECTED, errors=errors)
    assert source_key is not None and purpose is not None and captured_at is not None
    return _ConsentIncoming(index, source_key.strip(), purpose, str(status), captured_at)


def _wins(status: str, captured_at: datetime, state: ConsentState | None) -> bool:
    return state is None or consent_rank(captured_at, status) > consent_rank(state.captured_at, state.status)


def _apply(source: SourceSystem, incoming: list[_ConsentIncoming], results: list[RecordResult | None]) -> None:
    db.advisory_xact_locks("source", [str(source.pk)])  # the lock ingest takes: one writer per source
    golden_of: dict[str, uuid.UUID] = {}
    tombstones: set[str] = set()
    for source_key, golden_of_key, erased_at in SourceRecord.objects.filter(
        source=source, domain=domains.CUSTOMER, source_key__in={e.source_key for e in incoming}
    ).values_list("source_key", "golden_id", "erased_at"):
        if erased_at is None:
            golden_of[source_key] = golden_of_key
        else:
            tombstones.add(source_key)
    golden_ids = set(golden_of.values())
    goldens = {
        g.id: g for g in GoldenRecord.objects.select_for_update(no_key=True).filter(id__in=golden_ids).order_by("id")
    }
    states = {(s.golden_id, s.purpose_id): s for s in ConsentState.objects.filter(golden_id__in=golden_ids)}
    changes: dict[uuid.UUID, dict[str, dict[str, Any]]] = defaultdict(dict)
    cid = correlation.get()
    for event in sorted(incoming, key=lambda e: e.captured_at):
        golden_id = golden_of.get(event.source_key)
        if event.source_key in tombstones:
            results[event.index] = erased(event.source_key)
            continue
        if golden_id is None:
            results[event.index] = RecordResult(
                event.source_key, REJECTED, errors={"source_key": ["No customer with this key from this source."]}
            )
            continue
        try:
            with transaction.atomic():
                row = ConsentEvent.objects.create(
                    golden_id=golden_id,
                    source=source,
                    source_key=event.source_key,
                    purpose=event.purpose,
                    status=event.status,
                    captured_at=event.captured_at,
                    correlation_id=cid,
                )
        except IntegrityError:
            results[event.index] = RecordResult(event.source_key, UNCHANGED, golden_id, reason="duplicate event")
            continue
        key = (golden_id, event.purpose.pk)
        state = states.get(key)
        if _wins(event.status, event.captured_at, state):
            before = state.status if state else None
            if state is None:
                state = states[key] = ConsentState(golden_id=golden_id, purpose=event.purpose)
            state.status, state.captured_at, state.event = event.status, event.captured_at, row
            state.save()
            if before != event.status:
                entry = changes[golden_id].setdefault(f"consent.{event.purpose.code}", {"before": before})
                entry["after"] = event.status
        results[event.index] = RecordResult(event.source_key, CREATED, golden_id)
    versions = []
    for golden_id, golden_changes in changes.items():
        golden_changes = {k: v for k, v in golden_changes.items() if v["before"] != v["after"]}
        if not golden_changes:
            continue
        golden = goldens[golden_id]
        golden.version += 1
        versions.append(
            GoldenVersion(
                golden=golden,
                version=golden.version,
                reason=ChangeReason.CONSENT,
                changes=golden_changes,
                actor_source=source,
                correlation_id=cid,
            )
        )
    GoldenRecord.objects.bulk_update([v.golden for v in versions], ["version", "updated_at"])
    versions_save(versions)
