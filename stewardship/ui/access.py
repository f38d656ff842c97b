"""Who may use the UI: signed-in users with the steward role; approvers decide change requests."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from ..roles import is_approver, is_steward

__all__ = ["is_approver", "is_steward", "steward_required"]


def steward_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else to the login page), and a steward (else a 403 page that says why).

    An htmx request whose session has expired sends the whole page to the login page, and back here after: a
    plain redirect would put the login form inside the fragment being swapped."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            htmx = getattr(request, "htmx", None)
            if htmx:
                back = htmx.current_url_abs_path or request.get_full_path()
                return HttpResponseClientRedirect(redirect_to_login(back, settings.LOGIN_URL)["Location"])
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not is_steward(request.user):
            raise PermissionDenied("Steward pages need the steward role. Ask an administrator to grant it.")
        return view(request, *args, **kwargs)

    return wrapper
