"""Writing the outbox: Steward's publisher (``stewardship.publishing``, ``settings.STEWARD_PUBLISHER``), called by
the domain's services in the same transaction as the golden-record change.

One event per new golden version, carrying the record's whole state at that version; one delivery per subscribed
connector (not to the source the change came from). Tasks are queued only once the transaction commits.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from stewardship import correlation, db
from stewardship.models import ChangeReason, ConsentState, GoldenStatus, GoldenVersion, SourceRecord
from stewardship.publishing import Known

from .dispatch import enqueue
from .models import STATE_KINDS, Connector, Delivery, DeliveryStatus, OutboxEvent, Subscription
from .subjects import erasure_outcome, subject_deliveries, subject_redact

# The rest of the publisher's interface (stewardship.publishing): a data subject's requests.
__all__ = ["erasure_outcome", "prefetch", "publish", "subject_deliveries", "subject_redact"]

IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1c0b0e-5d7e-4f7b-9a53-2f6f3f0f5e11")


def idempotency_key(connector_id: int, golden_id: uuid.UUID | str, version: int) -> uuid.UUID:
    """The same (connector, record, version) always gives the same key: retries and replays have no second effect."""
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{connector_id}:{golden_id}:{version}")


def event_kind(version: GoldenVersion) -> str:
    golden = version.golden
    if golden.status == GoldenStatus.MERGED and "status" in version.changes:
        return "merged"
    if golden.status == GoldenStatus.ERASED or version.reason == ChangeReason.ERASURE:
        return "erased"
    if version.reason == ChangeReason.UNMERGE:
        return "unmerged"
    if version.reason == ChangeReason.CONSENT:
        return "consent_changed"
    return "upserted"


def _payloads(versions: Sequence[GoldenVersion], known: Known) -> dict[int, dict[str, Any]]:
    ids = {v.golden.id for v in versions}
    consents: dict[uuid.UUID, dict[str, Any]] = defaultdict(
        dict, {i: known.consents[i] for i in ids & known.consents.keys()}
    )
    if unknown := ids - known.consents.keys():
        for golden_id, purpose, status, captured_at in ConsentState.objects.filter(golden_id__in=unknown).values_list(
            "golden_id", "purpose__code", "status", "captured_at"
        ):
            consents[golden_id][purpose] = {"status": status, "captured_at": captured_at.isoformat()}
    sources: dict[uuid.UUID, list[dict[str, str]]] = defaultdict(
        list, {i: known.sources[i] for i in ids & known.sources.keys()}
    )
    if unknown := ids - known.sources.keys():
        for golden_id, source, key in (
            SourceRecord.objects.filter(golden_id__in=unknown)
            .order_by("id")
            .values_list("golden_id", "source__code", "source_key")
        ):
            sources[golden_id].append({"source": source, "source_key": key})
    out = {}
    for v in versions:
        g = v.golden
        payload = {
            "id": str(g.id),
            "domain": g.domain,
            "version": v.version,
            "status": g.status,
            "merged_into": str(g.merged_into_id) if g.merged_into_id else None,
            "attributes": g.attributes if g.status != GoldenStatus.ERASED else {},
            "sources": sources.get(g.id, []),
            "changes": v.changes,
        }
        if g.domain == "customer":
            payload["consents"] = consents.get(g.id, {})
        out[id(v)] = payload
    return out


Subscriptions = Mapping[str, list[tuple[Connector, Subscription]]]  # domain -> active connectors' subscriptions


def subscriptions() -> Subscriptions:
    by_domain: dict[str, list[tuple[Connector, Subscription]]] = defaultdict(list)
    for sub in Subscription.objects.filter(connector__active=True).select_related("connector"):
        by_domain[sub.domain].append((sub.connector, sub))
    return by_domain


# The active subscriptions of one domain as a JSON array (``subscriptions_part``).
_SUBSCRIPTIONS_SQL = """
    SELECT coalesce(json_agg(json_build_object(
        'id', s.id, 'connector', c.id, 'source', c.source_id, 'event_kinds', s.event_kinds) ORDER BY s.id), '[]')
    FROM sync_subscription AS s JOIN sync_connector AS c ON c.id = s.connector_id
    WHERE c.active AND s.domain = %s
