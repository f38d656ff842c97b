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
