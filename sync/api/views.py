"""Deliveries: list and inspect (stewards), replay one or many (stewards)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.settings import api_settings

from stewardship.api.pagination import CursorPagination
from stewardship.api.permissions import IsReader, IsSteward
from stewardship.api.views import ReaderContextMixin
from stewardship.errors import ValidationFailed
from stewardship.roles import acting_user

from .. import services
from ..filtersets import DeliveryFilterSet, unknown_filters
from ..models import Delivery
from .serializers import BulkReplayResultSerializer, DeliveryDetailSerializer, DeliverySerializer


class DeliveryCursorPagination(CursorPagination):
    ordering = ("-created_at", "-id")


class DeliveryViewSet(ReaderContextMixin, viewsets.ReadOnlyModelViewSet):
    """Deliveries of outbox events to connectors, newest first. Filter by status (repeatable), connector, domain,
    golden_id, event_type and age."""

    permission_classes = [IsReader]
    lookup_value_regex = "[0-9]+"  # ASCII digits only: \d also matches "٣", which int() reads as 3
    filterset_class = DeliveryFilterSet
    pagination_class = DeliveryCursorPagination

    def get_queryset(self) -> QuerySet[Delivery]:
        queryset = Delivery.objects.select_related("connector", "event", "replayed_by")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("attempt_rows")
        return queryset.defer("event__payload") if self.action == "list" else queryset

    def get_serializer_class(self) -> type[BaseSerializer]:
        return DeliveryDetailSerializer if self.action in ("retrieve", "replay") else DeliverySerializer

    @extend_schema(request=None, responses=DeliveryDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[IsSteward])
    def replay(self, request: Request, pk: str) -> Response:
        """Send a dead delivery again, with the same idempotency key. 409 if it is not dead, or if a newer version
        of the record has been delivered to that connector since."""
        delivery = services.delivery_replay(delivery_id=int(pk), user=acting_user(request))
        return Response(self.get_serializer(self.get_queryset().get(pk=delivery.pk)).data)

    @extend_schema(request=None, responses=BulkReplayResultSerializer, operation_id="sync_deliveries_replay_matching")
    @action(detail=False, methods=["post"], url_path="replay", permission_classes=[IsSteward])
    def replay_many(self, request: Request) -> Response:
        """Replay every dead delivery that matches the query-string filters (the same as the list's). A parameter
        that is no filter is a 400: ignored, it would widen the replay."""
        unknown = unknown_filters(
            request.query_params, [*DeliveryFilterSet.base_filters, api_settings.URL_FORMAT_OVERRIDE]
        )
        if unknown:
            raise ValidationFailed("Unknown filters: nothing was replayed.", fields=unknown)
        deliveries = self.filter_queryset(Delivery.objects.all())
        return Response(services.deliveries_replay(deliveries=deliveries, user=acting_user(request)))
