"""Text PostgreSQL cannot store: a NUL character (refused in text and jsonb) and a lone surrogate (half of a UTF-16
pair, which JSON can spell as ``\\ud800`` but no UTF-8 can encode). Either would fail a whole transaction, so what holds
one is refused where it comes in, and never echoed back as sent.

Pure functions, no ORM.
"""

from __future__ import annotations

import re
from typing import Any

MESSAGE = "Not valid text: holds a NUL character or a lone surrogate."

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> bool:
    return _UNSTORABLE.search(text) is None


def escaped(text: str) -> str:
    """``text`` with each unstorable character spelled as its escape (``\\u0000``, ``\\ud800``): safe to answer, log or
    store, and still says what was sent."""
    return _UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def unstorable_paths(value: Any) -> list[str]:
    """Where a JSON value holds unstorable text, in its keys or strings at any depth, as dotted paths
    (``attributes.given_name``, ``attributes.phone.0``; an unstorable key escaped). Empty when there is none."""
    paths: list[str] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if not storable(item):
                paths.append(path)
        elif isinstance(item, dict):
            for key, child in item.items():
                name = escaped(str(key))
                where = f"{path}.{name}" if path else name
                if not storable(str(key)):
                    paths.append(where)
                else:
                    stack.append((where, child))
        elif isinstance(item, list):
            stack.extend((f"{path}.{index}" if path else str(index), child) for index, child in enumerate(item))
    return sorted(paths)


def scrubbed(value: Any) -> Any:
    """A JSON value (an error's fields, a batch's answer) with every unstorable character of its keys and strings
    escaped."""
    if isinstance(value, str):
        return escaped(value)
    if isinstance(value, dict):
        return {escaped(str(key)): scrubbed(child) for key, child in value.items()}
    if isinstance(value, list | tuple):
        return [scrubbed(child) for child in value]
    return value
