"""How values read on the steward's pages (shared by the sync pages)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

#: Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): invisible characters that reorder what follows.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def isolated(value: Any) -> SafeString:
    """A value from a source or a steward (a name, a key, a comment) as HTML, escaped, in a ``<bdi>``: its direction is
    its own, and a bidi control in it (a right-to-left override in a name) reorders nothing outside it. Kept as sent."""
    return format_html("<bdi>{}</bdi>", value)


def bidi_escaped(json_text: str) -> str:
    """JSON text with its bidi controls spelled as escapes (``\\u202e``): the same JSON, shown in the order it is."""
    return BIDI_CONTROLS.sub(lambda found: f"\\u{ord(found.group()):04x}", json_text)


def without_bidi_controls(value: Any) -> str:
    """A value for where no element can isolate it (an attribute such as ``title``, the window title): its bidi
    controls left out, so it reads in its own order."""
    return BIDI_CONTROLS.sub("", str(value))


def duration_label(seconds: float | None, *, coarse: bool = False) -> str:
    """A duration as a steward reads it: "—" (none), "40 s", "3 min", "2 h 5 min", "3 days". ``coarse``, for how long
    something has waited in a queue: "just now" under a minute, whole hours."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    if seconds < 60:
        return "just now" if coarse else f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} h {minutes} min" if minutes and not coarse else f"{hours} h"
    days = seconds // 86400
    return f"{days} day{'s' if days != 1 else ''}"
