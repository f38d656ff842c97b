"""Queueing delivery tasks. The rows are the queue: a task carries only delivery ids, and losing one is harmless
(the sweeper re-queues what stays pending). Tasks are sent by name, so what queues work needs no import of the tasks
module (which imports what queues work)."""

from __future__ import annotations

from collections.abc import Sequence

from celery import current_app

DELIVER = "sync.tasks.deliver"


def enqueue(delivery_ids: Sequence[int], chunk: int = 100) -> None:
    """Send delivery tasks, ``chunk`` ids each."""
    ids = list(delivery_ids)
    for start in range(0, len(ids), chunk):
        current_app.send_task(DELIVER, args=[ids[start : start + chunk]])
