"""Review: the candidate queue, claim, merge (with chosen values), not a match, unmerge, 409/412."""

import json

import pytest

from stewardship.models import (
    AttributeLock,
    ConsentState,
    GoldenRecord,
    MatchCandidate,
    NotAMatch,
    SourceRecord,
)
from tests.conftest import record

pytestmark = pytest.mark.django_db


def golden_of(client, push, source, key, **attrs):
    return push(client, source, record(key, **attrs)).json()["results"][0]["golden_id"]


def candidate(a, b, score=0.9):
    a, b = sorted([a, b], key=str)
    return MatchCandidate.objects.create(
        domain="customer",
        golden_a_id=a,
        golden_b_id=b,
        score=score,
        explanation=[
            {
                "field": "family_name",
                "a": "Lee",
                "b": "Lee",
                "comparator": "jaro_winkler",
                "similarity": 1,
                "weight": 3.2,
            }
        ],
    )


@pytest.fixture
def pair(source_cdp, source_erp, push):
    """Ann Lee in the CDP, A. Lee in the ERP, not linked by ingest, proposed as a candidate."""
    a = golden_of(
        source_cdp, push, "cdp", "C1", given_name="Ann", family_name="Lee", email="ann@example.com", city="Lyon"
    )
    b = golden_of(
        source_erp,
        push,
        "erp",
        "E1",
        given_name="A.",
        family_name="Lee",
        email="alee@corp.example",
        city="Paris",
        erp_account_number="ACC-1",
    )
    return a, b, candidate(a, b)


def test_the_queue_lists_pending_candidates_with_explanations(pair, steward, client_for):
    a, b, cand = pair
    body = client_for(steward).get("/api/v1/match-candidates/?status=pending&domain=customer").json()
    [item] = body["results"]
    assert item["id"] == cand.pk and set(item["golden_ids"]) == {a, b}
    assert item["score"] == 0.9 and item["status"] == "pending"
    assert item["explanation"][0]["field"] == "family_name"
    assert item["assigned_to"] is None and item["etag"] == '"1.1"'


def test_queue_filters(pair, steward, approver, client_for):
    client = client_for(steward)
    assert len(client.get("/api/v1/match-candidates/?score_min=0.95").json()["results"]) == 0
    assert len(client.get("/api/v1/match-candidates/?score_min=0.85&score_max=0.95").json()["results"]) == 1
    assert len(client.get("/api/v1/match-candidates/?domain=product").json()["results"]) == 0
    assert len(client.get("/api/v1/match-candidates/?assigned_to=none").json()["results"]) == 1
    client.post(f"/api/v1/match-candidates/{pair[2].pk}/assign/")
    assert len(client.get("/api/v1/match-candidates/?assigned_to=me").json()["results"]) == 1
    assert len(client_for(approver).get("/api/v1/match-candidates/?assigned_to=me").json()["results"]) == 0
    assert len(client.get("/api/v1/match-candidates/?assigned_to=stella").json()["results"]) == 1
    assert len(client.get(f"/api/v1/match-candidates/?golden_id={pair[0]}").json()["results"]) == 1


def test_sources_and_outsiders_cannot_see_the_queue(pair, source_cdp, outsider, client_for):
    assert source_cdp.get("/api/v1/match-candidates/").status_code == 403
    assert client_for(outsider).get("/api/v1/match-candidates/").status_code == 403


def test_claiming_one_another_steward_holds_is_a_409(pair, steward, approver, client_for):
    url = f"/api/v1/match-candidates/{pair[2].pk}/assign/"
    assert client_for(steward).post(url).json()["assigned_to"] == "stella"
    response = client_for(approver).post(url)
    assert response.status_code == 409
    assert "stella" in response.json()["error"]["message"]


def test_merge_keeps_both_source_records_and_history(pair, steward, client_for):
    a, b, cand = pair
    response = client_for(steward).post(f"/api/v1/match-candidates/{cand.pk}/merge/", {}, format="json")
    assert response.status_code == 200, response.content
    survivor = response.json()
    assert survivor["id"] == a  # the older golden record survives
    assert {(s["source"], s["source_key"]) for s in survivor["sources"]} == {("cdp", "C1"), ("erp", "E1")}
    assert survivor["attributes"]["email"] == "ann@example.com"  # cdp owns email
    assert survivor["attributes"]["city"] == "Paris"  # erp owns the address
    assert survivor["attributes"]["erp_account_number"] == "ACC-1"
    merged = GoldenRecord.objects.get(pk=b)
    assert merged.status == "merged" and str(merged.merged_into_id) == a
    history = client_for(steward).get(f"/api/v1/customers/{a}/history/").json()["results"]
    assert history[0]["reason"] == "merge" and history[0]["actor"] == "user:stella"
    assert history[0]["changes"]["merged"] == {"before": None, "after": b}
    assert client_for(steward).get(f"/api/v1/customers/{b}/history/").json()["results"][0]["changes"]["status"] == {
        "before": "active",
        "after": "merged",
    }
    cand.refresh_from_db()
    assert cand.status == "merged" and cand.decided_by.username == "stella"
    detail = client_for(steward).get(f"/api/v1/customers/{b}/").json()
    assert detail["status"] == "merged" and detail["merged_into"] == a


