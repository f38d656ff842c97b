"""JSON bodies: nesting past the depth limit is a 400 on every endpoint that reads a body, never a RecursionError."""

import json

import pytest

from stewardship.api.parsers import depth
from stewardship.models import ChangeRequest, GoldenRecord, MatchCandidate, SourceRecord
from tests.conftest import record

pytestmark = pytest.mark.django_db


def nested(levels: int) -> str:
    """A JSON array ``levels`` deep: 990 of them are 2 KB."""
    return "[" * levels + "]" * levels


@pytest.fixture
def endpoints(source_erp, source_cdp, steward, approver, client_for, push):
    """(client, path) of every endpoint that reads a JSON body, with the rows it could write."""
    golden = push(source_erp, "erp", record("E1", family_name="Lee")).json()["results"][0]["golden_id"]
    other = push(source_cdp, "cdp", record("C1", family_name="Kim")).json()["results"][0]["golden_id"]
    a, b = sorted([golden, other])
    candidate = MatchCandidate.objects.create(domain="customer", golden_a_id=a, golden_b_id=b, score=0.9)
    change = ChangeRequest.objects.create(
        golden_id=golden, attribute="city", value="Nice", base_version=1, requested_by=steward
    )
    staff, checker = client_for(steward), client_for(approver)
    return [
        (source_erp, "/api/v1/sources/erp/customers/batch/"),
        (source_erp, "/api/v1/sources/erp/products/batch/"),
        (source_erp, "/api/v1/sources/erp/consents/batch/"),
        (staff, "/api/v1/change-requests/"),
        (checker, f"/api/v1/change-requests/{change.pk}/approve/"),
        (checker, f"/api/v1/change-requests/{change.pk}/reject/"),
        (staff, f"/api/v1/match-candidates/{candidate.pk}/merge/"),
        (staff, f"/api/v1/customers/{golden}/unmerge/"),
    ]


def rows():
    return [m.objects.count() for m in (SourceRecord, GoldenRecord, MatchCandidate, ChangeRequest)], [
        (c.status, c.decided_at) for c in ChangeRequest.objects.all()
    ]


@pytest.mark.parametrize("body", [nested(990), '{"records": ' + nested(200) + "}", nested(100_000)])
def test_json_nested_too_deep_is_a_400_on_every_endpoint_that_reads_json(endpoints, body):
    before = rows()
    for client, path in endpoints:
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code == 400, (path, response.content[:200])
        assert response.json()["error"] == {
            "code": "parse_error",
            "message": "JSON parse error - nested deeper than 32 levels.",
        }
    assert rows() == before


def test_the_depth_limit_is_a_setting(source_erp, settings):
    settings.STEWARD_MAX_JSON_DEPTH = 7
    at_limit = {"records": [record("E1", phone=[[["+44"]]])]}  # body, records, record, attributes, 3 lists: 7 levels
    response = source_erp.post("/api/v1/sources/erp/customers/batch/", at_limit, format="json")
    assert response.status_code == 200 and response.json()["results"][0]["status"] == "rejected"
    over = {"records": [record("E1", phone=[[[["+44"]]]])]}
    response = source_erp.post("/api/v1/sources/erp/customers/batch/", over, format="json")
    assert response.status_code == 400 and "deeper than 7 levels" in response.json()["error"]["message"]


def test_depth_counts_containers():
    assert [depth(v, 32) for v in (1, "x", {}, [], {"a": []}, [[1], [[2]]])] == [0, 0, 1, 1, 2, 3]
    assert depth(json.loads(nested(500)), 32) == 33  # stops counting past the limit
