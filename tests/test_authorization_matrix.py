"""Who may call what, for every route of the URL conf, by persona: one table. The routes are read from the resolver, so
a new route without a row here fails ``test_every_route_has_a_row``.

Each request names an object that does not exist: a caller the route admits gets past the permission check (then a
404 or a 400 for the empty body, never 401/403 and never a 5xx); a caller it refuses gets 403 (the API checks the
role before it looks anything up) or, signed out of the UI, the login page."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from stewardship import services
from tests.conftest import _user

pytestmark = pytest.mark.django_db

# Who a route admits. "source" routes also admit a source system on its own path (writes: only it).
ANYONE, READER, STEWARD, APPROVER, PRIVACY = "anyone", "reader", "steward", "approver", "privacy"
SOURCE_WRITE, SOURCE_READ, READER_OR_SOURCE, SIGNED_IN = "source-write", "source-read", "reader-or-source", "signed-in"

# route name -> (method, who). The table.
ROUTES: dict[str, tuple[str, str]] = {
    "healthz": ("get", ANYONE),
    "login": ("get", ANYONE),
    "logout": ("post", ANYONE),
    "source-customers-batch": ("post", SOURCE_WRITE),
    "source-products-batch": ("post", SOURCE_WRITE),
    "source-consents-batch": ("post", SOURCE_WRITE),
    "source-customer": ("get", SOURCE_READ),
    "source-product": ("get", SOURCE_READ),
    "delivery-list": ("get", READER),
    "delivery-replay-many": ("post", STEWARD),
    "delivery-detail": ("get", READER),
    "delivery-replay": ("post", STEWARD),
    "customer-list": ("get", READER_OR_SOURCE),
    "customer-detail": ("get", READER_OR_SOURCE),
    "customer-access-log": ("get", PRIVACY),
    "customer-erase": ("post", PRIVACY),
    "customer-export": ("get", PRIVACY),
    "customer-history": ("get", READER),
    "customer-unmerge": ("post", STEWARD),
    "product-list": ("get", READER_OR_SOURCE),
    "product-detail": ("get", READER_OR_SOURCE),
    "product-history": ("get", READER),
    "product-unmerge": ("post", STEWARD),
    "match-candidate-list": ("get", READER),
    "match-candidate-detail": ("get", READER),
    "match-candidate-assign": ("post", STEWARD),
    "match-candidate-merge": ("post", STEWARD),
    "match-candidate-reject": ("post", STEWARD),
    "change-request-list": ("get", READER),
    "change-request-detail": ("get", READER),
    "change-request-approve": ("post", APPROVER),
    "change-request-reject": ("post", APPROVER),
    "privacy-request-list": ("get", PRIVACY),
    "privacy-request-detail": ("get", PRIVACY),
    "api-root": ("get", READER),
    "schema": ("get", SIGNED_IN),
    "api-docs": ("get", SIGNED_IN),
    "health": ("get", READER),
    "replay-many": ("post", STEWARD),
    "delivery": ("get", READER),
    "dashboard": ("get", READER),
    "queue": ("get", READER),
    "review": ("get", READER),
    "review-claim": ("post", STEWARD),
    "review-merge": ("post", STEWARD),
    "review-reject": ("post", STEWARD),
    "search": ("get", READER),
    "golden": ("get", READER),
    "unmerge": ("post", STEWARD),
    "export": ("post", PRIVACY),
    "erase": ("get", PRIVACY),
    "attribute": ("get", READER),
    "attribute-edit": ("get", STEWARD),
    "change-requests": ("get", READER),
    "change-approve": ("post", APPROVER),
    "change-reject": ("post", APPROVER),
    "privacy": ("get", PRIVACY),
}

# persona -> the roles it holds (None: not signed in; "source:<code>": a source system's API key).
PERSONAS: dict[str, tuple[str, ...] | str | None] = {
    "anonymous": None,
    "no-group": (),
    "viewer": ("viewer",),
    "steward": ("steward",),
    "approver-only": ("approver",),
    "approver": ("steward", "approver"),
    "admin-group": ("admin",),
    "privacy": ("privacy",),
    "superuser": "superuser",
    "own-source": "source:erp",
    "other-source": "source:cdp",
}

ADMITS = {
    READER: {"viewer", "steward", "approver-only", "approver", "admin-group", "privacy", "superuser"},
    STEWARD: {"steward", "approver", "superuser"},
    APPROVER: {"approver-only", "approver", "superuser"},
    PRIVACY: {"privacy", "superuser"},
}


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[tuple[str, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            if not str(p.pattern).startswith("admin/"):  # the Django admin guards itself (is_staff)
                yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif p.name and "format" not in str(p.pattern):  # DRF's format suffixes: the same views
            yield p.name, prefix + str(p.pattern)


def routes() -> dict[str, str]:
    return dict(_routes(get_resolver().url_patterns))


def concrete(route: str) -> str:
    """A path for the route, naming things that do not exist (the source ``erp``: the own-source persona's)."""
    values = {
        "source": "erp",
        "source_key": "no-such-key",
        "domain": "customers",
        "golden_id": str(uuid.uuid4()),
        "pk": str(uuid.uuid4()) if re.search(r"(customers|products)/\(\?P<pk>", route) else "999999",
        "attribute": "email",
        "candidate_id": "999999",
        "request_id": "999999",
        "delivery_id": "999999",
    }
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], path)
    return "/" + path.replace("^", "").replace("$", "")


