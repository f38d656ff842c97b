"""Matching at scale: the engine deduplicating 100k and 1M customers, and one upsert matched against 1M stored ones.

    .venv/bin/python bench/match_scale.py [--sizes 100000,1000000] [--db-size 1000000] [--workers 2]
        [--skip-engine] [--skip-db] [--reuse-db] [--profile] [--json out.json]

1. **Engine alone** (no database): N generated customers (bench/people.py: realistic vocabularies, ~25 % duplicates
   with typos and variants) go through ``domains.read_attributes(...).usable`` and ``matching.features`` (in
   ``--workers`` processes), ``matching.pair_candidates`` (the engine's own, one process), ``matching.score_pairs``
   (pairs split between the workers in slices) and connected components of the pairs at or above ``--auto-link``.
   Prints wall time per stage, records/s, candidate pairs, comparisons/s and peak memory. Target (issue 3): 1M
   records in at most 5 minutes on 2 cores.
2. **Through the database**: a PostgreSQL database (``--database-url``) is loaded with ``--db-size`` stored customers
   as ingest would have written them (golden records by survivorship, golden versions, source records with their
   features, blocking keys) with COPY, straight into the model tables; then ``--upserts`` single-record batches
   (new people, duplicates of stored people, updates of stored records) go through the real service
   ``source_records_upsert``. Prints p50/p95/p99 latency, queries per upsert, and the plan of the candidate query.
   Target: p95 at most 20 ms.

The database is created (and migrated) if needed; ``--reuse-db`` keeps it when it already holds enough records.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import multiprocessing
import multiprocessing.pool
import os
import pstats
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import people  # noqa: E402  (bench/people.py, beside this file)

from stewardship import domains, matching  # noqa: E402  (pure modules: no Django setup needed for the engine)

DOMAIN = domains.CUSTOMER
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/steward_bench_scale"
ENGINE_TARGET_S = 300.0  # 1M records, 2 cores
UPSERT_TARGET_MS = 20.0

# Set in the parent before a pool forks, read by its workers (fork shares them without pickling).
_RECORDS: list[people.Record] = []
_FEATS: list[dict[str, Any]] = []
_LEFT = np.empty(0, dtype=np.int64)
_RIGHT = np.empty(0, dtype=np.int64)
_LOAD: dict[str, Any] = {}


# --- small helpers ---


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def rss_gb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e9


def peak_rss_gb() -> tuple[float, float]:
    """Peak resident memory of this process and of the largest worker process so far (ru_maxrss is in KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e9
    return own, children


def engine_version() -> str:
    """The last commit touching the engine, and a hash of the engine's source as it is on disk (the working tree
    may differ from the commit while its author works: the hash tells exactly what was measured)."""
    run = lambda *cmd: subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True).stdout.strip()  # noqa: E731
    commit = run("git", "log", "-1", "--format=%h", "--", "stewardship/matching")
    dirty = run("git", "status", "--porcelain", "--", "stewardship/matching", "stewardship/domains.py")
    digest = hashlib.sha1()
    for path in sorted((ROOT / "stewardship" / "matching").glob("*.py")) + [ROOT / "stewardship" / "domains.py"]:
        digest.update(path.read_bytes())
    state = "+ uncommitted changes" if dirty else "clean"
    return f"{commit or '?'} ({state}; source sha1 {digest.hexdigest()[:10]})"


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))]


def pool(workers: int) -> multiprocessing.pool.Pool:
    return multiprocessing.get_context("fork").Pool(workers)


# --- data ---


def generate(size: int, seed: int, workers: int) -> list[people.Record]:
    """``size`` records of the deterministic stream (people.CHUNK people per random stream)."""
    chunks = size // (people.CHUNK * 4 // 3) + 2
    records: list[people.Record] = []
    with pool(workers) as p:
        for part in p.imap(_generate_chunk, [(seed, c) for c in range(chunks)]):
            records.extend(part)
            if len(records) >= size:
                break
        p.terminate()
    while len(records) < size:  # only if the duplicate rate were far below the expected one
        records.extend(people.chunk_records(seed, chunks))
        chunks += 1
    return records[:size]


def _generate_chunk(args: tuple[int, int]) -> list[people.Record]:
    return people.chunk_records(*args)


def ranges(total: int, step: int) -> list[tuple[int, int]]:
    return [(start, min(total, start + step)) for start in range(0, total, step)]


# --- engine ---


