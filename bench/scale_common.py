"""Helpers shared by bench/match_scale.py and bench/match_scale_db.py: progress lines, load, memory, the engine's
version, worker pools and the generated records."""

from __future__ import annotations

import cProfile
import hashlib
import io
import multiprocessing
import multiprocessing.pool
import os
import pstats
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import people  # noqa: E402  (bench/people.py, beside this file)

from stewardship import domains  # noqa: E402

DOMAIN = domains.CUSTOMER


# --- small helpers ---


def log(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


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


def profile_top(profiler: cProfile.Profile, lines: int, order: str = "tottime") -> str:
    """The top entries of a profile, without pstats' preamble."""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(lines)
    text = out.getvalue()
    return text[text.find("   ncalls") :] if "   ncalls" in text else text


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
