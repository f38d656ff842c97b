"""Matching at scale: the engine deduplicating 100k and 1M customers, and one upsert matched against 1M stored ones.

    .venv/bin/python bench/match_scale.py [--sizes 100000,1000000] [--db-size 1000000] [--workers 2]
        [--skip-engine] [--skip-db] [--reuse-db] [--profile] [--json out.json]

1. **Engine alone** (no database): N generated customers (bench/people.py: realistic vocabularies, ~25 % duplicates
   with typos and variants) go through ``domains.read_attributes(...).matchable`` and ``matching.features`` (in
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
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, for ``stewardship``

import people  # noqa: E402  (bench/, beside this file)
from match_scale_db import DEFAULT_DB, run_database  # noqa: E402
from scale_common import (  # noqa: E402
    DOMAIN,
    engine_version,
    generate,
    load,
    log,
    peak_rss_gb,
    pool,
    profile_top,
    ranges,
)

from stewardship import domains, matching  # noqa: E402  (pure modules: no Django setup needed for the engine)

ENGINE_TARGET_S = 300.0  # 1M records, 2 cores

# Set in the parent before a pool forks, read by its workers (fork shares them without pickling).
_RECORDS: list[people.Record] = []
_FEATS: list[dict[str, Any]] = []
_LEFT = np.empty(0, dtype=np.int64)
_RIGHT = np.empty(0, dtype=np.int64)


# --- engine ---


def _features_range(bounds: tuple[int, int]) -> tuple[list[dict[str, Any]], float, float]:
    read_cpu = feat_cpu = 0.0
    out = []
    for record in _RECORDS[bounds[0] : bounds[1]]:
        t0 = time.process_time()
        matchable = domains.read_attributes(DOMAIN, record.attributes).matchable
        t1 = time.process_time()
        out.append(matching.features(DOMAIN, matchable))
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
    """Score one slice of the pairs with one ``score_pairs`` call, handing the engine only the records the slice
    refers to. ``score_pairs`` builds its columns over the records it is given, then scores in chunks of its own
    (its memory is bounded by that chunk): many small slices would build columns for most records again and again."""
    started = time.process_time()
    left, right = _LEFT[bounds[0] : bounds[1]], _RIGHT[bounds[0] : bounds[1]]
    used, inverse = np.unique(np.concatenate([left, right]), return_inverse=True)
    subset = [_FEATS[i] for i in used.tolist()]
    probabilities = matching.score_pairs(DOMAIN, subset, inverse[: len(left)], inverse[len(left) :])
    return np.asarray(probabilities, dtype=np.float64), time.process_time() - started


def score_all(workers: int, slice_size: int) -> tuple[np.ndarray, float]:
    out = np.empty(len(_LEFT), dtype=np.float64)
    cpu = 0.0
    # One slice per worker by default: the pairs are ordered, so halves are about equal work.
    per_worker = -(-len(_LEFT) // workers) if len(_LEFT) else 1
    slices = ranges(len(_LEFT), min(slice_size, per_worker) if slice_size else per_worker)
    done = 0
    with pool(workers) as p:
        for (start, end), (part, seconds) in zip(slices, p.imap(_score_slice, slices), strict=True):
            out[start:end] = part
            cpu += seconds
            done += 1
            log(f"scored a slice of {end - start:,} pairs ({done}/{len(slices)})")
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


def profile_engine(args: argparse.Namespace, lines: int = 14) -> dict[str, str]:
    """cProfile of each stage in this process: features on a sample, pair_candidates whole, scoring on a sample."""
    profiles = {}
    sample = min(len(_RECORDS), 20_000)
    profiler = cProfile.Profile()
    profiler.enable()
    _features_range((0, sample))
    profiler.disable()
    profiles[f"read + features ({sample:,} records)"] = profile_top(profiler, lines)
    profiler = cProfile.Profile()
    profiler.enable()
    matching.pair_candidates(DOMAIN, _FEATS, max_block_size=args.max_block_size)
    profiler.disable()
    profiles[f"pair_candidates ({len(_FEATS):,} records)"] = profile_top(profiler, lines)
    count = min(len(_LEFT), 300_000)
    profiler = cProfile.Profile()
    profiler.enable()
    _score_slice((0, count))
    profiler.disable()
    profiles[f"score_pairs ({count:,} pairs)"] = profile_top(profiler, lines)
    for title, text in profiles.items():
        print(f"\n-- profile: {title}, top {lines} by own time --\n{text.rstrip()}")
    return profiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="engine run sizes, comma-separated")
    parser.add_argument("--db-size", type=int, default=1_000_000, help="customers stored in the database")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--workers", type=int, default=2, help="processes for features and scoring (default 2)")
    parser.add_argument(
        "--score-slice", type=int, default=0, help="at most this many pairs per scoring task (default: split evenly)"
    )
    parser.add_argument("--max-block-size", type=int, default=1000, help="as MatchSettings.max_block_size")
    parser.add_argument("--auto-link", type=float, default=0.97)
    parser.add_argument("--review", type=float, default=0.80)
    parser.add_argument("--upserts", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--skip-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true", help="keep the database if it holds >= --db-size records")
    parser.add_argument(
        "--no-prewarm",
        dest="prewarm",
        action="store_false",
        help="measure upserts without first reading the looked-up tables into the OS cache (a cold database)",
    )
    parser.add_argument(
        "--connectors",
        action="store_true",
        help="upsert as deployed: the four systems' connectors subscribed, deliveries and a task per upsert",
    )
    parser.add_argument(
        "--broker",
        default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14"),
        help="the broker the delivery tasks go to with --connectors (purged afterwards)",
    )
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
        global _LEFT, _RIGHT
        _LEFT = _RIGHT = np.empty(0, dtype=np.int64)  # the pairs are not needed any more
        report["database"] = run_database(args, _RECORDS, _FEATS)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
        print(f"\nfigures written to {args.json}")


if __name__ == "__main__":
    main()
