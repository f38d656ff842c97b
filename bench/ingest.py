"""Ingest throughput through the real batch API into PostgreSQL.

Creates a scratch database, starts gunicorn on it, pushes N generated customers (as the four source systems send
them, duplicates and variations included) in batches, and prints records per second and p50/p95 batch latency.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/ingest.py [--records 20000]

The database named in DATABASE_URL is only used to create and drop the scratch database ``steward_bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from stewardship import demo  # noqa: E402  (pure module: no Django setup needed)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scratch_database(url: str, name: str) -> str:
    import psycopg

    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("bench/ingest.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def post(url: str, key: str, body: bytes) -> tuple[float, dict]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Authorization": f"Api-Key {key}", "Content-Type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        payload = json.loads(response.read())
    return time.perf_counter() - started, payload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000, help="customer records to push (default 20,000)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2, help="concurrent API clients (one per source at a time)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()

    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    env = {
        **os.environ,
        "DATABASE_URL": scratch_database(base_url, "steward_bench"),
        "STEWARD_DEV": "1",
        "DEBUG": "0",
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14"),
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    keys = {}
    for source in demo.SOURCES:
        out = subprocess.run(
            [python, "manage.py", "source_key", source], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        keys[source] = out.stdout.strip().splitlines()[-1]

    # ~2.2 source records per person in the generated data: generate a little more than N, then cut at N.
    batches = []
    people = max(1, int(args.records / 2.0) + 100)
    pending: dict[str, list] = {}
    for batch in demo.generate(customers=people, products=0):
        if batch.domain != "customer":
            continue
        pending.setdefault(batch.source, []).extend(batch.items)
    total = 0
    for source, items in pending.items():
        for start in range(0, len(items), args.batch_size):
            chunk = items[start : start + args.batch_size]
            if total >= args.records:
                break
            chunk = chunk[: args.records - total]
            total += len(chunk)
            batches.append((source, json.dumps({"records": chunk}).encode(), len(chunk)))

    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "stewardship.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.web_workers),
            "--timeout",
            "300",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # answering (503 if the broker is down is fine for this benchmark)
            except OSError:
                time.sleep(0.2)

        def send(item: tuple[str, bytes, int]) -> tuple[float, dict]:
            source, body, _ = item
            return post(f"http://127.0.0.1:{port}/api/v1/sources/{source}/customers/batch/", keys[source], body)

        # Interleave sources so concurrent clients work for different sources (a source's batches are serialised).
        by_source: dict[str, list] = {}
        for item in batches:
            by_source.setdefault(item[0], []).append(item)
        order = []
        while any(by_source.values()):
            for source in list(by_source):
                if by_source[source]:
                    order.append(by_source[source].pop(0))
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            outcomes = list(pool.map(send, order))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    latencies = sorted(latency for latency, _ in outcomes)
    statuses: dict[str, int] = {}
    for _, payload in outcomes:
        for result in payload["results"]:
            statuses[result["status"]] = statuses.get(result["status"], 0) + 1
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * len(latencies))) - 1)]
    print(f"records pushed        {total}")
    print(f"batches               {len(latencies)} x up to {args.batch_size} records, {args.clients} clients")
    print(f"gunicorn workers      {args.web_workers}")
    print(f"answers               {json.dumps(statuses, sort_keys=True)}")
    print(f"wall time             {elapsed:.2f} s")
    print(f"throughput            {total / elapsed:.0f} records/s")
    print(f"batch latency p50     {statistics.median(latencies) * 1000:.0f} ms")
    print(f"batch latency p95     {p95 * 1000:.0f} ms")


if __name__ == "__main__":
    main()
