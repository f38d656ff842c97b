"""Sync reads: the health of each connector (backlog, dead letters, lag, breaker), as the /sync/ page and the
dashboard show it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, OuterRef, Q, Subquery
from django.utils import timezone

from connectors.registry import LABELS
from stewardship.models import Domain
from stewardship.ui.formats import duration_label

from .models import UNDELIVERED, BreakerState, Connector, Delivery, DeliveryStatus

#: Suppressed deliveries (no consent) are counted over this window: they are routine, not a backlog.
SUPPRESSED_WINDOW = timedelta(hours=24)
#: Sync lag past these reads as a warning, then as a problem.
LAG_WARN_SECONDS = 5 * 60
LAG_BAD_SECONDS = 60 * 60


def lag_level(seconds: float | None) -> str:
    if seconds is None or seconds < LAG_WARN_SECONDS:
        return "ok"
    return "warn" if seconds < LAG_BAD_SECONDS else "bad"


@dataclass
class DomainHealth:
    domain: str
    label: str
    backlog: int = 0
    dead: int = 0
    lag_seconds: float | None = None

    @property
    def lag(self) -> str:
        return duration_label(self.lag_seconds)

    @property
    def lag_level(self) -> str:
        return lag_level(self.lag_seconds)


@dataclass
class ConnectorHealth:
    """One connector's figures. ``backlog`` is pending + in flight; ``dead`` counts every dead letter not yet
    replayed; ``suppressed`` only those of the last 24 hours; ``lag_seconds`` is the age of the oldest undelivered
    delivery (None with nothing waiting)."""

    id: int
    name: str
    kind: str
    kind_label: str
    active: bool
    backlog: int = 0
    in_flight: int = 0
    dead: int = 0
    suppressed: int = 0
    lag_seconds: float | None = None
    domains: list[DomainHealth] = field(default_factory=list)
    breaker: str = BreakerState.CLOSED
    breaker_open_until: datetime | None = None
    consecutive_failures: int = 0
    throttled_until: datetime | None = None
    last_delivered_at: datetime | None = None

    @property
    def breaker_label(self) -> str:
        return BreakerState(self.breaker).label

    @property
    def lag(self) -> str:
        return duration_label(self.lag_seconds)

    @property
    def lag_level(self) -> str:
        return lag_level(self.lag_seconds)


def connector_health(*, now: datetime | None = None) -> list[ConnectorHealth]:
    """Every active connector (and an inactive one that still has deliveries waiting or dead), by name. Two queries
    whatever the number of connectors and deliveries: one aggregate over the undelivered, dead and recently
    suppressed deliveries grouped by connector and domain (the ``status`` index; delivered rows are not read), and
    the connectors with their last delivery time."""
    now = now or timezone.now()
    undelivered = Q(status__in=UNDELIVERED)
    rows = (
        Delivery.objects.filter(
            Q(status__in=(*UNDELIVERED, DeliveryStatus.DEAD))
            | Q(status=DeliveryStatus.SUPPRESSED, created_at__gte=now - SUPPRESSED_WINDOW)
        )
        .values("connector_id", "domain")
        .annotate(
            backlog=Count("id", filter=undelivered),
            in_flight=Count("id", filter=Q(status=DeliveryStatus.IN_FLIGHT)),
            dead=Count("id", filter=Q(status=DeliveryStatus.DEAD)),
            suppressed=Count("id", filter=Q(status=DeliveryStatus.SUPPRESSED)),
            oldest=Min("created_at", filter=undelivered),
        )
        .order_by()
    )
    figures: dict[int, dict[str, Mapping[str, Any]]] = {}
    for row in rows:
        figures.setdefault(row["connector_id"], {})[row["domain"]] = row
    last_delivered = (
        Delivery.objects.filter(connector=OuterRef("pk"), status=DeliveryStatus.DELIVERED)
        .order_by("-delivered_at")
        .values("delivered_at")[:1]
    )
    connectors = (
        Connector.objects.filter(Q(active=True) | Q(pk__in=list(figures)))
        .annotate(last_delivered_at=Subquery(last_delivered))
        .only(
            "name",
            "kind",
            "active",
            "consecutive_failures",
            "breaker_threshold",
            "breaker_open_until",
            "throttled_until",
        )
        .order_by("name")
    )
    out = []
    for connector in connectors:
        by_domain = figures.get(connector.pk, {})
        health = ConnectorHealth(
            id=connector.pk,
            name=connector.name,
            kind=connector.kind,
            kind_label=LABELS.get(connector.kind, connector.kind),
            active=connector.active,
            breaker=connector.breaker_state(now),
            consecutive_failures=connector.consecutive_failures,
            breaker_open_until=connector.breaker_open_until,
            throttled_until=connector.throttled_until
            if connector.throttled_until and connector.throttled_until > now
            else None,
            last_delivered_at=connector.last_delivered_at,
        )
        if health.breaker != BreakerState.OPEN:
            health.breaker_open_until = None
        for domain in Domain:
            figure = by_domain.get(domain.value)
            if figure is None:
                continue
            lag = (now - figure["oldest"]).total_seconds() if figure["oldest"] else None
            health.domains.append(DomainHealth(domain.value, domain.label, figure["backlog"], figure["dead"], lag))
            health.backlog += figure["backlog"]
            health.in_flight += figure["in_flight"]
            health.dead += figure["dead"]
            health.suppressed += figure["suppressed"]
            if lag is not None:
                health.lag_seconds = max(health.lag_seconds or 0, lag)
        out.append(health)
    return out
