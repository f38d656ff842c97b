"""GET /api/v1/customers/ and /products/: shape, filters, cursor pagination, constant query count."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import record

pytestmark = pytest.mark.django_db


def _load(client, push, n, start=0):
    records = [
        record(
            f"C{i}",
            given_name=f"Given{i}",
            family_name=f"Family{i}",
            email=f"p{i}@example.com",
            phone=f"+3361234{i:04d}",
            postal_code=f"75{i:03d}",
            country="FR",
        )
        for i in range(start, start + n)
    ]
    assert push(client, "cdp", *records).status_code == 200


def test_detail_shape(source_cdp, source_erp, steward, client_for, push):
    _load(source_cdp, push, 1)
    push(
        source_erp,
        "erp",
        record("E0", given_name="Given0", family_name="Family0", email="p0@example.com", erp_account_number="ACC-9"),
    )
    [golden] = client_for(steward).get("/api/v1/customers/").json()["results"]
    body = client_for(steward).get(f"/api/v1/customers/{golden['id']}/").json()
    assert body["version"] == 2 and body["status"] == "active" and body["domain"] == "customer"
    assert body["attributes"]["erp_account_number"] == "ACC-9"
    assert body["provenance"]["erp_account_number"]["source"] == "erp"
    assert body["provenance"]["email"] == {
        "source": "cdp",
        "source_key": "C0",
        "updated_at": "2026-01-01T10:00:00Z",
    }
    assert body["sources"] == [{"source": "cdp", "source_key": "C0"}, {"source": "erp", "source_key": "E0"}]
    assert body["consents"] == []


def test_sources_can_read_golden_records(source_cdp, push):
    _load(source_cdp, push, 2)
    assert len(source_cdp.get("/api/v1/customers/").json()["results"]) == 2


def test_filters(source_cdp, steward, client_for, push, source_erp):
    _load(source_cdp, push, 5)
    push(source_erp, "erp", record("E3", given_name="Given3", family_name="Family3", email="p3@example.com"))
    client = client_for(steward)

    def ids(query):
        response = client.get(f"/api/v1/customers/?{query}")
        assert response.status_code == 200, response.content
        return [r["attributes"]["email"] for r in response.json()["results"]]

    assert ids("name=family2") == ["p2@example.com"]
    assert ids("email=P4@Example.com") == ["p4@example.com"]
    assert ids("phone=%2B33612340001") == ["p1@example.com"]
    assert ids("postal_code=75003") == ["p3@example.com"]
    assert ids("source=erp") == ["p3@example.com"]
    assert ids("source_key=C0") == ["p0@example.com"]
    assert len(ids("updated_since=2000-01-01T00:00:00Z")) == 5
    assert ids("updated_since=2999-01-01T00:00:00Z") == []


def test_cursor_pagination_walks_every_record_once(source_cdp, steward, client_for, push):
    _load(source_cdp, push, 7)
    client = client_for(steward)
    seen, url = [], "/api/v1/customers/?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 7


def test_list_query_count_does_not_grow_with_page_size(source_cdp, steward, client_for, push):
    _load(source_cdp, push, 30)
    client = client_for(steward)

    def count(page_size):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/customers/?page_size={page_size}").status_code == 200
        return len(ctx.captured_queries)

    count(1)  # warm up: the caller's roles are read once per request user
    small, large = count(2), count(30)
    assert small == large
    assert large <= 6


def test_products_are_listed_separately(source_erp, steward, client_for, push):
    push(source_erp, "erp", record("P1", gtin="4006381333931", name="Pen"), domain="products")
    client = client_for(steward)
    assert client.get("/api/v1/customers/").json()["results"] == []
    [product] = client.get("/api/v1/products/?gtin=4006381333931").json()["results"]
    assert product["attributes"]["name"] == "Pen" and product["domain"] == "product"
    assert client.get(f"/api/v1/customers/{product['id']}/").status_code == 404


def test_source_record_view(source_erp, push):
    push(source_erp, "erp", record("E1", family_name="Lee", email="lee@"))
    body = source_erp.get("/api/v1/sources/erp/customers/E1/").json()
    assert body["source"] == "erp" and body["source_key"] == "E1" and body["golden_id"]
    assert body["attributes"]["email"] == "lee@" and "email" in body["warnings"]
    assert source_erp.get("/api/v1/sources/erp/customers/nope/").status_code == 404
    assert source_erp.get("/api/v1/sources/erp/products/E1/").status_code == 404


def test_unknown_golden_id_is_a_404(steward, client_for):
    response = client_for(steward).get("/api/v1/customers/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def crafted(query: str) -> str:
    """A cursor as DRF spells one (base64 of a query string), holding what a client chose."""
    return base64.b64encode(query.encode()).decode()


CRAFTED_CURSORS = [
    "cD1hYmM=",  # p=abc
    crafted("p=2026-13-45 10:00:00"),
    crafted("r=1&p=abc"),
    crafted("o=3&p=\x00"),
    crafted("p=" + "9" * 400),
    crafted("p=1e999"),
]


@pytest.mark.parametrize("cursor", CRAFTED_CURSORS)
def test_a_crafted_cursor_is_drfs_invalid_cursor_404_on_every_list(source_cdp, steward, client_for, push, cursor):
    _load(source_cdp, push, 1)
    golden = client_for(steward).get("/api/v1/customers/").json()["results"][0]["id"]
    client = client_for(steward)
    for path in (
        "/api/v1/customers/",
        "/api/v1/products/",
        "/api/v1/match-candidates/",
        "/api/v1/change-requests/",
        f"/api/v1/customers/{golden}/history/",
    ):
        response = client.get(path, {"cursor": cursor})
        if response.status_code == 200:  # the value reads as the ordering's type (a score of 1e999, a big version)
            continue
        assert response.status_code == 404, (path, response.content[:200])
        assert response.json()["error"] == {"code": "not_found", "message": "Invalid cursor"}
    assert client.get("/api/v1/customers/", {"cursor": "cD1hYmM="}).status_code == 404
