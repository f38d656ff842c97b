"""POST /api/v1/sources/{source}/customers|products/batch/: per-record answers, ownership, ordering, idempotency."""

import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stewardship import db, services
from stewardship.models import BlockingKey, GoldenRecord, SourceRecord, SourceSystem
from stewardship.services import rematch
from tests.conftest import record

pytestmark = pytest.mark.django_db


def test_it_creates_a_golden_record_and_answers_per_record(source_erp, push):
    response = push(source_erp, "erp", record("E1", given_name="Ann", family_name="Lee", email="ann@example.com"))
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["status"] == "created" and result["errors"] == {} and result["warnings"] == {}
    golden = GoldenRecord.objects.get(pk=result["golden_id"])
    assert golden.attributes["email"] == "ann@example.com"
    assert golden.provenance["email"]["source"] == "erp"
    assert golden.provenance["email"]["source_key"] == "E1"
    assert golden.version == 1


def test_an_erp_update_to_email_does_not_beat_the_cdp_value(source_erp, source_cdp, push):
    push(
        source_cdp,
        "cdp",
        record("C1", given_name="Ann", family_name="Lee", email="ann@example.com", phone="+33612345678"),
    )
    push(
        source_erp,
        "erp",
        record("E1", given_name="Ann", family_name="Lee", email="ann@example.com", erp_account_number="A-1"),
    )
    response = push(
        source_erp,
        "erp",
        record(
            "E1",
            "2026-02-01T00:00:00Z",
            given_name="Ann",
            family_name="Lee",
            email="ann.lee@corp.example",
            erp_account_number="A-1",
        ),
    )
    [result] = response.json()["results"]
    assert result["status"] == "updated"
    golden = GoldenRecord.objects.get(pk=result["golden_id"])
    assert golden.attributes["email"] == "ann@example.com"
    assert golden.provenance["email"]["source"] == "cdp"


def test_an_erp_owned_attribute_follows_the_erp(source_erp, source_cdp, push):
    push(source_cdp, "cdp", record("C1", given_name="Ann", family_name="Lee", email="ann@example.com", city="Lyon"))
    push(source_erp, "erp", record("E1", given_name="Ann", family_name="Lee", email="ann@example.com", city="Paris"))
    golden = GoldenRecord.objects.get()
    assert golden.attributes["city"] == "Paris"  # address: erp first, then cdp
    push(
        source_erp,
        "erp",
        record("E1", "2026-03-01T00:00:00Z", given_name="Ann", family_name="Lee", email="ann@example.com", city="Nice"),
    )
    golden.refresh_from_db()
    assert golden.attributes["city"] == "Nice"
    assert golden.provenance["city"]["source"] == "erp"


def test_records_link_on_normalised_email_and_names(source_erp, source_cdp, push):
    a = push(
        source_cdp, "cdp", record("C1", given_name="Jürgen", family_name="Müller", email="J.Mueller+shop@gmail.com")
    ).json()
    b = push(
        source_erp, "erp", record("E1", given_name="JURGEN", family_name="MULLER", email="jmueller@googlemail.com")
    ).json()
    assert a["results"][0]["golden_id"] == b["results"][0]["golden_id"]
    assert GoldenRecord.objects.count() == 1


def test_an_older_update_never_overwrites_newer_data(source_erp, push):
    push(source_erp, "erp", record("E1", "2026-05-01T00:00:00Z", family_name="Lee", city="Paris"))
    response = push(source_erp, "erp", record("E1", "2026-04-01T00:00:00Z", family_name="Lee", city="Old Town"))
    [result] = response.json()["results"]
    assert result["status"] == "unchanged"
    assert result["reason"].startswith("stale")
    assert SourceRecord.objects.get().attributes["city"] == "Paris"
    assert GoldenRecord.objects.get().attributes["city"] == "Paris"


def test_the_same_content_again_is_unchanged(source_erp, push):
    push(source_erp, "erp", record("E1", family_name="Lee"))
    [result] = push(source_erp, "erp", record("E1", "2026-01-02T00:00:00Z", family_name="Lee")).json()["results"]
    assert result["status"] == "unchanged" and result["reason"] == "no change"
    assert GoldenRecord.objects.get().version == 1


