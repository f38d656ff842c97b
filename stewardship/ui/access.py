"""Who may use which page of the UI: the same roles, and the same split, as the API (``stewardship.roles``).

Every role reads (golden records, history, the review queue, change requests, sync); steward actions need ``steward``,
deciding change requests needs ``approver``, a data subject's requests need ``privacy``. Templates hide what a user
cannot do with the ``has_role`` filter (``{% load steward_roles %}``); these decorators refuse it all the same."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django_htmx.http import HttpResponseClientRedirect

from ..errors import ApplicationError
from ..roles import APPROVER, PRIVACY, READERS, STEWARD, is_approver, is_steward, sees_personal_data, user_roles
from .views.common import problem

__all__ = [
    "approver_required",
    "is_approver",
    "is_steward",
    "masked_for",
    "privacy_required",
    "reader_required",
    "role_required",
    "steward_required",
]

View = Callable[..., HttpResponse]


def masked_for(request: HttpRequest) -> bool:
    """Whether the request's user sees personal values masked: a reader without a role that sees them in full."""
    return not sees_personal_data(request.user)


class RoleMissing(ApplicationError):
    status_code = 403
    code = "role_required"


def role_required(*roles: str, message: str) -> Callable[[View], View]:
    """Signed in (else to the login page), and holding one of ``roles`` (else a 403 page with ``message``, which says
    which role is needed; for an htmx request, the same as a notice at the top of the page).

    An htmx request whose session has expired sends the whole page to the login page, and back here after: a
    plain redirect would put the login form inside the fragment being swapped."""
    wanted = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                htmx = getattr(request, "htmx", None)
                if htmx:
                    back = htmx.current_url_abs_path or request.get_full_path()
                    return HttpResponseClientRedirect(redirect_to_login(back, settings.LOGIN_URL)["Location"])
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if not user_roles(request.user) & wanted:
                return problem(request, RoleMissing(message))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


#: Pages that read: every role (viewers see personal values masked).
reader_required = role_required(
    *sorted(READERS),
    message="These pages need a Steward role: viewer, steward, approver, privacy or admin. "
    "Ask an administrator to grant one.",
)
#: Review decisions, claims, edits (change requests), unmerge, replays.
steward_required = role_required(STEWARD, message="This needs the steward role. Ask an administrator to grant it.")
#: Deciding other users' change requests.
approver_required = role_required(APPROVER, message="Only a user with the approver role can decide change requests.")
#: A data subject's requests: the privacy page, export and erasure.
privacy_required = role_required(PRIVACY, message="This needs the privacy role. Ask an administrator to grant it.")
