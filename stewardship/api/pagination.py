from rest_framework.pagination import CursorPagination


class GoldenCursorPagination(CursorPagination):
    """Stable cursor pages over golden records (newest first); ``page_size`` up to 500."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 500


class VersionCursorPagination(CursorPagination):
    ordering = ("-version",)
    page_size_query_param = "page_size"
    max_page_size = 500


class CandidateCursorPagination(CursorPagination):
    """The review queue: highest score first."""

    ordering = ("-score", "-id")
    page_size_query_param = "page_size"
    max_page_size = 500


class RequestCursorPagination(CursorPagination):
    ordering = ("-requested_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 500


class AccessLogCursorPagination(CursorPagination):
    ordering = ("-at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 500


class PrivacyRequestCursorPagination(CursorPagination):
    """Privacy requests: the soonest due first."""

    ordering = ("due_at", "id")
    page_size_query_param = "page_size"
    max_page_size = 500
