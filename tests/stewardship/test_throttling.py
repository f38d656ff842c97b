"""Guessing is slowed down: failed API keys and tokens per client address answer 429 once over the limit, counted in
the cache that every web process shares."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from stewardship import services
from tests.conftest import record
from tests.stewardship.test_settings import _production

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit(settings) -> int:
    settings.STEWARD_API_AUTH_FAILURES_PER_MINUTE = 3
    return 3


def _client(header: str, address: str = "127.0.0.1", **meta: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=address, **meta)
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_api_key_guessing_is_throttled_per_address(limit, push):
    _, key = services.api_key_issue(source_code="erp")
    guesser = _client("Api-Key " + key[:-4] + "xxxx")
    for _ in range(limit):
        assert push(guesser, "erp", record("E1")).status_code == 401
    refused = push(guesser, "erp", record("E1"))
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "throttled"
    # Even the right key, from that address, until the minute has passed: a guess that succeeds tells nothing.
    assert push(_client(f"Api-Key {key}"), "erp", record("E1")).status_code == 429
    # Another address is not held up.
    assert push(_client(f"Api-Key {key}", address="192.0.2.7"), "erp", record("E1")).status_code == 200


def test_token_guessing_is_throttled_per_address(limit, steward):
    token = Token.objects.create(user=steward)
    for _ in range(limit):
        assert _client("Token 0123456789abcdef").get("/api/v1/customers/").status_code == 401
    assert _client("Token 0123456789abcdef").get("/api/v1/customers/").status_code == 429
    assert _client(f"Token {token.key}").get("/api/v1/customers/").status_code == 429
    assert _client(f"Token {token.key}", address="192.0.2.7").get("/api/v1/customers/").status_code == 200


def test_successful_calls_are_not_counted(limit, steward):
    token = Token.objects.create(user=steward)
    for _ in range(limit * 3):
        assert _client(f"Token {token.key}").get("/api/v1/customers/").status_code == 200


def test_forwarded_addresses_are_believed_only_behind_a_proxy(limit, settings):
    # Directly exposed: X-Forwarded-For is the caller's to invent, so it cannot buy fresh guesses.
    for n in range(limit):
        assert _client("Token bad", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").get("/api/v1/customers/").status_code == 401
    assert _client("Token bad", HTTP_X_FORWARDED_FOR="198.51.100.99").get("/api/v1/customers/").status_code == 429
    # Behind one proxy: the address it appended (the last one) is the client's.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    behind = _client("Token bad", address="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.1")
    for _ in range(limit):
        assert behind.get("/api/v1/customers/").status_code == 401
    assert behind.get("/api/v1/customers/").status_code == 429
    other = _client("Token bad", address="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.get("/api/v1/customers/").status_code == 401


def test_the_limit_can_be_turned_off(settings):
    settings.STEWARD_API_AUTH_FAILURES_PER_MINUTE = 0
    for _ in range(30):
        assert _client("Token bad").get("/api/v1/customers/").status_code == 401


def test_counters_live_in_redis_when_configured_else_in_the_database_cache():
    show = "from django.conf import settings; c = settings.CACHES['default']; print(c['BACKEND'], c['LOCATION'])"
    redis = _production(show, CELERY_BROKER_URL="redis://127.0.0.1:6379/3")
    assert redis == "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/3"
    own = _production(show, STEWARD_RATE_LIMIT_REDIS_URL="redis://cache:6379/1")
    assert own == "django.core.cache.backends.redis.RedisCache redis://cache:6379/1"
    database = _production(show, CELERY_BROKER_URL="amqp://guest@127.0.0.1//")
    assert database == "django.core.cache.backends.db.DatabaseCache steward_cache"


# --- the ingest quota: records per minute, per source, set in the admin ---


def _quota(code: str, per_minute: int) -> None:
    from stewardship.models import SourceSystem

    SourceSystem.objects.update_or_create(code=code, defaults={"name": code, "ingest_quota_per_minute": per_minute})


def _consents(client, source: str, count: int):
    events = [
        {
            "source_key": f"C{n}",
            "purpose": "email_marketing",
            "status": "granted",
            "captured_at": "2026-01-01T10:00:00Z",
        }
        for n in range(count)
    ]
    return client.post(f"/api/v1/sources/{source}/consents/batch/", {"events": events}, format="json")


def test_a_batch_over_the_quota_is_a_429_and_nothing_is_written(source_erp, push):
    from stewardship.models import SourceRecord

    _quota("erp", 5)
    assert push(source_erp, "erp", *[record(f"E{n}", family_name="Lee") for n in range(3)]).status_code == 200
    over = push(source_erp, "erp", *[record(f"E{n}", family_name="Lee") for n in range(3, 6)])
    assert over.status_code == 429
    assert 0 < int(over["Retry-After"]) <= 60
    assert over.json()["error"]["code"] == "throttled"
    assert "ingest quota of 5 records a minute" in over.json()["error"]["message"]
    assert SourceRecord.objects.count() == 3
    # What is left of the minute can still be used, by any batch of the source: records and consent events alike.
    assert push(source_erp, "erp", record("E3", family_name="Lee")).status_code == 200
    assert _consents(source_erp, "erp", 1).status_code == 200
    assert _consents(source_erp, "erp", 1).status_code == 429


def test_a_batch_larger_than_the_quota_is_refused_whole(source_erp, push):
    from stewardship.models import SourceRecord

    _quota("erp", 2)
    refused = push(source_erp, "erp", *[record(f"E{n}") for n in range(3)])
    assert refused.status_code == 429 and "send smaller batches" in refused.json()["error"]["message"]
    assert SourceRecord.objects.count() == 0
    assert push(source_erp, "erp", *[record(f"E{n}") for n in range(2)]).status_code == 200


def test_each_source_has_its_own_quota_and_zero_is_unlimited(source_erp, source_cdp, push):
    _quota("erp", 1)
    _quota("cdp", 0)
    assert push(source_erp, "erp", record("E1")).status_code == 200
    assert push(source_erp, "erp", record("E2")).status_code == 429
    for n in range(5):
        assert push(source_cdp, "cdp", *[record(f"C{n}-{i}") for i in range(20)]).status_code == 200


def test_stewards_reading_are_not_counted(source_erp, push, steward, client_for):
    _quota("erp", 1)
    push(source_erp, "erp", record("E1"))
    for _ in range(3):
        assert client_for(steward).get("/api/v1/sources/erp/customers/E1/").status_code == 200
        assert source_erp.get("/api/v1/sources/erp/customers/E1/").status_code == 200


def test_the_quota_is_set_per_source_in_the_admin(client, source_erp):
    from django.contrib.auth.models import User

    from stewardship.models import SourceSystem

    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw-root-123!"))
    erp = SourceSystem.objects.get(code="erp")
    page = client.get(f"/admin/stewardship/sourcesystem/{erp.pk}/change/").content.decode()
    assert 'name="ingest_quota_per_minute"' in page
    form = {"code": "erp", "name": "ERP", "active": "on", "ingest_quota_per_minute": "600"}
    inline = {"api_keys-TOTAL_FORMS": "1", "api_keys-INITIAL_FORMS": "1", "api_keys-0-id": erp.api_keys.get().pk}
    inline |= {"api_keys-0-source": erp.pk, "api_keys-0-name": ""}
    assert client.post(f"/admin/stewardship/sourcesystem/{erp.pk}/change/", form | inline).status_code == 302
    assert SourceSystem.objects.get(code="erp").ingest_quota_per_minute == 600


@pytest.mark.skipif(
    "RedisCache" not in __import__("django.conf").conf.settings.CACHES["default"]["BACKEND"],
    reason="the cross-process count is checked on Redis (CI); the database cache is shared through the database",
)
def test_the_count_is_shared_by_every_process(source_erp, push, settings):
    import os
    import subprocess
    import sys

    from stewardship.models import SourceSystem
    from tests.stewardship.test_settings import ROOT

    _quota("erp", 10)
    erp = SourceSystem.objects.get(code="erp")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    other_process = (
        "import django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'stewardship.settings')\n"
        "from django.conf import settings\n"
        f"settings.CACHES['default']['KEY_PREFIX'] = {prefix!r}\n"
        "django.setup()\n"
        "from stewardship.api.throttling import ingest_quota_take\n"
        "from stewardship.models import SourceSystem\n"
        f"print(ingest_quota_take(SourceSystem(pk={erp.pk}, code='erp', ingest_quota_per_minute=10), 8))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", other_process], cwd=ROOT, env=os.environ, capture_output=True, text=True
    )
    assert result.stdout.strip() == "None", result.stderr  # taken in the other process
    assert push(source_erp, "erp", *[record(f"E{n}") for n in range(3)]).status_code == 429
    assert push(source_erp, "erp", *[record(f"E{n}") for n in range(2)]).status_code == 200
