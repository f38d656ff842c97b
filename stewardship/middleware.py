from __future__ import annotations

import io
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
    """Answers 413 before reading a body whose declared length is over the limit (``DATA_UPLOAD_MAX_MEMORY_SIZE``).

    A chunked body has no declared length, and Django's WSGI request reads a body without one as empty. When the server
    has taken the chunks apart and ends the input where the body ends (gunicorn's ``wsgi.input_terminated``), the body
    is read here, up to the limit, and handed on with its length; over the limit it is a 413 too. When the server has
    not, reading to the end could wait forever: 411 Length Required.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if _chunked(request):
            if not request.META.get("wsgi.input_terminated"):
                return _refuse(request, 411, "length_required", "A chunked body needs a Content-Length here.")
            body = request.META["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                return _refuse(request, 413, "payload_too_large", f"Request body is over {limit} bytes.")
            # Where the request reads its body from (as HttpRequest.body itself sets it): no public way to hand it one.
            request._stream = io.BytesIO(body)
            request.META["CONTENT_LENGTH"] = str(len(body))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit and request.path.startswith("/api/"):
            return api_error(413, "payload_too_large", f"Request body is over {limit} bytes.")
        return self.get_response(request)


def _chunked(request: HttpRequest) -> bool:
    """A WSGI request with a chunked body (and so no Content-Length). ASGI requests carry their whole body already."""
    return (
        "wsgi.input" in request.META
        and not request.META.get("CONTENT_LENGTH")
        and "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    )


def _refuse(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_error(status, code, message)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
