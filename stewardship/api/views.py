"""Thin API views: validate the envelope, call one service, shape the answer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView, get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import domains, services
from ..errors import PayloadTooLarge, ValidationFailed
from ..filtersets import (
    ChangeRequestFilterSet,
    GoldenRecordFilterSet,
    MatchCandidateFilterSet,
    PrivacyRequestFilterSet,
)
from ..models import (
    AccessKind,
    AccessLogEntry,
    ChangeRequest,
    ConsentState,
    GoldenRecord,
    GoldenStatus,
    GoldenVersion,
    MatchCandidate,
    PrivacyRequest,
    SourceRecord,
)
from ..roles import acting_user, sees_personal_data
from .authentication import SourcePrincipal, acting_source
from .pagination import (
    AccessLogCursorPagination,
    CandidateCursorPagination,
    PrivacyRequestCursorPagination,
    RequestCursorPagination,
    VersionCursorPagination,
)
from .permissions import IsApprover, IsPathSource, IsPrivacyOfficer, IsReader, IsReaderOrSource, IsSteward
from .serializers import (
    AccessLogEntrySerializer,
    BatchInSerializer,
    BatchResultSerializer,
    ChangeRequestInSerializer,
    ChangeRequestSerializer,
    ConsentBatchInSerializer,
    DecisionInSerializer,
    EraseInSerializer,
    GoldenRecordSerializer,
    GoldenVersionSerializer,
    MatchCandidateSerializer,
    MergeInSerializer,
    PrivacyRequestAnswerSerializer,
    PrivacyRequestSerializer,
    SourceRecordSerializer,
    UnmergeInSerializer,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Replays the first answer for a retry of the same request; a different body with the same key is 422.",
)


IF_MATCH_HEADER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag you decided on (a golden record's version, a candidate's etag): a stale one is 412.",
)


def _if_match_version(request: Request) -> int | None:
    value = request.headers.get("If-Match")
    if not value:
        return None
    try:
        return int(value.strip().removeprefix("W/").strip('"'))
    except ValueError as exc:
        raise ValidationFailed("If-Match must be the record's ETag.", fields={"If-Match": [value]}) from exc


def _fingerprint(request: Request) -> str:
    return services.request_fingerprint(request.path, json.dumps(request.data, sort_keys=True).encode())


def _batch_response(request: Request, run: Any) -> Response:
    status, body, replayed = services.idempotent(
        source=acting_source(request),
        key=request.headers.get("Idempotency-Key"),
        fingerprint=_fingerprint(request),
        handler=lambda: (200, {"results": [r.as_dict() for r in run()]}),
    )
    response = Response(body, status=status)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _check_batch_size(items: list[Any], what: str) -> None:
    limit = settings.STEWARD_MAX_BATCH_RECORDS
    if len(items) > limit:
        raise PayloadTooLarge(f"At most {limit} {what} per batch; got {len(items)}.", code="batch_too_large")


def reader_context(request: Request) -> dict[str, Any]:
    """What a serializer needs to know of the reader: ``masked`` for a user who may not see personal values in full,
    ``source`` for a source system (it sees its own keys only)."""
    principal = request.user
    if isinstance(principal, SourcePrincipal):
        return {"source": principal.source}
    return {"masked": not sees_personal_data(principal)}


class ReaderContextMixin(GenericAPIView):  # mixed into generic viewsets of any model
    """Serializers of the view get ``reader_context``."""

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), **reader_context(self.request)}


def _golden_records() -> QuerySet[GoldenRecord]:
    """Golden records with what their representation shows, in a fixed number of queries."""
    return GoldenRecord.objects.prefetch_related(
        Prefetch(
            "source_records",
            queryset=SourceRecord.objects.select_related("source")
            .only("id", "golden_id", "source_key", "source__code")
            .order_by("source__code", "source_key"),
        ),
        Prefetch("consents", queryset=ConsentState.objects.select_related("purpose", "event__source")),
    )


class SourceBatchView(APIView):
    """Upsert a source's records of one domain."""

    permission_classes = [IsPathSource]
    domain = domains.CUSTOMER

    @extend_schema(request=BatchInSerializer, responses=BatchResultSerializer, parameters=[IDEMPOTENCY_HEADER])
    def post(self, request: Request, source: str) -> Response:
        envelope = BatchInSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        records = envelope.validated_data["records"]
        _check_batch_size(records, "records")
        return _batch_response(
            request,
            lambda: services.source_records_upsert(source=acting_source(request), domain=self.domain, records=records),
        )


class ConsentBatchView(APIView):
    """Record a source's consent events: the latest ``captured_at`` per customer and purpose wins."""

    permission_classes = [IsPathSource]

    @extend_schema(request=ConsentBatchInSerializer, responses=BatchResultSerializer, parameters=[IDEMPOTENCY_HEADER])
    def post(self, request: Request, source: str) -> Response:
        envelope = ConsentBatchInSerializer(data=request.data)
        envelope.is_valid(raise_exception=True)
        events = envelope.validated_data["events"]
        _check_batch_size(events, "events")
        return _batch_response(
            request, lambda: services.consent_events_record(source=acting_source(request), events=events)
        )


