"""Who may see what: sign-in everywhere, the steward role for every page, CSRF on every form, friendly errors."""

import uuid

import pytest
from django.template.loader import render_to_string
from django.test import Client

from stewardship.models import CandidateStatus, MatchCandidate

pytestmark = pytest.mark.django_db

PAGES = ["/", "/review/", "/customers/", "/products/", "/change-requests/"]


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_users_are_sent_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={path}"


@pytest.mark.parametrize("path", PAGES)
def test_a_user_without_the_steward_role_gets_a_403_page_that_says_why(signed_in, outsider, path):
    response = signed_in(outsider).get(path)
    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert "steward role" in response.content.decode()


def test_an_administrator_without_the_steward_role_is_sent_to_the_admin_not_the_ui(signed_in, admin_user):
    assert signed_in(admin_user).get("/").status_code == 403


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
