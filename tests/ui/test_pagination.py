"""Keyset pages in the UI: a cursor that does not read is the first page, however it was crafted."""

import base64
import json

import pytest

pytestmark = pytest.mark.django_db


def cursor_of(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


CURSORS = [
    base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),  # nested past Python's recursion limit
    cursor_of(["n", [[[[[[["deep"]]]]]]]]),
    cursor_of(["p", ["9999-12-31T23:00:00-05:00"]]),
    cursor_of(["n", {"a": 1, "b": 2}]),
    cursor_of(["n", ["\x00", "\x00"]]),
    "garbage",
]


@pytest.mark.parametrize("cursor", CURSORS)
@pytest.mark.parametrize("page", ["/review/", "/customers/", "/products/", "/change-requests/", "/sync/"])
def test_a_cursor_that_does_not_read_shows_the_first_page(signed_in, steward, pair, page, cursor):
    response = signed_in(steward).get(page, {"cursor": cursor})
    assert response.status_code == 200
    assert response.context["page"].previous_cursor is None


@pytest.mark.parametrize("values", [[10**30, 10**30], [-(10**30), 1e308, 1], ["9999-12-31T23:00:00-05:00", 1]])
@pytest.mark.parametrize("page", ["/review/", "/customers/", "/change-requests/", "/sync/"])
def test_a_cursor_of_extreme_values_still_answers_a_page(signed_in, steward, pair, page, values):
    for direction in ("n", "p"):
        assert signed_in(steward).get(page, {"cursor": cursor_of([direction, values])}).status_code == 200
