"""Privacy costs on PostgreSQL: erasing a customer, and what the access log adds to reading one.

Creates a scratch database, fills it with background customers (and connectors, so the outbox holds their
deliveries), then:

- erases customers that each have four source records (one per source system) and 50 versions, timing
  ``services.customer_erase`` (the whole transaction: history, tombstones, candidates, outbox, the erase event);
- reads golden customers through the API (in process, DRF's test client, a steward) alternately with the access log
  on and off, and prints p50/p95 of both and of the insert alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/privacy.py [--background 5000]

The database named in DATABASE_URL is only used to create and drop the scratch database ``steward_bench_privacy``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import scratch_database  # noqa: E402

SOURCES = ("cdp", "erp", "loyalty", "commerce")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1000:.2f} ms, p95 {percentile(values, 95) * 1000:.2f} ms"


def setup(database: str) -> None:
    os.environ.update(DATABASE_URL=database, STEWARD_DEV="1", DJANGO_SETTINGS_MODULE="stewardship.settings")
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def person(i: int, source: str, version: int = 0) -> dict:
    stamp = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=version)
    return {
        "source_key": f"{source}-{i}",
        "updated_at": stamp.isoformat(),
        "attributes": {
            "given_name": f"Given{i}",
            "family_name": f"Family{i}",
            "email": f"person{i}@example.com",
            "phone": f"+44 20 79{i % 100:02d} {i % 10000:04d}",
            "birth_date": f"19{50 + i % 50}-0{1 + i % 9}-1{i % 10}",
            "address_line1": f"{i % 200 + 1} Street {version}",
            "postal_code": f"SW{i % 9 + 1}A 1AA",
            "city": "London",
            "country": "GB",
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--background", type=int, default=5_000, help="other customers in the database")
    parser.add_argument("--subjects", type=int, default=20, help="customers erased (4 records, 50 versions each)")
    parser.add_argument("--reads", type=int, default=2000, help="golden reads with the access log on, and as many off")
    args = parser.parse_args()
    setup(
        scratch_database(
            os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"), "steward_bench_privacy"
        )
    )

    from django.contrib.auth.models import Group, User
    from rest_framework.test import APIClient

    from stewardship import services
    from stewardship.models import AccessKind, GoldenVersion, SourceRecord, SourceSystem
    from stewardship.services import privacy
    from sync.models import Connector, Subscription

    for n in range(3):
        connector = Connector.objects.create(name=f"hooks{n}", kind="webhook", base_url=f"http://127.0.0.1:9/{n}")
        Subscription.objects.create(connector=connector, domain="customer")
    systems = {code: SourceSystem.objects.get_or_create(code=code, defaults={"name": code})[0] for code in SOURCES}
    started = time.perf_counter()
    for offset in range(0, args.background, 1000):
        batch = [person(i, "cdp") for i in range(offset, min(args.background, offset + 1000))]
        services.source_records_upsert(source=systems["cdp"], domain="customer", records=batch)
    print(f"background: {args.background:,} customers in {time.perf_counter() - started:.1f} s")

    subjects = []
    base = 10_000_000
    for s in range(args.subjects):
        i = base + s
        for source in SOURCES:
            services.source_records_upsert(source=systems[source], domain="customer", records=[person(i, source)])
        linked = dict(
            SourceRecord.objects.filter(source_key__endswith=f"-{i}").values_list("source__code", "golden_id")
        )
        assert len(set(linked.values())) == 1, f"subject {s}: its four records are not one customer: {linked}"
        golden_id = linked["erp"]
        version = 1
        while GoldenVersion.objects.filter(golden_id=golden_id).count() < 50:
            assert version < 100, "ERP updates do not make new versions"
            # The ERP owns the address: each of its new addresses is a new golden version.
            services.source_records_upsert(
                source=systems["erp"], domain="customer", records=[person(i, "erp", version)]
            )
            version += 1
        records = SourceRecord.objects.filter(golden_id=golden_id).count()
        assert records == 4, f"subject {s}: {records} source records (expected 4 linked)"
        subjects.append(golden_id)
    print(f"subjects: {args.subjects} customers, 4 source records and 50 versions each")

    officer = User.objects.create_user("priya")
    officer.groups.add(Group.objects.get(name="privacy"))
    erase_times = []
    for golden_id in subjects:
        started = time.perf_counter()
        services.customer_erase(golden_id=golden_id, user=officer, reason="bench")
        erase_times.append(time.perf_counter() - started)
    print(
        f"erase a customer (4 records, 50 versions, {args.background:,} others): {ms(erase_times)}, "
        f"max {max(erase_times) * 1000:.1f} ms"
    )

    steward = User.objects.create_user("stella")
    steward.groups.add(Group.objects.get(name="steward"))
    client = APIClient()
    client.force_authenticate(steward)
    readable = list(SourceRecord.objects.filter(source=systems["cdp"]).values_list("golden_id", flat=True)[:500])
    logged = privacy.access_log_write
    noop = lambda **kwargs: None  # noqa: E731
    on, off, insert = [], [], []
    for n in range(args.reads * 2):
        golden_id = readable[n // 2 % len(readable)]
        services.access_log_write = logged if n % 2 else noop  # type: ignore[assignment]
        started = time.perf_counter()
        response = client.get(f"/api/v1/customers/{golden_id}/")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        (on if n % 2 else off).append(elapsed)
    services.access_log_write = logged
    for golden_id in readable[: args.reads // 4]:
        started = time.perf_counter()
        logged(user=steward, golden_ids=[golden_id], what=AccessKind.VIEW)
        insert.append(time.perf_counter() - started)
    print(f"golden read, access log on:  {ms(on)}")
    print(f"golden read, access log off: {ms(off)}")
    print(
        f"added by the access log: p50 {(percentile(on, 50) - percentile(off, 50)) * 1000:.2f} ms, "
        f"p95 {(percentile(on, 95) - percentile(off, 95)) * 1000:.2f} ms; the insert alone: {ms(insert)}"
    )
    print(f"(medians of the two: {statistics.median(on) * 1000:.2f} vs {statistics.median(off) * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
