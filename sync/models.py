"""The outbox: events written with each golden-record change, their deliveries to connectors, and every attempt.

The database is the queue. Celery only executes: tasks take delivery ids, claim rows with a conditional update and
record what happened; a beat sweeper re-queues whatever was left behind.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from connectors.base import KINDS
from connectors.registry import LABELS, connector_class
from stewardship.models import ConsentPurpose, Domain, SourceSystem

#: Kinds whose payload is the record's whole state and nothing more: a newer one makes an older undelivered one
#: pointless. merged, consent_changed and erased are facts that always go out, in order.
STATE_KINDS = frozenset({"upserted", "unmerged"})


class BreakerState(models.TextChoices):
    CLOSED = "closed", "Closed"
    OPEN = "open", "Open"
    HALF_OPEN = "half_open", "Half-open (probing)"


class Connector(models.Model):
    """A downstream system Steward delivers to, of one kind (ERP, CDP, loyalty, commerce, webhook).

    ``source`` names the source system this connector writes to: a change that came from that source is not sent
    back to it. ``consent_purposes``: a customer's data goes out only when every one of these is granted
    (withdrawals always go out)."""

    name = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=sorted(LABELS.items()))
    base_url = models.URLField(max_length=500)
    secret = models.CharField(
        max_length=500,
        blank=True,
        help_text="Password, API key or signing secret. STEWARD_CONNECTOR_<NAME>_SECRET in the environment wins.",
    )
    options = models.JSONField(default=dict, blank=True, help_text="Kind-specific settings (see connectors/<kind>).")
    source = models.ForeignKey(
        SourceSystem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The source system this connector writes to: its own changes are not echoed back to it.",
    )
    consent_purposes = models.ManyToManyField(
        ConsentPurpose,
        blank=True,
        related_name="+",
        help_text="Customer data goes out only with all of these granted; otherwise the delivery is suppressed.",
    )
    active = models.BooleanField(default=True, help_text="Inactive connectors get no new deliveries.")
    timeout_seconds = models.FloatField(default=10.0)
    rate_limit_per_second = models.FloatField(default=0, help_text="Calls per second across all workers (0: no limit).")
    max_attempts = models.PositiveSmallIntegerField(default=10, help_text="Transient failures before dead.")
    backoff_base_seconds = models.FloatField(default=2.0, help_text="First retry after about this long.")
    backoff_cap_seconds = models.FloatField(default=600.0, help_text="Retries never wait longer than this.")
    breaker_threshold = models.PositiveSmallIntegerField(
        default=5, help_text="Consecutive transient failures that open the circuit breaker."
    )
    breaker_cooldown_seconds = models.FloatField(default=30.0, help_text="How long an open breaker waits to probe.")
    # Health, written by the workers.
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    breaker_open_until = models.DateTimeField(null=True, blank=True, editable=False)
    probe_until = models.DateTimeField(null=True, blank=True, editable=False)
    throttled_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="connector_attempts_positive"),
            models.CheckConstraint(condition=Q(rate_limit_per_second__gte=0), name="connector_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        try:
            errors = connector_class(self.kind).check_options(self.options or {})
        except LookupError as exc:
            raise ValidationError({"kind": str(exc)}) from exc
        if errors:
            raise ValidationError({"options": [f"{k}: {'; '.join(v)}" for k, v in errors.items()]})

    def breaker_state(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if self.consecutive_failures < self.breaker_threshold:
            return BreakerState.CLOSED
        if self.breaker_open_until and self.breaker_open_until > now:
            return BreakerState.OPEN
        return BreakerState.HALF_OPEN


class Subscription(models.Model):
    """Which events of a domain a connector receives. No event types: all of them."""

    connector = models.ForeignKey(Connector, on_delete=models.CASCADE, related_name="subscriptions")
    domain = models.CharField(max_length=20, choices=Domain.choices)
    event_kinds = models.JSONField(
        default=list, blank=True, help_text=f"Any of {', '.join(KINDS)}; empty for all of them."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connector", "domain"], name="subscription_unique")]

    def __str__(self) -> str:
        return f"{self.connector} ← {self.domain} {','.join(self.event_kinds) or '*'}"

    def clean(self) -> None:
        if not isinstance(self.event_kinds, list) or any(k not in KINDS for k in self.event_kinds):
            raise ValidationError({"event_kinds": f"A list of: {', '.join(KINDS)}."})

    def wants(self, kind: str) -> bool:
        return not self.event_kinds or kind in self.event_kinds


class OutboxEvent(models.Model):
    """One approved change, written in the transaction that made it: the golden record's state at ``version``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    domain = models.CharField(max_length=20, choices=Domain.choices)
    golden_id = models.UUIDField(db_index=True)
    version = models.PositiveIntegerField()
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    origin_source = models.ForeignKey(SourceSystem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    correlation_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    redacted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the payload lost its personal values (the customer was erased, or the retention period ran "
        "out after delivery): only the golden id, version, status and source keys are left.",
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["golden_id", "version"], name="outbox_event_one_per_version")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.golden_id} v{self.version}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_FLIGHT = "in_flight", "In flight"
    DELIVERED = "delivered", "Delivered"
    SUPPRESSED = "suppressed", "Suppressed (no consent)"
    DEAD = "dead", "Dead letter"
    SUPERSEDED = "superseded", "Superseded by a newer version"


UNDELIVERED = (DeliveryStatus.PENDING, DeliveryStatus.IN_FLIGHT)


class Delivery(models.Model):
    """An event on its way to one connector. ``idempotency_key`` is derived from (connector, golden record,
    version), so every retry and replay carries the same key downstream."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    connector = models.ForeignKey(Connector, on_delete=models.PROTECT, related_name="deliveries")
    domain = models.CharField(max_length=20, choices=Domain.choices)
    golden_id = models.UUIDField()
    version = models.PositiveIntegerField()
    event_type = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    idempotency_key = models.UUIDField(unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True, help_text="When a task was last sent for it.")
    last_error = models.TextField(blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    remote_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replayed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["connector", "golden_id", "version"], name="delivery_record_order"),
            models.Index(fields=["golden_id"], name="delivery_golden"),
            models.Index(fields=["status", "connector", "created_at"], name="delivery_status"),
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="delivery_pending_due"),
            models.Index(fields=["lease_until"], condition=Q(status="in_flight"), name="delivery_lease"),
            models.Index(
                fields=["connector", "-delivered_at"], condition=Q(status="delivered"), name="delivery_last_delivered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.connector_id} {self.event_type} {self.golden_id} v{self.version} ({self.status})"

    @property
    def kind(self) -> str:
        return self.event_type.split(".", 1)[1]


class AttemptOutcome(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    TRANSIENT = "transient", "Transient failure (retried)"
    PERMANENT = "permanent", "Permanent failure"
    SUPPRESSED = "suppressed", "Suppressed (no consent)"
    LOST = "lost", "Worker lost (lease expired)"


class DeliveryAttempt(models.Model):
    """One try of a delivery: what was sent, what came back, how long it took."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, choices=AttemptOutcome.choices)
    request = models.CharField(max_length=500, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number", "id"]
        indexes = [models.Index(fields=["delivery", "number"], name="attempt_of_delivery")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number} {self.outcome}"
