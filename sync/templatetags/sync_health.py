"""The sync panel other pages show (the steward's dashboard): ``{% load sync_health %}{% sync_panel %}``. A template
tag, so the pages of ``stewardship`` show sync health without its code importing ``sync``."""

from __future__ import annotations

from typing import Any

from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("sync/partials/dashboard_panel.html")
def sync_panel() -> dict[str, Any]:
    """Per connector: backlog, dead letters, lag and breaker, with links to the sync page."""
    return {"connectors": selectors.connector_health()}
