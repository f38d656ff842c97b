"""The database half of bench/match_scale.py: a PostgreSQL database loaded with stored customers as ingest would
have written them, then single-record upserts through ``source_records_upsert`` timed statement by statement."""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import people
from scale_common import DOMAIN, ROOT, generate, load, log, percentile, pool, profile_top

from stewardship import domains, matching

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/steward_bench_scale"
UPSERT_TARGET_MS = 20.0

# Set in the parent before the load's pool forks, read by its workers (fork shares them without pickling).
_RECORDS: list[people.Record] = []
_FEATS: list[dict[str, Any]] = []
_LOAD: dict[str, Any] = {}


# --- database: load ---


def database_ready(url: str, reuse: bool, size: int) -> tuple[str, int]:
    """Create (or keep, with ``reuse``) the benchmark database; returns (url, customer records it already holds)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        held = 0
        if exists and reuse:
            with psycopg.connect(url) as db:
                table = db.execute("SELECT to_regclass('stewardship_sourcerecord')").fetchone()
                if table and table[0]:
                    held = db.execute("SELECT count(*) FROM stewardship_sourcerecord WHERE domain = %s", [DOMAIN])
                    held = held.fetchone()[0]
        env = {**os.environ, "DATABASE_URL": url, "STEWARD_DEV": "1", "LOG_LEVEL": "WARNING"}
        migrate = [sys.executable, "manage.py", "migrate", "-v0"]
        if held >= size:
            # A kept database is migrated too (the models move while the engine is being written); one whose
            # migration history no longer matches the code is loaded again.
            if subprocess.run(migrate, cwd=ROOT, env=env, capture_output=True).returncode == 0:
                return url, held
            log("the kept database cannot be migrated to the current code: loading it again")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    subprocess.run(migrate, cwd=ROOT, env=env, check=True)
    return url, 0


def django_setup(url: str, broker: str | None = None) -> None:
    os.environ["DATABASE_URL"] = url
    if broker:
        os.environ["CELERY_BROKER_URL"] = broker
    os.environ.setdefault("STEWARD_DEV", "1")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "stewardship.settings"
    import django

    django.setup()


LOADED_MODELS = ("GoldenRecord", "SourceRecord", "GoldenVersion", "BlockingKey")


def _copy_fields(model: Any) -> list[Any]:
    """The columns a COPY writes: every concrete field but a BlockingKey's and a GoldenVersion's generated id."""
    fields = model._meta.concrete_fields
    if model.__name__ in ("BlockingKey", "GoldenVersion"):
        fields = [f for f in fields if not f.primary_key]
    return list(fields)


def _load_range(bounds: tuple[int, int]) -> dict[str, int]:
    """Write records ``bounds`` (whole people) and their golden records, versions and blocking keys with COPY, as
    ``source_records_upsert`` would have written them had the records arrived one by one in this order and been
    linked to their person's golden record."""
    import psycopg
    from django.utils import timezone

    from stewardship import survivorship
    from stewardship.models import ChangeReason, GoldenStatus
    from stewardship.services.ingest import content_hash

    models, sources, rules = _LOAD["models"], _LOAD["sources"], _LOAD["rules"]
    now = timezone.now()
    rows: dict[str, list[list[Any]]] = {name: [] for name in LOADED_MODELS}
    fields = {name: _copy_fields(models[name]) for name in LOADED_MODELS}

    def add(name: str, values: dict[str, Any]) -> None:
        rows[name].append([values[f.attname] for f in fields[name]])  # KeyError: the model has a new column

    start, end = bounds
    i = start
    while i < end:
        person = _RECORDS[i].person
        golden_id = uuid.uuid4()
        candidates: list[survivorship.Candidate] = []
        before: dict[str, Any] = {}
        version = 0
        while i < end and _RECORDS[i].person == person:
            record = _RECORDS[i]
            read = domains.read_attributes(DOMAIN, record.attributes)
            feats = _FEATS[i] if _FEATS else matching.features(DOMAIN, read.matchable)
            add(
                "SourceRecord",
                {
                    "id": i + 1,
                    "source_id": sources[record.source],
                    "domain": DOMAIN,
                    "source_key": record.source_key,
                    "golden_id": golden_id,
                    "attributes": json.dumps(read.values),
                    "usable": json.dumps(read.usable),
                    "warnings": json.dumps(read.warnings),
                    "features": json.dumps(feats),
                    "previous_golden_id": None,
                    "source_updated_at": record.updated_at,
                    "received_at": now,
                    "content_hash": content_hash(read.values),
                    "erased_at": None,
                },
            )
            for key in dict.fromkeys(matching.blocking_keys(DOMAIN, feats)):
                add("BlockingKey", {"record_id": i + 1, "domain": DOMAIN, "key": key})
            candidates.append(survivorship.Candidate(record.source, record.source_key, record.updated_at, read.usable))
            attributes, provenance = survivorship.survive(DOMAIN, candidates, rules)
            changes = survivorship.diff(before, attributes)
            if changes or version == 0:
                version += 1
                add(
                    "GoldenVersion",
                    {
                        "golden_id": golden_id,
                        "version": version,
                        "reason": ChangeReason.INGEST,
                        "changes": json.dumps(changes),
                        "actor_user_id": None,
                        "actor_source_id": sources[record.source],
                        "correlation_id": "",
                        "note": "",
                        "created_at": now,
                    },
                )
            before = attributes
            i += 1
        add(
            "GoldenRecord",
            {
                "id": golden_id,
                "domain": DOMAIN,
                "status": GoldenStatus.ACTIVE,
                "merged_into_id": None,
                "version": version,
                "attributes": json.dumps(attributes),
                "provenance": json.dumps(provenance),
                "created_at": now,
                "updated_at": now,
            },
        )
    with psycopg.connect(_LOAD["url"]) as conn, conn.cursor() as cursor:
        for name in LOADED_MODELS:
            table = models[name]._meta.db_table
            columns = ", ".join(f'"{f.column}"' for f in fields[name])
            with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                for row in rows[name]:
                    copy.write_row(row)
    return {name: len(values) for name, values in rows.items()}


