"""The lanes of `make test-fast` follow the fixtures a test uses (tests/conftest.py). The server and browser fixtures
are replaced here by stand-ins of the same names: the markers come from the names, so nothing is started. These tests
carry the markers themselves, so they run in the whole suite (`make test`), not in the fast lane."""

from __future__ import annotations

import pytest


@pytest.fixture
def tryton_server() -> str:
    return "a stand-in: no Tryton is started"


@pytest.fixture
def browser() -> str:
    return "a stand-in: no Chromium is started"


@pytest.fixture
def erp(tryton_server: str) -> str:
    return tryton_server


def markers(request: pytest.FixtureRequest) -> set[str]:
    return {mark.name for mark in request.node.iter_markers()} & {"browser", "external"}


def test_a_test_using_a_real_server_through_another_fixture_is_external(erp, request):
    assert markers(request) == {"external"}


def test_a_test_using_the_browser_is_a_browser_test(browser, request):
    assert markers(request) == {"browser"}


def test_a_test_using_both_has_both(browser, tryton_server, request):
    assert markers(request) == {"browser", "external"}


def test_a_test_using_neither_is_in_the_fast_lane(request):
    assert markers(request) == set()