def test_unreadable_records_are_rejected_and_the_rest_accepted(source_erp, push):
    response = push(
        source_erp,
        "erp",
        record("OK1", family_name="Lee"),
        record("BAD1", family_name="Lee", shoe_size=44),
        {"source_key": "BAD2", "updated_at": "yesterday", "attributes": {}},
        record("BAD3", country="XX"),
        record("BAD4", birth_date="30.02.1990"),
        "not an object",
        record("OK2", family_name="Kim"),
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "created",
    ]
    assert results[1]["errors"] == {"attributes.shoe_size": ["Unknown attribute."]}
    assert "updated_at" in results[2]["errors"]
    assert "attributes.country" in results[3]["errors"]
    assert "attributes.birth_date" in results[4]["errors"]
    assert results[1]["golden_id"] is None
    assert set(SourceRecord.objects.values_list("source_key", flat=True)) == {"OK1", "OK2"}


def test_quality_warnings_keep_the_value_but_not_in_the_golden_record(source_erp, push):
    [result] = push(
        source_erp, "erp", record("E1", family_name="Lee", email="lee-at-example", phone="123", country="GB")
    ).json()["results"]
    assert result["status"] == "created"
    assert set(result["warnings"]) == {"email", "phone"}
    source_record = SourceRecord.objects.get()
    assert source_record.attributes["email"] == "lee-at-example"
    golden = GoldenRecord.objects.get()
    assert "email" not in golden.attributes and "phone" not in golden.attributes


def test_a_birth_date_that_is_no_date_is_kept_out_of_the_golden_record_but_matched_as_a_slip(
    source_erp, source_cdp, push
):
    person = {"given_name": "Anna", "family_name": "Schmitz", "postal_code": "50667", "country": "DE"}
    [erp] = push(source_erp, "erp", record("E1", birth_date="1990-02-13", **person)).json()["results"]
    # A legacy system's 1990-02-31 is the 13th typed the wrong way round: without it, name and postcode alone would
    # only be queued for review.
    [cdp] = push(source_cdp, "cdp", record("C1", birth_date="1990-02-31", **person)).json()["results"]
    assert cdp["status"] == "created" and cdp["golden_id"] == erp["golden_id"]
    assert set(cdp["warnings"]) == {"birth_date"}
    stored = SourceRecord.objects.get(source_key="C1")
    assert stored.attributes["birth_date"] == "1990-02-31" and "birth_date" not in stored.usable
    assert stored.features["db"] == "1990-02-31"
    assert GoldenRecord.objects.get(pk=erp["golden_id"]).attributes["birth_date"] == "1990-02-13"
    # `rematch --refeature` rebuilds features from what is stored, and keeps the slip.
    keys = set(BlockingKey.objects.filter(record=stored).values_list("key", flat=True))
    SourceRecord.objects.filter(pk=stored.pk).update(features={})
    BlockingKey.objects.filter(record=stored).delete()
    rematch.source_records_refeature(domain="customer", record_ids=[stored.pk])
    assert SourceRecord.objects.get(pk=stored.pk).features == stored.features
    assert set(BlockingKey.objects.filter(record=stored).values_list("key", flat=True)) == keys
    assert any(key.startswith("dp:1990-02-31|") for key in keys)


def test_products_check_gtin_and_link_by_gtin(source_erp, source_client, push):
    commerce = source_client("commerce")
    erp = push(
        source_erp, "erp", record("P1", gtin="4006381333931", name="Pen", price="1.99"), domain="products"
    ).json()["results"][0]
    web = push(
        commerce,
        "commerce",
        record("web-1", gtin="04006381333931", name="Blue pen", description="A fine pen"),
        domain="products",
    ).json()["results"][0]
    bad = push(source_erp, "erp", record("P2", gtin="4006381333932"), domain="products").json()["results"][0]
    assert erp["golden_id"] == web["golden_id"]
    assert bad["warnings"] == {"gtin": ["GTIN check digit is wrong."]}
    golden = GoldenRecord.objects.get(pk=erp["golden_id"])
    assert golden.attributes["name"] == "Pen"  # erp owns the product core
    assert golden.attributes["description"] == "A fine pen"  # commerce owns marketing


