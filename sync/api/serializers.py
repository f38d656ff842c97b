from __future__ import annotations

from rest_framework import serializers

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


class BulkReplayResultSerializer(serializers.Serializer):
    replayed = serializers.IntegerField()
    superseded = serializers.IntegerField()