def _features_range(bounds: tuple[int, int]) -> tuple[list[dict[str, Any]], float, float]:
    read_cpu = feat_cpu = 0.0
    out = []
    for record in _RECORDS[bounds[0] : bounds[1]]:
        t0 = time.process_time()
        usable = domains.read_attributes(DOMAIN, record.attributes).usable
        t1 = time.process_time()
        out.append(matching.features(DOMAIN, usable))
        feat_cpu += time.process_time() - t1
        read_cpu += t1 - t0
    return out, read_cpu, feat_cpu


def compute_features(workers: int) -> tuple[list[dict[str, Any]], float, float]:
    feats: list[dict[str, Any]] = []
    read_cpu = feat_cpu = 0.0
    with pool(workers) as p:
        for part, r, f in p.imap(_features_range, ranges(len(_RECORDS), 20_000)):
            feats.extend(part)
            read_cpu, feat_cpu = read_cpu + r, feat_cpu + f
    return feats, read_cpu, feat_cpu


def _score_slice(bounds: tuple[int, int]) -> tuple[np.ndarray, float]:
    """Score one slice of the pairs, handing the engine only the records the slice refers to (memory stays bounded
    by the slice, whatever N)."""
    started = time.process_time()
    left, right = _LEFT[bounds[0] : bounds[1]], _RIGHT[bounds[0] : bounds[1]]
    used, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
    subset = [_FEATS[i] for i in used.tolist()]
    probabilities = matching.score_pairs(DOMAIN, subset, inverse[: len(left)], inverse[len(left) :])
    return np.asarray(probabilities, dtype=np.float64), time.process_time() - started


