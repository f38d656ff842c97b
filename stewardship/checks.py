"""System checks. Those that read the database run with ``manage.py migrate`` (so an upgrade shows them) and
``manage.py check --database default``; the static files check also runs when a web process starts (``wsgi.py``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
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


# Not tagged ``staticfiles``: collectstatic runs those checks before it collects, and this one would stop it.
SERVING = "serving"


@checks.register(SERVING)
def static_files_collected(app_configs: Any = None, **kwargs: Any) -> list:
    """Production serves collected, hashed static files: without the manifest ``collectstatic`` writes, every page
    that names a static file (all of them, the 500 page too) fails. Refused at start-up instead."""
    manifest = getattr(staticfiles_storage, "manifest_name", None)  # a manifest storage's (ManifestFilesMixin)
    if manifest is None or staticfiles_storage.exists(manifest):
        return []
    return [
        checks.Error(
            f"Static files are not collected: {settings.STATIC_ROOT} has no {manifest}, so every page would fail.",
            hint="Run: python manage.py collectstatic --noinput (when the image or release is built).",
            id="stewardship.E001",
        )
    ]
