"""Thin API views: validate the envelope, call one service, shape the answer."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import domains, services
from ..errors import PayloadTooLarge, ValidationFailed
from ..filtersets import ChangeRequestFilterSet, GoldenRecordFilterSet, MatchCandidateFilterSet
from ..models import (
    ChangeRequest,
    ConsentState,
    GoldenRecord,
    GoldenStatus,
    GoldenVersion,
    MatchCandidate,
    SourceRecord,
)
from ..roles import acting_user
from .authentication import acting_source
from .pagination import CandidateCursorPagination, RequestCursorPagination, VersionCursorPagination
from .permissions import IsPathSource, IsStaffRole, IsStaffRoleOrSource
from .serializers import (
    BatchInSerializer,
    BatchResultSerializer,
    ChangeRequestInSerializer,
    ChangeRequestSerializer,
    ConsentBatchInSerializer,
    DecisionInSerializer,
    GoldenRecordSerializer,
    GoldenVersionSerializer,
    MatchCandidateSerializer,
    MergeInSerializer,
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
        return Response(SourceRecordSerializer(record).data)


class GoldenRecordViewSet(viewsets.ReadOnlyModelViewSet):
    """Golden records with provenance, linked source records and consents. Lists show active records unless
    ``status`` is given."""

    serializer_class = GoldenRecordSerializer
    filterset_class = GoldenRecordFilterSet
    permission_classes = [IsStaffRoleOrSource]
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    domain = domains.CUSTOMER

    def get_queryset(self) -> QuerySet[GoldenRecord]:
        queryset = _golden_records().filter(domain=self.domain)
        if self.action == "list" and "status" not in self.request.query_params:
            queryset = queryset.filter(status=GoldenStatus.ACTIVE)
        return queryset

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        golden = self.get_object()
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
    @action(detail=True, methods=["post"], permission_classes=[IsStaffRole])
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
    @action(detail=True, methods=["get"], pagination_class=VersionCursorPagination, filterset_class=None)
    def history(self, request: Request, pk: str) -> Response:
        golden = get_object_or_404(GoldenRecord.objects.filter(domain=self.domain), pk=pk)
        versions = GoldenVersion.objects.filter(golden=golden).select_related("actor_user", "actor_source")
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(GoldenVersionSerializer(page, many=True).data)


class MatchCandidateViewSet(viewsets.ReadOnlyModelViewSet):
    """The review queue: pairs of golden records the matcher thinks may be one, with a per-field explanation."""

    serializer_class = MatchCandidateSerializer
    filterset_class = MatchCandidateFilterSet
    pagination_class = CandidateCursorPagination
    lookup_value_regex = "[0-9]+"  # ASCII digits only: int() fails on "abc" (a 500) and reads "٣" as 3
    queryset = MatchCandidate.objects.select_related("golden_a", "golden_b", "assigned_to", "decided_by")

    def _answer(self, candidate_id: int) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=candidate_id)).data)

    @extend_schema(request=None, responses=MatchCandidateSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        """Claim the candidate (409 when another steward holds it or it is decided)."""
        candidate = services.match_candidate_assign(candidate_id=int(pk), user=acting_user(request))
        return self._answer(candidate.pk)

    @extend_schema(request=MergeInSerializer, responses=GoldenRecordSerializer, parameters=[IF_MATCH_HEADER])
    @action(detail=True, methods=["post"])
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
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        """Not a match: remembered for the two records' source records and never proposed again."""
        candidate = services.match_candidate_reject(
            candidate_id=int(pk), user=acting_user(request), if_match=request.headers.get("If-Match")
        )
        return self._answer(candidate.pk)


class ChangeRequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Maker-checker edits of golden attributes: stewards request, another approver approves or rejects."""

    serializer_class = ChangeRequestSerializer
    filterset_class = ChangeRequestFilterSet
    pagination_class = RequestCursorPagination
    lookup_value_regex = "[0-9]+"  # as MatchCandidateViewSet's
    queryset = ChangeRequest.objects.select_related("golden", "requested_by", "decided_by")

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
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Apply the change as a new version (approver role; not the author)."""
        return self._decide(request, pk, services.change_request_approve)

    @extend_schema(request=DecisionInSerializer, responses=ChangeRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        return self._decide(request, pk, services.change_request_reject)


class CustomerViewSet(GoldenRecordViewSet):
    domain = domains.CUSTOMER


class ProductViewSet(GoldenRecordViewSet):
    domain = domains.PRODUCT
