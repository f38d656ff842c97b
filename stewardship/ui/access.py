"""Who may use the UI: signed-in users with the steward role; approvers decide change requests."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from ..api.permissions import APPROVER, STEWARD, user_roles


def is_steward(user: Any) -> bool:
    return STEWARD in user_roles(user)


def is_approver(user: Any) -> bool:
    return APPROVER in user_roles(user)


def steward_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else to the login page), and a steward (else a 403 page that says why)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_steward(request.user):
            raise PermissionDenied("Steward pages need the steward role. Ask an administrator to grant it.")
        return view(request, *args, **kwargs)

    return login_required(wrapper)
