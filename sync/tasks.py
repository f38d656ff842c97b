"""Celery tasks of the sync app. They take ids; the database says what to do (the rows are the queue)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import services, subjects, worker
from .dispatch import DELIVER


@shared_task(name=DELIVER, acks_late=True, reject_on_worker_lost=True)
def deliver(delivery_ids: list[int]) -> dict[str, int]:
    """Claim and send these deliveries. Duplicates and late arrivals are harmless: claiming is conditional."""
    result = worker.deliveries_process(delivery_ids=delivery_ids)
    return {k: v for k, v in asdict(result).items() if isinstance(v, int)}


@shared_task(name="sync.tasks.sweep", acks_late=True)
def sweep() -> dict[str, int]:
    """Beat: recover deliveries of lost workers and re-queue those due (retries, tasks lost with the broker)."""
    return asdict(services.deliveries_sweep())


@shared_task(name="sync.tasks.payloads_purge")
def payloads_purge() -> int:
    """Beat: delivered payloads older than the retention period lose their personal values."""
    days = settings.STEWARD_SYNC_PAYLOAD_RETENTION_DAYS
    return subjects.payloads_purge(older_than=timezone.now() - timedelta(days=days))
