"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def depth(value: Any, limit: int) -> int:
    """How deeply ``value`` nests (a scalar 0, ``{}`` 1, ``{"a": []}`` 2), counted up to ``limit + 1`` at most."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack and deepest <= limit:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class JSONParser(parsers.JSONParser):
    """A body nested deeper than ``STEWARD_MAX_JSON_DEPTH`` is a 400: no request of the API needs more than a few
    levels, and a 2 KB body of 990 brackets would exhaust Python's recursion limit in whatever walked it next."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        limit = settings.STEWARD_MAX_JSON_DEPTH
        too_deep = f"JSON parse error - nested deeper than {limit} levels."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(too_deep) from exc
        if depth(data, limit) > limit:
            raise ParseError(too_deep)
        return data
