"""Who may call what: 401 without credentials, sources only as themselves, stewards by role."""

import pytest
from django.core.management import call_command

from stewardship.models import ApiKey, SourceSystem
from tests.conftest import record

pytestmark = pytest.mark.django_db


def test_no_credentials_is_a_401(client, push):
    from rest_framework.test import APIClient

    anonymous = APIClient()
    assert push(anonymous, "erp", record("E1")).status_code == 401
    assert anonymous.get("/api/v1/customers/").status_code == 401
    assert anonymous.get("/api/v1/sources/erp/customers/E1/").status_code == 401


def test_a_wrong_key_is_a_401(push):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key deadbeef.not-the-key")
    response = push(client, "erp", record("E1"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_a_source_writing_as_another_is_a_403(source_cdp, push):
    response = push(source_cdp, "erp", record("E1", family_name="Lee"))
    assert response.status_code == 403
    assert push(source_cdp, "erp", record("P1"), domain="products").status_code == 403
    consent = source_cdp.post("/api/v1/sources/erp/consents/batch/", {"events": []}, format="json")
    assert consent.status_code == 403


def test_a_source_cannot_read_another_sources_records(source_erp, source_cdp, push):
    push(source_erp, "erp", record("E1", family_name="Lee"))
    assert source_erp.get("/api/v1/sources/erp/customers/E1/").status_code == 200
    assert source_cdp.get("/api/v1/sources/erp/customers/E1/").status_code == 403


def test_stewards_read_but_cannot_write_as_a_source(steward, client_for, push):
    client = client_for(steward)
    assert push(client, "erp", record("E1")).status_code == 403
    assert client.get("/api/v1/customers/").status_code == 200


def test_a_user_without_a_role_is_refused(outsider, client_for):
    assert client_for(outsider).get("/api/v1/customers/").status_code == 403


def test_a_revoked_key_or_inactive_source_is_refused(source_erp, push):
    ApiKey.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert push(source_erp, "erp", record("E1")).status_code == 401


def test_an_inactive_source_is_refused(source_erp, push):
    SourceSystem.objects.filter(code="erp").update(active=False)
    assert push(source_erp, "erp", record("E1")).status_code == 401


def test_drf_tokens_work_for_stewards(steward):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=steward)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/customers/").status_code == 200


def test_source_key_command_issues_a_working_key(capsys, push):
    from rest_framework.test import APIClient

    call_command("source_key", "pos")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert SourceSystem.objects.filter(code="pos").exists()
    assert ApiKey.objects.get(prefix=key.split(".")[0]).digest == ApiKey.hash(key)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert push(client, "pos", record("T1", family_name="Lee")).status_code == 200


def test_source_key_command_creates_a_new_source(capsys):
    call_command("source_key", "marketplace")
    assert SourceSystem.objects.get(code="marketplace").active


def test_schema_and_docs_need_authentication(client, steward):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(steward)
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    body = schema.content.decode()
    for path in [
        "/api/v1/sources/{source}/customers/batch/",
        "/api/v1/sources/{source}/products/batch/",
        "/api/v1/sources/{source}/consents/batch/",
        "/api/v1/sources/{source}/customers/{source_key}/",
        "/api/v1/customers/{id}/history/",
    ]:
        assert path in body
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()  # served from the sidecar: works offline


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.json()["database"] == "ok"
    assert response.json()["broker"] in {"ok", "fail"}
    assert response.status_code == (200 if response.json()["broker"] == "ok" else 503)


def test_healthz_fails_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "database": "ok", "broker": "fail"}


def test_every_response_carries_a_correlation_id(client):
    response = client.get("/healthz", headers={"X-Correlation-ID": "abc<script>"})
    assert response["X-Correlation-ID"] != "abc<script>"
    assert len(response["X-Correlation-ID"]) == 32


def _token_client(user, *, age_hours: float = 0):
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=user)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(hours=age_hours))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_tokens_never_expire_unless_a_ttl_is_set(steward, settings):
    settings.STEWARD_TOKEN_TTL_HOURS = 0
    assert _token_client(steward, age_hours=24 * 365).get("/api/v1/customers/").status_code == 200


def test_a_token_older_than_the_ttl_is_refused(steward, settings):
    from django.contrib.auth.models import User

    settings.STEWARD_TOKEN_TTL_HOURS = 12
    expired = _token_client(steward, age_hours=13).get("/api/v1/customers/")
    assert expired.status_code == 401
    assert expired.json()["error"]["message"] == "Token has expired: ask an administrator for a new one."
    fresh = User.objects.create_user("fiona", password="pw-fiona-123!")
    fresh.groups.add(*steward.groups.all())
    assert _token_client(fresh, age_hours=11).get("/api/v1/customers/").status_code == 200


def test_the_schema_documents_the_errors_the_api_answers(client, steward):
    import yaml

    client.force_login(steward)
    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert schema["components"]["schemas"]["Error"]["required"] == ["error"]
    batch = schema["paths"]["/api/v1/sources/{source}/customers/batch/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "412", "413", "422", "429"} <= set(batch)
    assert "Retry-After" in batch["429"]["headers"]
    listing = schema["paths"]["/api/v1/customers/"]["get"]["responses"]
    assert {"200", "400", "401", "403", "429"} <= set(listing) and "409" not in listing
