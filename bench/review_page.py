"""Server time of the review pages with 10,000 pending match candidates.

Fills a PostgreSQL database with golden records and pending candidates (bulk inserts, a few seconds), then requests
the review queue and the side-by-side page through Django's test client (the whole middleware stack, no network)
many times and prints p50/p95 in milliseconds and the number of SQL queries per page.

    python bench/review_page.py [--candidates 10000] [--iterations 200]

DATABASE_URL names the database (default: postgres://postgres@127.0.0.1:5432/steward_bench_ui, created and
migrated when missing). The candidates are reused by later runs when there are enough of them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("STEWARD_DEV", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_bench_ui")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stewardship.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named by ``url`` if it does not exist."""
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def populate(candidates: int) -> None:
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.utils import timezone

    from stewardship.models import CandidateStatus, GoldenRecord, MatchCandidate, SourceRecord, SourceSystem

    user, _ = User.objects.get_or_create(username="bench-steward")
    user.groups.add(Group.objects.get(name="steward"))
    pending = MatchCandidate.objects.filter(status=CandidateStatus.PENDING).count()
    if pending >= candidates:
        print(f"reusing {pending} pending candidates")
        return
    started = time.perf_counter()
    rng = random.Random(4)
    # Each golden record is paired with its next five neighbours: 10,000 distinct pairs need 2,000 records.
    spread = 5
    size = max(candidates // spread + 1, 2 * spread + 1)
    source = SourceSystem.objects.get(code="cdp")
    now = timezone.now()
    with transaction.atomic():
        MatchCandidate.objects.all().delete()
        goldens = [
            GoldenRecord(
                domain="customer",
                attributes={
                    "given_name": f"Given{n}",
                    "family_name": f"Family{n % 997}",
                    "email": f"person{n}@example.com",
                    "postal_code": f"{10000 + n % 8999}",
                    "city": rng.choice(["Berlin", "Paris", "Leeds", "Lyon"]),
                },
                provenance={
                    a: {"source": "cdp", "source_key": f"bench-{n}", "updated_at": "2026-01-01T00:00:00Z"}
                    for a in ("given_name", "family_name", "email", "postal_code", "city")
                },
            )
            for n in range(size)
        ]
        GoldenRecord.objects.bulk_create(goldens, batch_size=2000)
        SourceRecord.objects.bulk_create(
            [
                SourceRecord(
                    source=source,
                    domain="customer",
                    source_key=f"bench-{g.id}",
                    golden=g,
                    attributes=g.attributes,
                    usable=g.attributes,
                    source_updated_at=now,
                    received_at=now,
                    content_hash=str(g.id),
                )
                for g in goldens
            ],
            batch_size=2000,
        )
        explanation = [
            {"field": "given_name", "a": "x", "b": "y", "comparator": "jaro-winkler", "similarity": 0.9, "weight": 4.0},
            {"field": "family_name", "a": "x", "b": "x", "comparator": "exact", "similarity": 1.0, "weight": 8.0},
            {"field": "email", "a": "x", "b": "y", "comparator": "different", "similarity": 0.4, "weight": -3.0},
        ]
        rows = []
        for n in range(candidates):
            a, b = goldens[n // spread], goldens[(n // spread + 1 + n % spread) % size]
            a, b = sorted([a, b], key=lambda g: str(g.id))
            rows.append(
                MatchCandidate(
                    domain="customer",
                    golden_a=a,
                    golden_b=b,
                    score=round(rng.uniform(0.80, 0.97), 6),
                    explanation=explanation,
                    reason="bench",
                )
            )
        MatchCandidate.objects.bulk_create(rows, batch_size=2000)
        with connection.cursor() as cursor:  # ages spread over two months, for the age filter
            cursor.execute(
                "UPDATE stewardship_matchcandidate SET created_at = now() - (id % 60) * interval '1 day'"
                " - (id % 1440) * interval '1 minute'"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"created {size} golden records and {candidates} pending candidates in {time.perf_counter() - started:.1f} s")


def measure(client, url: str, iterations: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):  # warm up: templates compiled, connection open
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)  # now: the next request clears the log
    timings = []
    for _ in range(iterations):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=10_000)
    parser.add_argument("--iterations", type=int, default=200)
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from stewardship.models import CandidateStatus, MatchCandidate
    from stewardship.ui import queries

    call_command("migrate", verbosity=0)
    populate(args.candidates)
    client = Client()
    client.force_login(User.objects.get(username="bench-steward"))

    user = User.objects.get(username="bench-steward")
    cursor = None
    for _ in range(100):  # the cursor of page 101: 5,000 rows deep
        cursor = queries.review_queue(user=user, filters=queries.QueueFilters(), cursor=cursor)[0].next_cursor
    deep = f"/review/?cursor={cursor}"
    pending = MatchCandidate.objects.filter(status=CandidateStatus.PENDING)
    middle = pending.order_by("-score", "-id")[pending.count() // 2]
    pages = [
        ("queue, first page", "/review/"),
        ("queue, page 101 (cursor)", deep),
        ("queue, filtered and sorted", "/review/?band=medium&age=month&assigned=unassigned&sort=oldest"),
        ("side by side, mid-queue", f"/review/{middle.pk}/"),
        ("side by side, filtered", f"/review/{middle.pk}/?band=low&sort=oldest"),
        ("dashboard", "/"),
    ]
    print(f"\n{pending.count()} pending candidates, {args.iterations} requests per page (Django test client)\n")
    print(f"{'page':<30} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for label, url in pages:
        p50, p95, queries = measure(client, url, args.iterations)
        print(f"{label:<30} {p50:>8.1f} {p95:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
