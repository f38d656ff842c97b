"""What every UI view shares: partial or full page, and errors a person can act on."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails

from ...errors import ApplicationError


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it (every UI request), for a view that reads ``request.htmx``."""

    htmx: HtmxDetails


def wants_partial(request: HttpRequest) -> bool:
    """An htmx swap (not a history restore, which needs the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.history_restore_request)


def problem(request: HttpRequest, error: ApplicationError, *, back_url: str = "", back_label: str = "") -> HttpResponse:
    """An application error as a page (or, for htmx, a notice at the top of the page), with its status code:
    409 when someone else decided first, 412 when the record changed, 400 when a value does not read."""
    if error.status_code == 404:
        raise Http404(error.message)
    if error.status_code == 403 and not wants_partial(request):
        raise PermissionDenied(error.message)
    context: dict[str, Any] = {
        "error": error,
        "message": error.message,
        "fields": error.fields,
        "back_url": back_url,
        "back_label": back_label,
    }
    if wants_partial(request):
        response = render(
            request, "stewardship/partials/notice.html", context | {"level": "error"}, status=error.status_code
        )
        return reswap(retarget(response, "#notices"), "innerHTML")
    return render(request, "409.html", context, status=error.status_code)
