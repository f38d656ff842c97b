"""Races on real concurrent database connections (PostgreSQL in CI): no duplicate, no lost write, no 500."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from stewardship import services
from stewardship.models import GoldenRecord, GoldenVersion, SourceRecord
from tests.conftest import record


def _client(code: str) -> APIClient:
    _, key = services.api_key_issue(source_code=code)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def _race(*calls):
    """Run the calls at the same moment, each on its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            answers[i] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return answers


@pytest.mark.django_db(transaction=True)
def test_two_sources_sending_the_same_new_customer_at_once_share_one_golden_record():
    erp, cdp = _client("erp"), _client("cdp")
    people = [record(f"K{i}", family_name=f"Fam{i}", email=f"p{i}@example.com") for i in range(200)]

    def send(client, source):
        return lambda: client.post(f"/api/v1/sources/{source}/customers/batch/", {"records": people}, format="json")

    answers = _race(send(erp, "erp"), send(cdp, "cdp"))
    assert [a.status_code for a in answers] == [200, 200]
    assert GoldenRecord.objects.count() == 200
    erp_ids = [r["golden_id"] for r in answers[0].json()["results"]]
    cdp_ids = [r["golden_id"] for r in answers[1].json()["results"]]
    assert erp_ids == cdp_ids


@pytest.mark.django_db(transaction=True)
def test_the_same_source_sending_the_same_batch_twice_at_once_writes_it_once():
    erp = _client("erp")
    batch = {"records": [record(f"K{i}", family_name=f"Fam{i}") for i in range(100)]}

    def send():
        return erp.post("/api/v1/sources/erp/customers/batch/", batch, format="json")

    answers = _race(send, send)
    assert [a.status_code for a in answers] == [200, 200]
    statuses = sorted({r["status"] for a in answers for r in a.json()["results"]})
    assert statuses == ["created", "unchanged"]
    assert SourceRecord.objects.count() == 100
    assert GoldenVersion.objects.count() == 100


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_idempotency_key_apply_once():
    erp = _client("erp")
    batch = {"records": [record(f"K{i}", family_name=f"Fam{i}") for i in range(50)]}

    def send():
        return erp.post("/api/v1/sources/erp/customers/batch/", batch, format="json", headers={"Idempotency-Key": "k1"})

    answers = _race(send, send, send)
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(a.json() == answers[0].json() for a in answers)
    assert {r["status"] for r in answers[0].json()["results"]} == {"created"}
    assert SourceRecord.objects.count() == 50