@pytest.mark.parametrize(
    "body",
    [{}, {"records": "x"}, {"records": []}, [1, 2], {"records": None}],
)
def test_a_malformed_envelope_is_a_400(source_erp, body):
    response = source_erp.post("/api/v1/sources/erp/customers/batch/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_failed"


def test_invalid_json_is_a_400(source_erp):
    response = source_erp.post("/api/v1/sources/erp/customers/batch/", "{nope", content_type="application/json")
    assert response.status_code == 400


def test_more_than_1000_records_is_a_413(source_erp, push):
    response = push(source_erp, "erp", *[record(f"K{i}") for i in range(1001)])
    assert response.status_code == 413
    assert SourceRecord.objects.count() == 0


def test_an_oversized_body_is_a_413(source_erp, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = source_erp.post(
        "/api/v1/sources/erp/customers/batch/", {"records": [record("K", city="x" * 2000)]}, format="json"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_an_idempotency_key_replays_the_first_answer(source_erp, push):
    first = push(source_erp, "erp", record("E1", family_name="Lee"), **{"Idempotency-Key": "batch-1"})
    again = push(source_erp, "erp", record("E1", family_name="Lee"), **{"Idempotency-Key": "batch-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.json()["results"][0]["status"] == "created"  # the first answer, not "unchanged"
    assert again["Idempotent-Replayed"] == "true"
    assert GoldenRecord.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_is_a_422(source_erp, push):
    push(source_erp, "erp", record("E1", family_name="Lee"), **{"Idempotency-Key": "batch-1"})
    response = push(source_erp, "erp", record("E1", family_name="Kim"), **{"Idempotency-Key": "batch-1"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert SourceRecord.objects.get().attributes["family_name"] == "Lee"


def test_idempotency_keys_are_per_source(source_erp, source_cdp, push):
    push(source_erp, "erp", record("E1", family_name="Lee"), **{"Idempotency-Key": "k"})
    response = push(source_cdp, "cdp", record("C1", family_name="Kim"), **{"Idempotency-Key": "k"})
    assert response.json()["results"][0]["status"] == "created"


def test_history_records_each_change_with_source_and_correlation_id(source_erp, steward, client_for, push):
    created = push(source_erp, "erp", record("E1", family_name="Lee"), **{"X-Correlation-ID": "req-abc-1"})
    assert created["X-Correlation-ID"] == "req-abc-1"
    golden_id = created.json()["results"][0]["golden_id"]
    push(source_erp, "erp", record("E1", "2026-02-01T00:00:00Z", family_name="Leigh"))
    response = client_for(steward).get(f"/api/v1/customers/{golden_id}/history/")
    assert response.status_code == 200
    versions = response.json()["results"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["changes"] == {"family_name": {"before": "Lee", "after": "Leigh"}}
    assert versions[0]["actor"] == "source:erp" and versions[0]["reason"] == "ingest"
    assert versions[1]["correlation_id"] == "req-abc-1"
    assert len(versions[0]["correlation_id"]) == 32  # generated when absent


def test_a_steward_lock_holds_against_source_updates(source_cdp, steward, push):
    golden_id = push(source_cdp, "cdp", record("C1", family_name="Lee", email="a@example.com")).json()["results"][0][
        "golden_id"
    ]
    services.attribute_lock_set(golden_id=golden_id, attribute="email", value="ann@example.com", user=steward)
    push(source_cdp, "cdp", record("C1", "2026-06-01T00:00:00Z", family_name="Lee", email="b@example.com"))
    golden = GoldenRecord.objects.get(pk=golden_id)
    assert golden.attributes["email"] == "ann@example.com"
    assert golden.provenance["email"] == {"source": "steward", "user": "stella", "updated_at": ANY_ISO}
    services.attribute_lock_release(golden_id=golden_id, attribute="email", user=steward)
    golden.refresh_from_db()
    assert golden.attributes["email"] == "b@example.com"
    # the source update while locked changed nothing on the golden record: no version for it
    reasons = list(golden.versions.values_list("reason", "actor_user__username", "note"))
    assert reasons == [("steward_edit", "stella", "unlocked"), ("steward_edit", "stella", ""), ("ingest", None, "")]


class _AnyIso:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and "T" in other


ANY_ISO = _AnyIso()


def test_a_key_repeated_in_one_batch_applies_in_order(source_erp, push):
    results = push(
        source_erp,
        "erp",
        record("E1", "2026-01-01T00:00:00Z", family_name="Lee"),
        record("E1", "2026-01-03T00:00:00Z", family_name="Leigh"),
        record("E1", "2026-01-02T00:00:00Z", family_name="Lea"),
    ).json()["results"]
    assert [r["status"] for r in results] == ["created", "updated", "unchanged"]
    assert len({r["golden_id"] for r in results}) == 1
    assert SourceRecord.objects.get().attributes["family_name"] == "Leigh"
    assert GoldenRecord.objects.get().attributes["family_name"] == "Leigh"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="plan_cache_mode is PostgreSQL's")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_ingest_plans_its_statements_once_and_only_inside_its_own_transaction():
    def plan_cache_mode():
        with connection.cursor() as cursor:
            cursor.execute("SHOW plan_cache_mode")
            return cursor.fetchone()[0]

    erp = SourceSystem.objects.get(code="erp")
    with transaction.atomic():
        services.source_records_upsert(source=erp, domain="customer", records=[record("C-1", given_name="Ann")])
        assert plan_cache_mode() == "force_generic_plan"
    # Other work on the connection (the API's filtered lists) keeps PostgreSQL's own choice.
    assert plan_cache_mode() == "auto"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the statements counted are PostgreSQL's")
def test_one_record_is_written_in_a_fixed_number_of_statements(db):
    """The single-record upsert is the latency that matters (issue 3's p95 at 1M stored customers): the source lock
    reads the domain's configuration in the same statement, recomputing a golden record reads what it needs in one,
    and the outbox payload reuses what the write already read. Each table is written in one statement (an INSERT of a
    few rows, ``db.bulk_insert``)."""
    ann = {"given_name": "Ann", "family_name": "Lee", "email": "ann.lee@example.com", "country": "GB"}
    bob = {"given_name": "Bob", "family_name": "Stone", "email": "bob.stone@example.com", "country": "GB"}

    def upsert(source, key, attributes, status=services.CREATED):
        with CaptureQueriesContext(connection) as queries:
            [result] = services.source_records_upsert(
                source=source, domain="customer", records=[record(key, **attributes)]
            )
        assert result.status == status
        # The test's own transaction makes the service's a savepoint: not counted (in production, BEGIN/COMMIT).
        return [q["sql"][:80] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]

    erp, cdp = (SourceSystem.objects.get(code=code) for code in ("erp", "cdp"))
    upsert(erp, "C-1", ann)
    new = upsert(erp, "C-2", bob)
    joining = upsert(cdp, "cdp-1", ann | {"phone": "+44 7911 123456"})
    assert GoldenRecord.objects.count() == 2
    # the source lock with the configuration, existing records, the match lock, candidates, the golden record, the
    # source record, its version, its event, blocking keys
    assert len(new) == 9, "\n".join(new)
    assert sum(q.startswith("INSERT") for q in new) == 4, "\n".join(new)
    # ... joining a golden record: the source record, blocking keys, the golden record's lock, one read of its source
    # records, steward locks and consents (for the event), its new state, its version, its event
    assert len(joining) == 11, "\n".join(joining)
    # The same record sent again (a full sync): the source lock and the stored record, no candidate look-up.
    again = upsert(erp, "C-2", bob, status=services.UNCHANGED)
    assert len(again) == 2, "\n".join(again)


@pytest.mark.parametrize("count", [1, db.SMALL_INSERT, db.SMALL_INSERT + 1])
def test_a_batch_writes_the_same_rows_whether_inserted_or_copied(source_erp, push, count):
    """``db.bulk_insert`` writes a few rows with one INSERT and more with COPY: both store every column."""
    records = [
        record(f"C-{i}", given_name=f"Ann{i}", family_name="Lee", email=f"ann{i}@example.com") for i in range(count)
    ]
    response = push(source_erp, "erp", *records)
    assert response.status_code == 200, response.content
    assert SourceRecord.objects.count() == GoldenRecord.objects.count() == count
    stored = SourceRecord.objects.select_related("golden").get(source_key=f"C-{count - 1}")
    assert stored.attributes["email"] == f"ann{count - 1}@example.com"
    assert stored.features["gn"] == f"ann{count - 1}"
    assert stored.golden.attributes["given_name"] == f"Ann{count - 1}"
    assert stored.golden.versions.get().changes["given_name"] == {"before": None, "after": f"Ann{count - 1}"}


def test_a_timestamp_outside_1900_to_now_rejects_the_record_and_the_others_go_on(source_erp, push, client_for, steward):
    response = push(
        source_erp,
        "erp",
        record("Y9999", "9999-12-31T23:00:00-05:00", family_name="Lee"),
        record("Y3000", "3000-01-01T00:00:00Z", family_name="Kim"),
        record("Y1899", "1899-12-31T23:59:59Z", family_name="Park"),
        record("OK", family_name="Lee"),
    )
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 3 + ["created"]
    assert [list(r["errors"]) for r in results[:3]] == [["updated_at"]] * 3
    assert list(SourceRecord.objects.values_list("source_key", flat=True)) == ["OK"]
    golden = results[3]["golden_id"]
    assert client_for(steward).get(f"/api/v1/customers/{golden}/").status_code == 200


def test_a_source_clock_may_run_ahead_by_the_allowed_skew(source_erp, push, settings):
    settings.STEWARD_MAX_CLOCK_SKEW_SECONDS = 300
    now = timezone.now()
    results = push(
        source_erp,
        "erp",
        record("AHEAD", (now + timedelta(seconds=200)).isoformat(), family_name="Lee"),
        record("TOO-FAR", (now + timedelta(seconds=400)).isoformat(), family_name="Kim"),
    ).json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected"]
    assert results[1]["errors"] == {"updated_at": ["In the future."]}


def post_json(client, path, body, **headers):
    """POST ``body`` as JSON text: a lone surrogate travels as its \\ud800 escape, which a client's encoder refuses."""
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


def unstorable(n):
    """Record ``n`` with text PostgreSQL cannot store (a NUL, a lone surrogate) somewhere in it."""
    key = f"BAD{n}"
    return [
        record(key, given_name="An\x00n"),
        record(key + "\ud800", given_name="Ann"),
        record(key, family_name="Lee\udfff"),
        {**record(key, given_name="Ann"), "comm\x00ent": "x"},
        record(key, **{"given\x00name": "Ann"}),
        record(key, phone=["+33\x00"]),
    ][n % 6]


def test_text_postgresql_cannot_store_rejects_only_its_record(source_erp):
    bad = range(3, 990, 14)  # 71 of the 1,000
    records = [unstorable(n // 14) if n in bad else record(f"OK{n}", family_name=f"Lee{n}") for n in range(1000)]
    response = post_json(
        source_erp, "/api/v1/sources/erp/customers/batch/", {"records": records}, **{"Idempotency-Key": "nul-1"}
    )
    assert response.status_code == 200, response.content[:300]
    results = response.json()["results"]
    rejected = [r for r in results if r["status"] == "rejected"]
    assert len(rejected) == 71 and all(r["errors"] for r in rejected)
    assert {tuple(r["errors"]) for r in rejected} == {
        ("attributes.given_name",),
        ("source_key",),
        ("attributes.family_name",),
        ("comm\\u0000ent",),
        ("attributes.given\\u0000name",),
        ("attributes.phone.0",),
    }
    assert rejected[1]["source_key"] == "BAD1\\ud800"  # echoed with the character escaped
    assert SourceRecord.objects.count() == 929
    again = post_json(
        source_erp, "/api/v1/sources/erp/customers/batch/", {"records": records}, **{"Idempotency-Key": "nul-1"}
    )
    assert again.json() == response.json() and again["Idempotent-Replayed"] == "true"


def test_an_idempotency_key_postgresql_cannot_store_is_a_400(source_erp, push):
    response = push(source_erp, "erp", record("E1", family_name="Lee"), **{"Idempotency-Key": "k\x00"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"Idempotency-Key": ["Not valid text."]}
    assert SourceRecord.objects.count() == 0


def test_a_source_key_with_a_nul_in_the_url_is_not_found(source_erp):
    assert source_erp.get("/api/v1/sources/erp/customers/E%001/").status_code == 404
