"""Linking a new source record to a golden record: the one place the matcher plugs in.

Placeholder rule until the matching engine lands: a customer joins the golden record of an identical normalised
email + family name, a product the golden record of the same GTIN-14; otherwise it gets a new golden record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from .models import GoldenStatus, SourceRecord


class Linker:
    """Finds golden records for a batch of new records' link keys (``domains.link_key``) with one query, and
    remembers links made within the batch."""

    def __init__(self, domain: str, keys: Iterable[str | None]) -> None:
        self.domain = domain
        keys = {k for k in keys if k}
        self._known: dict[str, uuid.UUID] = {}
        if keys:
            rows = (
                SourceRecord.objects.filter(domain=domain, link_key__in=keys, golden__status=GoldenStatus.ACTIVE)
                .order_by("id")
                .values_list("link_key", "golden_id")
            )
            for key, golden_id in rows:
                self._known.setdefault(key, golden_id)

    def golden_for(self, key: str | None) -> uuid.UUID | None:
        return self._known.get(key) if key else None

    def remember(self, key: str | None, golden_id: uuid.UUID) -> None:
        if key:
            self._known.setdefault(key, golden_id)
