from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import correlation
from .errors import api_error


class CorrelationIdMiddleware:
    """Takes ``X-Correlation-ID`` from the request (or makes one) and returns it on every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        value = correlation.accept(request.headers.get(correlation.HEADER))
        request.correlation_id = value  # type: ignore[attr-defined]
        token = correlation.set(value)
        try:
            response = self.get_response(request)
        finally:
            correlation.reset(token)
        response[correlation.HEADER] = value
        return response


class RequestSizeLimitMiddleware:
    """Answers 413 before reading a body whose declared length is over the limit.

    Bodies without a Content-Length (chunked) are caught when read: see ``errors.api_exception_handler``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit and request.path.startswith("/api/"):
            return api_error(413, "payload_too_large", f"Request body is over {limit} bytes.")
        return self.get_response(request)