def _person_ranges(records: Sequence[people.Record], step: int) -> list[tuple[int, int]]:
    """Ranges of about ``step`` records that never split one person's records."""
    out, start = [], 0
    while start < len(records):
        end = min(len(records), start + step)
        while end < len(records) and records[end].person == records[end - 1].person:
            end += 1
        out.append((start, end))
        start = end
    return out


def _secondary_schema(cursor: Any, tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of every index and constraint but primary keys and checks: what a bulk load drops
    and builds again afterwards (unique and plain indexes first, foreign keys last)."""
    found = []
    for table in tables:
        for name, kind, definition in cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
            [table],
        ).fetchall():
            found.append((table, name, f"CONSTRAINT:{kind}:{definition}"))
        owned = {
            row[0] for row in cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass", [table])
        }
        for name, definition in cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table]
        ).fetchall():
            if name not in owned:
                found.append((table, name, f"INDEX:i:{definition}"))
    return sorted(found, key=lambda item: item[2].split(":")[1] == "f")


def load_database(
    url: str, size: int, args: argparse.Namespace, records: list[people.Record], feats: list[dict[str, Any]]
) -> dict[str, Any]:
    """Bulk-load ``size`` customers (records, golden records, versions, blocking keys) with COPY; ``records`` and
    ``feats`` are the engine run's when it had this size (else the records are generated again, deterministically)."""
    global _RECORDS, _FEATS
    import psycopg
    from django.db import connection

    from stewardship.matching.retrieval import Thresholds
    from stewardship.models import BlockingKey, GoldenRecord, GoldenVersion, SourceRecord, SourceSystem
    from stewardship.services.golden import ownership_rules

    result: dict[str, Any] = {"records": size}
    started = time.perf_counter()
    if len(records) == size and len(feats) == size:
        _RECORDS, _FEATS = records, feats
        log("loading the engine run's records and features")
    else:
        _RECORDS, _FEATS = generate(size, args.seed, args.workers), []
        log(f"generated {size:,} records ({time.perf_counter() - started:.1f} s); features are computed while loading")
    _LOAD.update(
        url=url,
        models={m.__name__: m for m in (GoldenRecord, SourceRecord, GoldenVersion, BlockingKey)},
        sources=dict(SourceSystem.objects.values_list("code", "id")),
        rules=ownership_rules(DOMAIN),
    )
    result["max_block_size"] = Thresholds.for_domain(DOMAIN).max_block_size
    connection.close()  # nothing of Django's connection may be shared with the forked workers
    tables = [m._meta.db_table for m in _LOAD["models"].values()]
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        schema = _secondary_schema(cursor, tables)
        for table, name, definition in reversed(schema):
            if definition.startswith("CONSTRAINT"):
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            else:
                cursor.execute(f'DROP INDEX "{name}"')
    t0 = time.perf_counter()
    counts: Counter[str] = Counter()
    parts = _person_ranges(_RECORDS, 20_000)
    with pool(args.workers) as p:
        for done, part in enumerate(p.imap_unordered(_load_range, parts), start=1):
            counts.update(part)
            if done % max(1, len(parts) // 5) == 0:
                log(f"loaded {done}/{len(parts)} parts ({counts['SourceRecord']:,} records)")
    result["copy_s"] = time.perf_counter() - t0
    result["rows"] = dict(counts)
    log(f"COPY done in {result['copy_s']:.1f} s: {dict(counts)}")
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for table, name, definition in schema:
            _, kind, body = definition.split(":", 2)
            t1 = time.perf_counter()
            if kind == "i":
                cursor.execute(body)
            else:
                cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {body}')
            log(f"built {name} ({time.perf_counter() - t1:.1f} s)")
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('stewardship_sourcerecord', 'id'), "
            "(SELECT max(id) FROM stewardship_sourcerecord))"
        )
        result["index_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for table in tables:
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
        result["vacuum_analyze_s"] = time.perf_counter() - t0
        result["sizes"] = {
            table: cursor.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", [table]).fetchone()[0]
            for table in tables
        }
    result["total_s"] = time.perf_counter() - started
    return result


# --- database: one upsert at a time ---


class QueryLog:
    """Counts and times every query Django runs (``connection.execute_wrapper``; the COPYs of ``db.bulk_insert``
    bypass it and are added by ``Stopwatch``), keeping the SQL of the candidate look-ups (the BlockingKey queries of
    ``BatchMatcher``) to explain them afterwards, and a trace of every statement."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.candidate_rows = 0
        self.candidate_seconds = 0.0
        self.lookups: list[tuple[str, Any]] = []
        self.trace: list[tuple[str, float]] = []

    def add(self, statement: str, seconds: float) -> None:
        self.count += 1
        self.seconds += seconds
        self.trace.append((" ".join(statement.split())[:110], seconds * 1000))

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.add(sql, elapsed)
            if sql.lstrip().upper().startswith(("SELECT", "WITH")) and '"stewardship_blockingkey"' in sql:
                self.candidate_seconds += elapsed
                self.lookups.append((sql, params))
                if '"features"' in sql:
                    self.candidate_rows += max(context["cursor"].rowcount, 0)


class Stopwatch:
    """Time spent in a few functions of the upsert path, by wrapping them for the measurement (behaviour unchanged):
    the candidate look-up (``BatchMatcher.__init__``: thresholds and the BlockingKey query), scoring
    (``matching.score_many``), the rest of the decision (``BatchMatcher.decide`` less scoring) and the commit."""

    def __init__(self, queries: QueryLog) -> None:
        from django.db import connections

        from stewardship import db
        from stewardship.matching import retrieval

        self.queries = queries
        self.seconds: Counter[str] = Counter()
        self.targets = [
            (retrieval.BatchMatcher, "__init__", "lookup"),
            (retrieval.BatchMatcher, "decide", "decide"),
            (matching, "score_many", "score_many"),
            (connections["default"], "_commit", "commit"),
            (db, "bulk_insert", "copy"),
        ]
        self.originals = [getattr(owner, name) for owner, name, _ in self.targets]
        self.small_insert = db.SMALL_INSERT

    def _wrap(self, function: Callable[..., Any], bucket: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                self.seconds[bucket] += elapsed
                if bucket == "copy" and args and len(args[0]) > self.small_insert:  # fewer: an INSERT, logged
                    self.queries.add(f"COPY {type(args[0][0])._meta.db_table} ({len(args[0])} rows)", elapsed)
                elif bucket == "commit":
                    self.queries.add("COMMIT", elapsed)

        return timed

    def __enter__(self) -> Stopwatch:
        for (owner, name, bucket), original in zip(self.targets, self.originals, strict=True):
            setattr(owner, name, self._wrap(original, bucket))
        return self

    def __exit__(self, *exc: object) -> None:
        for (owner, name, _), original in zip(self.targets, self.originals, strict=True):
            setattr(owner, name, original)


def upsert_workload(count: int, stored: int, rng: random.Random, run: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, source, record) for ``count`` single-record batches: 40 % new people, 40 % a stored person seen by
    another system (a duplicate, with the usual variations), 20 % an update of a stored record."""
    from stewardship.models import SourceRecord

    kinds = rng.choices(["new", "duplicate", "update"], weights=[40, 40, 20], k=count)
    picks = rng.sample(range(1, stored + 1), k=sum(k != "new" for k in kinds))
    rows = {
        sr.id: sr
        for sr in SourceRecord.objects.filter(id__in=picks)
        .select_related("source")
        .only("id", "source_key", "attributes", "source_updated_at", "source__code")
    }
    picked = iter(picks)
    now = datetime.now(UTC)
    ops = []
    for i, kind in enumerate(kinds):
        if kind == "new":
            person = people.new_person(rng, 500_000_000 + rng.randrange(100_000_000))
            source = rng.choice(people.SOURCES)
            attrs = people.as_source(rng, person, source)
            ops.append((kind, source, {"source_key": f"{run}-n{i}", "updated_at": now, "attributes": attrs}))
            continue
        sr = rows[next(picked)]
        if kind == "duplicate":
            source = rng.choice([s for s in people.SOURCES if s != sr.source.code])
            attrs = people.noisy(rng, dict(sr.attributes))
            if source != "erp":
                attrs.pop("erp_account_number", None)
            ops.append((kind, source, {"source_key": f"{run}-d{i}", "updated_at": now, "attributes": attrs}))
            continue
        attrs = dict(sr.attributes)  # an update that changes what matching sees: a new phone, or a move
        country = attrs.get("country") or "GB"
        if rng.random() < 0.5 or "address_line1" not in attrs:
            attrs["phone"] = people.mobile(rng, country)
        else:
            moved = people.new_person(rng, 0)
            attrs["address_line1"] = (
                people.street_line(moved, short=False) if moved.country == country else "1 New Road"
            )
            attrs["postal_code"], attrs["city"] = moved.postcode, moved.city
        ops.append((kind, sr.source.code, {"source_key": sr.source_key, "updated_at": now, "attributes": attrs}))
    for _, _, record in ops:
        record["updated_at"] = (record["updated_at"] + timedelta(seconds=rng.randrange(3600))).isoformat()
    return ops


def measure_upserts(args: argparse.Namespace, stored: int) -> dict[str, Any]:
    from django.db import connection

    from stewardship.models import SourceRecord, SourceSystem
    from stewardship.services.ingest import source_records_upsert

    sources = {s.code: s for s in SourceSystem.objects.all()}
    # Deterministic on a fresh database; on a kept one, a run must not repeat the last run's records (they would
    # now be duplicates, and its updates no change at all).
    earlier = SourceRecord.objects.filter(source_key__startswith="bench").count()
    rng = random.Random(args.seed * 1_000_003 + earlier)
    run = f"bench{int(time.time())}"
    warmup = upsert_workload(args.warmup, stored, rng, f"{run}w")
    ops = upsert_workload(args.upserts, stored, rng, run)
    queries = QueryLog()
    samples: list[dict[str, Any]] = []
    statuses: Counter[str] = Counter()
    with connection.execute_wrapper(queries), Stopwatch(queries) as watch:
        for n, (kind, source, record) in enumerate(warmup + ops):
            queries.reset()
            watch.seconds.clear()
            started = time.perf_counter()
            results = source_records_upsert(source=sources[source], domain=DOMAIN, records=[record])
            elapsed = time.perf_counter() - started
            if n < len(warmup):
                continue
            statuses[f"{kind}:{results[0].status}"] += 1
            samples.append(
                {
                    "kind": kind,
                    "ms": elapsed * 1000,
                    "queries": queries.count,
                    "sql_ms": queries.seconds * 1000,
                    "lookup_ms": queries.candidate_seconds * 1000,
                    "candidates": queries.candidate_rows,
                    "lookups": queries.lookups,
                    "trace": queries.trace,
                    "matcher_init_ms": watch.seconds["lookup"] * 1000,
                    "score_many_ms": watch.seconds["score_many"] * 1000,
                    "decide_other_ms": (watch.seconds["decide"] - watch.seconds["score_many"]) * 1000,
                    "commit_ms": watch.seconds["commit"] * 1000,
                }
            )
    result: dict[str, Any] = {"upserts": len(samples), "warmup": len(warmup), "answers": dict(sorted(statuses.items()))}
    for kind in ("all", "new", "duplicate", "update"):
        chosen = [s for s in samples if kind == "all" or s["kind"] == kind]
        if not chosen:
            continue
        ms = [s["ms"] for s in chosen]
        result[kind] = {
            "n": len(chosen),
            "p50_ms": statistics.median(ms),
            "p95_ms": percentile(ms, 0.95),
            "p99_ms": percentile(ms, 0.99),
            "max_ms": max(ms),
            "queries": statistics.median(s["queries"] for s in chosen),
            "queries_max": max(s["queries"] for s in chosen),
            "sql_ms_p50": statistics.median(s["sql_ms"] for s in chosen),
            "lookup_ms_p50": statistics.median(s["lookup_ms"] for s in chosen),
            "lookup_ms_p95": percentile([s["lookup_ms"] for s in chosen], 0.95),
            "candidates_p50": statistics.median(s["candidates"] for s in chosen),
            "candidates_p95": percentile([s["candidates"] for s in chosen], 0.95),
            "candidates_max": max(s["candidates"] for s in chosen),
            "matcher_init_ms_p50": statistics.median(s["matcher_init_ms"] for s in chosen),
            "score_many_ms_p50": statistics.median(s["score_many_ms"] for s in chosen),
            "score_many_ms_p95": percentile([s["score_many_ms"] for s in chosen], 0.95),
            "decide_other_ms_p50": statistics.median(s["decide_other_ms"] for s in chosen),
            "commit_ms_p50": statistics.median(s["commit_ms"] for s in chosen),
            "rest_ms_p50": statistics.median(
                s["ms"] - s["matcher_init_ms"] - s["score_many_ms"] - s["decide_other_ms"] - s["commit_ms"]
                for s in chosen
            ),
        }
    # Explain the candidate look-up of a typical duplicate and of the slowest upsert.
    duplicates = sorted((s for s in samples if s["kind"] == "duplicate" and s["lookups"]), key=lambda s: s["ms"])
    slowest = max(samples, key=lambda s: s["ms"])
    plans = {}
    typical = duplicates[len(duplicates) // 2] if duplicates else None
    if typical:
        result["typical_trace"] = {"ms": typical["ms"], "statements": typical["trace"]}
    for title, sample in (("median duplicate", typical), ("slowest upsert", slowest)):
        if not sample or not sample["lookups"]:
            continue
        for sql, params in sample["lookups"]:
            what = "rows (features)" if '"features"' in sql else "frequent keys (count)"
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            if isinstance(params, dict):
                shown = sql % {k: _literal(v) for k, v in params.items()}
            else:
                shown = sql % tuple(_literal(p) for p in params) if params else sql
            plans[f"{title} ({sample['kind']}, {sample['ms']:.1f} ms, {sample['candidates']} candidates): {what}"] = (
                f"{shown}\n{plan}"
            )
    result["plans"] = plans
    result["slowest"] = {k: slowest[k] for k in ("kind", "ms", "queries", "sql_ms", "lookup_ms", "candidates")}
    if args.profile:
        extra = upsert_workload(min(200, args.upserts), stored, rng, f"{run}p")
        profiler = cProfile.Profile()
        profiler.enable()
        for _, source, record in extra:
            source_records_upsert(source=sources[source], domain=DOMAIN, records=[record])
        profiler.disable()
        result["profile"] = {
            "own time": profile_top(profiler, 20),
            "cumulative": profile_top(profiler, 30, "cumulative"),
        }
        result["profile_upserts"] = len(extra)
    return result


def _literal(value: Any) -> str:
    """A parameter as an SQL literal, for showing a query (never executed)."""
    if isinstance(value, str):
        return "'" + str.__str__(value).replace("'", "''") + "'"
    if isinstance(value, list):
        return "ARRAY[" + ", ".join(_literal(v) for v in value) + "]"
    return str(int(value)) if isinstance(value, int) else str(value)


def print_db(load_result: dict[str, Any] | None, r: dict[str, Any], stored: int) -> None:
    if load_result:
        r_load = load_result
        print(
            f"{'bulk load':<22}{r_load['total_s']:.1f} s (COPY {r_load['copy_s']:.1f} s, indexes "
            f"{r_load['index_s']:.1f} s, VACUUM ANALYZE {r_load['vacuum_analyze_s']:.1f} s)"
        )
        print(f"{'rows':<22}{json.dumps(load_result['rows'])}")
        print(f"{'table sizes':<22}{json.dumps(load_result['sizes'])}")
    print(f"{'stored customers':<22}{stored:,}")
    print(f"{'server':<22}{json.dumps(r['server'])}")
    print(f"{'upserts measured':<22}{r['upserts']} single-record batches after {r['warmup']} warm-up ones")
    if r["connectors"]:
        print(
            f"{'connectors':<22}ERP, CDP, loyalty and commerce subscribed: deliveries written, a task sent per upsert"
        )
    print(f"{'answers':<22}{json.dumps(r['answers'])}")
    header = f"{'':<12}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'queries':>9}{'SQL ms':>8}"
    header += f"{'lookup ms p50/p95':>19}{'candidate rows p50/p95/max':>28}"
    print(header)
    for kind in ("all", "new", "duplicate", "update"):
        if kind not in r:
            continue
        k = r[kind]
        queries = f"{k['queries']:.0f}" + (f"-{k['queries_max']}" if k["queries_max"] != k["queries"] else "")
        print(
            f"{kind:<12}{k['n']:>5}{k['p50_ms']:>9.1f}{k['p95_ms']:>9.1f}{k['p99_ms']:>9.1f}{k['max_ms']:>9.1f}"
            f"{queries:>9}{k['sql_ms_p50']:>8.1f}{k['lookup_ms_p50']:>10.2f} / {k['lookup_ms_p95']:<6.2f}"
            f"{k['candidates_p50']:>13.0f} / {k['candidates_p95']:.0f} / {k['candidates_max']}"
        )
    print("where the time goes (p50 ms): candidate look-up = BatchMatcher() with its queries, score_many, the rest of")
    print("the decision, COMMIT, and everything else (reading, ORM, writes, survivorship)")
    for kind in ("all", "new", "duplicate", "update"):
        if kind in r:
            k = r[kind]
            print(
                f"  {kind:<10}look-up {k['matcher_init_ms_p50']:5.1f}   score_many {k['score_many_ms_p50']:5.1f} "
                f"(p95 {k['score_many_ms_p95']:5.1f})   decide other {k['decide_other_ms_p50']:4.1f}   "
                f"commit {k['commit_ms_p50']:4.1f}   rest {k['rest_ms_p50']:5.1f}"
            )
    verdict = "met" if r["all"]["p95_ms"] <= UPSERT_TARGET_MS else "MISSED"
    print(f"{'target':<22}{verdict}: p95 {r['all']['p95_ms']:.1f} ms (<= {UPSERT_TARGET_MS:.0f} ms)")
    print("\nblocking keys by kind (block = the stored records sharing one key; rows/look-up = what a stored record's")
    print("key of that kind brings back on average, sum n^2 / sum n)")
    print(f"{'kind':<6}{'keys':>11}{'rows':>11}{'p50':>6}{'p99':>7}{'max':>7}{'rows/look-up':>14}{'pairs':>14}")
    for k in r["key_kinds"]:
        print(
            f"{k['kind']:<6}{k['keys']:>11,}{k['rows']:>11,}{k['p50']:>6}{k['p99']:>7}{k['max']:>7}"
            f"{k['rows_per_lookup']:>14.1f}{int(k['pairs']):>14,}"
        )
    if "typical_trace" in r:
        trace = r["typical_trace"]
        print(f"\n-- the statements of the median duplicate upsert ({trace['ms']:.1f} ms in all) --")
        for statement, ms in trace["statements"]:
            print(f"{ms:7.2f} ms  {statement}")
    for title, plan in r["plans"].items():
        print(f"\n-- EXPLAIN (ANALYZE, BUFFERS), {title} --\n{plan}")
    for order, text in r.get("profile", {}).items():
        print(f"\n-- profile: {r['profile_upserts']} upserts, by {order} --\n{text.rstrip()}")


def blocking_key_kinds() -> list[dict[str, Any]]:
    """Per kind of blocking key (the prefix before ":"): keys, rows, block sizes, and the rows a look-up by a stored
    record's key of that kind returns on average (sum n^2 / sum n): which kinds make the candidate lists long."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "WITH blocks AS (SELECT key, count(*) AS n FROM stewardship_blockingkey WHERE domain = %s GROUP BY key) "
            "SELECT split_part(key, ':', 1), count(*), sum(n), percentile_disc(0.5) WITHIN GROUP (ORDER BY n), "
            "percentile_disc(0.99) WITHIN GROUP (ORDER BY n), max(n), sum(n * n)::float / sum(n), "
            "sum(n * (n - 1) / 2) FROM blocks GROUP BY 1 ORDER BY 7 DESC",
            [DOMAIN],
        )
        names = ("kind", "keys", "rows", "p50", "p99", "max", "rows_per_lookup", "pairs")
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def run_database(args: argparse.Namespace, records: list[people.Record], feats: list[dict[str, Any]]) -> dict[str, Any]:
    size = args.db_size
    print(f"\n== database: one upsert against {size:,} stored customers (load {load()}) ==", flush=True)
    url, held = database_ready(args.database_url, args.reuse_db, size)
    django_setup(url, args.broker if args.connectors else None)
    load_result = None
    if held >= size:
        log(f"reusing {url.rsplit('/', 1)[-1]}: it holds {held:,} customer records")
    else:
        load_result = load_database(url, size, args, records, feats)
        held = size
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM stewardship_sourcerecord WHERE id <= %s", [size])
        stored = cursor.fetchone()[0] or 0
    started = time.perf_counter()
    kinds = blocking_key_kinds()
    log(f"blocking keys by kind counted in {time.perf_counter() - started:.1f} s")
    server = server_settings()
    if args.prewarm:
        server["prewarmed"] = prewarm()
        log(f"prewarmed {server['prewarmed']}")
    log(f"measuring {args.upserts} upserts (load {load()})")
    with subscribed_connectors(args.connectors):
        result = measure_upserts(args, stored)
    result["connectors"] = args.connectors
    result["key_kinds"] = kinds
    result["server"] = server
    result["load_during"] = load()
    print_db(load_result, result, held)
    return {"load": load_result, "upserts": result, "stored": held}


CONNECTOR_KINDS = {"erp": "tryton", "cdp": "segment", "loyalty": "loyalty", "commerce": "medusa"}


@contextlib.contextmanager
def subscribed_connectors(on: bool) -> Iterator[None]:
    """With ``on``, upserts as deployed: the four systems' connectors subscribed to customer changes, so each upsert
    also writes a delivery per other system and, after its commit, sends one delivery task to the broker (nothing
    consumes it: the bench's queue is purged afterwards, and the connectors are made inactive again, so a later run
    on the kept database measures without them)."""
    if not on:
        yield
        return
    from stewardship.celery import app
    from stewardship.models import SourceSystem
    from sync.models import Connector, Subscription

    connectors = []
    for source in SourceSystem.objects.filter(code__in=CONNECTOR_KINDS):
        connector, _ = Connector.objects.update_or_create(
            name=f"bench-{source.code}",
            defaults={"kind": CONNECTOR_KINDS[source.code], "base_url": "http://127.0.0.1:9/", "source": source},
        )
        Subscription.objects.get_or_create(connector=connector, domain=DOMAIN)
        connectors.append(connector.pk)
    Connector.objects.filter(pk__in=connectors).update(active=True)
    try:
        yield
    finally:
        Connector.objects.filter(pk__in=connectors).update(active=False)
        app.control.purge()


def server_settings() -> dict[str, Any]:
    """The PostgreSQL settings that decide whether the candidate look-up is served from memory."""
    from django.db import connection

    names = ("shared_buffers", "effective_cache_size", "work_mem", "random_page_cost", "synchronous_commit")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [list(names)])
        return dict(cursor.fetchall())


def prewarm() -> str:
    """Read the tables and indexes a candidate look-up touches into the operating system's cache (pg_prewarm), as a
    database serving upserts all day would have them: without it, what was loaded an hour ago may have been
    reclaimed and the figures measure the disk. Returns what was read, and how long it took."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute(
            "SELECT sum(pg_prewarm(c.oid, 'read')), sum(pg_relation_size(c.oid)) FROM pg_class c "
            "WHERE c.oid IN (SELECT t.oid FROM pg_class t WHERE t.relname = ANY(%s) "
            "UNION SELECT i.indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname = ANY(%s))",
            [list(PREWARMED), list(PREWARMED)],
        )
        _, size = cursor.fetchone()
    return f"{float(size) / 1e9:.1f} GB in {time.perf_counter() - started:.1f} s"


PREWARMED = ("stewardship_blockingkey", "stewardship_sourcerecord", "stewardship_goldenrecord")
