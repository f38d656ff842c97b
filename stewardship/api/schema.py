"""The OpenAPI schema says what the API answers when it refuses: every operation documents the errors of
``stewardship.errors`` (one body shape, ``{"error": {"code", "message", "fields"}}``), added by a drf-spectacular
postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``) where a view does not say more itself."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": "Why the request was refused: a stable code, a message for people, and field errors if any.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable: e.g. validation_failed, not_found, throttled."},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True, "description": "Errors by field."},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

# Every operation.
ERRORS = {
    "400": "The request is not valid (a filter, a header, a body): see `error.fields`.",
    "401": "No credentials, or credentials that are not valid (a wrong or revoked key, an expired token).",
    "403": "The caller may not do this: a role is missing, or a source acts as another.",
    "404": "Nothing with this id (or path).",
    "429": "Too many failed authentications from this address, or over the source's ingest quota: retry after "
    "`Retry-After` seconds.",
}
# Operations that write.
WRITE_ERRORS = {
    "409": "Someone else decided or changed this first: nothing was done.",
    "412": "`If-Match` names a version that is no longer current.",
    "413": "The body, or the batch, is too large.",
    "422": "This `Idempotency-Key` was used for a different request.",
}
RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."},
}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            errors = ERRORS | (WRITE_ERRORS if method in {"post", "put", "patch", "delete"} else {})
            responses = operation.setdefault("responses", {})
            for status, description in errors.items():
                response: dict[str, Any] = {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
                if status == "429":
                    response["headers"] = RETRY_AFTER
                responses.setdefault(status, response)
    return result
