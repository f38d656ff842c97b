"""What a batch answers for each of its items, and the reading of what every item carries (its source key, a
timestamp, no unknown field). Record upserts and consent events are both batches of a source's items: each item is
read on its own, so one bad item is rejected with field errors and the others go on."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .. import domains, text

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
REJECTED = "rejected"

Errors = dict[str, list[str]]
Item = TypeVar("Item")


@dataclass
class RecordResult:
    """The answer for one item of a batch, in input order."""

    source_key: str | None
    status: str
    golden_id: uuid.UUID | None = None
    errors: Errors = field(default_factory=dict)
    warnings: Errors = field(default_factory=dict)
    reason: str | None = None
    code: str | None = None  # a rejection's stable code, when its errors have one (``erased``)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "source_key": self.source_key,
            "status": self.status,
            "golden_id": str(self.golden_id) if self.golden_id else None,
            "errors": self.errors,
            "warnings": self.warnings,
        }
        if self.reason:
            data["reason"] = self.reason
        if self.code:
            data["code"] = self.code
        return data


def batch_answer(
    items: Sequence[Any],
    read: Callable[[int, Any], Item | RecordResult],
    apply: Callable[[list[Item], list[RecordResult | None]], None],
) -> list[RecordResult]:
    """Answer every item of a batch, in input order: ``read`` each (index, item) on its own (a ``RecordResult`` is its
    rejection), then ``apply`` those read, with the answers to fill in, together in one transaction."""
    results: list[RecordResult | None] = [None] * len(items)
    incoming: list[Item] = []
    for index, item in enumerate(items):
        answer = read(index, item)
        if isinstance(answer, RecordResult):
            results[index] = answer
        else:
            incoming.append(answer)
    if incoming:
        with transaction.atomic():
            apply(incoming, results)
    return [r for r in results if r is not None]


def erased(source_key: str) -> RecordResult:
    """The answer to an item whose customer was erased: the key is a tombstone, nothing of the item is stored."""
    return RecordResult(
        source_key,
        REJECTED,
        errors={"source_key": ["This customer was erased: records with this key are not accepted."]},
        code="erased",
    )


def not_an_object(item: Any, what: str) -> RecordResult | None:
    """The rejection of an item that is not a JSON object (``what``: "A record", "An event"), or None."""
    if isinstance(item, dict):
        return None
    return RecordResult(None, REJECTED, errors={"non_field_errors": [f"{what} must be an object."]})


def unstorable_text(item: Mapping[str, Any]) -> RecordResult | None:
    """The rejection of an item holding text PostgreSQL cannot store (a NUL, a lone surrogate) in any field, name or
    value, or None. Read first: nothing else of such an item is read, and its source key is answered escaped."""
    paths = text.unstorable_paths(item)
    if not paths:
        return None
    source_key = item.get("source_key")
    return RecordResult(
        text.escaped(source_key) if isinstance(source_key, str) else None,
        REJECTED,
        errors={path: [text.MESSAGE] for path in paths},
    )


def source_key_read(item: Mapping[str, Any], errors: Errors, *, max_length: int | None = None) -> str | None:
    """The item's ``source_key`` as sent (a string, or None), with an error where it is missing, blank or too long."""
    source_key = item.get("source_key")
    if not isinstance(source_key, str) or not source_key.strip():
        errors["source_key"] = ["Required: a non-empty string."]
        return source_key if isinstance(source_key, str) else None
    if max_length is not None and len(source_key) > max_length:
        errors["source_key"] = [f"At most {max_length} characters."]
    return source_key


def latest_timestamp() -> datetime:
    """The latest time an item may carry: now, plus the clock skew allowed between a source and Steward. Anything later
    would win every "most recent" comparison until the real time caught up with it."""
    return timezone.now() + timedelta(seconds=settings.STEWARD_MAX_CLOCK_SKEW_SECONDS)


def timestamp_read(
    item: Mapping[str, Any], name: str, errors: Errors, *, latest: datetime, missing: str | None = None
) -> datetime | None:
    """The item's timestamp ``name`` (ISO 8601 with a zone, from 1900 to ``latest``), or None with an error
    (``missing``: the error when the field is absent; by default the reader's own)."""
    try:
        return domains.parse_timestamp(item.get(name), latest=latest)
    except domains.Unreadable as exc:
        errors[name] = [missing if missing is not None and name not in item else str(exc)]
        return None


def unknown_fields(item: Mapping[str, Any], allowed: Collection[str], errors: Errors) -> None:
    for name in sorted(set(item) - set(allowed)):
        errors[name] = ["Unknown field."]
