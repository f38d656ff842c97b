"""Sync throughput and latency: approved changes delivered to the sandbox stand-ins by real Celery workers.

Starts the sandbox (``manage.py sandbox``) and Celery workers as separate processes, on PostgreSQL and Redis, with
three connectors subscribed to customers: the Segment CDP (batched), the loyalty API and a signed webhook.

1. Backlog: ``--changes`` customer changes are committed while no worker runs; then the workers start and the
   benchmark times how long they take to deliver everything: deliveries per second.
2. Steady: with the workers running, changes are committed at ``--rate`` per second (small batches, as source
   systems send them) and the time from the change's commit to its delivery is measured: p50/p95/max.

    python bench/sync_throughput.py [--changes 10000] [--workers 2] [--rate 50] [--steady 1500]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/steward_bench_sync, recreated each run) and
CELERY_BROKER_URL (default redis://127.0.0.1:6379/12, purged) name the services.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("STEWARD_DEV", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_bench_sync")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stewardship.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sandbox(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "manage.py", "sandbox", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the sandbox did not start")


def start_workers(count: int) -> list[subprocess.Popen]:
    """``count`` worker processes: one Celery worker per process (prefork, concurrency 1) so the processes are
    independent, as separate machines would be. Beat runs in the first."""
    processes = []
    for n in range(count):
        args = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "stewardship",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench{n}@%h",
        ]
        if n == 0:
            args += ["--beat", "--schedule", str(ROOT / "var" / "bench-sync-beat")]
        processes.append(subprocess.Popen(args, cwd=ROOT, start_new_session=True))
    return processes


def stop(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            p.terminate()
    for p in processes:
        p.wait(timeout=30)


def configure(sandbox_url: str) -> None:
    from connectors.sandbox import LOYALTY_PASSWORD, LOYALTY_STORE, LOYALTY_USERNAME, WEBHOOK_SECRET, WRITE_KEY
    from sync.models import Connector, Subscription

    made = [
        Connector.objects.create(name="cdp", kind="segment", base_url=f"{sandbox_url}/cdp", secret=WRITE_KEY),
        Connector.objects.create(
            name="loyalty",
            kind="loyalty",
            base_url=f"{sandbox_url}/loyalty",
            secret=LOYALTY_PASSWORD,
            options={"username": LOYALTY_USERNAME, "store_code": LOYALTY_STORE},
        ),
        Connector.objects.create(
            name="hooks", kind="webhook", base_url=f"{sandbox_url}/webhook/bench", secret=WEBHOOK_SECRET
        ),
    ]
    for connector in made:
        Subscription.objects.create(connector=connector, domain="customer")


def changes(start: int, n: int) -> list[dict]:
    """``n`` new ERP customers, realistic enough (bench/people.py) that matching does its usual amount of work."""
    from bench.people import as_source, new_person

    rng = random.Random(start)
    return [
        {
            "source_key": f"B-{i}",
            "updated_at": "2026-01-01T10:00:00Z",
            "attributes": as_source(rng, new_person(rng, i), "erp"),
        }
        for i in range(start, start + n)
    ]


def commit(source, records: list[dict]) -> None:
    from stewardship import services

    services.source_records_upsert(source=source, domain="customer", records=records)


def undelivered() -> int:
    from sync.models import UNDELIVERED, Delivery

    return Delivery.objects.filter(status__in=UNDELIVERED).count()


def wait_settled(timeout: float) -> float:
    started = time.perf_counter()
    while undelivered():
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"timed out with {undelivered()} deliveries undelivered")
        time.sleep(0.2)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=50.0, help="changes per second in the steady phase")
    parser.add_argument("--steady", type=int, default=1500, help="changes in the steady phase")
    args = parser.parse_args()

    recreate_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Count, F

    from stewardship.celery import app
    from stewardship.models import SourceSystem
    from sync.models import Delivery, DeliveryStatus

    call_command("migrate", verbosity=0)
    app.control.purge()
    port = free_port()
    sandbox = start_sandbox(port)
    workers: list[subprocess.Popen] = []
    try:
        configure(f"http://127.0.0.1:{port}")
        source = SourceSystem.objects.get(code="erp")

        # 1. Backlog.
        t0 = time.perf_counter()
        for start in range(0, args.changes, 500):
            commit(source, changes(start, min(500, args.changes - start)))
        committed = time.perf_counter() - t0
        total = Delivery.objects.count()
        print(f"committed {args.changes} changes -> {total} deliveries in {committed:.1f} s (no worker running)")
        workers = start_workers(args.workers)
        elapsed = wait_settled(timeout=1800)
        by_status = dict(Delivery.objects.values_list("status").annotate(n=Count("id")))
        per_connector = dict(
            Delivery.objects.filter(status=DeliveryStatus.DELIVERED)
            .values_list("connector__name")
            .annotate(n=Count("id"))
        )
        print(
            f"backlog: {total} deliveries by {args.workers} worker processes in {elapsed:.1f} s "
            f"(including worker start-up) = {total / elapsed:.0f} deliveries/s"
        )
        print(f"  statuses {by_status}; delivered per connector {per_connector}")

        # 2. Steady rate, not backlogged.
        Delivery.objects.update(status=DeliveryStatus.SUPERSEDED)  # keep phase 2's figures to its own rows
        batch = max(1, round(args.rate / 10))
        interval = batch / args.rate
        next_at = time.perf_counter()
        sent = 0
        while sent < args.steady:
            commit(source, changes(args.changes + sent, batch))
            sent += batch
            next_at += interval
            time.sleep(max(0.0, next_at - time.perf_counter()))
        wait_settled(timeout=600)
        lags = sorted(
            d.total_seconds()
            for d in Delivery.objects.filter(status=DeliveryStatus.DELIVERED)
            .annotate(lag=F("delivered_at") - F("event__created_at"))
            .values_list("lag", flat=True)
        )
        q = statistics.quantiles(lags, n=100)
        print(
            f"steady: {sent} changes at {args.rate:.0f}/s -> {len(lags)} deliveries; commit -> delivered "
            f"p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms"
        )
    finally:
        stop(workers)
        sandbox.terminate()
        sandbox.wait(timeout=10)


if __name__ == "__main__":
    main()
