"""Sync writes a steward or the beat schedule triggers: replay, and the sweeper that re-queues what was left behind."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from stewardship import db
from stewardship.errors import Conflict, NotFound
from stewardship.services import privacy_requests_refresh

from .dispatch import enqueue
from .models import AttemptOutcome, Connector, Delivery, DeliveryAttempt, DeliveryStatus


@dataclass
class SweepResult:
    lost: int = 0  # in flight past their lease: the worker died or hung
    dead: int = 0  # ... and out of attempts
    requeued: int = 0


def deliveries_sweep(*, limit: int = 5000) -> SweepResult:
    """Recover deliveries whose worker vanished (lease expired) and queue again those due but not queued lately
    (a retry whose time has come, a task lost with the broker, a commit whose enqueue never happened)."""
    now = timezone.now()
    result = SweepResult()
    with transaction.atomic():
        lost = list(
            Delivery.objects.select_for_update(skip_locked=True).filter(
                status=DeliveryStatus.IN_FLIGHT, lease_until__lt=now
            )[:limit]
        )
        max_attempts = dict(
            Connector.objects.filter(pk__in={d.connector_id for d in lost}).values_list("pk", "max_attempts")
        )
        attempts = []
        for d in lost:
            out_of_attempts = d.attempts >= max_attempts[d.connector_id]
            d.status = DeliveryStatus.DEAD if out_of_attempts else DeliveryStatus.PENDING
            d.last_error = "the worker was lost before it reported (lease expired)"
            d.lease_until, d.next_attempt_at, d.queued_at = None, now, None
            attempts.append(
                DeliveryAttempt(
                    delivery=d, number=d.attempts, started_at=now, outcome=AttemptOutcome.LOST, error=d.last_error
                )
            )
            result.lost += 1
            result.dead += out_of_attempts
        db.bulk_update(lost, ["status", "last_error", "lease_until", "next_attempt_at", "queued_at"])
        db.bulk_insert(attempts)
        if erased := {d.golden_id for d in lost if d.kind == "erased" and d.status == DeliveryStatus.DEAD}:
            privacy_requests_refresh(subjects=erased)
    stale_queue = now - timedelta(seconds=settings.STEWARD_SYNC_REQUEUE_SECONDS)
    with transaction.atomic():
        due = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=stale_queue))
            .order_by("connector_id", "golden_id", "version")
            .values_list("pk", flat=True)[:limit]
        )
        if due:
            Delivery.objects.filter(pk__in=due).update(queued_at=now)
            transaction.on_commit(lambda: enqueue(due))
    result.requeued = len(due)
    return result


def _newer_delivered(delivery: Delivery) -> int | None:
    return (
        Delivery.objects.filter(
            connector_id=delivery.connector_id,
            golden_id=delivery.golden_id,
            version__gt=delivery.version,
            status=DeliveryStatus.DELIVERED,
        )
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )


def delivery_replay(*, delivery_id: int, user: User) -> Delivery:
    """Send a dead delivery again (same idempotency key, fresh attempts). Refused when the record has since been
    delivered to that connector in a newer version: that one carried the whole record, and sending the old state
    now would move the system backwards."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            raise NotFound("No such delivery.")
        if delivery.status != DeliveryStatus.DEAD:
            raise Conflict(
                f"Only dead deliveries can be replayed; this one is {delivery.get_status_display().lower()}.",
                code="not_dead",
            )
        newer = _newer_delivered(delivery)
        if newer is not None:
            raise Conflict(
                f"Version {newer} of this record was delivered to {delivery.connector} after it and carries the whole "
                "record: nothing to replay.",
                code="superseded",
            )
        _replay([delivery], user)
    return delivery


def deliveries_replay(*, deliveries: QuerySet[Delivery], user: User, limit: int = 10000) -> dict[str, int]:
    """Replay the dead deliveries among ``deliveries`` (a filtered queryset), at most ``limit`` at once. Those a newer
    delivered version made pointless are marked superseded instead."""
    with transaction.atomic():
        dead = list(
            deliveries.filter(status=DeliveryStatus.DEAD).select_for_update(skip_locked=True).order_by("id")[:limit]
        )
        superseded = [d for d in dead if _newer_delivered(d) is not None]
        skip = {d.pk for d in superseded}
        Delivery.objects.filter(pk__in=skip).update(status=DeliveryStatus.SUPERSEDED)
        replayed = [d for d in dead if d.pk not in skip]
        _replay(replayed, user)
    return {"replayed": len(replayed), "superseded": len(superseded)}


def _replay(deliveries: Iterable[Delivery], user: User) -> None:
    now = timezone.now()
    rows = list(deliveries)
    for d in rows:
        d.status, d.attempts, d.next_attempt_at, d.queued_at = DeliveryStatus.PENDING, 0, now, now
        d.replayed_by, d.replayed_at = user, now
    db.bulk_update(rows, ["status", "attempts", "next_attempt_at", "queued_at", "replayed_by", "replayed_at"])
    ids = [d.pk for d in sorted(rows, key=lambda d: (d.connector_id, str(d.golden_id), d.version))]
    transaction.on_commit(lambda: enqueue(ids))
    if erased := {d.golden_id for d in rows if d.kind == "erased"}:
        privacy_requests_refresh(subjects=erased)  # a failed erasure is open again
