"""Maker-checker: a steward's edit of a governed attribute waits for another user with the approver role."""

import json

import pytest
from django.contrib.auth.models import Group, User

from stewardship.models import AttributeLock, ChangeRequest, GoldenRecord, OwnershipRule
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def golden_id(source_cdp, push):
    return push(source_cdp, "cdp", record("C1", given_name="Ann", family_name="Lee", email="ann@example.com")).json()[
        "results"
    ][0]["golden_id"]


@pytest.fixture
def second_approver(db):
    user = User.objects.create_user("beth", password="pw-beth-123!")
    user.groups.add(Group.objects.get(name="steward"), Group.objects.get(name="approver"))
    return user


def request_edit(client, golden_id, **body):
    return client.post("/api/v1/change-requests/", {"golden_id": golden_id, **body}, format="json")


def test_an_edit_waits_for_approval_then_applies_as_a_new_version(golden_id, steward, approver, client_for):
    created = request_edit(
        client_for(steward), golden_id, attribute="email", value="ann.lee@example.com", comment="customer called"
    )
    assert created.status_code == 201, created.content
    change = created.json()
    assert change["status"] == "pending" and change["current_value"] == "ann@example.com"
    assert GoldenRecord.objects.get(pk=golden_id).attributes["email"] == "ann@example.com"  # not applied yet
    approved = client_for(approver).post(f"/api/v1/change-requests/{change['id']}/approve/", {"comment": "ok"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "arthur"
    golden = GoldenRecord.objects.get(pk=golden_id)
    assert golden.attributes["email"] == "ann.lee@example.com"
    assert golden.provenance["email"]["source"] == "steward"
    latest = golden.versions.first()
    assert latest.reason == "steward_edit" and latest.actor_user.username == "stella"
    assert latest.changes == {"email": {"before": "ann@example.com", "after": "ann.lee@example.com"}}
    assert "approved by arthur" in latest.note


def test_the_author_cannot_approve_their_own_request(golden_id, approver, second_approver, client_for):
    change = request_edit(client_for(approver), golden_id, attribute="given_name", value="Annie").json()
    response = client_for(approver).post(f"/api/v1/change-requests/{change['id']}/approve/")
    assert response.status_code == 403
    assert "own change request" in response.json()["error"]["message"]
    assert client_for(second_approver).post(f"/api/v1/change-requests/{change['id']}/approve/").status_code == 200


def test_a_steward_without_the_approver_role_cannot_decide(golden_id, steward, approver, client_for):
    change = request_edit(client_for(approver), golden_id, attribute="given_name", value="Annie").json()
    assert client_for(steward).post(f"/api/v1/change-requests/{change['id']}/approve/").status_code == 403
    assert client_for(steward).post(f"/api/v1/change-requests/{change['id']}/reject/").status_code == 403


def test_rejected_changes_are_not_applied_and_cannot_be_decided_again(
    golden_id, steward, approver, second_approver, client_for
):
    change = request_edit(client_for(steward), golden_id, attribute="given_name", value="Annie").json()
    rejected = client_for(approver).post(f"/api/v1/change-requests/{change['id']}/reject/", {"comment": "typo"})
    assert rejected.json()["status"] == "rejected" and rejected.json()["decision_comment"] == "typo"
    again = client_for(second_approver).post(f"/api/v1/change-requests/{change['id']}/approve/")
    assert again.status_code == 409
    assert GoldenRecord.objects.get(pk=golden_id).attributes["given_name"] == "Ann"


def test_an_attribute_that_is_not_governed_applies_at_once_by_rule(golden_id, steward, client_for):
    OwnershipRule.objects.filter(domain="customer", attribute="given_name").update(governed=False)
    change = request_edit(client_for(steward), golden_id, attribute="given_name", value="Annie").json()
    assert change["status"] == "approved" and change["approved_by_rule"] is True
    assert GoldenRecord.objects.get(pk=golden_id).attributes["given_name"] == "Annie"


def test_bad_edits_are_400s(golden_id, steward, client_for):
    client = client_for(steward)
    assert request_edit(client, golden_id, attribute="shoe_size", value="9").status_code == 400
    assert request_edit(client, golden_id, attribute="email", value="not-an-email").status_code == 400
    assert request_edit(client, golden_id, attribute="email", value="ann@example.com").status_code == 400  # same
    assert request_edit(client, golden_id, attribute="email").status_code == 400  # no value
    assert request_edit(client, golden_id, attribute="email", unlock=True).status_code == 400  # nothing locked
    missing = request_edit(client, "00000000-0000-0000-0000-000000000000", attribute="email", value="a@b.co")
    assert missing.status_code == 404


def test_unlock_through_a_change_request(golden_id, steward, approver, client_for):
    change = request_edit(client_for(steward), golden_id, attribute="given_name", value="Annie").json()
    client_for(approver).post(f"/api/v1/change-requests/{change['id']}/approve/")
    assert AttributeLock.objects.filter(golden_id=golden_id).exists()
    unlock = request_edit(client_for(steward), golden_id, attribute="given_name", unlock=True).json()
    client_for(approver).post(f"/api/v1/change-requests/{unlock['id']}/approve/")
    assert not AttributeLock.objects.filter(golden_id=golden_id).exists()
    assert GoldenRecord.objects.get(pk=golden_id).attributes["given_name"] == "Ann"


def test_the_list_filters_by_status(golden_id, steward, client_for):
    request_edit(client_for(steward), golden_id, attribute="given_name", value="Annie")
    client = client_for(steward)
    assert len(client.get("/api/v1/change-requests/?status=pending").json()["results"]) == 1
    assert len(client.get("/api/v1/change-requests/?status=approved").json()["results"]) == 0
    assert len(client.get(f"/api/v1/change-requests/?golden_id={golden_id}").json()["results"]) == 1


def test_sources_cannot_request_changes(golden_id, source_cdp):
    assert request_edit(source_cdp, golden_id, attribute="given_name", value="X").status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"attribute": "email", "value": "ann@exam\x00ple.com"}, "email"),
        ({"attribute": "email", "value": "ann@exam\udc80ple.com"}, "email"),
        ({"attribute": "email", "value": "ann@example.com", "comment": "called\x00"}, "comment"),
        ({"attribute": "email\ud800", "value": "ann@example.com"}, "attribute"),
        ({"attribute": "email", "value": "a@example.com", "golden_id": "\ud800"}, "golden_id"),
    ],
)
def test_text_postgresql_cannot_store_is_a_400_with_field_errors(golden_id, steward, client_for, body, field):
    response = client_for(steward).post(
        "/api/v1/change-requests/", data=json.dumps({"golden_id": golden_id, **body}), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == [field]
    assert not ChangeRequest.objects.exists()


def test_a_decision_comment_postgresql_cannot_store_is_a_400(golden_id, steward, approver, client_for):
    change = request_edit(client_for(steward), golden_id, attribute="email", value="ann.lee@example.com").json()
    response = client_for(approver).post(
        f"/api/v1/change-requests/{change['id']}/approve/",
        data=json.dumps({"comment": "ok\ud800"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["comment"]
    assert ChangeRequest.objects.get().status == "pending"


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_a_change_request_id_that_is_not_ascii_digits_is_a_404(golden_id, steward, approver, client_for, action):
    change = request_edit(client_for(steward), golden_id, attribute="email", value="ann.lee@example.com").json()
    arabic = "".join(chr(0x660 + int(digit)) for digit in str(change["id"]))
    for wrong in ("abc", arabic):
        assert client_for(approver).post(f"/api/v1/change-requests/{wrong}/{action}/").status_code == 404
        assert client_for(approver).get(f"/api/v1/change-requests/{wrong}/").status_code == 404
    assert ChangeRequest.objects.get().status == "pending"


def test_a_request_with_a_comment_of_the_longest_length_can_be_approved(golden_id, steward, approver, client_for):
    comment = "c" * 500
    change = request_edit(client_for(steward), golden_id, attribute="email", value="a@example.com", comment=comment)
    approved = client_for(approver).post(f"/api/v1/change-requests/{change.json()['id']}/approve/")
    assert approved.status_code == 200, approved.content[:200]
    note = GoldenRecord.objects.get(pk=golden_id).versions.first().note
    assert len(note) == 500 and note.startswith("change request") and note.endswith("c…")
    assert ChangeRequest.objects.get().comment == comment  # the whole comment stays on the request
