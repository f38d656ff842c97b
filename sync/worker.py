"""Delivering: claim pending deliveries, send them through their connector, record what happened.

Called by the ``sync.tasks.deliver`` task with delivery ids. Every step is safe to repeat: a claim is a conditional
update (only pending rows that are due and not behind an older undelivered version of the same record), the
write-back is fenced on the claim (status in flight, same attempt number), and a delivery sent twice carries the
same idempotency key, so the receiver applies it once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from connectors.base import Connector as ConnectorImpl
from connectors.base import ConnectorConfig, Message, Outcome
from connectors.http import TransportError
from connectors.registry import connector_class
from stewardship import correlation, db
from stewardship.models import ConsentState, ConsentStatus
from stewardship.services import privacy_requests_refresh

from .backoff import retry_delay
from .dispatch import enqueue
from .models import (
    AttemptOutcome,
    BreakerState,
    Connector,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
)
from .ratelimit import wait_for_slot

logger = logging.getLogger(__name__)


@dataclass
class BatchResult:
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    suppressed: int = 0
    held: int = 0  # released untouched: breaker open or connector throttled
    counts: dict[str, int] = field(default_factory=dict)


# --- connector instances (kept per process: keep-alive sessions and login tokens survive between tasks) ---

_instances: dict[int, tuple[str, ConnectorImpl]] = {}


def connector_secret(connector: Connector) -> str:
    env = f"STEWARD_CONNECTOR_{connector.name.upper().replace('-', '_')}_SECRET"
    return os.environ.get(env) or connector.secret


def connector_instance(connector: Connector) -> ConnectorImpl:
    config = ConnectorConfig(
        name=connector.name,
        base_url=connector.base_url,
        secret=connector_secret(connector),
        options=connector.options or {},
        timeout=connector.timeout_seconds,
    )
    fingerprint = hashlib.sha256(
        json.dumps(
            [connector.kind, config.base_url, config.secret, config.options, config.timeout], default=str
        ).encode()
    ).hexdigest()
    cached = _instances.get(connector.pk)
    if cached and cached[0] == fingerprint:
        instance = cached[1]
    else:
        if cached:
            cached[1].close()
        instance = connector_class(connector.kind)(config)
        _instances[connector.pk] = (fingerprint, instance)
    rate, pk = connector.rate_limit_per_second, connector.pk
    instance.http.before_request = (lambda: wait_for_slot(pk, rate)) if rate > 0 else None
    return instance


# --- claim ---


def _claim(ids: Sequence[int], now: datetime) -> list[Delivery]:
    """Take the given deliveries that are pending and due, unless an older version of the same record for the same
    connector is still undelivered (and not being claimed here too): per record, versions go out in order."""
    ids = list(ids)
    blocking = Delivery.objects.filter(
        connector_id=OuterRef("connector_id"), golden_id=OuterRef("golden_id"), version__lt=OuterRef("version")
    ).filter(
        Q(status=DeliveryStatus.IN_FLIGHT)
        | (Q(status=DeliveryStatus.PENDING) & ~(Q(pk__in=ids) & Q(next_attempt_at__lte=now)))
    )
    lease = timedelta(seconds=settings.STEWARD_SYNC_LEASE_SECONDS)
    with transaction.atomic():
        taken = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .exclude(Exists(blocking))
            .values_list("pk", flat=True)
        )
        if not taken:
            return []
        Delivery.objects.filter(pk__in=taken).update(
            status=DeliveryStatus.IN_FLIGHT, lease_until=now + lease, attempts=F("attempts") + 1
        )
    return list(
        Delivery.objects.filter(pk__in=taken).select_related("event").order_by("connector_id", "golden_id", "version")
    )


# --- write-back ---

_FINISH_FIELDS = (
    "status",
    "attempts",
    "next_attempt_at",
    "lease_until",
    "queued_at",
    "last_error",
    "last_status_code",
    "remote_id",
    "delivered_at",
)


def _finish(rows: Sequence[tuple[Delivery, int]]) -> int:
    """Write the outcome of claimed deliveries, fenced on the claim: a row whose lease expired and was claimed again
    (or re-queued by the sweeper) is left to its new owner. Returns how many rows were written."""
    fenced = [(d, {"status": DeliveryStatus.IN_FLIGHT, "attempts": claimed_attempts}) for d, claimed_attempts in rows]
    return db.bulk_update_where(fenced, _FINISH_FIELDS)


# --- the batch ---


def deliveries_process(*, delivery_ids: Sequence[int]) -> BatchResult:
    """Claim and send these deliveries (those still pending and due). Safe to call twice with the same ids."""
    now = timezone.now()
    claimed = _claim(delivery_ids, now)
    result = BatchResult(claimed=len(claimed))
    if not claimed:
        return result
    connectors = {
        c.pk: c
        for c in Connector.objects.filter(pk__in={d.connector_id for d in claimed}).prefetch_related("consent_purposes")
    }
    groups: dict[int, list[Delivery]] = defaultdict(list)
    for d in claimed:
        groups[d.connector_id].append(d)
    for connector_id, group in groups.items():
        _process_group(connectors[connector_id], group, result)
    _release_successors(claimed)
    if erased := {d.golden_id for d in claimed if d.kind == "erased"}:
        privacy_requests_refresh(subjects=erased)  # an erasure is complete when every system has erased
    return result


def _process_group(connector: Connector, group: list[Delivery], result: BatchResult) -> None:
    now = timezone.now()
    claimed_attempts = {d.pk: d.attempts for d in group}  # as the claim left them: the fence of the write-back
    hold = _hold_until(connector, now)
    if hold is not None:
        _release(group, claimed_attempts, hold)
        result.held += len(group)
        return
    probing = connector.breaker_state(now) == BreakerState.HALF_OPEN
    if probing:
        if not _take_probe(connector, now):
            _release(group, claimed_attempts, now + timedelta(seconds=1))
            result.held += len(group)
            return
        # One message tests the water; the rest wait for its answer.
        _release(group[1:], claimed_attempts, now + timedelta(seconds=1))
        result.held += len(group) - 1
        group = group[:1]

    to_send, suppressed = _consent_filter(connector, group)
    attempts: list[DeliveryAttempt] = []
    finished: list[tuple[Delivery, int]] = []
    for d in suppressed:
        d.status, d.lease_until, d.last_error = DeliveryStatus.SUPPRESSED, None, "no consent for this connector"
        finished.append((d, claimed_attempts[d.pk]))
        attempts.append(
            DeliveryAttempt(
                delivery=d,
                number=d.attempts,
                started_at=now,
                outcome=AttemptOutcome.SUPPRESSED,
                error="suppressed: the customer has not granted "
                + ", ".join(sorted(p.code for p in connector.consent_purposes.all())),
            )
        )
        result.suppressed += 1

    outcomes = _send(connector, to_send) if to_send else {}
    failures = 0
    retry_after_max = 0.0
    first_retry: datetime | None = None
    for d in to_send:
        outcome = outcomes[d.pk]
        if not outcome.attempted:
            continue
        if outcome.ok:
            d.status, d.delivered_at = DeliveryStatus.DELIVERED, timezone.now()
            d.remote_id, d.last_status_code, d.last_error = outcome.remote_id[:200], outcome.status_code, ""
            result.delivered += 1
            kind = AttemptOutcome.DELIVERED
        else:
            error = outcome.error
            assert error is not None
            d.last_error, d.last_status_code = str(error)[:2000], error.status_code
            if error.permanent or d.attempts >= connector.max_attempts:
                d.status = DeliveryStatus.DEAD
                if not error.permanent:
                    d.last_error = f"gave up after {d.attempts} attempts: {d.last_error}"
                result.dead += 1
                kind = AttemptOutcome.PERMANENT if error.permanent else AttemptOutcome.TRANSIENT
            else:
                delay = retry_delay(
                    d.attempts,
                    base=connector.backoff_base_seconds,
                    cap=connector.backoff_cap_seconds,
                    retry_after=error.retry_after,
                )
                d.status, d.next_attempt_at, d.queued_at = DeliveryStatus.PENDING, now + timedelta(seconds=delay), None
                first_retry = min(first_retry or d.next_attempt_at, d.next_attempt_at)
                result.retrying += 1
                kind = AttemptOutcome.TRANSIENT
            if not error.permanent:
                if error.status_code == 429:
                    retry_after_max = max(retry_after_max, error.retry_after or connector.backoff_base_seconds)
                else:
                    failures += 1
        d.lease_until = None
        finished.append((d, claimed_attempts[d.pk]))
        attempts.append(
            DeliveryAttempt(
                delivery=d,
                number=d.attempts,
                started_at=now,
                duration_ms=outcome.duration_ms,
                outcome=kind,
                request=outcome.request[:500],
                status_code=outcome.status_code,
                error="" if outcome.ok else str(outcome.error)[:2000],
                response=outcome.response[:2000],
            )
        )
    not_sent = [d for d in to_send if not outcomes[d.pk].attempted]
    if not_sent:
        _release(not_sent, claimed_attempts, first_retry or now)
        result.retrying += len(not_sent)
    _finish(finished)
    db.bulk_insert(attempts)
    _connector_health(connector, now, ok=result.delivered > 0, failures=failures, throttled_for=retry_after_max)


def _hold_until(connector: Connector, now: datetime) -> datetime | None:
    """When a connector must not be called now: its breaker is open, or the system asked us to slow down."""
    holds = []
    if connector.throttled_until and connector.throttled_until > now:
        holds.append(connector.throttled_until)
    if connector.breaker_state(now) == BreakerState.OPEN:
        assert connector.breaker_open_until is not None
        holds.append(connector.breaker_open_until)
    return max(holds) if holds else None


def _take_probe(connector: Connector, now: datetime) -> bool:
    """Half-open: exactly one worker at a time may try one message."""
    lease = now + timedelta(seconds=max(connector.timeout_seconds * 2, 5))
    return bool(
        Connector.objects.filter(pk=connector.pk)
        .filter(Q(probe_until__isnull=True) | Q(probe_until__lt=now))
        .update(probe_until=lease)
    )


def _release(group: Sequence[Delivery], claimed_attempts: dict[int, int], at: datetime) -> None:
    """Give claimed deliveries back untouched (the claim's attempt is not counted)."""
    rows = []
    for d in group:
        d.status, d.attempts, d.lease_until = DeliveryStatus.PENDING, claimed_attempts[d.pk] - 1, None
        d.next_attempt_at, d.queued_at = at, None
        rows.append((d, claimed_attempts[d.pk]))
    _finish(rows)


def _consent_filter(connector: Connector, group: list[Delivery]) -> tuple[list[Delivery], list[Delivery]]:
    """Split customer deliveries into those that may go and those suppressed for want of consent. Checked now, at
    send time: a grant or a withdrawal since the change counts. Withdrawals and erasures always go."""
    purposes = {p.pk: p.code for p in connector.consent_purposes.all()}
    if not purposes:
        return group, []
    customers = {d.golden_id for d in group if d.domain == "customer"}
    granted: dict[uuid.UUID, set[int]] = defaultdict(set)
    for golden_id, purpose_id in ConsentState.objects.filter(
        golden_id__in=customers, purpose_id__in=purposes, status=ConsentStatus.GRANTED
    ).values_list("golden_id", "purpose_id"):
        granted[golden_id].add(purpose_id)
    send, suppressed = [], []
    for d in group:
        if d.domain != "customer" or granted[d.golden_id] >= set(purposes) or _always_flows(d):
            send.append(d)
        else:
            suppressed.append(d)
    return send, suppressed


def _always_flows(d: Delivery) -> bool:
    if d.kind == "erased":
        return True
    if d.kind == "consent_changed":
        return any(
            isinstance(change, dict) and change.get("after") == ConsentStatus.WITHDRAWN
            for name, change in d.event.payload.get("changes", {}).items()
            if name.startswith("consent.")
        )
    return False


def _message(d: Delivery) -> Message:
    return Message(
        delivery_id=d.pk,
        idempotency_key=str(d.idempotency_key),
        event_type=d.event_type,
        domain=d.domain,
        golden_id=str(d.golden_id),
        version=d.version,
        payload=d.event.payload,
        correlation_id=d.event.correlation_id,
        occurred_at=d.event.created_at,
    )


def _send(connector: Connector, group: Sequence[Delivery]) -> dict[int, Outcome]:
    """Send in record order, in the connector's batch size, stopping before the lease runs out."""
    instance = connector_instance(connector)
    deadline = time.monotonic() + settings.STEWARD_SYNC_LEASE_SECONDS * 0.8
    outcomes: dict[int, Outcome] = {}
    size = max(type(instance).batch_size, 1)
    for start in range(0, len(group), size):
        chunk = group[start : start + size]
        if time.monotonic() > deadline:
            outcomes.update(_not_attempted(chunk, "the lease ran short"))
            continue
        messages = [_message(d) for d in chunk]
        token = correlation.set(messages[0].correlation_id)
        try:
            sent = instance.send(messages)
        except Exception as exc:  # a connector bug must not strand the batch: treat it as a transient failure
            logger.exception("connector %s failed on a batch of %d", connector.name, len(messages))
            error = TransportError(f"connector error: {exc!r}", permanent=False)
            sent = [Outcome(m.delivery_id, error) for m in messages]
        finally:
            correlation.reset(token)
        by_id = {o.delivery_id: o for o in sent}
        for m in messages:
            outcome = by_id.get(m.delivery_id) or Outcome(
                m.delivery_id, TransportError("the connector gave no outcome", permanent=False), attempted=False
            )
            outcomes[m.delivery_id] = outcome
            _log(connector, m, outcome)
        if any(not o.ok and not o.error.permanent for o in sent if o.error):
            # A transient failure: later chunks would only overtake the failed messages' records.
            outcomes.update(_not_attempted(group[start + size :], "an earlier call failed"))
            break
    return outcomes


def _not_attempted(deliveries: Sequence[Delivery], why: str) -> dict[int, Outcome]:
    error = TransportError(f"not attempted: {why}", permanent=False)
    return {d.pk: Outcome(d.pk, error, attempted=False) for d in deliveries}


def _log(connector: Connector, m: Message, outcome: Outcome) -> None:
    token = correlation.set(m.correlation_id)
    try:
        if outcome.ok:
            logger.debug("delivered %s v%s to %s", m.golden_id, m.version, connector.name)
        elif outcome.attempted and outcome.error is not None:
            logger.warning(
                "delivery %s (%s v%s) to %s failed: %s, %s",
                m.delivery_id,
                m.golden_id,
                m.version,
                connector.name,
                _error_summary(outcome.error),
                "permanent" if outcome.error.permanent else "transient",
            )
    finally:
        correlation.reset(token)


def _error_summary(error: TransportError) -> str:
    """What a log line says of a failure: its status, or the kind of failure ("timed out", "connection failed"), never
    the reply or the message around it, which quote the payload (emails, names). The delivery's attempts keep the
    whole story for stewards."""
    if error.status_code is not None:
        return f"HTTP {error.status_code}"
    return str(error).split(":", 1)[0][:60]


def _connector_health(connector: Connector, now: datetime, *, ok: bool, failures: int, throttled_for: float) -> None:
    rows = Connector.objects.filter(pk=connector.pk)
    if throttled_for:
        until = now + timedelta(seconds=throttled_for)
        rows.update(throttled_until=Greatest(F("throttled_until"), until) if connector.throttled_until else until)
    if failures:
        rows.update(consecutive_failures=F("consecutive_failures") + 1, probe_until=None)
        cooldown = timedelta(seconds=connector.breaker_cooldown_seconds)
        opened = rows.filter(consecutive_failures__gte=F("breaker_threshold")).update(breaker_open_until=now + cooldown)
        if opened and connector.consecutive_failures < connector.breaker_threshold:
            logger.warning("circuit breaker for %s opened for %ss", connector.name, connector.breaker_cooldown_seconds)
    elif ok and (connector.consecutive_failures or connector.breaker_open_until or connector.probe_until):
        rows.update(consecutive_failures=0, breaker_open_until=None, probe_until=None)
        if connector.consecutive_failures >= connector.breaker_threshold:
            logger.info("circuit breaker for %s closed", connector.name)


def _release_successors(claimed: Sequence[Delivery]) -> None:
    """Queue later versions of the records just handled: they waited for these to finish."""
    pairs = {(d.connector_id, d.golden_id) for d in claimed}
    now = timezone.now()
    waiting = [
        pk
        for pk, connector_id, golden_id in Delivery.objects.filter(
            golden_id__in={g for _, g in pairs}, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        .exclude(pk__in=[d.pk for d in claimed])
        .order_by("connector_id", "golden_id", "version")
        .values_list("pk", "connector_id", "golden_id")
        if (connector_id, golden_id) in pairs
    ]
    if waiting:
        Delivery.objects.filter(pk__in=waiting).update(queued_at=now)
        transaction.on_commit(lambda: enqueue(waiting))