def admitted(who: str, persona: str, path: str) -> bool:
    source = PERSONAS[persona] if isinstance(PERSONAS[persona], str) and persona.endswith("source") else None
    if who == ANYONE:
        return True
    if who == SIGNED_IN:  # the API's schema and docs: any user or source system with credentials
        return persona != "anonymous"
    if who in (SOURCE_WRITE, SOURCE_READ):
        if source:
            return persona == "own-source"  # the path names erp
        return who == SOURCE_READ and persona in ADMITS[READER]
    if who == READER_OR_SOURCE:
        return bool(source) or persona in ADMITS[READER]
    return persona in ADMITS[who]


@pytest.fixture
def callers(db, settings) -> dict[str, APIClient | Client]:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # eleven users a test
    made: dict[str, APIClient | Client] = {}
    for persona, roles in PERSONAS.items():
        if roles is None:
            made[persona] = APIClient()
        elif roles == "superuser":
            client = APIClient()
            client.force_login(User.objects.create_superuser(persona, password="pw-" + persona + "-123!"))
            made[persona] = client
        elif isinstance(roles, str):
            _, key = services.api_key_issue(source_code=roles.split(":")[1])
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
            made[persona] = client
        else:
            client = APIClient()
            client.force_login(_user(persona, *roles))
            made[persona] = client
    return made


def test_every_route_has_a_row():
    found = set(routes())
    assert found - set(ROUTES) == set(), "routes with no row in the authorization table"
    assert set(ROUTES) - found == set(), "rows for routes that are gone"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_route_admits_exactly_its_personas(name, callers):
    method, who = ROUTES[name]
    path = concrete(routes()[name])
    outcomes = {}
    for persona, client in callers.items():
        response = getattr(client, method)(path, {}, format="json") if method == "post" else client.get(path)
        outcomes[persona] = response.status_code
        assert response.status_code < 500, (persona, path, response.status_code)
        login_page = response.status_code == 302 and "/login/" in response.get("Location", "")
        refused = response.status_code in (401, 403) or login_page
        if who == ANYONE:
            continue  # nothing to refuse (logout sends anyone to the login page)
        if admitted(who, persona, path):
            assert not refused, (persona, path, response.status_code)
        else:
            assert refused, (persona, path, response.status_code)
    assert outcomes  # every persona was tried
