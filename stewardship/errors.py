"""One error family for the application and one DRF exception handler: clear messages, stable codes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
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
