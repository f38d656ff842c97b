"""Change requests in the UI: approvers who are not the author approve or reject; nobody else can."""

import pytest
from django.contrib.auth.models import Group, User

from stewardship import services
from stewardship.models import ChangeRequest, ChangeRequestStatus, GoldenRecord

from .conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def beth(db):
    user = User.objects.create_user("beth", password="pw-beth-123!")
    user.groups.add(Group.objects.get(name="steward"), Group.objects.get(name="approver"))
    return user


@pytest.fixture
def change(pair, steward):
    return services.change_request_create(
        golden_id=pair[0], attribute="email", value="ann.lee@example.com", comment="she called", user=steward
    )


def approve_button(change):
    return f'action="/change-requests/{change.pk}/approve/"'


def test_an_approver_who_did_not_write_it_sees_approve_and_reject(signed_in, approver, change):
    html = signed_in(approver).get("/change-requests/").content.decode()
    assert approve_button(change) in html and f"/change-requests/{change.pk}/reject/" in html
    assert "ann@example.com" in html and "ann.lee@example.com" in html and "she called" in html


def test_the_author_sees_no_approve_button_and_the_server_refuses_too(signed_in, approver, beth, pair):
    own = services.change_request_create(golden_id=pair[0], attribute="city", value="Nice", user=approver)
    client = signed_in(approver)
    html = client.get("/change-requests/").content.decode()
    assert approve_button(own) not in html and "Yours: another approver decides" in html
    response = client.post(f"/change-requests/{own.pk}/approve/")
    assert response.status_code == 403 and "own change request" in response.content.decode()
    assert ChangeRequest.objects.get(pk=own.pk).status == ChangeRequestStatus.PENDING
    assert approve_button(own) in signed_in(beth).get("/change-requests/").content.decode()


def test_a_steward_without_the_approver_role_sees_no_buttons_and_is_refused(signed_in, steward, approver, pair):
    theirs = services.change_request_create(golden_id=pair[0], attribute="city", value="Nice", user=approver)
    client = signed_in(steward)
    html = client.get("/change-requests/").content.decode()
    assert approve_button(theirs) not in html and "An approver decides" in html
    for action in ("approve", "reject"):
        response = client.post(f"/change-requests/{theirs.pk}/{action}/")
        assert response.status_code == 403 and "approver role" in response.content.decode()
        assert "403.html" in [t.name for t in response.templates]
        swapped = client.post(f"/change-requests/{theirs.pk}/{action}/", headers=HTMX)
        assert swapped.status_code == 403 and swapped["HX-Retarget"] == "#notices"
    assert ChangeRequest.objects.get(pk=theirs.pk).status == ChangeRequestStatus.PENDING


def test_approving_applies_the_change_as_a_new_version(signed_in, approver, change, pair):
    response = signed_in(approver).post(f"/change-requests/{change.pk}/approve/", {"comment": "checked with her"})
    assert response.status_code == 302 and response["Location"] == "/change-requests/"
    golden = GoldenRecord.objects.get(pk=pair[0])
    assert golden.attributes["email"] == "ann.lee@example.com"
    latest = golden.versions.first()
    assert latest.reason == "steward_edit" and latest.changes["email"] == {
        "before": "ann@example.com",
        "after": "ann.lee@example.com",
    }
    decided = ChangeRequest.objects.get(pk=change.pk)
    assert decided.status == ChangeRequestStatus.APPROVED and decided.decision_comment == "checked with her"
    page = signed_in(approver).get(f"/customers/{pair[0]}/").content.decode()
    assert "ann.lee@example.com" in page and "Steward edit" in page and "approved by arthur" in page


def test_rejecting_through_htmx_answers_the_row(signed_in, approver, change, pair):
    response = signed_in(approver).post(f"/change-requests/{change.pk}/reject/", {"comment": "typo"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.strip().startswith(f'<tr id="change-{change.pk}"')
    assert "Rejected" in html and "typo" in html and approve_button(change) not in html
    assert GoldenRecord.objects.get(pk=pair[0]).attributes["email"] == "ann@example.com"


def test_deciding_twice_is_a_409(signed_in, approver, beth, change):
    services.change_request_reject(request_id=change.pk, user=beth)
    response = signed_in(approver).post(f"/change-requests/{change.pk}/approve/")
    assert response.status_code == 409 and "already rejected by beth" in response.content.decode()


def test_tabs_and_only_mine(signed_in, steward, approver, change, pair):
    services.change_request_create(golden_id=pair[0], attribute="city", value="Nice", user=approver)
    client = signed_in(steward)
    assert len(client.get("/change-requests/").context["page"].items) == 2
    assert len(client.get("/change-requests/?mine=1").context["page"].items) == 1
    assert len(client.get("/change-requests/?status=approved").context["page"].items) == 0
    assert len(client.get("/change-requests/?status=all").context["page"].items) == 2
    assert client.get("/change-requests/?status=bogus").context["tab"] == "pending"


@pytest.mark.parametrize("comment", ["checked\x00", "x" * 501])
def test_a_comment_that_does_not_read_is_a_400_and_nothing_is_decided(signed_in, approver, change, pair, comment):
    response = signed_in(approver).post(f"/change-requests/{change.pk}/approve/", {"comment": comment})
    assert response.status_code == 400 and "comment" in response.content.decode()
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeRequestStatus.PENDING
    assert GoldenRecord.objects.get(pk=pair[0]).attributes["email"] == "ann@example.com"
