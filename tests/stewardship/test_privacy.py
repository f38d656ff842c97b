"""Privacy and access through the API: roles and masking, sources reading their own customers only, the subject
export, erasure everywhere (a walk of every text and JSON column of every table finds none of the person's values),
tombstones, the access log, privacy requests and retention."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.utils import timezone

from stewardship import privacy, roles, services
from stewardship.models import (
    AccessLogEntry,
    CandidateStatus,
    GoldenRecord,
    GoldenStatus,
    GoldenVersion,
    IdempotencyRecord,
    MatchCandidate,
    PrivacyRequest,
    SourceRecord,
    SourceSystem,
)
from sync.models import Connector, Delivery, DeliveryAttempt, DeliveryStatus, OutboxEvent, Subscription
from sync.subjects import payloads_purge
from tests.conftest import _user, record

pytestmark = pytest.mark.django_db

# Zebedee Quixtroll: values no other fixture uses, so finding one anywhere after the erasure is finding him.
ZEB = {
    "given_name": "Zebedee",
    "family_name": "Quixtroll",
    "email": "zebedee.quixtroll@example.org",
    "phone": "+44 20 7946 0321",
    "birth_date": "1971-03-14",
    "address_line1": "17 Ornithorhynchus Row",
    "address_line2": "Flat Umbrellabird",
    "postal_code": "EC1A 9ZQ",
    "city": "London",
    "country": "GB",
}
# What must be gone: as sent, and in the forms Steward stores (E.164 phone, lower-case email, upper-case postcode).
ZEB_NEEDLES = [
    "Zebedee",
    "Quixtroll",
    "zebedee.quixtroll@example.org",
    "2079460321",
    "7946 0321",
    "1971-03-14",
    "Ornithorhynchus",
    "Umbrellabird",
    "EC1A 9ZQ",
    "EC1A9ZQ",
]


def upsert(source: str, *records: dict[str, Any], domain: str = "customer") -> list[services.RecordResult]:
    system, _ = SourceSystem.objects.get_or_create(code=source, defaults={"name": source})
    return services.source_records_upsert(source=system, domain=domain, records=list(records))


def zebedee() -> uuid.UUID:
    """Zebedee as the CDP and the ERP hold him: one golden record (the email and birth date agree)."""
    [cdp] = upsert("cdp", record("cdp-zeb", **ZEB))
    [erp] = upsert("erp", record("erp-zeb", **{**ZEB, "phone": "020 7946 0321", "erp_account_number": "A-9"}))
    assert cdp.golden_id == erp.golden_id, (cdp.as_dict(), erp.as_dict())
    return cdp.golden_id


@pytest.fixture
def viewer(db) -> User:
    return _user("vera", roles.VIEWER)


@pytest.fixture
def officer(db) -> User:
    return _user("priya", roles.PRIVACY)


# --- roles ---


def test_the_roles_are_seeded_and_listed_in_one_place():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ALL)
    assert {"privacy", "viewer"} <= set(roles.ALL)


def test_a_viewer_sees_personal_values_masked_and_names_in_full(viewer, steward, client_for):
    golden_id = zebedee()
    seen = client_for(viewer).get(f"/api/v1/customers/{golden_id}/").json()["attributes"]
    assert seen["email"] == "z•••@example.org"
    assert seen["phone"] == "•••21"
    assert seen["birth_date"] == "1971"
    assert seen["address_line1"] == seen["address_line2"] == seen["postal_code"] == privacy.DOT
    assert (seen["given_name"], seen["family_name"], seen["city"]) == ("Zebedee", "Quixtroll", "London")
    history = client_for(viewer).get(f"/api/v1/customers/{golden_id}/history/").json()["results"]
    assert "zebedee.quixtroll" not in json.dumps(history) and "Ornithorhynchus" not in json.dumps(history)
    listed = client_for(viewer).get("/api/v1/customers/").json()["results"]
    assert [r["attributes"]["email"] for r in listed] == ["z•••@example.org"]
    full = client_for(steward).get(f"/api/v1/customers/{golden_id}/").json()["attributes"]
    assert full["email"] == ZEB["email"] and full["birth_date"] == ZEB["birth_date"]
    record_as_viewer = client_for(viewer).get("/api/v1/sources/cdp/customers/cdp-zeb/").json()
    assert record_as_viewer["attributes"]["email"] == "z•••@example.org"


def test_a_viewer_sees_candidates_and_change_requests_masked(viewer, steward, client_for):
    golden_id = zebedee()
    [other] = upsert("loyalty", record("loy-1", given_name="Zeb", family_name="Quixtroll", email="zq@example.net"))
    a, b = sorted([golden_id, other.golden_id], key=str)
    MatchCandidate.objects.create(
        domain="customer",
        golden_a_id=a,
        golden_b_id=b,
        score=0.9,
        explanation=[
            {"field": "email", "a": ZEB["email"], "b": "zq@example.net", "comparator": "different", "weight": -3},
            {"field": "address", "a": "17 ornithorhynchus row", "b": None, "comparator": "missing", "weight": 0},
            {"field": "family_name", "a": "quixtroll", "b": "quixtroll", "comparator": "exact", "weight": 8},
        ],
    )
    services.change_request_create(golden_id=golden_id, attribute="email", value="zeb@new.example", user=steward)
    body = json.dumps(client_for(viewer).get("/api/v1/match-candidates/").json())
    assert "zebedee.quixtroll" not in body and "ornithorhynchus" not in body and "quixtroll" in body
    [change] = client_for(viewer).get("/api/v1/change-requests/").json()["results"]
    assert (change["value"], change["current_value"]) == ("z•••@new.example", "z•••@example.org")


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/api/v1/match-candidates/{cid}/assign/"),
        ("post", "/api/v1/match-candidates/{cid}/merge/"),
        ("post", "/api/v1/match-candidates/{cid}/reject/"),
        ("post", "/api/v1/customers/{gid}/unmerge/"),
        ("post", "/api/v1/change-requests/"),
        ("post", "/api/v1/sync/deliveries/replay/"),
    ],
)
@pytest.mark.parametrize("persona", ["viewer", "privacy", "approver-only", "admin-group"])
def test_steward_actions_need_the_steward_role(persona, method, path, client_for):
    """Checked before the object is looked up: 403 for an id that does not exist, too."""
    group = {"viewer": "viewer", "privacy": "privacy", "approver-only": "approver", "admin-group": "admin"}[persona]
    user = _user(f"u-{persona}", group)
    url = path.format(cid=999999, gid=uuid.uuid4())
    response = getattr(client_for(user), method)(url, {}, format="json")
    assert response.status_code == 403, response.content


def test_deciding_change_requests_needs_the_approver_role(steward, client_for):
    for role in ("steward", "viewer", "privacy"):
        user = _user(f"d-{role}", role)
        response = client_for(user).post("/api/v1/change-requests/999999/approve/", {}, format="json")
        assert response.status_code == 403, (role, response.content)


def test_a_user_without_a_role_reads_nothing(outsider, client_for):
    for path in ("/api/v1/customers/", "/api/v1/match-candidates/", "/api/v1/sync/deliveries/"):
        assert client_for(outsider).get(path).status_code == 403


# --- sources read their own customers only ---


def test_a_source_reads_only_customers_linked_to_its_records(source_client):
    golden_id = zebedee()  # CDP and ERP hold him; loyalty does not
    [own] = upsert("loyalty", record("loy-7", given_name="Lola", family_name="Ng", email="lola@example.net"))
    loyalty, erp = source_client("loyalty"), source_client("erp")
    assert loyalty.get(f"/api/v1/customers/{golden_id}/").status_code == 404
    assert loyalty.get(f"/api/v1/customers/{uuid.uuid4()}/").status_code == 404  # the same answer: existence hidden
    assert [r["id"] for r in loyalty.get("/api/v1/customers/").json()["results"]] == [str(own.golden_id)]
    seen = erp.get(f"/api/v1/customers/{golden_id}/").json()
    assert seen["attributes"]["email"] == ZEB["email"]
    assert seen["sources"] == [{"source": "erp", "source_key": "erp-zeb"}]  # not the CDP's key
    assert all(set(p) <= {"source", "updated_at"} for p in seen["provenance"].values())
    assert "cdp-zeb" not in json.dumps(seen)
    assert erp.get(f"/api/v1/customers/{golden_id}/history/").status_code == 403
    assert erp.get(f"/api/v1/customers/{golden_id}/access-log/").status_code == 403


def test_products_stay_readable_by_every_source(source_client):
    [product] = upsert("erp", record("sku-1", sku="SKU-1", name="Tee"), domain="product")
    assert source_client("loyalty").get(f"/api/v1/products/{product.golden_id}/").status_code == 200


# --- the access log ---


def test_each_read_of_a_customer_by_a_user_writes_one_access_log_row(steward, officer, client_for, source_client):
    golden_id = zebedee()
    client_for(steward).get(f"/api/v1/customers/{golden_id}/")
    client_for(steward).get(f"/api/v1/customers/{golden_id}/history/")
    source_client("cdp").get(f"/api/v1/customers/{golden_id}/")  # a source system is not a person reading
    client_for(steward).get("/api/v1/customers/")  # lists are not one customer's data
    rows = list(AccessLogEntry.objects.order_by("id").values_list("username", "what", "golden_id"))
    assert rows == [("stella", "view", golden_id), ("stella", "history", golden_id)]
    log = client_for(officer).get(f"/api/v1/customers/{golden_id}/access-log/").json()["results"]
    assert [(e["user"], e["what"]) for e in log] == [("stella", "history"), ("stella", "view")]
    assert client_for(steward).get(f"/api/v1/customers/{golden_id}/access-log/").status_code == 403


def test_access_log_retention():
    old = AccessLogEntry.objects.create(golden_id=uuid.uuid4(), username="x", at=timezone.now(), what="view")
    AccessLogEntry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=800))
    AccessLogEntry.objects.create(golden_id=uuid.uuid4(), username="y", at=timezone.now(), what="view")
    assert services.access_log_purge(older_than=timedelta(days=730)) == 1
    assert list(AccessLogEntry.objects.values_list("username", flat=True)) == ["y"]


# --- export ---


def test_the_privacy_officer_exports_everything_held_and_others_may_not(officer, steward, client_for):
    golden_id = zebedee()
    upsert("cdp", record("cdp-zeb", "2026-02-01T10:00:00Z", **{**ZEB, "phone": "not a phone"}))  # a warning
    services.consent_events_record(
        source=SourceSystem.objects.get(code="cdp"),
        events=[
            {
                "source_key": "cdp-zeb",
                "purpose": "email_marketing",
                "status": "granted",
                "captured_at": "2026-01-02T00:00:00Z",
            }
        ],
    )
    client_for(steward).get(f"/api/v1/customers/{golden_id}/")
    assert client_for(steward).get(f"/api/v1/customers/{golden_id}/export/").status_code == 403
    response = client_for(officer).get(f"/api/v1/customers/{golden_id}/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="customer-')
    document = response.json()
    assert document["subject"] == str(golden_id)
    assert {(r["source"], r["source_key"]) for r in document["source_records"]} == {
        ("cdp", "cdp-zeb"),
        ("erp", "erp-zeb"),
    }
    cdp = next(r for r in document["source_records"] if r["source"] == "cdp")
    assert cdp["attributes"]["phone"] == "not a phone" and "phone" in cdp["warnings"]
    assert [v["version"] for v in document["versions"]] == sorted(v["version"] for v in document["versions"])
    assert len(document["versions"]) >= 3
    assert document["consent_events"][0]["purpose"] == "email_marketing"
    assert [(a["user"], a["what"]) for a in document["access_log"]] == [("stella", "view")]
    for section in ("match_candidates", "change_requests", "deliveries", "privacy_requests", "consents"):
        assert section in document
    request = PrivacyRequest.objects.get()
    assert (request.kind, request.status, request.subject) == ("export", "completed", golden_id)
    assert AccessLogEntry.objects.filter(what="export", username="priya", golden_id=golden_id).exists()


def test_a_merged_away_id_exports_its_survivor(officer, steward, client_for):
    [a] = upsert("cdp", record("c-1", given_name="Ida", family_name="Moss", email="ida@example.org"))
    [b] = upsert("erp", record("e-1", given_name="Ida", family_name="Moss", phone="+33 6 12 34 56 78", country="FR"))
    assert a.golden_id != b.golden_id
    x, y = sorted([a.golden_id, b.golden_id], key=str)
    candidate, _ = MatchCandidate.objects.get_or_create(
        domain="customer", golden_a_id=x, golden_b_id=y, status="pending", defaults={"score": 0.9}
    )
    survivor = services.match_candidate_merge(candidate_id=candidate.pk, user=steward)
    merged_away = ({a.golden_id, b.golden_id} - {survivor.pk}).pop()
    document = client_for(officer).get(f"/api/v1/customers/{merged_away}/export/").json()
    assert document["subject"] == str(survivor.pk)
    assert {g["id"] for g in document["golden_records"]} == {str(a.golden_id), str(b.golden_id)}


# --- erasure ---


def _text_columns() -> list[tuple[str, str]]:
    """Every text-like and JSON column of every table, read from the schema: a table added later is walked too."""
    kinds = {"CharField", "TextField", "JSONField", "SlugField", "EmailField", "URLField", "GenericIPAddressField"}
    columns = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for info in connection.introspection.get_table_description(cursor, table):
                try:
                    kind = connection.introspection.get_field_type(info.type_code, info)
                except KeyError:
                    continue
                if kind in kinds:
                    columns.append((table, info.name))
    return columns


def personal_data_left(needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) wherever one of the needles is still stored, in any case."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in _text_columns():
            for needle in needles:
                cursor.execute(
                    f"SELECT 1 FROM {quote(table)} WHERE LOWER(CAST({quote(column)} AS TEXT)) LIKE %s LIMIT 1",
                    [f"%{needle.lower()}%"],
                )
                if cursor.fetchone():
                    found.append((table, column, needle))
    return found


@pytest.fixture
def webhook_connector(db) -> Connector:
    connector = Connector.objects.create(name="hooks", kind="webhook", base_url="http://127.0.0.1:9/hooks")
    Subscription.objects.create(connector=connector, domain="customer")
    return connector


def test_an_erasure_leaves_none_of_the_persons_values_anywhere(
    officer, steward, approver, client_for, webhook_connector
):
    golden_id = zebedee()
    # A history worth erasing: updates, a steward value with a comment quoting the email, consent, a candidate with
    # another customer, a stored idempotent answer, a delivery whose attempt quoted a reply, and another customer's
    # history that held one of Zebedee's records for a while (merged, then split out again).
    upsert("cdp", record("cdp-zeb", "2026-02-01T10:00:00Z", **{**ZEB, "address_line2": "Flat 2 Umbrellabird"}))
    change = services.change_request_create(
        golden_id=golden_id,
        attribute="given_name",
        value="Zebedee J.",
        comment=f"he wrote from {ZEB['email']}",
        user=steward,
    )
    services.change_request_approve(request_id=change.pk, user=approver)
    services.consent_events_record(
        source=SourceSystem.objects.get(code="cdp"),
        events=[
            {
                "source_key": "cdp-zeb",
                "purpose": "email_marketing",
                "status": "granted",
                "captured_at": "2026-01-02T00:00:00Z",
            }
        ],
    )
    [other] = upsert("loyalty", record("loy-9", given_name="Mabel", family_name="Quixtrell", city="Leeds"))
    [loyal_zeb] = upsert("loyalty", record("loy-zeb", given_name="Zeb", email=ZEB["email"], postal_code="EC1A 9ZQ"))
    assert loyal_zeb.golden_id == golden_id  # the same email: linked
    services.golden_record_unmerge(golden_id=golden_id, sources=[("loyalty", "loy-zeb")], user=steward)
    split = SourceRecord.objects.get(source__code="loyalty", source_key="loy-zeb").golden_id
    x, y = sorted([split, other.golden_id], key=str)
    candidate = MatchCandidate.objects.create(domain="customer", golden_a_id=x, golden_b_id=y, score=0.9)
    mabel_and_zeb = services.match_candidate_merge(candidate_id=candidate.pk, user=steward)
    services.golden_record_unmerge(golden_id=mabel_and_zeb.pk, sources=[("loyalty", "loy-zeb")], user=steward)
    back = SourceRecord.objects.get(source__code="loyalty", source_key="loy-zeb").golden_id
    a, b = sorted([back, golden_id], key=str)
    MatchCandidate.objects.create(
        domain="customer",
        golden_a_id=a,
        golden_b_id=b,
        score=0.91,
        explanation=[{"field": "email", "a": ZEB["email"], "b": ZEB["email"], "comparator": "exact", "weight": 9}],
    )
    api = client_for(steward)
    source = SourceSystem.objects.get(code="cdp")
    IdempotencyRecord.objects.create(
        source=source,
        key="k-1",
        request_hash="h",
        status_code=200,
        response={"results": [{"source_key": "cdp-zeb", "golden_id": str(golden_id), "warnings": {}}]},
    )
    delivery = Delivery.objects.filter(golden_id=golden_id).first()
    assert delivery is not None
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=1,
        started_at=timezone.now(),
        outcome="permanent",
        error=f"400: email {ZEB['email']} is taken",
        response=json.dumps({"email": ZEB["email"]}),
    )
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD, last_error=f"{ZEB['email']} taken")
    assert personal_data_left(ZEB_NEEDLES), "the fixture must hold Zebedee's values before the erasure"
    mabel_versions_before = GoldenVersion.objects.filter(golden=other.golden_id).count()

    response = client_for(officer).post(f"/api/v1/customers/{back}/erase/", {"reason": "GDPR art. 17, ticket 42"})
    # ``back`` is the loyalty record's own golden record: erasing it must not erase Zebedee's main record. Erase the
    # main one too, as the subject is one person with two golden records here.
    assert response.status_code == 202, response.content
    response = client_for(officer).post(f"/api/v1/customers/{golden_id}/erase/", {"reason": "GDPR art. 17, ticket 42"})
    assert response.status_code == 202, response.content
    request = response.json()["privacy_request"]
    assert (request["kind"], request["status"], request["subject"]) == ("erasure", "open", str(golden_id))
    assert request["outcome"] == {
        "hooks": {"status": "pending", "delivery": request["outcome"]["hooks"]["delivery"], "error": ""}
    }

    left = personal_data_left(ZEB_NEEDLES)
    assert left == [], left
    golden = GoldenRecord.objects.get(pk=golden_id)
    assert (golden.status, golden.attributes, golden.provenance) == (GoldenStatus.ERASED, {}, {})
    last = GoldenVersion.objects.filter(golden=golden).first()
    assert (last.reason, last.actor_user.username, last.changes) == (
        "erasure",
        "priya",
        {"status": {"before": "active", "after": "erased"}},
    )
    first = GoldenVersion.objects.filter(golden=golden).last()
    assert first.changes["email"] == {"before": None, "after": privacy.REDACTED}  # who, when and why stay
    # Mabel keeps her own history and values.
    assert GoldenVersion.objects.filter(golden=other.golden_id).count() == mabel_versions_before
    assert GoldenRecord.objects.get(pk=other.golden_id).attributes["given_name"] == "Mabel"
    # Consent keeps its proof.
    event = golden.consent_events.get()
    assert (event.purpose_id is not None, event.status, event.source.code) == (True, "granted", "cdp")
    # The queue and the outbox.
    assert not MatchCandidate.objects.filter(status=CandidateStatus.PENDING, golden_a__in=[golden_id, back]).exists()
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SUPERSEDED
    erase_event = OutboxEvent.objects.get(golden_id=golden_id, event_type="customer.erased")
    assert erase_event.payload["attributes"] == {}
    assert {s["source_key"] for s in erase_event.payload["sources"]} == {"cdp-zeb", "erp-zeb"}
    assert not IdempotencyRecord.objects.filter(key="k-1").exists()
    assert api.get(f"/api/v1/customers/{golden_id}/").json()["status"] == "erased"


def test_a_tombstoned_key_is_refused_and_nothing_is_stored(officer, client_for, push, source_cdp):
    golden_id = zebedee()
    services.customer_erase(golden_id=golden_id, user=officer, reason="request 7")
    response = push(
        source_cdp, "cdp", record("cdp-zeb", "2026-03-01T10:00:00Z", **ZEB), record("cdp-new", given_name="Ny")
    )
    erased, created = response.json()["results"]
    assert (erased["status"], erased["code"], erased["golden_id"]) == ("rejected", "erased", None)
    assert created["status"] == "created"
    assert SourceRecord.objects.get(source__code="cdp", source_key="cdp-zeb").attributes == {}
    assert personal_data_left(["Ornithorhynchus", "zebedee.quixtroll"]) == []
    consent = source_cdp.post(
        "/api/v1/sources/cdp/consents/batch/",
        {
            "events": [
                {
                    "source_key": "cdp-zeb",
                    "purpose": "email_marketing",
                    "status": "granted",
                    "captured_at": "2026-03-01T00:00:00Z",
                }
            ]
        },
        format="json",
    ).json()["results"]
    assert (consent[0]["status"], consent[0]["code"]) == ("rejected", "erased")
    # A new record of another source with his email starts a new customer: the erased one matches nothing.
    [fresh] = upsert("loyalty", record("loy-z", given_name="Zebedee", family_name="Quixtroll", email=ZEB["email"]))
    assert fresh.golden_id != golden_id


def test_erasing_twice_is_a_conflict_and_only_the_privacy_role_may(officer, steward, client_for):
    golden_id = zebedee()
    assert client_for(steward).post(f"/api/v1/customers/{golden_id}/erase/", {"reason": "x"}).status_code == 403
    assert client_for(officer).post(f"/api/v1/customers/{golden_id}/erase/", {}).status_code == 400
    assert client_for(officer).post(f"/api/v1/customers/{golden_id}/erase/", {"reason": "x"}).status_code == 202
    again = client_for(officer).post(f"/api/v1/customers/{golden_id}/erase/", {"reason": "x"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_erased")
    [product] = upsert("erp", record("sku-2", sku="S2", name="Mug"), domain="product")
    assert client_for(officer).post(f"/api/v1/customers/{product.golden_id}/erase/", {"reason": "x"}).status_code == 404


def test_a_privacy_request_follows_its_erase_deliveries(officer, webhook_connector, client_for):
    golden_id = zebedee()
    request = services.customer_erase(golden_id=golden_id, user=officer, reason="ticket 9")
    assert request.status == "open"
    erase = Delivery.objects.get(golden_id=golden_id, event_type="customer.erased")
    Delivery.objects.filter(pk=erase.pk).update(status=DeliveryStatus.DEAD, last_error="HTTP 500")
    assert services.privacy_requests_refresh(subjects=[golden_id]) == 1
    request.refresh_from_db()
    assert request.status == "failed" and request.outcome["hooks"]["status"] == "dead"
    Delivery.objects.filter(pk=erase.pk).update(status=DeliveryStatus.DELIVERED, last_error="")
    services.privacy_requests_refresh()
    request.refresh_from_db()
    assert request.status == "completed" and request.completed_at is not None
    listed = client_for(officer).get("/api/v1/privacy-requests/", {"kind": "erasure", "status": "completed"}).json()
    assert [r["id"] for r in listed["results"]] == [request.pk]
    overdue = client_for(officer).get("/api/v1/privacy-requests/", {"due_before": timezone.now().isoformat()})
    assert overdue.json()["results"] == []
    assert client_for(officer).get(f"/api/v1/privacy-requests/{request.pk}/").json()["due_at"]


def test_delivered_payloads_lose_their_personal_values_after_the_retention_period(webhook_connector):
    golden_id = zebedee()
    event = OutboxEvent.objects.filter(golden_id=golden_id).first()
    Delivery.objects.filter(event=event).update(status=DeliveryStatus.DELIVERED)
    pending_event = OutboxEvent.objects.filter(golden_id=golden_id).exclude(pk=event.pk).first()
    OutboxEvent.objects.update(created_at=timezone.now() - timedelta(days=31))
    for delivery in Delivery.objects.filter(event=event):
        DeliveryAttempt.objects.create(
            delivery=delivery, number=1, started_at=timezone.now(), outcome="delivered", response=ZEB["email"]
        )
    assert payloads_purge(older_than=timezone.now() - timedelta(days=30)) == 1
    event.refresh_from_db()
    assert event.redacted_at is not None and "attributes" not in event.payload and event.payload["id"] == str(golden_id)
    assert not DeliveryAttempt.objects.exclude(response="").exists()
    if pending_event is not None:  # still to be delivered: kept whole
        pending_event.refresh_from_db()
        assert pending_event.redacted_at is None


def test_an_admin_lifts_a_tombstone_and_the_key_is_accepted_again(officer, client):
    golden_id = zebedee()
    services.customer_erase(golden_id=golden_id, user=officer, reason="request 8")
    superuser = User.objects.create_superuser("root", password="pw-root-123!")
    client.force_login(superuser)
    tombstone = SourceRecord.objects.get(source__code="cdp", source_key="cdp-zeb")
    listed = client.get("/admin/stewardship/sourcerecord/", {"erased": "yes"})
    assert listed.status_code == 200 and b"cdp-zeb" in listed.content
    response = client.post(
        "/admin/stewardship/sourcerecord/",
        {"action": "lift_tombstones", "_selected_action": [tombstone.pk]},
    )
    assert response.status_code == 302
    assert not SourceRecord.objects.filter(pk=tombstone.pk).exists()
    [again] = upsert("cdp", record("cdp-zeb", "2026-04-01T10:00:00Z", given_name="Zebedee"))
    assert again.status == "created" and again.golden_id != golden_id
    assert SourceRecord.objects.filter(source__code="erp", source_key="erp-zeb", erased_at__isnull=False).exists()


def test_a_viewer_cannot_search_by_personal_values(viewer, steward, client_for):
    golden_id = zebedee()
    api = client_for(viewer)
    for name, value in [("email", ZEB["email"]), ("phone", ZEB["phone"]), ("postal_code", ZEB["postal_code"])]:
        response = api.get("/api/v1/customers/", {name: value})
        assert response.status_code == 400, (name, response.content)
        assert name in response.json()["error"]["fields"]
    assert api.get("/api/v1/customers/", {"q": ZEB["email"]}).json()["results"] == []  # q: names, keys, SKUs only
    assert [r["id"] for r in api.get("/api/v1/customers/", {"q": "Quixtroll"}).json()["results"]] == [str(golden_id)]
    found = client_for(steward).get("/api/v1/customers/", {"email": ZEB["email"]}).json()["results"]
    assert [r["id"] for r in found] == [str(golden_id)]
