"""Errors under /api/ are the JSON envelope with a stable code, whoever raises them; pages keep their HTML."""

import io

import pytest
from rest_framework.test import APIClient

from stewardship import services

pytestmark = pytest.mark.django_db


def envelope(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content[:200]
    body = response.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing/", "/api/v1/customers/not-an-id/", "/api/v2/", "/api/", "/api/v1/sources/erp/nothing/batch/"],
)
def test_an_unknown_url_under_api_is_a_json_404(steward, client_for, path):
    response = client_for(steward).get(path)
    assert response.status_code == 404
    assert envelope(response)["code"] == "not_found"


def test_an_unknown_url_without_credentials_is_a_json_404_too():
    response = APIClient().post("/api/v1/nothing/", {"a": 1}, format="json")
    assert response.status_code == 404 and envelope(response)["code"] == "not_found"


def test_a_method_an_endpoint_does_not_take_is_a_json_405(steward, client_for):
    response = client_for(steward).delete("/api/v1/customers/")
    assert response.status_code == 405 and envelope(response)["code"] == "method_not_allowed"


def test_a_server_error_under_api_is_a_json_500_with_no_traceback(steward, client_for, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug with a secret in its message")

    monkeypatch.setattr(services, "match_candidate_assign", broken)
    client = client_for(steward)
    client.raise_request_exception = False
    response = client.post("/api/v1/match-candidates/1/assign/")
    assert response.status_code == 500
    error = envelope(response)
    assert error["code"] == "server_error" and "secret" not in response.content.decode()
    assert response["X-Correlation-ID"] in error["message"]


def test_a_bad_request_under_api_is_a_json_400(client):
    response = client.get("/api/v1/customers/", headers={"Host": "evil.example"})  # not an allowed host
    assert response.status_code == 400 and envelope(response)["code"] == "bad_request"


def test_pages_outside_api_keep_their_html(client, steward):
    client.force_login(steward)
    response = client.get("/nothing/here/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert "404.html" in [t.name for t in response.templates]


class BrokenInput(io.RawIOBase):
    """A request body whose connection breaks while it is read (the client went away)."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise OSError("connection reset by peer")


def test_a_body_that_breaks_while_read_is_a_400_not_a_500(source_erp):
    source_erp.raise_request_exception = False
    response = source_erp.generic(
        "POST",
        "/api/v1/sources/erp/customers/batch/",
        content_type="application/json",
        **{"wsgi.input": BrokenInput(), "CONTENT_LENGTH": "100"},
    )
    assert response.status_code == 400 and envelope(response)["code"] == "bad_request"
