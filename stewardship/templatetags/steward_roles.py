"""What a template may offer the signed-in user: ``{% load steward_roles %}{% if user|has_role:"steward" %}``.

The views check the same roles (``stewardship.ui.access``); hiding a button is a courtesy, not the check."""

from __future__ import annotations

from typing import Any

from django import template

from ..roles import user_roles

register = template.Library()


@register.filter
def has_role(user: Any, role: str) -> bool:
    """Whether ``user`` holds ``role`` (a superuser holds every role). No query after the page's access check: the
    roles are cached on the user for the request."""
    return role in user_roles(user)
