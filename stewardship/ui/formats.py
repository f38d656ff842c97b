"""How values read on the steward's pages (shared by the sync pages)."""

from __future__ import annotations


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
