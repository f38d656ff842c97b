"""The roles: Django groups, defined here once. The API's permissions, the UI's checks and the services ask this module
who holds what; the admin assigns the groups (a superuser holds every role)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from rest_framework.request import Request

STEWARD = "steward"  # works the review queue, edits golden records, replays deliveries
APPROVER = "approver"  # decides other users' change requests (maker-checker)
ADMIN = "admin"  # the Django admin: sources, keys, rules, connectors, users
PRIVACY = "privacy"  # subject requests: export, erasure, the privacy requests and the access log
VIEWER = "viewer"  # reads golden records, history, the review queue and sync health, personal data masked

ALL = (STEWARD, APPROVER, ADMIN, PRIVACY, VIEWER)
STAFF = frozenset(ALL)
#: Who reads golden records, their history, the review queue and sync health: every role.
READERS = STAFF
#: Who sees personal data in full (``stewardship.privacy``); other readers see it masked.
FULL_VIEW = frozenset({STEWARD, APPROVER, PRIVACY})


def user_roles(user: Any) -> frozenset[str]:
    """The roles a signed-in user holds; none for anyone else (anonymous, a source system's API key). Cached on the
    user object for the request."""
    # Only a User holds roles: AnonymousUser and a source system's principal are not Users, and a User is always
    # authenticated.
    if not isinstance(user, User):
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_steward_roles", None)
    if cached is None:
        cached = STAFF if user.is_superuser else frozenset(user.groups.values_list("name", flat=True)) & STAFF
        user._steward_roles = cached  # type: ignore[attr-defined]  # a per-request cache on the user object
    return cached


def is_steward(user: Any) -> bool:
    return STEWARD in user_roles(user)


def is_approver(user: Any) -> bool:
    return APPROVER in user_roles(user)


def is_privacy_officer(user: Any) -> bool:
    return PRIVACY in user_roles(user)


def is_reader(user: Any) -> bool:
    return bool(user_roles(user) & READERS)


def sees_personal_data(user: Any) -> bool:
    """Whether a user sees personal values in full; a reader without one of these roles sees them masked."""
    return bool(user_roles(user) & FULL_VIEW)


def acting_user(request: HttpRequest | Request) -> User:
    """The signed-in user a request acts as, for a service that records who did what. Called behind a role check (a
    steward page, an API endpoint for staff roles, the admin), which lets no one else through; were it not, the
    request is refused rather than recorded under nobody."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("A signed-in user is required.")
    return user
