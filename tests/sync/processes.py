"""Real processes for the sync tests: a private Redis broker (which the tests may kill) and Celery workers (which
they may SIGKILL), both pointed at the test database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stewardship.celery import app
from sync.models import Delivery, DeliveryStatus
from tests.fixtures.local import celery_worker_args, database_url, free_port

ROOT = Path(__file__).resolve().parents[2]


class Broker:
    """A private Redis for these tests: they restart it, which must not disturb anything else on the machine."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp = tmp
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process:
            self.process.kill()  # an outage: everything queued in it is lost
            self.process.wait()
            self.process = None


class Workers:
    """Celery worker processes (beat embedded in the first) that can be killed like a crashing machine."""

    def __init__(self, broker: Broker, tmp: Path) -> None:
        self.broker, self.tmp = broker, tmp
        self.processes: list[subprocess.Popen] = []
        self.restarts = 0
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker.url,
            "STEWARD_DEV": "1",
            "STEWARD_SYNC_LEASE_SECONDS": "6",
            "STEWARD_SYNC_REQUEUE_SECONDS": "3",
            "STEWARD_SYNC_SWEEP_SECONDS": "1",
        }

    def start(self, count: int = 1) -> None:
        for n in range(count):
            beat = None if self.processes else str(self.tmp / f"beat-{time.monotonic_ns()}")
            args = celery_worker_args(f"w{len(self.processes)}-{n}@%h", concurrency=2, beat_schedule=beat)
            self.processes.append(
                subprocess.Popen(args, cwd=ROOT, env=self.env, start_new_session=True, stdout=subprocess.DEVNULL)
            )

    def revive(self) -> int:
        """Do what a process supervisor (systemd ``Restart=always``) does in production: start again the workers that
        exited. A Celery worker can exit by itself when its broker vanishes (kombu fails restoring unacked messages
        on the dead connection). Returns how many were restarted."""
        exited = [p for p in self.processes if p.poll() is not None]
        for process in exited:
            self.processes.remove(process)
            if _group_alive(process.pid):  # its children (the pool, beat) must not outlive it
                os.killpg(process.pid, signal.SIGKILL)
        if exited:
            self.start(len(exited))
        self.restarts += len(exited)
        return len(exited)

    def kill(self) -> None:
        """SIGKILL every worker process and its children: no chance to ack, report or clean up."""
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        self.processes = []

    def stop(self) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        self.processes = []


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    broker = Broker(tmp_path)
    broker.start()
    old = app.conf.broker_url
    app.conf.broker_url = broker.url  # this process queues tasks there too (on commit)
    app._pool = None
    try:
        yield broker
    finally:
        broker.stop()
        app.conf.broker_url = old
        app._pool = None


@pytest.fixture
def workers(broker: Broker, tmp_path: Path) -> Iterator[Workers]:
    workers = Workers(broker, tmp_path)
    try:
        yield workers
    finally:
        workers.stop()


def wait_until(condition: Callable[[], bool], timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}: {summary()}")


def summary() -> dict[str, int]:
    from django.db.models import Count

    return dict(Delivery.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))


def settled() -> bool:
    return not Delivery.objects.filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.IN_FLIGHT)).exists()
