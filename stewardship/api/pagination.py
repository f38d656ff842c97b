from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from rest_framework import pagination
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.views import APIView

from ..db import column_field


class CursorPagination(pagination.CursorPagination):
    """DRF's cursor pagination, with the cursor's position read as the ordering's type before any query: a crafted
    cursor (``?cursor=cD1hYmM=``, position "abc" for a date) is DRF's own 404 "Invalid cursor", not a 500 from the
    database or the ORM."""

    page_size_query_param = "page_size"
    max_page_size = 500
    model: type[Model] | None = None

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        self.model = queryset.model if isinstance(queryset, QuerySet) else None
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> pagination.Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None or self.model is None:
            return cursor
        ordering = self.ordering if isinstance(self.ordering, str) else self.ordering[0]
        try:
            column_field(self.model, ordering.lstrip("-")).to_python(cursor.position)
        except (ValidationError, ValueError, TypeError, OverflowError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        return cursor


class GoldenCursorPagination(CursorPagination):
    """Stable cursor pages over golden records (newest first); ``page_size`` up to 500."""

    ordering = ("-created_at", "-id")


class VersionCursorPagination(CursorPagination):
    ordering = ("-version",)


class CandidateCursorPagination(CursorPagination):
    """The review queue: highest score first."""

    ordering = ("-score", "-id")


class RequestCursorPagination(CursorPagination):
    ordering = ("-requested_at", "-id")


class AccessLogCursorPagination(CursorPagination):
    ordering = ("-at", "-id")


class PrivacyRequestCursorPagination(CursorPagination):
    """Privacy requests: the soonest due first."""

    ordering = ("due_at", "id")