def test_merge_with_a_chosen_value_locks_it(pair, steward, client_for, source_cdp, push):
    a, b, cand = pair
    response = client_for(steward).post(
        f"/api/v1/match-candidates/{cand.pk}/merge/", {"values": {"given_name": "A."}}, format="json"
    )
    assert response.json()["attributes"]["given_name"] == "A."
    assert response.json()["provenance"]["given_name"]["source"] == "steward"
    assert AttributeLock.objects.get(golden_id=a, attribute="given_name").value == "A."
    push(source_cdp, "cdp", record("C1", "2026-05-01T00:00:00Z", given_name="Annie", family_name="Lee"))
    assert GoldenRecord.objects.get(pk=a).attributes["given_name"] == "A."


def test_a_chosen_value_must_be_one_of_the_two(pair, steward, client_for):
    response = client_for(steward).post(
        f"/api/v1/match-candidates/{pair[2].pk}/merge/",
        {"values": {"given_name": "Zed", "family_name": "Lee"}},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"given_name", "family_name"}
    assert MatchCandidate.objects.get().status == "pending"
    assert GoldenRecord.objects.filter(status="active").count() == 2


def test_deciding_twice_is_a_409(pair, steward, approver, client_for):
    url = f"/api/v1/match-candidates/{pair[2].pk}"
    assert client_for(steward).post(f"{url}/merge/").status_code == 200
    second = client_for(approver).post(f"{url}/reject/")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_decided"
    assert "stella" in second.json()["error"]["message"]


def test_a_stale_etag_is_a_412(pair, steward, client_for, source_cdp, push):
    a, b, cand = pair
    push(source_cdp, "cdp", record("C1", "2026-05-01T00:00:00Z", given_name="Annie", family_name="Lee"))
    response = client_for(steward).post(
        f"/api/v1/match-candidates/{cand.pk}/merge/", {}, format="json", headers={"If-Match": '"1.1"'}
    )
    assert response.status_code == 412
    fresh = client_for(steward).get(f"/api/v1/match-candidates/{cand.pk}/").json()["etag"]
    ok = client_for(steward).post(f"/api/v1/match-candidates/{cand.pk}/merge/", headers={"If-Match": fresh})
    assert ok.status_code == 200


def test_not_a_match_is_remembered_for_the_source_records(pair, steward, client_for):
    a, b, cand = pair
    response = client_for(steward).post(f"/api/v1/match-candidates/{cand.pk}/reject/")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    c1, e1 = SourceRecord.objects.get(source_key="C1"), SourceRecord.objects.get(source_key="E1")
    assert NotAMatch.objects.filter(record_a_id=min(c1.pk, e1.pk), record_b_id=max(c1.pk, e1.pk)).exists()
    assert GoldenRecord.objects.filter(status="active").count() == 2


def test_merge_supersedes_and_re_proposes_other_candidates(pair, source_client, steward, client_for, push):
    a, b, cand = pair
    loyalty = source_client("loyalty")
    c = golden_of(loyalty, push, "loyalty", "L1", given_name="Annie", family_name="Lee", email="annie@example.com")
    other = candidate(b, c, score=0.85)
    client_for(steward).post(f"/api/v1/match-candidates/{cand.pk}/merge/")
    other.refresh_from_db()
    assert other.status == "superseded"
    fresh = MatchCandidate.objects.get(status="pending")
    assert {str(fresh.golden_a_id), str(fresh.golden_b_id)} == {a, c}


def test_consent_follows_the_merge(pair, source_cdp, source_erp, steward, client_for):
    a, b, cand = pair
    source_cdp.post(
        "/api/v1/sources/cdp/consents/batch/",
        {
            "events": [
                {
                    "source_key": "C1",
                    "purpose": "email_marketing",
                    "status": "granted",
                    "captured_at": "2026-02-01T00:00:00Z",
                }
            ]
        },
        format="json",
    )
    source_erp.post(
        "/api/v1/sources/erp/consents/batch/",
        {
            "events": [
                {
                    "source_key": "E1",
                    "purpose": "email_marketing",
                    "status": "withdrawn",
                    "captured_at": "2026-03-01T00:00:00Z",
                }
            ]
        },
        format="json",
    )
    client_for(steward).post(f"/api/v1/match-candidates/{cand.pk}/merge/")
    [state] = ConsentState.objects.filter(golden_id=a)
    assert state.status == "withdrawn"
    assert not ConsentState.objects.filter(golden_id=b).exists()


