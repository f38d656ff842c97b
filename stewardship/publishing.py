"""The one interface between the domain and whatever delivers its changes to other systems.

Every write of the domain saves its new golden versions with ``services.golden.versions_save``, which hands them to
the publisher named by ``settings.STEWARD_PUBLISHER`` (Steward's own: ``sync.outbox``, which writes outbox events and
deliveries) inside the same transaction: every approved change reaches the subscribed systems, or none of it
happened. The domain never imports the publisher: ``sync`` depends on ``stewardship``, not the other way round.

A publisher is any object (a module will do) with:

- ``publish(versions, *, prefetched=None, known=None)``: record the versions' changes for delivery, in the caller's
  transaction. ``known``: what the caller already holds of the golden records (so the payloads need not read it
  again); ``prefetched``: what ``prefetch`` read, when the caller read it in this transaction.
- ``prefetch(domain) -> db.Part``: what publishing a domain's versions reads (its subscriptions), for a caller that
  reads its configuration in one statement (ingest, with the source's lock).

A publisher keeps copies of what it delivers, so it takes part in a data subject's requests (``services.privacy``):

- ``subject_deliveries(golden_ids) -> list[dict]``: what it holds and sent of these golden records (a subject export);
- ``subject_redact(golden_ids, *, related, values)``: forget their personal values, keeping what an erase delivery
  needs (the golden id and source keys), and the ``values`` wherever ``related`` golden records' copies hold them, in
  the caller's transaction;
- ``erasure_outcome(golden_id, version) -> dict``: per downstream system, how the erase delivery of that version
  stands (``{"status", "delivery", "error"}``; ``status`` one of pending, delivered, dead).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Protocol

from django.conf import settings

from . import db
from .models import GoldenVersion


@dataclass(frozen=True)
class Known:
    """What the caller already holds of the golden records it versions: per golden record, its source records
    ([{"source", "source_key"}] in id order) and its consents (purpose -> {"status", "captured_at"}; a golden record
    created in the same transaction has none). A golden record missing from a mapping is read from the database."""

    sources: Mapping[uuid.UUID, list[dict[str, str]]] = field(default_factory=dict)
    consents: Mapping[uuid.UUID, dict[str, Any]] = field(default_factory=dict)


class Publisher(Protocol):
    def publish(
        self, versions: Sequence[GoldenVersion], *, prefetched: Any = None, known: Known | None = None
    ) -> object: ...

    def prefetch(self, domain: str) -> db.Part[Any]: ...

    def subject_deliveries(self, golden_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]: ...

    def subject_redact(
        self, golden_ids: Sequence[uuid.UUID], *, related: Sequence[uuid.UUID], values: frozenset[str]
    ) -> object: ...

    def erasure_outcome(self, golden_id: uuid.UUID, version: int) -> dict[str, dict[str, Any]]: ...


@functools.cache
def publisher() -> Publisher:
    """The configured publisher (``settings.STEWARD_PUBLISHER``, a module path)."""
    module: Publisher = import_module(settings.STEWARD_PUBLISHER)
    return module


def publish(versions: Sequence[GoldenVersion], *, prefetched: Any = None, known: Known | None = None) -> None:
    """Hand saved versions to the publisher, in the caller's transaction."""
    if versions:
        publisher().publish(versions, prefetched=prefetched, known=known)


def prefetch(domain: str) -> db.Part[Any]:
    return publisher().prefetch(domain)


def subject_deliveries(golden_ids: Sequence[uuid.UUID]) -> list[dict[str, Any]]:
    return publisher().subject_deliveries(golden_ids)


def subject_redact(
    golden_ids: Sequence[uuid.UUID], *, related: Sequence[uuid.UUID] = (), values: frozenset[str] = frozenset()
) -> None:
    publisher().subject_redact(golden_ids, related=related, values=values)


def erasure_outcome(golden_id: uuid.UUID, version: int) -> dict[str, dict[str, Any]]:
    return publisher().erasure_outcome(golden_id, version)
