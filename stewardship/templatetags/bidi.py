"""``{% load bidi %}``: text from sources and stewards shown so its bidi controls reorder nothing around it
(``stewardship.ui.formats``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from ..ui.formats import isolated, without_bidi_controls

register = template.Library()


@register.filter
def bdi(value: Any) -> SafeString:
    """``{{ golden.display_name|bdi }}``: in a ``<bdi>`` element, escaped."""
    return isolated(value)


@register.filter
def no_bidi(value: Any) -> str:
    """``title="{{ key|no_bidi }}"``: without its bidi controls, where no element can isolate it."""
    return without_bidi_controls(value)
