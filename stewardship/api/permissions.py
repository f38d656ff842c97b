"""Who may call what. Roles are Django groups (``stewardship.roles``; superusers pass everywhere)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from ..roles import user_roles
from .authentication import SourcePrincipal


def is_source(request: Request) -> bool:
    return isinstance(request.user, SourcePrincipal)


class IsStaffRole(BasePermission):
    """A signed-in user with a Steward role. The default for every endpoint."""

    message = "A steward, approver or admin role is required."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(user_roles(request.user))


class IsStaffRoleOrSource(BasePermission):
    """Golden-record reads: stewards, and source systems (which read golden records and their own keys)."""

    message = "A steward role or a source system API key is required."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_source(request) or bool(user_roles(request.user))


class IsPathSource(BasePermission):
    """``/sources/{source}/...``: a source system acts only as itself. Stewards may read (not write)."""

    message = "A source system can only act as itself."

    def has_permission(self, request: Request, view: Any) -> bool:
        principal = request.user
        if isinstance(principal, SourcePrincipal):
            return principal.source.code == view.kwargs.get("source")
        return request.method in ("GET", "HEAD", "OPTIONS") and bool(user_roles(request.user))
