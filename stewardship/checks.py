"""System checks that read the database (``manage.py migrate`` runs them, so an upgrade shows them; also
``manage.py check --database default``)."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.db import DatabaseError

from . import domains


@checks.register(checks.Tags.database)
def stored_records_keyed_by_this_engine(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list:
    """Records stored before an upgrade keep the features and blocking keys the older engine gave them: until
    ``rematch --refeature`` recomputes them, new records are not compared with them on the new kinds of key. Sampled:
    the oldest and newest records of each domain."""
    if not databases:
        return []
    from .services.rematch import stale_records

    found = []
    for domain in domains.SCHEMAS:
        try:
            stale, looked_at = stale_records(domain=domain)
        except DatabaseError:  # not migrated yet: nothing stored to be stale
            return []
        if stale:
            found.append(
                checks.Warning(
                    f"{stale} of {looked_at} sampled {domain} records have features or blocking keys from an older "
                    "matching engine: new records are not compared with them on what changed.",
                    hint=f"Run: python manage.py rematch --domain {domain} --refeature",
                    id="stewardship.W001",
                )
            )
    return found
