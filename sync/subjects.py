"""The outbox's part in a data subject's requests (``stewardship.publishing``): what was sent of a person, forgetting
it, and how the erase deliveries stand. Also the retention of delivered payloads, which ages out the same copies."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from .models import UNDELIVERED, Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent

#: What a redacted payload keeps: enough for an erase delivery (which golden record, which source keys) and no more.
KEPT = ("id", "domain", "version", "status", "merged_into", "sources")


def _kept(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: payload[k] for k in KEPT if k in payload}


def subject_deliveries(golden_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    """Every delivery of these golden records: to which system, what was sent (the event's payload) and each
    attempt, oldest first."""
    deliveries = list(
        Delivery.objects.filter(golden_id__in=golden_ids)
        .select_related("connector", "event")
        .prefetch_related("attempt_rows")
        .order_by("created_at", "id")
    )
    return [
        {
            "id": d.pk,
            "connector": d.connector.name,
            "event_type": d.event_type,
            "golden_id": str(d.golden_id),
            "version": d.version,
            "status": d.status,
            "created_at": d.created_at.isoformat(),
            "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
            "last_error": d.last_error,
            "payload": d.event.payload,
            "attempts": [
                {
                    "number": a.number,
                    "started_at": a.started_at.isoformat(),
                    "outcome": a.outcome,
                    "status_code": a.status_code,
                    "request": a.request,
                    "response": a.response,
                    "error": a.error,
                }
                for a in d.attempt_rows.all()
            ],
        }
        for d in deliveries
    ]


def _redact_events(events: Sequence[OutboxEvent], now: datetime) -> None:
    for event in events:
        event.payload, event.redacted_at = _kept(event.payload), now
    OutboxEvent.objects.bulk_update(events, ["payload", "redacted_at"], batch_size=500)


def subject_redact(
    golden_ids: Sequence[uuid.UUID], *, related: Sequence[uuid.UUID] = (), values: frozenset[str] = frozenset()
) -> None:
    """Forget what the outbox holds of these golden records: payloads keep only ``KEPT``, attempts lose what was sent
    and answered, errors (which quote replies) are emptied. Deliveries not yet made are superseded: the erase
    delivery that follows carries all a system needs, and nothing personal is left to send. Of the ``related`` golden
    records (others that held some of the subject's values for a while), the payloads holding one of ``values`` are
    redacted the same way."""
    now = timezone.now()
    events = list(OutboxEvent.objects.filter(golden_id__in=golden_ids, redacted_at__isnull=True))
    if related and values:
        lowered = [v.lower() for v in values]
        events += [
            e
            for e in OutboxEvent.objects.filter(golden_id__in=related, redacted_at__isnull=True)
            if any(v in json.dumps(e.payload, ensure_ascii=False).lower() for v in lowered)
        ]
    _redact_events(events, now)
    DeliveryAttempt.objects.filter(delivery__golden_id__in=golden_ids).update(request="", response="", error="")
    Delivery.objects.filter(golden_id__in=golden_ids).exclude(last_error="").update(last_error="")
    Delivery.objects.filter(golden_id__in=golden_ids, status__in=(DeliveryStatus.PENDING, DeliveryStatus.DEAD)).update(
        status=DeliveryStatus.SUPERSEDED, lease_until=None
    )


def erasure_outcome(golden_id: uuid.UUID, version: int) -> dict[str, dict[str, Any]]:
    """Per connector, the erase delivery of ``version``: pending (in flight or waiting to retry), delivered, or dead
    (with its last error)."""
    out: dict[str, dict[str, Any]] = {}
    for d in Delivery.objects.filter(golden_id=golden_id, version=version).select_related("connector"):
        status = "pending" if d.status in UNDELIVERED else d.status
        out[d.connector.name] = {"status": status, "delivery": d.pk, "error": d.last_error[:200]}
    return out


def payloads_purge(*, older_than: datetime, limit: int = 10000) -> int:
    """Retention: payloads of events every delivery of which is done (delivered, suppressed or superseded; not
    pending, in flight or dead, which may still be sent or replayed), created before ``older_than``, lose their
    personal values, and so do those deliveries' attempt excerpts. The rows and statuses stay. Returns the events
    redacted (at most ``limit`` a run: the beat job comes back)."""
    open_deliveries = Delivery.objects.filter(
        event=OuterRef("pk"), status__in=(*UNDELIVERED, DeliveryStatus.DEAD)
    ).values("pk")
    events = list(
        OutboxEvent.objects.filter(created_at__lt=older_than, redacted_at__isnull=True)
        .exclude(Exists(open_deliveries))
        .order_by("created_at")[:limit]
    )
    if not events:
        return 0
    _redact_events(events, timezone.now())
    DeliveryAttempt.objects.filter(delivery__event__in=[e.pk for e in events]).update(request="", response="", error="")
    return len(events)
