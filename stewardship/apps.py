from typing import Any

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def _create_cache_table(using: str, **kwargs: Any) -> None:
    """Without Redis, throttles and quotas are counted in the database cache (``settings.CACHES``): its table comes
    with ``migrate`` like every other. Does nothing when the table is there or the cache is not the database."""
    call_command("createcachetable", database=using, verbosity=0)


class StewardshipConfig(AppConfig):
    name = "stewardship"
    verbose_name = "Stewardship"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(_create_cache_table, sender=self)
