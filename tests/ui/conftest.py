"""Fixtures of the UI tests: golden records ingested through the services, candidates the matcher would queue,
and clients signed in as the personas (those of tests/conftest.py, and a viewer, a privacy officer and an approver
who is no steward)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from stewardship import services
from stewardship.models import MatchCandidate, SourceSystem
from tests.conftest import record

EXPLANATION = [
    {"field": "given_name", "a": "ann", "b": "a", "comparator": "initial", "similarity": 0.5, "weight": 1.5},
    {"field": "family_name", "a": "lee", "b": "lee", "comparator": "exact", "similarity": 1.0, "weight": 8.0},
    {
        "field": "email",
        "a": "ann@example.com",
        "b": "alee@corp.example",
        "comparator": "different",
        "similarity": 0.41,
        "weight": -4.0,
    },
    {
        "field": "address",
        "a": "1 high st",
        "b": "1 high street",
        "comparator": "similar ≥ 0.90",
        "similarity": 0.93,
        "weight": 5.0,
    },
    {"field": "location", "a": "lyon", "b": "paris", "comparator": "different", "similarity": 0.2, "weight": -1.0},
]


def ingest(
    source: str, key: str, *, domain: str = "customer", when: str = "2026-01-01T10:00:00Z", **attributes: Any
) -> uuid.UUID:
    """One source record through the ingest service; returns its golden id."""
    [result] = services.source_records_upsert(
        source=SourceSystem.objects.get(code=source), domain=domain, records=[record(key, when, **attributes)]
    )
    assert result.status in (services.CREATED, services.UPDATED), result.as_dict()
    return result.golden_id


def propose(
    a: uuid.UUID, b: uuid.UUID, *, score: float = 0.93, domain: str = "customer", **fields: Any
) -> MatchCandidate:
    """A pending candidate for the pair, as the matcher queues it."""
    a, b = sorted([a, b], key=str)
    return MatchCandidate.objects.create(
        domain=domain, golden_a_id=a, golden_b_id=b, score=score, explanation=EXPLANATION, **fields
    )


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """The personas' passwords are hashed with a fast hasher: PBKDF2's deliberate slowness, paid for each user of each
    test, would be most of this suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ingest_ann_lee(*, cdp_phone: str | None = None) -> tuple[uuid.UUID, uuid.UUID]:
    """Ann Lee as the CDP has her and A. Lee as the ERP has her: too different to link, two golden records."""
    a = ingest(
        "cdp",
        "C1",
        given_name="Ann",
        family_name="Lee",
        email="ann@example.com",
        address_line1="1 High St",
        postal_code="69001",
        city="Lyon",
        country="FR",
        **({"phone": cdp_phone} if cdp_phone else {}),
    )
    b = ingest(
        "erp",
        "E1",
        given_name="A.",
        family_name="Lee",
        email="alee@corp.example",
        address_line1="1 High Street",
        postal_code="75001",
        city="Paris",
        country="FR",
        erp_account_number="ACC-1",
    )
    return a, b


@pytest.fixture
def pair(db) -> tuple[uuid.UUID, uuid.UUID, MatchCandidate]:
    """Ann Lee in the CDP and A. Lee in the ERP: two golden records, one candidate."""
    a, b = ingest_ann_lee(cdp_phone="+33612345678")
    assert a != b
    MatchCandidate.objects.all().delete()  # only the candidates a test makes itself
    return a, b, propose(a, b)


@pytest.fixture
def second_pair(pair) -> tuple[uuid.UUID, uuid.UUID, MatchCandidate]:
    """Bob Stone in the loyalty programme and Robert Stone in commerce: another candidate, lower in the queue."""
    a = ingest("loyalty", "L1", given_name="Bob", family_name="Stone", email="bob@example.com", city="Leeds")
    b = ingest("commerce", "W1", given_name="Robert", family_name="Stone", email="rstone@shop.example", city="Leeds")
    assert a != b
    MatchCandidate.objects.exclude(pk=pair[2].pk).delete()
    return a, b, propose(a, b, score=0.88)


def _persona(username: str, *roles: str) -> User:
    user = User.objects.create_user(username=username, password=f"pw-{username}-123!")
    user.groups.add(*Group.objects.filter(name__in=roles))
    return user


@pytest.fixture
def viewer(db) -> User:
    """Reads everything, personal values masked; acts on nothing."""
    return _persona("vera", "viewer")


@pytest.fixture
def privacy_officer(db) -> User:
    """Subject requests (export, erasure, the privacy page); no steward actions."""
    return _persona("priya", "privacy")


@pytest.fixture
def approver_only(db) -> User:
    """Decides change requests; no steward actions."""
    return _persona("april", "approver")


@pytest.fixture
def signed_in() -> Callable[[User], Client]:
    def make(user: User, **kwargs: Any) -> Client:
        client = Client(**kwargs)
        client.force_login(user)
        return client

    return make


HTMX = {"HX-Request": "true"}
