"""Who may see what: sign-in everywhere, a role for every page (the API's split: every role reads, stewards act,
approvers decide change requests, privacy officers handle subject requests), CSRF on every form, friendly errors."""

import uuid

import pytest
from django.template.loader import render_to_string
from django.test import Client

from stewardship.models import CandidateStatus, ChangeRequest, GoldenRecord, MatchCandidate, PrivacyRequest

pytestmark = pytest.mark.django_db

PAGES = ["/", "/review/", "/customers/", "/products/", "/change-requests/"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_users_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", [*PAGES, "/sync/", "/privacy/"])
def test_a_user_without_a_role_gets_a_403_page_that_says_why(signed_in, outsider, path):
    response = signed_in(outsider).get(path)
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert "need a Steward role" in response.content.decode() or "privacy role" in response.content.decode()


READERS_WHO_ARE_NO_STEWARD = ["viewer", "privacy_officer", "approver_only", "admin_user"]


@pytest.mark.parametrize("persona", READERS_WHO_ARE_NO_STEWARD)
def test_every_role_reads_the_pages_the_api_lets_it_read(request, signed_in, pair, persona):
    from sync.models import Delivery

    from .test_sync import connector, delivery

    a, _, candidate = pair
    dead = delivery(connector("erp"), "dead", golden_id=a)
    client = signed_in(request.getfixturevalue(persona))
    for path in [
        *PAGES,
        f"/review/{candidate.pk}/",
        f"/customers/{a}/",
        f"/customers/{a}/attributes/email/",
        "/sync/",
        f"/sync/deliveries/{dead.pk}/",
    ]:
        assert client.get(path).status_code == 200, path
    assert Delivery.objects.get(pk=dead.pk).status == "dead"


@pytest.mark.parametrize("persona", READERS_WHO_ARE_NO_STEWARD)
def test_only_a_steward_acts_on_candidates_records_and_deliveries(request, signed_in, pair, persona):
    """An approver, an administrator (not a superuser), a privacy officer or a viewer: 403 for every steward action,
    and nothing changes."""
    from sync.models import Delivery

    from .test_sync import connector, delivery

    a, _, candidate = pair
    dead = delivery(connector("erp"), "dead", golden_id=a)
    client = signed_in(request.getfixturevalue(persona))
    posts = {
        f"/review/{candidate.pk}/claim/": {},
        f"/review/{candidate.pk}/merge/": {},
        f"/review/{candidate.pk}/reject/": {},
        f"/customers/{a}/unmerge/": {"source": "cdp", "source_key": "C1", "version": 1},
        f"/customers/{a}/attributes/city/edit/": {"value": "Nice"},
        f"/sync/deliveries/{dead.pk}/replay/": {},
        "/sync/replay/?status=dead": {},
    }
    for path, data in posts.items():
        response = client.post(path, data)
        assert response.status_code == 403, path
        assert "steward role" in response.content.decode(), path
    assert client.get(f"/customers/{a}/attributes/city/edit/").status_code == 403
    candidate.refresh_from_db()
    assert (candidate.status, candidate.assigned_to) == (CandidateStatus.PENDING, None)
    assert GoldenRecord.objects.get(pk=a).attributes["city"] == "Lyon"
    assert not ChangeRequest.objects.exists()
    assert Delivery.objects.get(pk=dead.pk).status == "dead"


def test_a_refused_htmx_action_is_a_notice_on_the_page(signed_in, viewer, pair):
    response = signed_in(viewer).post(f"/review/{pair[2].pk}/claim/", headers={"HX-Request": "true"})
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#notices"
    assert "steward role" in response.content.decode()


@pytest.mark.parametrize("persona", ["steward", "viewer", "approver"])
def test_the_privacy_pages_need_the_privacy_role(request, signed_in, pair, persona):
    client = signed_in(request.getfixturevalue(persona))
    a = pair[0]
    for response in (
        client.get("/privacy/"),
        client.post(f"/customers/{a}/export/"),
        client.get(f"/customers/{a}/erase/"),
        client.post(f"/customers/{a}/erase/", {"reason": "asked", "confirm": "ERASE"}),
    ):
        assert response.status_code == 403
        assert "privacy role" in response.content.decode()
    assert GoldenRecord.objects.get(pk=a).status == "active"
    assert not PrivacyRequest.objects.exists()


def _buttons(html: str) -> set[str]:
    """The actions a page offers, by what they do."""
    offered = {
        "claim": "/claim/",
        "merge": "/merge/",
        "reject": "/reject/",
        "edit": "/edit/",
        "unmerge": "/unmerge/",
        "replay": "/replay/",
        "export": "/export/",
        "erase": "/erase/",
        "privacy": 'href="/privacy/"',
    }
    return {name for name, needle in offered.items() if needle in html}


def test_each_role_is_offered_the_actions_it_may_take_and_no_other(signed_in, steward, viewer, privacy_officer, pair):
    from .test_query_counts import more_sources
    from .test_sync import connector, delivery

    a, _, candidate = pair
    more_sources(a, 1, "X")  # a second source record: one to split out
    dead = delivery(connector("erp"), "dead", golden_id=a)
    pages = ["/review/", f"/review/{candidate.pk}/", f"/customers/{a}/", "/sync/", f"/sync/deliveries/{dead.pk}/"]

    def offered(user):
        client = signed_in(user)
        return set().union(*(_buttons(client.get(path).content.decode()) for path in pages))

    assert offered(steward) == {"claim", "merge", "reject", "edit", "unmerge", "replay"}
    assert offered(viewer) == set()
    assert offered(privacy_officer) == {"export", "erase", "privacy"}


def test_the_decision_endpoints_refuse_outsiders_too(signed_in, outsider, pair):
    client = signed_in(outsider)
    candidate = pair[2]
    for action in ("claim", "merge", "reject"):
        assert client.post(f"/review/{candidate.pk}/{action}/").status_code == 403
    assert (
        client.post(f"/customers/{pair[0]}/unmerge/", {"source": "cdp", "source_key": "C1", "version": 1}).status_code
        == 403
    )
    assert MatchCandidate.objects.get(pk=candidate.pk).status == CandidateStatus.PENDING


def test_signing_in_and_out(client, steward):
    page = client.get("/login/")
    assert page.status_code == 200 and b'autocomplete="current-password"' in page.content
    wrong = client.post("/login/", {"username": "stella", "password": "nope"})
    assert wrong.status_code == 200 and "correct username and password" in wrong.content.decode()
    response = client.post("/login/", {"username": "stella", "password": "pw-stella-123!", "next": "/review/"})
    assert response.status_code == 302 and response["Location"] == "/review/"
    assert client.get("/").status_code == 200
    assert client.get("/logout/").status_code == 405  # signing out changes state: POST only
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_csrf_is_enforced_on_decisions(signed_in, steward, pair):
    client = signed_in(steward, enforce_csrf_checks=True)
    candidate = pair[2]
    refused = client.post(f"/review/{candidate.pk}/reject/")
    assert refused.status_code == 403
    assert "This form expired" in refused.content.decode()
    assert MatchCandidate.objects.get(pk=candidate.pk).status == CandidateStatus.PENDING
    page = client.get(f"/review/{candidate.pk}/")
    token = page.cookies["csrftoken"].value
    assert 'hx-headers=\'{"X-CSRFToken": "' in page.content.decode()  # htmx sends it from <body hx-headers>
    accepted = client.post(f"/review/{candidate.pk}/reject/", headers={"X-CSRFToken": token})
    assert accepted.status_code == 302
    assert MatchCandidate.objects.get(pk=candidate.pk).status == CandidateStatus.REJECTED


def test_csrf_is_enforced_on_the_login_form(steward):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "stella", "password": "pw-stella-123!"}).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        f"/customers/{uuid.uuid4()}/",
        f"/products/{uuid.uuid4()}/",
        "/review/999999/",
        "/customers/not-a-uuid/",
        "/nowhere/",
    ],
)
def test_what_does_not_exist_is_a_friendly_404(signed_in, steward, path):
    response = signed_in(steward).get(path)
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    assert "couldn’t find" in response.content.decode()


def test_a_customer_is_not_found_under_products(signed_in, steward, pair):
    assert signed_in(steward).get(f"/products/{pair[0]}/").status_code == 404
    assert signed_in(steward).get(f"/customers/{pair[0]}/").status_code == 200


def test_the_500_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and "Traceback" not in html


def test_an_htmx_request_after_the_session_expired_sends_the_whole_page_to_the_login(client, pair):
    response = client.post(
        f"/review/{pair[2].pk}/claim/", headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/review/"}
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/review/"
