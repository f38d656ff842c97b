"""Survivorship: which value of which source record becomes the golden value. Pure functions, no ORM.

Per attribute, in order:
1. a steward's locked value;
2. the owners of the attribute, in priority order: the first owner with a usable value wins (several records of the
   same owner: the most recently updated);
3. the fallback when no owner has a value: most recent non-empty, most complete record, or none.

Consent has its own rule (``consent_rank``): per customer and purpose, the event captured last wins, whatever order
events arrive in; on a tie, withdrawal wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .domains import SCHEMAS, completeness

MOST_RECENT = "most_recent"
MOST_COMPLETE = "most_complete"
NONE = "none"
STEWARD = "steward"
WITHDRAWN = "withdrawn"  # models.ConsentStatus.WITHDRAWN


@dataclass(frozen=True)
class Candidate:
    """One linked source record as survivorship sees it."""

    source: str
    source_key: str
    updated_at: datetime
    usable: Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    owners: Sequence[str]
    fallback: str


@dataclass(frozen=True)
class Lock:
    value: Any
    user: str
    locked_at: datetime


DEFAULT_RULE = Rule(owners=(), fallback=MOST_RECENT)


def iso(moment: datetime) -> str:
    """ISO 8601 as the API prints it (UTC as ``Z``)."""
    return moment.isoformat().replace("+00:00", "Z")


def _provenance(candidate: Candidate) -> dict[str, str]:
    return {"source": candidate.source, "source_key": candidate.source_key, "updated_at": iso(candidate.updated_at)}


def _has(candidate: Candidate, attribute: str) -> bool:
    return candidate.usable.get(attribute) not in (None, "")


def survive(
    domain: str,
    candidates: Iterable[Candidate],
    rules: Mapping[str, Rule],
    locks: Mapping[str, Lock] | None = None,
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """The golden attributes and their provenance from the linked source records."""
    candidates = sorted(candidates, key=lambda c: (c.updated_at, c.source, c.source_key), reverse=True)
    locks = locks or {}
    attributes: dict[str, Any] = {}
    provenance: dict[str, dict[str, str]] = {}
    by_completeness: list[Candidate] | None = None
    for attribute in SCHEMAS[domain]:
        if attribute in locks:
            lock = locks[attribute]
            attributes[attribute] = lock.value
            provenance[attribute] = {"source": STEWARD, "user": lock.user, "updated_at": iso(lock.locked_at)}
            continue
        rule = rules.get(attribute, DEFAULT_RULE)
        with_value = [c for c in candidates if _has(c, attribute)]  # newest first
        chosen: Candidate | None = None
        for owner in rule.owners:
            chosen = next((c for c in with_value if c.source == owner), None)
            if chosen:
                break
        if chosen is None and with_value:
            if rule.fallback == MOST_RECENT:
                chosen = with_value[0]
            elif rule.fallback == MOST_COMPLETE:
                if by_completeness is None:
                    # stable sort keeps newest-first among equally complete records
                    by_completeness = sorted(candidates, key=lambda c: completeness(c.usable), reverse=True)
                chosen = next(c for c in by_completeness if _has(c, attribute))
        if chosen is not None:
            attributes[attribute] = chosen.usable[attribute]
            provenance[attribute] = _provenance(chosen)
    return attributes, provenance


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{attribute: {"before", "after"}}`` for every attribute whose value changed."""
    return {
        key: {"before": before.get(key), "after": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def consent_rank(captured_at: datetime, status: str) -> tuple[datetime, bool]:
    """Which consent event wins: the one of higher rank (captured later; on a tie, a withdrawal). An event of equal
    rank does not replace the current state."""
    return captured_at, status == WITHDRAWN