"""


def _subscriptions_from_json(domain: str, rows: Sequence[Mapping[str, Any]]) -> Subscriptions:
    """``_SUBSCRIPTIONS_SQL``'s rows as ``subscriptions()`` gives them (only what publishing reads is loaded)."""
    pairs = []
    for row in rows:
        connector = Connector(id=row["connector"], source_id=row["source"], active=True)
        pairs.append(
            (connector, Subscription(id=row["id"], connector=connector, domain=domain, event_kinds=row["event_kinds"]))
        )
    return {domain: pairs}


def subscriptions_part(domain: str) -> db.Part[Subscriptions]:
    """The domain's subscriptions as a read of ``db.read_together``: ingest reads them in the statement that locks
    the source."""
    return db.Part(_SUBSCRIPTIONS_SQL, [domain], lambda rows: _subscriptions_from_json(domain, rows), subscriptions)


def prefetch(domain: str) -> db.Part[Subscriptions]:
    """What publishing reads of a domain (``stewardship.publishing``): its subscriptions."""
    return subscriptions_part(domain)


def publish(
    versions: Iterable[GoldenVersion], *, prefetched: Subscriptions | None = None, known: Known | None = None
) -> list[int]:
    """Write the outbox events and deliveries for new golden versions (inside the caller's transaction) and queue
    their delivery for after the commit. Returns the new delivery ids.

    ``prefetched``: the subscriptions, when the caller has read them in this transaction (``subscriptions()``, or
    ``prefetch`` for the versions' domain); ``known``: what it already holds of the records."""
    versions = list(versions)
    if not versions:
        return []
    subscribed = subscriptions() if prefetched is None else prefetched
    payloads = _payloads(versions, known or Known())
    now = timezone.now()
    fallback_cid = correlation.get() or correlation.new_id()  # work without a request (a command) still gets one
    events: list[OutboxEvent] = []
    deliveries: list[Delivery] = []
    for v in versions:
        g = v.golden
        kind = event_kind(v)
        event = OutboxEvent(
            domain=g.domain,
            golden_id=g.id,
            version=v.version,
            event_type=f"{g.domain}.{kind}",
            payload=payloads[id(v)],
            origin_source_id=v.actor_source_id,
            correlation_id=v.correlation_id or fallback_cid,
            created_at=now,
        )
        events.append(event)
        for connector, sub in subscribed.get(g.domain, ()):
            if not sub.wants(kind) or (connector.source_id and connector.source_id == v.actor_source_id):
                continue  # not subscribed, or the change came from this very system: no echo
            deliveries.append(
                Delivery(
                    event=event,
                    connector=connector,
                    domain=g.domain,
                    golden_id=g.id,
                    version=v.version,
                    event_type=event.event_type,
                    idempotency_key=idempotency_key(connector.pk, g.id, v.version),
                    next_attempt_at=now,
                    queued_at=now,
                    created_at=now,
                )
            )
    db.bulk_insert(events)
    if not deliveries:
        return []
    Delivery.objects.bulk_create(deliveries, batch_size=1000)
    _supersede(deliveries)
    # Queued grouped by connector and in record order, so a task's chunk is one connector's batch.
    ordered = sorted(deliveries, key=lambda d: (d.connector_id, str(d.golden_id), d.version))
    ids = [d.pk for d in ordered if d.status == DeliveryStatus.PENDING]
    transaction.on_commit(lambda: enqueue(ids))
    return ids


def _supersede(new: Sequence[Delivery]) -> None:
    """A newer state delivery makes older undelivered ones of the same (connector, record) pointless: it carries the
    whole record. Pending and dead ones are marked superseded; one already in flight finishes first (order holds)."""
    newest: dict[tuple[int, uuid.UUID], int] = {}
    for d in new:
        if d.kind in STATE_KINDS:
            key = (d.connector_id, d.golden_id)
            newest[key] = max(newest.get(key, 0), d.version)
    if not newest:
        return
    stale = [
        pk
        for pk, connector_id, golden_id, version, event_type in Delivery.objects.filter(
            golden_id__in={g for _, g in newest},
            status__in=(DeliveryStatus.PENDING, DeliveryStatus.DEAD),
        ).values_list("id", "connector_id", "golden_id", "version", "event_type")
        if event_type.split(".", 1)[1] in STATE_KINDS and version < newest.get((connector_id, golden_id), 0)
    ]
    if stale:
        Delivery.objects.filter(pk__in=stale, status__in=(DeliveryStatus.PENDING, DeliveryStatus.DEAD)).update(
            status=DeliveryStatus.SUPERSEDED, lease_until=None
        )
        stale_set = set(stale)
        for d in new:
            if d.pk in stale_set:
                d.status = DeliveryStatus.SUPERSEDED