def score_all(workers: int, slice_size: int) -> tuple[np.ndarray, float]:
    out = np.empty(len(_LEFT), dtype=np.float64)
    cpu = 0.0
    slices = ranges(len(_LEFT), slice_size)
    done = 0
    with pool(workers) as p:
        for (start, end), (part, seconds) in zip(slices, p.imap(_score_slice, slices), strict=True):
            out[start:end] = part
            cpu += seconds
            done += 1
            if len(slices) > 4 and done % max(1, len(slices) // 4) == 0:
                log(f"scored {end:,} / {len(_LEFT):,} pairs")
    return out, cpu


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected components (label = smallest member index) by hooking and pointer jumping, in numpy."""
    label = np.arange(n, dtype=np.int64)
    while True:
        a, b = label[left], label[right]
        differ = a != b
        if not differ.any():
            return label
        low, high = np.minimum(a[differ], b[differ]), np.maximum(a[differ], b[differ])
        np.minimum.at(label, high, low)
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped


def run_engine(size: int, args: argparse.Namespace) -> dict[str, Any]:
    global _RECORDS, _FEATS, _LEFT, _RIGHT
    print(f"\n== engine: {size:,} customers ({args.workers} processes; load {load()}) ==", flush=True)
    result: dict[str, Any] = {"records": size, "load_start": load()}
    t0 = time.perf_counter()
    _RECORDS = generate(size, args.seed, args.workers)
    result["generate_s"] = time.perf_counter() - t0
    truth = np.fromiter((r.person for r in _RECORDS), dtype=np.int64, count=len(_RECORDS))
    log(f"generated {size:,} records of {len(np.unique(truth)):,} people in {result['generate_s']:.1f} s (not counted)")

    t0 = time.perf_counter()
    _FEATS, read_cpu, feat_cpu = compute_features(args.workers)
    result["features_s"] = time.perf_counter() - t0
    result["features_cpu"] = {"read_attributes": read_cpu, "features": feat_cpu}
    log(f"read + features: {result['features_s']:.1f} s (cpu: read {read_cpu:.1f} s, features {feat_cpu:.1f} s)")

    t0 = time.perf_counter()
    left, right, oversized = matching.pair_candidates(DOMAIN, _FEATS, max_block_size=args.max_block_size)
    result["pair_candidates_s"] = time.perf_counter() - t0
    _LEFT, _RIGHT = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    result["pairs"] = len(_LEFT)
    result["oversized_keys"] = len(oversized)
    result["oversized_sample"] = oversized[:5]
    log(f"pair_candidates: {len(_LEFT):,} pairs, {len(oversized)} oversized keys, {result['pair_candidates_s']:.1f} s")

    t0 = time.perf_counter()
    probabilities, score_cpu = score_all(args.workers, args.score_slice)
    result["score_s"] = time.perf_counter() - t0
    result["score_cpu_s"] = score_cpu
    log(f"score_pairs: {result['score_s']:.1f} s (cpu {score_cpu:.1f} s)")

    t0 = time.perf_counter()
    sure = probabilities >= args.auto_link
    label = components(size, _LEFT[sure], _RIGHT[sure])
    sizes = np.bincount(label, minlength=size)
    result["components_s"] = time.perf_counter() - t0
    result["clusters"] = int((sizes >= 2).sum())
    result["largest_cluster"] = int(sizes.max()) if size else 0
    result["golden_records"] = int((sizes >= 1).sum())
    result["sure_pairs"] = int(sure.sum())
    result["review_pairs"] = int(((probabilities >= args.review) & ~sure).sum())

    result["engine_s"] = result["features_s"] + result["pair_candidates_s"] + result["score_s"] + result["components_s"]
    result["records_per_s"] = size / result["engine_s"]
    result["comparisons_per_s"] = len(_LEFT) / result["score_s"] if result["score_s"] else 0.0
    own, children = peak_rss_gb()
    result["peak_rss_gb"] = {"main": own, "largest_worker": children}
    result["load_end"] = load()

    # Sanity (match quality is bench/match_quality.py's job): how much of the truth blocking and scoring reach.
    people_sizes = np.bincount(truth - truth.min())
    true_pairs = int((people_sizes * (people_sizes - 1) // 2).sum())
    same = truth[_LEFT] == truth[_RIGHT]
    result["true_pairs"] = true_pairs
    result["blocking_recall"] = float(same.sum() / true_pairs) if true_pairs else 1.0
    result["sure_precision"] = float(same[sure].mean()) if sure.any() else 1.0
    result["sure_recall"] = float(same[sure].sum() / true_pairs) if true_pairs else 1.0
    result["review_recall"] = float(same[probabilities >= args.review].sum() / true_pairs) if true_pairs else 1.0
    print_engine(result)
    if args.profile:
        result["profile"] = profile_engine(args)
    return result


def print_engine(r: dict[str, Any]) -> None:
    n, total = r["records"], r["engine_s"]
    rows = [
        ("records", f"{n:,} ({r['true_pairs']:,} true duplicate pairs)"),
        ("read + features", f"{r['features_s']:8.1f} s"),
        ("pair_candidates", f"{r['pair_candidates_s']:8.1f} s  (one process: the engine's function)"),
        ("score_pairs", f"{r['score_s']:8.1f} s  (cpu {r['score_cpu_s']:.1f} s over the workers)"),
        ("components", f"{r['components_s']:8.1f} s"),
        ("engine total", f"{total:8.1f} s  (generation not counted: {r['generate_s']:.1f} s)"),
        ("records/s", f"{r['records_per_s']:,.0f}"),
        ("candidate pairs", f"{r['pairs']:,} ({r['pairs'] / max(n, 1):.1f} per record)"),
        ("comparisons/s", f"{r['comparisons_per_s']:,.0f} (scoring wall time)"),
        ("oversized keys", f"{r['oversized_keys']} {', '.join(r['oversized_sample'])}"),
        ("auto-link pairs", f"{r['sure_pairs']:,} -> {r['clusters']:,} clusters, largest {r['largest_cluster']}"),
        ("review pairs", f"{r['review_pairs']:,}"),
        (
            "sanity vs truth",
            f"blocking recall {r['blocking_recall']:.4f}, auto-link precision "
            f"{r['sure_precision']:.4f}, auto-link recall {r['sure_recall']:.4f}, auto+review recall "
            f"{r['review_recall']:.4f}",
        ),
        (
            "peak RSS",
            f"main {r['peak_rss_gb']['main']:.2f} GB, largest worker {r['peak_rss_gb']['largest_worker']:.2f} GB",
        ),
        ("load average", f"{r['load_start']} at start, {r['load_end']} at end"),
    ]
    if n >= 1_000_000:
        verdict = "met" if total <= ENGINE_TARGET_S * n / 1_000_000 else "MISSED"
        rows.append(("target", f"{verdict}: 1M records in <= {ENGINE_TARGET_S:.0f} s"))
    for label, value in rows:
        print(f"{label:<22}{value}")


def _top(profiler: cProfile.Profile, lines: int) -> str:
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(lines)
    text = out.getvalue()
    return text[text.find("   ncalls") :] if "   ncalls" in text else text


def profile_engine(args: argparse.Namespace, lines: int = 14) -> dict[str, str]:
    """cProfile of each stage in this process: features on a sample, pair_candidates whole, scoring on a sample."""
    profiles = {}
    sample = min(len(_RECORDS), 20_000)
    profiler = cProfile.Profile()
    profiler.enable()
    _features_range((0, sample))
    profiler.disable()
    profiles[f"read + features ({sample:,} records)"] = _top(profiler, lines)
    profiler = cProfile.Profile()
    profiler.enable()
    matching.pair_candidates(DOMAIN, _FEATS, max_block_size=args.max_block_size)
    profiler.disable()
    profiles[f"pair_candidates ({len(_FEATS):,} records)"] = _top(profiler, lines)
    count = min(len(_LEFT), 300_000)
    profiler = cProfile.Profile()
    profiler.enable()
    _score_slice((0, count))
    profiler.disable()
    profiles[f"score_pairs ({count:,} pairs)"] = _top(profiler, lines)
    for title, text in profiles.items():
        print(f"\n-- profile: {title}, top {lines} by own time --\n{text.rstrip()}")
    return profiles


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
        if held >= size:
            return url, held
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url, "STEWARD_DEV": "1", "LOG_LEVEL": "WARNING"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return url, 0


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
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
    from stewardship.services.core import _canonical_hash

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
            feats = _FEATS[i] if _FEATS else matching.features(DOMAIN, read.usable)
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
                    "content_hash": _canonical_hash(read.values),
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


def load_database(url: str, size: int, args: argparse.Namespace) -> dict[str, Any]:
    """Bulk-load ``size`` customers (records, golden records, versions, blocking keys) with COPY."""
    global _RECORDS, _FEATS
    import psycopg
    from django.db import connection

    from stewardship.matcher import Thresholds
    from stewardship.models import BlockingKey, GoldenRecord, GoldenVersion, SourceRecord, SourceSystem
    from stewardship.services.core import _rules_for

    global _LEFT, _RIGHT
    _LEFT = _RIGHT = np.empty(0, dtype=np.int64)
    result: dict[str, Any] = {"records": size}
    started = time.perf_counter()
    if len(_RECORDS) != size or len(_FEATS) != size:
        _RECORDS, _FEATS = generate(size, args.seed, args.workers), []
        log(f"generated {size:,} records ({time.perf_counter() - started:.1f} s); features are computed while loading")
    else:
        log("loading the engine run's records and features")
    _LOAD.update(
        url=url,
        models={m.__name__: m for m in (GoldenRecord, SourceRecord, GoldenVersion, BlockingKey)},
        sources=dict(SourceSystem.objects.values_list("code", "id")),
        rules=_rules_for(DOMAIN),
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
    """Counts and times every query Django runs (``connection.execute_wrapper``), keeping the SQL of the candidate
    look-ups (the BlockingKey queries of ``BatchMatcher``) to explain them afterwards."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.candidate_rows = 0
        self.candidate_seconds = 0.0
        self.lookups: list[tuple[str, Any]] = []

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.count += 1
            self.seconds += elapsed
            if sql.lstrip().upper().startswith("SELECT") and '"stewardship_blockingkey"' in sql:
                self.candidate_seconds += elapsed
                self.lookups.append((sql, params))
                if '"features"' in sql:
                    self.candidate_rows += max(context["cursor"].rowcount, 0)


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
            person = people.new_person(rng, 50_000_000 + i)
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

    from stewardship.models import SourceSystem
    from stewardship.services.core import source_records_upsert

    sources = {s.code: s for s in SourceSystem.objects.all()}
    rng = random.Random(args.seed + 1)
    run = f"bench{int(time.time())}"
    warmup = upsert_workload(args.warmup, stored, rng, f"{run}w")
    ops = upsert_workload(args.upserts, stored, rng, run)
    queries = QueryLog()
    samples: list[dict[str, Any]] = []
    statuses: Counter[str] = Counter()
    with connection.execute_wrapper(queries):
        for n, (kind, source, record) in enumerate(warmup + ops):
            queries.reset()
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
        }
    # Explain the candidate look-up of a typical duplicate and of the slowest upsert.
    duplicates = sorted((s for s in samples if s["kind"] == "duplicate" and s["lookups"]), key=lambda s: s["ms"])
    slowest = max(samples, key=lambda s: s["ms"])
    plans = {}
    typical = duplicates[len(duplicates) // 2] if duplicates else None
    for title, sample in (("median duplicate", typical), ("slowest upsert", slowest)):
        if not sample or not sample["lookups"]:
            continue
        for sql, params in sample["lookups"]:
            what = "rows (features)" if '"features"' in sql else "frequent keys (count)"
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            plans[f"{title} ({sample['kind']}, {sample['ms']:.1f} ms, {sample['candidates']} candidates): {what}"] = (
                f"{sql % tuple(_literal(p) for p in params) if params else sql}\n{plan}"
            )
    result["plans"] = plans
    result["slowest"] = {k: slowest[k] for k in ("kind", "ms", "queries", "sql_ms", "lookup_ms", "candidates")}
    return result


def _literal(value: Any) -> str:
    """A parameter as an SQL literal, for showing a query (never executed)."""
    if isinstance(value, str):
        return "'" + str.__str__(value).replace("'", "''") + "'"
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
    print(f"{'upserts measured':<22}{r['upserts']} single-record batches after {r['warmup']} warm-up ones")
    print(f"{'answers':<22}{json.dumps(r['answers'])}")
    header = f"{'':<12}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}{'queries':>9}{'SQL ms':>8}"
    header += f"{'lookup ms p50/p95':>19}{'candidates p50/p95/max':>24}"
    print(header)
    for kind in ("all", "new", "duplicate", "update"):
        if kind not in r:
            continue
        k = r[kind]
        queries = f"{k['queries']:.0f}" + (f"-{k['queries_max']}" if k["queries_max"] != k["queries"] else "")
        print(
            f"{kind:<12}{k['n']:>5}{k['p50_ms']:>9.1f}{k['p95_ms']:>9.1f}{k['p99_ms']:>9.1f}{k['max_ms']:>9.1f}"
            f"{queries:>9}{k['sql_ms_p50']:>8.1f}{k['lookup_ms_p50']:>10.2f} / {k['lookup_ms_p95']:<6.2f}"
            f"{k['candidates_p50']:>9.0f} / {k['candidates_p95']:.0f} / {k['candidates_max']}"
        )
    verdict = "met" if r["all"]["p95_ms"] <= UPSERT_TARGET_MS else "MISSED"
    print(f"{'target':<22}{verdict}: p95 {r['all']['p95_ms']:.1f} ms (<= {UPSERT_TARGET_MS:.0f} ms)")
    for title, plan in r["plans"].items():
        print(f"\n-- EXPLAIN (ANALYZE, BUFFERS), {title} --\n{plan}")


def run_database(args: argparse.Namespace) -> dict[str, Any]:
    size = args.db_size
    print(f"\n== database: one upsert against {size:,} stored customers (load {load()}) ==", flush=True)
    url, held = database_ready(args.database_url, args.reuse_db, size)
    django_setup(url)
    load_result = None
    if held >= size:
        log(f"reusing {url.rsplit('/', 1)[-1]}: it holds {held:,} customer records")
    else:
        load_result = load_database(url, size, args)
        held = size
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM stewardship_sourcerecord WHERE id <= %s", [size])
        stored = cursor.fetchone()[0] or 0
    log(f"measuring {args.upserts} upserts (load {load()})")
    result = measure_upserts(args, stored)
    result["load_during"] = load()
    print_db(load_result, result, held)
    return {"load": load_result, "upserts": result, "stored": held}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="engine run sizes, comma-separated")
    parser.add_argument("--db-size", type=int, default=1_000_000, help="customers stored in the database")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--workers", type=int, default=2, help="processes for features and scoring (default 2)")
    parser.add_argument("--score-slice", type=int, default=1_000_000, help="pairs per scoring task")
    parser.add_argument("--max-block-size", type=int, default=1000, help="as MatchSettings.max_block_size")
    parser.add_argument("--auto-link", type=float, default=0.97)
    parser.add_argument("--review", type=float, default=0.80)
    parser.add_argument("--upserts", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--skip-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true", help="keep the database if it holds >= --db-size records")
    parser.add_argument("--profile", action="store_true", help="cProfile each engine stage after its timed run")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()

    report: dict[str, Any] = {
        "engine": engine_version(),
        "cpus": os.cpu_count(),
        "load_start": load(),
        "argv": sys.argv[1:],
    }
    print(f"engine        stewardship.matching @ {report['engine']}")
    print(f"machine       {os.cpu_count()} cores, load average {report['load_start']} at start")
    if not args.skip_engine:
        report["engine_runs"] = [run_engine(int(size), args) for size in args.sizes.split(",") if size.strip()]
        if len(report["engine_runs"]) > 1:
            print("\n== engine summary ==")
            print(
                f"{'records':>12}{'features s':>12}{'pairs s':>10}{'score s':>10}{'total s':>10}{'records/s':>11}"
                f"{'pairs':>14}{'pairs/s':>11}{'peak GB':>9}  load"
            )
            for r in report["engine_runs"]:
                print(
                    f"{r['records']:>12,}{r['features_s']:>12.1f}{r['pair_candidates_s']:>10.1f}{r['score_s']:>10.1f}"
                    f"{r['engine_s']:>10.1f}{r['records_per_s']:>11,.0f}{r['pairs']:>14,}"
                    f"{r['comparisons_per_s']:>11,.0f}{max(r['peak_rss_gb'].values()):>9.2f}  {r['load_end']}"
                )
    if not args.skip_db:
        report["database"] = run_database(args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
