"""API shapes. Input serializers validate envelopes; per-record reading lives in ``domains`` and ``services``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import privacy
from ..models import (
    AccessLogEntry,
    ChangeRequest,
    ConsentState,
    GoldenRecord,
    GoldenVersion,
    MatchCandidate,
    PrivacyRequest,
    SourceRecord,
    SourceSystem,
)
from ..services.ingest import MAX_SOURCE_KEY


class RecordInSerializer(serializers.Serializer):
    """A record of a batch. Each record is answered on its own: one that cannot be read is rejected with field errors,
    the others are applied."""

    source_key = serializers.CharField(max_length=MAX_SOURCE_KEY, help_text="The record's key in the source system.")
    updated_at = serializers.DateTimeField(help_text="The source's own last-modified time (ISO 8601 with zone).")
    attributes = serializers.DictField(help_text="Attribute values of the domain; unknown attributes are rejected.")


# The envelope checks only that there is a list: each item is read on its own (``services.ingest``, ``.consent``). The
# schema shows what an item holds.
@extend_schema_field(RecordInSerializer(many=True))
class _RecordsField(serializers.ListField):
    pass


class BatchInSerializer(serializers.Serializer):
    records = _RecordsField(
        child=serializers.JSONField(),
        allow_empty=False,
        help_text=f"At most {settings.STEWARD_MAX_BATCH_RECORDS} records.",
    )


class ConsentEventInSerializer(serializers.Serializer):
    """A consent event of a batch. Each event is answered on its own, as records are."""

    source_key = serializers.CharField(help_text="The source's customer key.")
    purpose = serializers.CharField(help_text="A consent purpose code, e.g. email_marketing.")
    status = serializers.ChoiceField(choices=["granted", "withdrawn"])
    captured_at = serializers.DateTimeField(help_text="When the customer gave or withdrew it (ISO 8601 with zone).")


@extend_schema_field(ConsentEventInSerializer(many=True))
class _EventsField(serializers.ListField):
    pass


class ConsentBatchInSerializer(serializers.Serializer):
    events = _EventsField(
        child=serializers.JSONField(),
        allow_empty=False,
        help_text=f"At most {settings.STEWARD_MAX_BATCH_RECORDS} events.",
    )


class RecordResultSerializer(serializers.Serializer):
    source_key = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "rejected"])
    golden_id = serializers.UUIDField(allow_null=True)
    # A field named like Serializer.errors: DRF's metaclass takes declared fields off the class, but the stubs see the
    # base class's property (djangorestframework-stubs#78).
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]
    warnings = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    reason = serializers.CharField(required=False, help_text="Why a record is unchanged (stale, no change).")
    code = serializers.CharField(
        required=False, help_text="A rejection's stable code: erased (the key is a tombstone)."
    )


class BatchResultSerializer(serializers.Serializer):
    results = RecordResultSerializer(many=True)


def _masked(serializer: serializers.BaseSerializer[Any]) -> bool:
    """Whether the reader sees personal values masked (``roles.sees_personal_data``; the view says so in the
    serializer's context)."""
    return bool(serializer.context.get("masked"))


def _reading_source(serializer: serializers.BaseSerializer[Any]) -> SourceSystem | None:
    """The source system reading, when it is one: it sees its own source keys only."""
    source: SourceSystem | None = serializer.context.get("source")
    return source


class ProvenanceSerializer(serializers.Serializer):
    # A field named like Field.source: DRF's metaclass takes declared fields off the class, but the stubs see the base
    # class's attribute (djangorestframework-stubs#158). The same for each ``source`` field below.
    source = serializers.CharField()  # type: ignore[assignment]
    source_key = serializers.CharField(required=False)
    user = serializers.CharField(required=False)
    updated_at = serializers.DateTimeField()


class SourceRefSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.code")  # type: ignore[assignment]  # see ProvenanceSerializer

    class Meta:
        model = SourceRecord
        fields = ["source", "source_key"]


class ConsentSerializer(serializers.ModelSerializer):
    purpose = serializers.CharField(source="purpose.code")
    source = serializers.CharField(source="event.source.code")  # type: ignore[assignment]  # see ProvenanceSerializer

    class Meta:
        model = ConsentState
        fields = ["purpose", "status", "captured_at", "source"]


class GoldenRecordSerializer(serializers.ModelSerializer):
    attributes = serializers.DictField(help_text="Surviving golden values.")
    provenance = serializers.DictField(
        child=ProvenanceSerializer(), help_text="Per attribute: where the value came from."
    )
    sources = SourceRefSerializer(source="source_records", many=True, read_only=True)
    consents = serializers.SerializerMethodField()
    merged_into = serializers.UUIDField(source="merged_into_id", allow_null=True, read_only=True)

    class Meta:
        model = GoldenRecord
        fields = [
            "id",
            "domain",
            "version",
            "status",
            "merged_into",
            "attributes",
            "provenance",
            "sources",
            "consents",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance: GoldenRecord) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if _masked(self):
            data["attributes"] = privacy.masked(instance.domain, data["attributes"])
        source = _reading_source(self)
        if source is not None:
            # A source system sees its own keys, and where each value came from without other systems' keys.
            data["sources"] = [ref for ref in data["sources"] if ref["source"] == source.code]
            data["provenance"] = {
                name: {k: v for k, v in p.items() if k in ("source", "updated_at")}
                for name, p in data["provenance"].items()
            }
        return data

    @extend_schema_field(ConsentSerializer(many=True))
    def get_consents(self, golden: GoldenRecord) -> list[dict[str, Any]]:
        if golden.domain != "customer":
            return []
        # many=True makes a ListSerializer, whose data is a list; the stubs keep the class and its dict
        # (djangorestframework-stubs#260).
        return ConsentSerializer(golden.consents.all(), many=True).data  # type: ignore[return-value]


class GoldenVersionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(read_only=True)
    changes = serializers.DictField(help_text='{attribute: {"before": ..., "after": ...}}')

    class Meta:
        model = GoldenVersion
        fields = ["version", "reason", "changes", "actor", "correlation_id", "note", "created_at"]

    def to_representation(self, instance: GoldenVersion) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if _masked(self):
            data["changes"] = privacy.masked_changes(self.context["domain"], data["changes"])
        return data


class SourceRecordSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.code")  # type: ignore[assignment]  # see ProvenanceSerializer
    updated_at = serializers.DateTimeField(source="source_updated_at")
    golden_id = serializers.UUIDField()

    class Meta:
        model = SourceRecord
        fields = [
            "source",
            "domain",
            "source_key",
            "golden_id",
            "updated_at",
            "received_at",
            "attributes",
            "warnings",
            "content_hash",
            "erased_at",
        ]

    def to_representation(self, instance: SourceRecord) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if _masked(self):
            data["attributes"] = privacy.masked(instance.domain, data["attributes"])
        return data


class MatchCandidateSerializer(serializers.ModelSerializer):
    golden_ids = serializers.SerializerMethodField()
    explanation = serializers.ListField(
        child=serializers.DictField(),
        help_text="Per field: a, b, comparator, similarity (0..1, -1 when missing), weight (log2 odds contribution).",
    )
    assigned_to: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    etag = serializers.SerializerMethodField(help_text="Send as If-Match with a decision to refuse stale ones (412).")

    class Meta:
        model = MatchCandidate
        fields = [
            "id",
            "domain",
            "golden_ids",
            "score",
            "explanation",
            "status",
            "reason",
            "assigned_to",
            "decided_by",
            "decided_at",
            "created_at",
            "etag",
        ]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_golden_ids(self, candidate: MatchCandidate) -> list[str]:
        return [str(candidate.golden_a_id), str(candidate.golden_b_id)]

    def get_etag(self, candidate: MatchCandidate) -> str:
        return f'"{candidate.golden_a.version}.{candidate.golden_b.version}"'

    def to_representation(self, instance: MatchCandidate) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if _masked(self):
            data["explanation"] = privacy.masked_explanation(instance.domain, data["explanation"])
        return data


class MergeInSerializer(serializers.Serializer):
    values = serializers.DictField(
        required=False,
        default=dict,
        help_text="For attributes where the two records differ: the value that survives (one of the two). "
        "Empty: survivorship decides.",
    )


class SourceRefInSerializer(serializers.Serializer):
    source = serializers.SlugField()  # type: ignore[assignment]  # see ProvenanceSerializer
    source_key = serializers.CharField(max_length=200)


class UnmergeInSerializer(serializers.Serializer):
    sources = SourceRefInSerializer(many=True, allow_empty=False)


class ChangeRequestSerializer(serializers.ModelSerializer):
    golden_id = serializers.UUIDField()
    requested_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    decided_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    current_value = serializers.SerializerMethodField()

    class Meta:
        model = ChangeRequest
        fields = [
            "id",
            "golden_id",
            "attribute",
            "value",
            "unlock",
            "current_value",
            "comment",
            "base_version",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_comment",
            "approved_by_rule",
        ]

    @extend_schema_field(serializers.JSONField(allow_null=True))
    def get_current_value(self, request: ChangeRequest) -> Any:
        return request.golden.attributes.get(request.attribute)

    def to_representation(self, instance: ChangeRequest) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if _masked(self) and privacy.is_personal(instance.golden.domain, instance.attribute):
            data["value"] = privacy.mask(instance.attribute, data["value"])
            data["current_value"] = privacy.mask(instance.attribute, data["current_value"])
        return data


class ChangeRequestInSerializer(serializers.Serializer):
    golden_id = serializers.UUIDField()
    attribute = serializers.CharField(max_length=60)
    value = serializers.JSONField(required=False, allow_null=True)
    unlock = serializers.BooleanField(default=False, help_text="Remove the steward value instead of setting one.")
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data["unlock"] and "value" not in data:
            raise serializers.ValidationError({"value": ["Required unless unlock is true."]})
        return data


class DecisionInSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class EraseInSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500, help_text="Why the customer is erased (the request's reference, the legal ground)."
    )


class PrivacyRequestSerializer(serializers.ModelSerializer):
    requested_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )
    outcome = serializers.DictField(
        child=serializers.DictField(),
        help_text='Per connector, its erase delivery: {"status": pending | delivered | dead, "delivery", "error"}.',
    )

    class Meta:
        model = PrivacyRequest
        fields = [
            "id",
            "kind",
            "subject",
            "reason",
            "status",
            "requested_by",
            "received_at",
            "due_at",
            "completed_at",
            "version",
            "outcome",
            "correlation_id",
        ]


class PrivacyRequestAnswerSerializer(serializers.Serializer):
    privacy_request = PrivacyRequestSerializer()


class AccessLogEntrySerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="username")

    class Meta:
        model = AccessLogEntry
        fields = ["id", "user", "at", "golden_id", "what", "correlation_id"]
