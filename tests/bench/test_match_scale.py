"""The upsert half of bench/match_scale.py runs end to end on a small scratch database (it keeps working as ingest
changes: its timing wraps functions of the upsert path), and with --connectors the upserts write deliveries."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.sync.processes import Broker

ROOT = Path(__file__).resolve().parents[2]


def server_url(name: str) -> str:
    """The test database's server, another database on it."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def private_broker(tmp_path: Path):
    """A Redis of this test's own: the benchmark purges its queue afterwards, which on a shared Redis database would
    drop the tasks of another run or benchmark using it."""
    broker = Broker(tmp_path)
    broker.start()
    yield broker
    broker.stop()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark loads PostgreSQL with COPY")
def test_the_upsert_benchmark_runs_as_deployed_and_leaves_its_connectors_inactive(private_broker):
    # Named after this run's test database, so that a run from another worktree does not drop it halfway through.
    smoke = f"{connection.settings_dict['NAME']}_bench_smoke"
    url, admin_url = server_url(smoke), server_url("postgres")
    argv = [sys.executable, "bench/match_scale.py", "--skip-engine", "--db-size", "3000", "--upserts", "30"]
    argv += ["--warmup", "5", "--database-url", url, "--connectors", "--broker", private_broker.url]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    try:
        run = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        assert "upserts measured      30 single-record batches" in run.stdout
        assert "connectors            ERP, CDP, loyalty and commerce subscribed" in run.stdout
        assert "p95" in run.stdout and "target" in run.stdout
        with psycopg.connect(url) as db:
            deliveries = db.execute("SELECT count(*) FROM sync_delivery").fetchone()[0]
            active = db.execute("SELECT count(*) FROM sync_connector WHERE active").fetchone()[0]
        assert deliveries > 0 and active == 0
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{smoke}" WITH (FORCE)')
