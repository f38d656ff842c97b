"""The delivery filters, shared by the API (list and bulk replay) and the /sync/ page."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import timedelta

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from stewardship.models import Domain

from .models import Delivery, DeliveryStatus

MAX_AGE_SECONDS = 100 * 366 * 24 * 3600  # a century: older than any delivery


class DeliveryFilterSet(django_filters.FilterSet):
    # distinct=False: a status is one column of the row (no join to multiply rows), and a DISTINCT would make the
    # bulk replay's SELECT ... FOR UPDATE fail ("FOR UPDATE is not allowed with DISTINCT clause").
    status = django_filters.MultipleChoiceFilter(choices=DeliveryStatus.choices, distinct=False)
    connector = django_filters.CharFilter(field_name="connector__name", label="Connector name")
    domain = django_filters.ChoiceFilter(choices=Domain.choices)
    golden_id = django_filters.UUIDFilter()
    event_type = django_filters.CharFilter()
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    # Bounded: an age of 1e11 seconds is before year 1, and 1e20 more than a timedelta holds (both were 500s).
    min_age = django_filters.NumberFilter(
        method="filter_min_age", label="At least this many seconds old", min_value=0, max_value=MAX_AGE_SECONDS
    )
    max_age = django_filters.NumberFilter(
        method="filter_max_age", label="At most this many seconds old", min_value=0, max_value=MAX_AGE_SECONDS
    )

    class Meta:
        model = Delivery
        fields: list[str] = []

    def filter_min_age(self, queryset: QuerySet, name: str, value: float) -> QuerySet:
        return queryset.filter(created_at__lte=timezone.now() - timedelta(seconds=float(value)))

    def filter_max_age(self, queryset: QuerySet, name: str, value: float) -> QuerySet:
        return queryset.filter(created_at__gte=timezone.now() - timedelta(seconds=float(value)))


def unknown_filters(names: Iterable[str], known: Collection[str]) -> dict[str, list[str]]:
    """Field errors for the query parameters ``names`` that are not filters in ``known``. A filterset ignores what it
    does not know, so a bulk replay with a misspelt filter would replay every dead delivery: it refuses them instead."""
    return {name: ["Unknown filter."] for name in sorted(set(names) - set(known))}
