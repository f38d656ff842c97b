"""Periodic jobs (celery beat)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(name="stewardship.tasks.idempotency_keys_purge")
def idempotency_keys_purge() -> int:
    """Forget stored batch answers older than the idempotency window."""
    return services.idempotency_keys_purge(older_than=timedelta(hours=settings.STEWARD_IDEMPOTENCY_TTL_HOURS))
