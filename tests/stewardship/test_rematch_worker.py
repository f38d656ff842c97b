"""`manage.py rematch` queues its chunks to Celery; a real worker on the real broker does the work."""

import os
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from stewardship.celery import app
from stewardship.models import GoldenRecord, MatchSettings, SourceRecord
from tests.conftest import record
from tests.fixtures.local import celery_worker_args, database_url
from tests.stewardship.test_concurrency import _client

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    app.control.purge()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "STEWARD_DEV": "1",
    }
    process = subprocess.Popen(
        celery_worker_args(),
        cwd=ROOT,
        env=env,
    )
    yield process
    process.terminate()
    process.wait(timeout=30)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_rematch_runs_on_a_real_worker(worker, capsys):
    # Ingest with matching switched off (thresholds out of reach), so duplicates stay apart...
    MatchSettings.objects.filter(domain="customer").update(auto_link=2.0, review=1.5)
    people = [
        record(
            f"K{i}",
            given_name="Ann",
            family_name=f"Lee{i}",
            email=f"ann{i}@example.com",
            birth_date="1980-01-02",
            postal_code="SW1A 1AA",
            country="GB",
        )
        for i in range(20)
    ]
    for source in ("erp", "cdp"):
        client = _client(source)
        assert (
            client.post(f"/api/v1/sources/{source}/customers/batch/", {"records": people}, format="json").status_code
            == 200
        )
    assert GoldenRecord.objects.filter(status="active").count() == 40
    # ...then switch it on and let the worker rematch.
    MatchSettings.objects.filter(domain="customer").update(auto_link=0.97, review=0.8)
    call_command("rematch", "--domain", "customer", "--chunk", "5")
    assert "rematch tasks queued" in capsys.readouterr().out
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and GoldenRecord.objects.filter(status="active").count() > 20:
        time.sleep(0.5)
    assert worker.poll() is None, "the worker died"
    assert GoldenRecord.objects.filter(status="active").count() == 20
    for i in range(20):
        assert SourceRecord.objects.filter(source_key=f"K{i}").values("golden_id").distinct().count() == 1
