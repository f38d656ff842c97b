"""Admin: connectors and their subscriptions (configuration), and read-only views of events and deliveries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from stewardship.admin import ReadOnlyMixin
from stewardship.roles import acting_user

from . import services
from .models import Connector, Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent, Subscription


class ConnectorForm(forms.ModelForm):
    secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the stored secret. STEWARD_CONNECTOR_<NAME>_SECRET in the environment wins.",
    )

    base_url = forms.URLField(max_length=500, assume_scheme="https")

    class Meta:
        model = Connector
        fields = [
            "name",
            "kind",
            "base_url",
            "secret",
            "options",
            "source",
            "consent_purposes",
            "active",
            "timeout_seconds",
            "rate_limit_per_second",
            "max_attempts",
            "backoff_base_seconds",
            "backoff_cap_seconds",
            "breaker_threshold",
            "breaker_cooldown_seconds",
        ]

    def clean_secret(self) -> str:
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 1


@admin.register(Connector)
class ConnectorAdmin(admin.ModelAdmin):
    form = ConnectorForm
    list_display = ["name", "kind", "base_url", "active", "source", "rate_limit_per_second", "consecutive_failures"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "base_url"]
    filter_horizontal = ["consent_purposes"]
    readonly_fields = ["consecutive_failures", "breaker_open_until", "throttled_until", "created_at"]
    inlines = [SubscriptionInline]


class DeliveryAttemptInline(ReadOnlyMixin, admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    fields = ["number", "started_at", "duration_ms", "outcome", "status_code", "request", "error"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "connector", "event_type", "golden_id", "version", "status", "attempts", "created_at"]
    list_filter = ["status", "connector", "domain"]
    search_fields = ["=golden_id", "=idempotency_key"]
    list_select_related = ["connector"]
    inlines = [DeliveryAttemptInline]
    actions = ["replay"]

    @admin.action(description="Replay the selected dead deliveries")
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        result = services.deliveries_replay(
            deliveries=queryset.filter(status=DeliveryStatus.DEAD), user=acting_user(request)
        )
        self.message_user(
            request,
            f"{result['replayed']} replayed; {result['superseded']} superseded by a newer delivered version.",
            messages.SUCCESS,
        )


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "event_type", "golden_id", "version", "origin_source", "correlation_id"]
    list_filter = ["domain", "event_type"]
    search_fields = ["=golden_id", "=correlation_id"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in OutboxEvent._meta.fields]