class SourceRecordView(APIView):
    """A source's record (the cross-reference) with its golden id. A source reads only its own records."""

    permission_classes = [IsPathSource]
    domain = domains.CUSTOMER

    @extend_schema(responses=SourceRecordSerializer)
    def get(self, request: Request, source: str, source_key: str) -> Response:
        record = get_object_or_404(
            SourceRecord.objects.select_related("source"),
            source__code=source,
            domain=self.domain,
            source_key=source_key,
        )
        return Response(SourceRecordSerializer(record, context=reader_context(request)).data)


class GoldenRecordViewSet(ReaderContextMixin, viewsets.ReadOnlyModelViewSet):
    """Golden records with provenance, linked source records and consents. Lists show active records unless
    ``status`` is given. A source system reads the customers one of its records is linked to (others are 404), and
    every product."""

    serializer_class = GoldenRecordSerializer
    filterset_class = GoldenRecordFilterSet
    permission_classes = [IsReaderOrSource]
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    domain = domains.CUSTOMER

    def get_queryset(self) -> QuerySet[GoldenRecord]:
        queryset = _golden_records().filter(domain=self.domain)
        if self.action == "list" and "status" not in self.request.query_params:
            queryset = queryset.filter(status=GoldenStatus.ACTIVE)
        principal = self.request.user
        if isinstance(principal, SourcePrincipal) and self.domain == domains.CUSTOMER:
            # Its own customers: one of its records is linked to the golden record (or to the one it was merged into,
            # so a source still holding a merged-away id learns where it went).
            own = SourceRecord.objects.filter(source=principal.source)
            queryset = queryset.filter(
                Exists(own.filter(golden=OuterRef("pk"))) | Exists(own.filter(golden=OuterRef("merged_into")))
            )
        return queryset

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        golden = self.get_object()
        if golden.domain == domains.CUSTOMER:
            services.access_log_write(user=request.user, golden_ids=[golden.pk], what=AccessKind.VIEW)
        response = Response(self.get_serializer(golden).data)
        response["ETag"] = f'"{golden.version}"'
        return response

    @extend_schema(
        request=UnmergeInSerializer,
        responses=GoldenRecordSerializer(many=True),
        parameters=[IF_MATCH_HEADER],
        description="Split source records out of this golden record: each returns to the golden record it was "
        "merged from (same id) or gets a new one. Answers the golden records they now belong to.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def unmerge(self, request: Request, pk: str) -> Response:
        get_object_or_404(GoldenRecord.objects.filter(domain=self.domain), pk=pk)
        body = UnmergeInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        targets = services.golden_record_unmerge(
            golden_id=pk,
            sources=[(ref["source"], ref["source_key"]) for ref in body.validated_data["sources"]],
            user=acting_user(request),
            if_match=_if_match_version(request),
        )
        return Response(
            GoldenRecordSerializer(_golden_records().filter(pk__in=[t.pk for t in targets]), many=True).data
        )

    @extend_schema(responses=GoldenVersionSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        pagination_class=VersionCursorPagination,
        filterset_class=None,
        permission_classes=[IsReader],
    )
    def history(self, request: Request, pk: str) -> Response:
        golden = get_object_or_404(GoldenRecord.objects.filter(domain=self.domain), pk=pk)
        if golden.domain == domains.CUSTOMER:
            services.access_log_write(user=request.user, golden_ids=[golden.pk], what=AccessKind.HISTORY)
        versions = GoldenVersion.objects.filter(golden=golden).select_related("actor_user", "actor_source")
        page = self.paginate_queryset(versions)
        context = self.get_serializer_context() | {"domain": self.domain}
        return self.get_paginated_response(GoldenVersionSerializer(page, many=True, context=context).data)


class MatchCandidateViewSet(ReaderContextMixin, viewsets.ReadOnlyModelViewSet):
    """The review queue: pairs of golden records the matcher thinks may be one, with a per-field explanation."""

    serializer_class = MatchCandidateSerializer
    filterset_class = MatchCandidateFilterSet
    pagination_class = CandidateCursorPagination
    lookup_value_regex = "[0-9]+"  # ASCII digits only: int() fails on "abc" (a 500) and reads "٣" as 3
    queryset = MatchCandidate.objects.select_related("golden_a", "golden_b", "assigned_to", "decided_by")

    def _answer(self, candidate_id: int) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=candidate_id)).data)

    @extend_schema(request=None, responses=MatchCandidateSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def assign(self, request: Request, pk: str) -> Response:
        """Claim the candidate (409 when another steward holds it or it is decided)."""
        candidate = services.match_candidate_assign(candidate_id=int(pk), user=acting_user(request))
        return self._answer(candidate.pk)

    @extend_schema(request=MergeInSerializer, responses=GoldenRecordSerializer, parameters=[IF_MATCH_HEADER])
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def merge(self, request: Request, pk: str) -> Response:
        """Merge the pair; answers the surviving golden record. 409 when decided meanwhile, 412 when stale."""
        body = MergeInSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        survivor = services.match_candidate_merge(
            candidate_id=int(pk),
            user=acting_user(request),
            values=body.validated_data["values"],
            if_match=request.headers.get("If-Match"),
        )
        return Response(GoldenRecordSerializer(_golden_records().get(pk=survivor.pk)).data)

    @extend_schema(request=None, responses=MatchCandidateSerializer, parameters=[IF_MATCH_HEADER])
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def reject(self, request: Request, pk: str) -> Response:
        """Not a match: remembered for the two records' source records and never proposed again."""
        candidate = services.match_candidate_reject(
            candidate_id=int(pk), user=acting_user(request), if_match=request.headers.get("If-Match")
        )
        return self._answer(candidate.pk)


class ChangeRequestViewSet(ReaderContextMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Maker-checker edits of golden attributes: stewards request, another approver approves or rejects."""

    serializer_class = ChangeRequestSerializer
    filterset_class = ChangeRequestFilterSet
    pagination_class = RequestCursorPagination
    lookup_value_regex = "[0-9]+"  # as MatchCandidateViewSet's
    queryset = ChangeRequest.objects.select_related("golden", "requested_by", "decided_by")

    def get_permissions(self) -> Sequence[Any]:
        return [IsSteward()] if self.action == "create" else super().get_permissions()

    @extend_schema(request=ChangeRequestInSerializer, responses={201: ChangeRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ChangeRequestInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = services.change_request_create(**body.validated_data, user=acting_user(request))
        return Response(self.get_serializer(self.get_queryset().get(pk=change.pk)).data, status=201)

    def _decide(self, request: Request, pk: str, service: Any) -> Response:
        body = DecisionInSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        change = service(request_id=int(pk), user=acting_user(request), comment=body.validated_data["comment"])
        return Response(self.get_serializer(self.get_queryset().get(pk=change.pk)).data)

    @extend_schema(request=DecisionInSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsApprover])
    def approve(self, request: Request, pk: str) -> Response:
        """Apply the change as a new version (approver role; not the author)."""
        return self._decide(request, pk, services.change_request_approve)

    @extend_schema(request=DecisionInSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsApprover])
    def reject(self, request: Request, pk: str) -> Response:
        return self._decide(request, pk, services.change_request_reject)


class CustomerViewSet(GoldenRecordViewSet):
    domain = domains.CUSTOMER

    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        description="Everything held on the customer, as one JSON document (a download): the golden record and every "
        "version, every source record as sent, consent, match candidates and decisions, change requests, deliveries "
        "and the access log. A merged-away id exports its survivor. Recorded as a privacy request and in the access "
        "log. Privacy role.",
    )
    @action(detail=True, methods=["get"], permission_classes=[IsPrivacyOfficer], filterset_class=None)
    def export(self, request: Request, pk: str) -> Response:
        document, privacy_request = services.subject_export(golden_id=pk, user=acting_user(request))
        response = Response(document)
        response["Content-Disposition"] = (
            f'attachment; filename="customer-{document["subject"]}-export-{privacy_request.pk}.json"'
        )
        return response

    @extend_schema(
        request=EraseInSerializer,
        responses={202: PrivacyRequestAnswerSerializer},
        description="Erase the customer everywhere (privacy role): the golden record, its source records (kept as "
        "tombstones: the keys are refused from now on), history values, consent events' personal values, outbox "
        "payloads; an erased event goes to every connector. The privacy request follows their erase deliveries.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsPrivacyOfficer], filterset_class=None)
    def erase(self, request: Request, pk: str) -> Response:
        body = EraseInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        privacy_request = services.customer_erase(
            golden_id=pk, user=acting_user(request), reason=body.validated_data["reason"]
        )
        return Response({"privacy_request": PrivacyRequestSerializer(privacy_request).data}, status=202)

    @extend_schema(responses=AccessLogEntrySerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="access-log",
        permission_classes=[IsPrivacyOfficer],
        pagination_class=AccessLogCursorPagination,
        filterset_class=None,
    )
    def access_log(self, request: Request, pk: str) -> Response:
        """Who read this customer's personal data, newest first (the subject and every record merged into it)."""
        _, ids = services.subject_ids(pk)
        page = self.paginate_queryset(AccessLogEntry.objects.filter(golden_id__in=ids))
        return self.get_paginated_response(AccessLogEntrySerializer(page, many=True).data)


class PrivacyRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """Data subjects' requests (privacy role): exports and erasures, by due date. An erasure is completed once every
    connector has received its erase delivery, failed while one of them is a dead letter."""

    serializer_class = PrivacyRequestSerializer
    filterset_class = PrivacyRequestFilterSet
    pagination_class = PrivacyRequestCursorPagination
    permission_classes = [IsPrivacyOfficer]
    lookup_value_regex = "[0-9]+"
    queryset = PrivacyRequest.objects.select_related("requested_by")


class ProductViewSet(GoldenRecordViewSet):
    domain = domains.PRODUCT