def test_unmerge_restores_the_same_golden_record(pair, steward, client_for):
    a, b, cand = pair
    client = client_for(steward)
    client.post(f"/api/v1/match-candidates/{cand.pk}/merge/")
    version = client.get(f"/api/v1/customers/{a}/")["ETag"]
    response = client.post(
        f"/api/v1/customers/{a}/unmerge/",
        {"sources": [{"source": "erp", "source_key": "E1"}]},
        format="json",
        headers={"If-Match": version},
    )
    assert response.status_code == 200, response.content
    [restored] = response.json()
    assert restored["id"] == b and restored["status"] == "active"
    assert restored["sources"] == [{"source": "erp", "source_key": "E1"}]
    assert restored["attributes"]["city"] == "Paris"
    survivor = client.get(f"/api/v1/customers/{a}/").json()
    assert survivor["sources"] == [{"source": "cdp", "source_key": "C1"}]
    assert survivor["attributes"]["city"] == "Lyon" and "erp_account_number" not in survivor["attributes"]
    history = client.get(f"/api/v1/customers/{a}/history/").json()["results"]
    assert history[0]["reason"] == "unmerge" and history[0]["changes"]["split_out"]["after"] == ["erp:E1"]
    assert client.get(f"/api/v1/customers/{b}/history/").json()["results"][0]["changes"]["status"] == {
        "before": "merged",
        "after": "active",
    }
    assert NotAMatch.objects.count() == 1


def test_unmerge_of_a_record_linked_at_ingest_gets_a_new_golden_record(
    source_cdp, source_erp, steward, client_for, push
):
    a = golden_of(source_cdp, push, "cdp", "C1", given_name="Ann", family_name="Lee", email="ann@example.com")
    assert golden_of(source_erp, push, "erp", "E1", given_name="Ann", family_name="Lee", email="ann@example.com") == a
    [split] = (
        client_for(steward)
        .post(f"/api/v1/customers/{a}/unmerge/", {"sources": [{"source": "erp", "source_key": "E1"}]}, format="json")
        .json()
    )
    assert split["id"] != a and split["sources"] == [{"source": "erp", "source_key": "E1"}]


@pytest.mark.parametrize(
    ("sources", "status"),
    [
        ([{"source": "erp", "source_key": "NOPE"}], 400),
        ([{"source": "cdp", "source_key": "C1"}, {"source": "erp", "source_key": "E1"}], 400),
        ([], 400),
    ],
)
def test_unmerge_refuses_what_cannot_be_split(pair, steward, client_for, sources, status):
    a, b, cand = pair
    client_for(steward).post(f"/api/v1/match-candidates/{cand.pk}/merge/")
    response = client_for(steward).post(f"/api/v1/customers/{a}/unmerge/", {"sources": sources}, format="json")
    assert response.status_code == status
    assert SourceRecord.objects.filter(golden_id=a).count() == 2


def test_unmerge_with_a_stale_version_is_a_412(pair, steward, client_for):
    a, b, cand = pair
    client_for(steward).post(f"/api/v1/match-candidates/{cand.pk}/merge/")
    response = client_for(steward).post(
        f"/api/v1/customers/{a}/unmerge/",
        {"sources": [{"source": "erp", "source_key": "E1"}]},
        format="json",
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 412


def test_a_merged_golden_record_cannot_be_unmerged(pair, steward, client_for):
    a, b, cand = pair
    client_for(steward).post(f"/api/v1/match-candidates/{cand.pk}/merge/")
    response = client_for(steward).post(
        f"/api/v1/customers/{b}/unmerge/", {"sources": [{"source": "erp", "source_key": "E1"}]}, format="json"
    )
    assert response.status_code == 409


def test_queue_query_count_does_not_grow_with_page_size(source_cdp, steward, client_for, push):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    push(source_cdp, "cdp", *[record(f"C{i}", family_name=f"F{i}", email=f"f{i}@example.com") for i in range(12)])
    ids = list(GoldenRecord.objects.values_list("id", flat=True))
    for i in range(0, 12, 2):
        candidate(ids[i], ids[i + 1], score=0.8 + i / 100)
    client = client_for(steward)

    def count(size):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/match-candidates/?page_size={size}").status_code == 200
        return len(ctx.captured_queries)

    count(1)
    assert count(2) == count(6) <= 3


@pytest.mark.parametrize("value", ["Ann\x00", "Ann\ud800", ["Ann\x00"]])
def test_a_merge_value_postgresql_cannot_store_is_a_400_and_nothing_merges(pair, steward, client_for, value):
    a, b, c = pair
    response = client_for(steward).post(
        f"/api/v1/match-candidates/{c.pk}/merge/",
        data=json.dumps({"values": {"given_name": value}}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["given_name"]
    c.refresh_from_db()
    assert c.status == "pending" and GoldenRecord.objects.filter(status="active").count() == 2


def arabic_indic(number: int) -> str:
    """``number`` in Arabic-Indic digits (٣ for 3): Python's int() reads them, a URL of ids must not."""
    return "".join(chr(0x660 + int(digit)) for digit in str(number))


@pytest.mark.parametrize("action", ["assign", "merge", "reject"])
def test_a_candidate_id_that_is_not_ascii_digits_is_a_404(pair, steward, client_for, action):
    _, _, c = pair
    client = client_for(steward)
    for wrong in ("abc", arabic_indic(c.pk), f"{c.pk}\u00a0", "1e3"):
        assert client.post(f"/api/v1/match-candidates/{wrong}/{action}/").status_code == 404, wrong
        assert client.get(f"/api/v1/match-candidates/{wrong}/").status_code == 404, wrong
    c.refresh_from_db()
    assert c.status == "pending" and c.assigned_to is None
