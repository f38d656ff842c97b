"""One error family for the application and one DRF exception handler: clear messages, stable codes. Under /api/ the
errors Django answers itself (no such URL, a bad Host, a crash) are the same JSON envelope: see ``handler404`` and its
siblings, which ``ROOT_URLCONF`` names."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, UnreadablePostError
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from . import text


class ApplicationError(Exception):
    """An error a user can act on. ``code`` is stable; ``message`` is for people."""

    # Declared as int: subclasses answer other statuses, and callers compare it with them.
    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class ValidationFailed(ApplicationError):
    code = "validation_failed"


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class PreconditionFailed(ApplicationError):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    code = "stale_version"


class PayloadTooLarge(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "payload_too_large"


class IdempotencyMismatch(ApplicationError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "idempotency_key_reused"


def _body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    # Messages and fields may echo what was sent (a key, a value): a lone surrogate in them could not be encoded.
    error: dict[str, Any] = {"code": code, "message": text.escaped(message)}
    if fields:
        error["fields"] = text.scrubbed(fields)
    return {"error": error}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response(_body("payload_too_large", "Request body is too large."), status=413)
    if isinstance(exc, UnreadablePostError):  # the connection broke while the body was read: the client's doing
        return Response(_body("bad_request", "The request body could not be read to its end."), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = _body("validation_failed", "The request is not valid.", detail)
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = _body(codes if isinstance(codes, str) else exc.default_code, str(exc.detail))
    return response


# --- Errors Django answers itself (no view, or no view that got to answer): JSON under /api/, pages elsewhere ---


def _under_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str) -> JsonResponse:
    """The envelope as a plain Django response, for what answers before or outside DRF (middleware, handlers)."""
    return JsonResponse(_body(code, message), status=status)


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _under_api(request):
        return api_error(400, "bad_request", "The request cannot be read.")
    return defaults.bad_request(request, exception)


def handler403(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _under_api(request):
        return api_error(403, "permission_denied", "You do not have permission to perform this action.")
    return defaults.permission_denied(request, exception)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _under_api(request):
        return api_error(404, "not_found", "Nothing here: the endpoints are listed at /api/docs/.")
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if _under_api(request):
        logged_as = getattr(request, "correlation_id", "")
        return api_error(500, "server_error", f"Something went wrong on our side (logged as {logged_as}).")
    return defaults.server_error(request)
