"""Who may call what: one permission per kind of action, the same roles the UI checks (``stewardship.roles``;
superusers hold every role). DRF checks a view's permissions before it looks anything up, so a caller without the
role gets 403 whether or not the object exists."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..roles import APPROVER, PRIVACY, READERS, STEWARD, user_roles
from .authentication import SourcePrincipal


def is_source(request: Request) -> bool:
    return isinstance(request.user, SourcePrincipal)


class _HasRole(BasePermission):
    roles: frozenset[str] = frozenset()

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(user_roles(request.user) & self.roles)


class IsReader(_HasRole):
    """Any role: reads golden records, history, the review queue, change requests and sync health. The default."""

    roles = READERS
    message = "A Steward role is required."


class IsSteward(_HasRole):
    """Stewards' actions: review decisions, unmerge, change requests, replays."""

    roles = frozenset({STEWARD})
    message = "The steward role is required."


class IsApprover(_HasRole):
    """Deciding other users' change requests."""

    roles = frozenset({APPROVER})
    message = "The approver role is required."


class IsPrivacyOfficer(_HasRole):
    """A data subject's requests: export, erasure, privacy requests and the access log."""

    roles = frozenset({PRIVACY})
    message = "The privacy role is required."


class IsReaderOrSource(BasePermission):
    """Golden-record reads: readers, and source systems (which read their own customers and every product)."""

    message = "A Steward role or a source system API key is required."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_source(request) or bool(user_roles(request.user) & READERS)


class IsPathSource(BasePermission):
    """``/sources/{source}/...``: a source system acts only as itself. Readers may read (not write)."""

    message = "A source system can only act as itself."

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.user
        if isinstance(principal, SourcePrincipal):
            return principal.source.code == view.kwargs.get("source")
        return request.method in ("GET", "HEAD", "OPTIONS") and bool(user_roles(request.user) & READERS)
