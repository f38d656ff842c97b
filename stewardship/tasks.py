"""Celery tasks: periodic jobs (beat) and the chunks of long jobs. Tasks take ids and keys, never objects."""

from dataclasses import asdict
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import services
from .services import rematch


@shared_task(name="stewardship.tasks.idempotency_keys_purge")
def idempotency_keys_purge() -> int:
    """Forget stored batch answers older than the idempotency window."""
    return services.idempotency_keys_purge(older_than=timedelta(hours=settings.STEWARD_IDEMPOTENCY_TTL_HOURS))


@shared_task(name="stewardship.tasks.rematch_blocks")
def rematch_blocks(domain: str, keys: list[str]) -> dict[str, int]:
    """Rematch the records filed under these blocking keys (one chunk of ``manage.py rematch``)."""
    return asdict(rematch.blocks_rematch(domain=domain, keys=keys))


@shared_task(name="stewardship.tasks.refeature_records")
def refeature_records(domain: str, record_ids: list[int]) -> int:
    return rematch.source_records_refeature(domain=domain, record_ids=record_ids)


@shared_task(name="stewardship.tasks.access_log_purge")
def access_log_purge() -> int:
    """Forget access-log rows older than the retention period."""
    return services.access_log_purge(older_than=timedelta(days=settings.STEWARD_ACCESS_LOG_RETENTION_DAYS))
