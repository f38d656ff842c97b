"""Personas (healthchecks-style): steward, approver, admin, outsider, and source systems by their API keys."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.test import APIClient

from stewardship import services

pytest_plugins = ["tests.fixtures.sandbox", "tests.fixtures.tryton", "tests.fixtures.medusa"]

# The lanes of `make test-fast` (-m "not browser and not external"), read from the fixtures a test uses, directly or
# through other fixtures: a new test that drives Chromium or needs a real Tryton or Medusa is classified without
# anyone remembering to mark it.
LANE_FIXTURES = {
    "browser": {"browser"},  # Chromium through Playwright (tests/ui/test_browser.py)
    "external": {"tryton_server", "medusa_server"},  # the real servers, installed into var/ on first use
}


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker, fixtures in LANE_FIXTURES.items():
            if used & fixtures:
                item.add_marker(marker)


@pytest.fixture(autouse=True)
def _own_cache_keys(settings) -> None:
    """Each test counts its throttles, lockouts and quotas under keys of its own: the cache (Redis in CI) outlives the
    test, and a test's failed logins must not hold up the next one. (Never cache.clear(): on Redis it empties the
    broker's database.)"""
    settings.CACHES = {name: {**config, "KEY_PREFIX": uuid.uuid4().hex} for name, config in settings.CACHES.items()}


def _user(username: str, *roles: str) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username + "-123!")
    for role in roles:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def steward(db) -> User:
    return _user("stella", "steward")


@pytest.fixture
def approver(db) -> User:
    return _user("arthur", "steward", "approver")


@pytest.fixture
def admin_user(db) -> User:
    return _user("ada", "admin")


@pytest.fixture
def outsider(db) -> User:
    return _user("oscar")


@pytest.fixture
def client_for() -> Callable[[User], APIClient]:
    def make(user: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def source_client(db) -> Callable[[str], APIClient]:
    """An API client authenticated with a fresh API key of the given source system."""

    def make(code: str) -> APIClient:
        _, key = services.api_key_issue(source_code=code)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client

    return make


@pytest.fixture
def source_erp(source_client) -> APIClient:
    return source_client("erp")


@pytest.fixture
def source_cdp(source_client) -> APIClient:
    return source_client("cdp")


@pytest.fixture
def source_loyalty(source_client) -> APIClient:
    return source_client("loyalty")


def record(source_key: str, updated_at: str = "2026-01-01T10:00:00Z", **attributes: Any) -> dict[str, Any]:
    return {"source_key": source_key, "updated_at": updated_at, "attributes": attributes}


@pytest.fixture
def push() -> Callable[..., Any]:
    """POST a batch of records for a source; returns the response."""

    def send(client: APIClient, source: str, *records: dict[str, Any], domain: str = "customers", **headers: str):
        return client.post(
            f"/api/v1/sources/{source}/{domain}/batch/", {"records": list(records)}, format="json", headers=headers
        )

    return send
