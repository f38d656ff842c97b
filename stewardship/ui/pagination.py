"""Keyset (cursor) pagination: each page is one indexed range query, however deep, so the queue stays fast with
tens of thousands of pending candidates. No OFFSET, no page numbers: a cursor names the row a page starts after."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from ..db import column_field

T = TypeVar("T", bound=Model)
Item = TypeVar("Item")  # a page holds model rows, or the rows a page shows made from them

FORWARD, BACKWARD = "n", "p"


@dataclass
class Page(Generic[Item]):
    items: list[Item] = field(default_factory=list)
    next_cursor: str | None = None
    previous_cursor: str | None = None


def _field(name: str) -> str:
    return name.removeprefix("-")


def _flip(name: str) -> str:
    return _field(name) if name.startswith("-") else f"-{name}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, int | float) else str(value)


def _values(row: Model, ordering: tuple[str, ...]) -> list[Any]:
    return [_plain(getattr(row, _field(name))) for name in ordering]


def cursor_for(row: Model, ordering: tuple[str, ...], direction: str = FORWARD) -> str:
    raw = json.dumps([direction, _values(row, ordering)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None, model: type[Model], ordering: tuple[str, ...]) -> tuple[str, list[Any]] | None:
    """The cursor's direction and typed values; None for no cursor or one that does not read (first page)."""
    if not cursor:
        return None
    try:
        direction, raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if direction not in (FORWARD, BACKWARD) or len(raw) != len(ordering):
            return None
        values = [column_field(model, _field(name)).to_python(value) for name, value in zip(ordering, raw, strict=True)]
    except (ValueError, TypeError, binascii.Error, ValidationError, RecursionError):
        return None  # RecursionError: a cursor crafted of thousands of nested brackets
    if any(value is None for value in values):
        return None
    return direction, values


def after(ordering: tuple[str, ...], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in ``ordering``: (a > x) or (a = x and b > y) ..., each with its direction."""
    conditions = []
    for i, name in enumerate(ordering):
        lookup = "lt" if name.startswith("-") else "gt"
        condition = Q(**{f"{_field(name)}__{lookup}": values[i]})
        for previous, value in zip(ordering[:i], values[:i], strict=True):
            condition &= Q(**{_field(previous): value})
        conditions.append(condition)
    return reduce(or_, conditions)


def keyset_page(queryset: QuerySet[T], ordering: tuple[str, ...], cursor: str | None, size: int) -> Page[T]:
    """One page of ``queryset`` in ``ordering`` (whose last field must be unique), after or before ``cursor``."""
    decoded = _decode(cursor, queryset.model, ordering)
    backward = decoded is not None and decoded[0] == BACKWARD
    order = tuple(_flip(name) for name in ordering) if backward else ordering
    if decoded is not None:
        queryset = queryset.filter(after(order, decoded[1]))
    rows = list(queryset.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    has_next = True if backward else more
    has_previous = more if backward else decoded is not None
    return Page(
        items=rows,
        next_cursor=cursor_for(rows[-1], ordering, FORWARD) if rows and has_next else None,
        previous_cursor=cursor_for(rows[0], ordering, BACKWARD) if rows and has_previous else None,
    )


def neighbour(queryset: QuerySet[T], ordering: tuple[str, ...], row: Model, *, backward: bool = False) -> T | None:
    """The row right after (or before) ``row`` in ``ordering``; ``row`` itself need not be in ``queryset``."""
    order = tuple(_flip(name) for name in ordering) if backward else ordering
    values = [getattr(row, _field(name)) for name in ordering]
    return queryset.filter(after(order, values)).order_by(*order).first()
