"""Sync fixtures: connectors pointing at the sandbox stand-ins, and helpers to make approved changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stewardship import services
from stewardship.models import SourceSystem
from sync.models import Connector, Subscription
from tests.conftest import record


@pytest.fixture
def webhook(db, clean_sandbox) -> Connector:
    """A webhook connector to the sandbox receiving every customer and product event."""
    connector = Connector.objects.create(
        name="hooks",
        kind="webhook",
        base_url=clean_sandbox.webhook_url,
        secret=clean_sandbox.webhook_secret,
        backoff_base_seconds=0.5,
        timeout_seconds=2,
    )
    Subscription.objects.create(connector=connector, domain="customer")
    Subscription.objects.create(connector=connector, domain="product")
    return connector


@pytest.fixture
def upsert(db) -> Callable[..., list[services.RecordResult]]:
    """Upsert customer records as a source system (created on first use)."""

    def run(source_code: str, *records: dict[str, Any], domain: str = "customer") -> list[services.RecordResult]:
        source, _ = SourceSystem.objects.get_or_create(code=source_code, defaults={"name": source_code.upper()})
        results = services.source_records_upsert(source=source, domain=domain, records=list(records))
        assert all(r.status != services.REJECTED for r in results), [r.as_dict() for r in results]
        return results

    return run


def ann(key: str = "C-1", updated_at: str = "2026-01-01T10:00:00Z", **changes: Any) -> dict[str, Any]:
    values = {"given_name": "Ann", "family_name": "Lee", "email": "ann.lee@example.com", "country": "GB"} | changes
    return record(key, updated_at, **values)


from tests.sync.processes import broker, workers  # noqa: E402, F401  (real broker and worker processes)
