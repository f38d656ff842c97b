from __future__ import annotations

from typing import Any

from rest_framework import serializers

from stewardship import privacy

from ..models import Delivery, DeliveryAttempt


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "started_at", "duration_ms", "outcome", "request", "status_code", "error", "response"]


class DeliverySerializer(serializers.ModelSerializer):
    connector = serializers.CharField(source="connector.name")
    correlation_id = serializers.CharField(source="event.correlation_id")
    replayed_by = serializers.CharField(source="replayed_by.username", default=None)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "connector",
            "event_type",
            "domain",
            "golden_id",
            "version",
            "status",
            "attempts",
            "last_error",
            "last_status_code",
            "next_attempt_at",
            "idempotency_key",
            "correlation_id",
            "remote_id",
            "created_at",
            "delivered_at",
            "replayed_by",
            "replayed_at",
        ]


class DeliveryDetailSerializer(DeliverySerializer):
    attempt_rows = DeliveryAttemptSerializer(many=True)
    payload = serializers.JSONField(source="event.payload")

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "payload", "attempt_rows"]

    def to_representation(self, instance: Delivery) -> dict[str, Any]:
        """A reader who may not see personal data in full (``masked`` in the context) sees the payload's values
        masked, and not what was sent or answered (which quotes them)."""
        data: dict[str, Any] = super().to_representation(instance)
        if self.context.get("masked"):
            payload = dict(data["payload"] or {})
            payload["attributes"] = privacy.masked(instance.domain, payload.get("attributes") or {})
            payload["changes"] = privacy.masked_changes(instance.domain, payload.get("changes") or {})
            data["payload"] = payload
            data["attempt_rows"] = [
                {**a, "request": privacy.DOT if a["request"] else "", "response": privacy.DOT if a["response"] else ""}
                for a in data["attempt_rows"]
            ]
        return data


class BulkReplayResultSerializer(serializers.Serializer):
    replayed = serializers.IntegerField()
    superseded = serializers.IntegerField()
