"""GET /api/v1/sync/deliveries/ and replay: role-checked, filterable, no N+1."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from sync.models import Connector, Delivery, DeliveryStatus, Subscription
from sync.worker import deliveries_process
from tests.sync.conftest import ann

URL = "/api/v1/sync/deliveries/"


@pytest.fixture
def deliveries(webhook, upsert):
    upsert("erp", *[ann(f"C-{n}", given_name=f"Ann{n}", email=f"a{n}@example.com") for n in range(3)])
    return list(Delivery.objects.order_by("id"))


def test_every_call_needs_a_steward_role(deliveries, client_for, outsider, source_erp):
    assert APIClient().get(URL).status_code in (401, 403)
    assert client_for(outsider).get(URL).status_code == 403
    assert source_erp.get(URL).status_code == 403
    assert source_erp.post(f"{URL}{deliveries[0].pk}/replay/").status_code == 403


def test_it_lists_and_filters(deliveries, client_for, steward, clean_sandbox):
    first, second, third = deliveries
    clean_sandbox.fault("webhook", "reject", count=1)
    deliveries_process(delivery_ids=[first.pk])
    deliveries_process(delivery_ids=[second.pk])
    Delivery.objects.filter(pk=third.pk).update(created_at=timezone.now() - timedelta(hours=2))
    api = client_for(steward)

    def ids(**params):
        response = api.get(URL, params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [second.pk, first.pk, third.pk]
    assert ids(status="dead") == [first.pk]
    assert ids(status=["dead", "delivered"]) == [second.pk, first.pk]
    assert ids(connector="hooks", golden_id=str(second.golden_id)) == [second.pk]
    assert ids(connector="other") == []
    assert ids(min_age=3600) == [third.pk]
    assert ids(max_age=3600, domain="customer") == [second.pk, first.pk]
    row = api.get(URL, {"status": "dead"}).json()["results"][0]
    assert row["connector"] == "hooks" and row["event_type"] == "customer.upserted" and row["attempts"] == 1
    assert "400" in row["last_error"] and row["version"] == 1
    assert api.get(URL, {"status": "nonsense"}).status_code == 400
    detail = api.get(f"{URL}{first.pk}/").json()
    assert [a["outcome"] for a in detail["attempt_rows"]] == ["permanent"]
    assert detail["payload"]["attributes"]["given_name"] == "Ann0"


def test_replay_one_and_many(deliveries, client_for, steward, clean_sandbox):
    clean_sandbox.fault("webhook", "reject", count=-1)
    deliveries_process(delivery_ids=[d.pk for d in deliveries])
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DEAD}
    api = client_for(steward)
    response = api.post(f"{URL}{deliveries[0].pk}/replay/")
    assert response.status_code == 200 and response.json()["status"] == "pending"
    again = api.post(f"{URL}{deliveries[0].pk}/replay/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_dead"
    assert api.post(f"{URL}999999/replay/").status_code == 404
    assert api.post(f"{URL}abc/replay/").status_code == 404
    bulk = api.post(f"{URL}replay/?connector=hooks&golden_id={deliveries[1].golden_id}")
    assert bulk.json() == {"replayed": 1, "superseded": 0}
    assert api.post(f"{URL}replay/?status=dead&connector=hooks").json() == {"replayed": 1, "superseded": 0}
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING, replayed_by=steward).count() == 3


def test_the_list_costs_the_same_queries_for_one_or_many(webhook, upsert, client_for, steward):
    api = client_for(steward)
    other = Connector.objects.create(name="other", kind="webhook", base_url=webhook.base_url)
    Subscription.objects.create(connector=other, domain="customer")
    upsert("erp", ann())
    api.get(URL)  # the user's roles are read once and kept
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(URL).json()["results"]) == 2
    upsert("erp", *[ann(f"C-{n}", given_name=f"N{n}", email=f"n{n}@example.com") for n in range(2, 30)])
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(URL).json()["results"]) == 50
    assert len(one) == len(many)


@pytest.mark.parametrize("cursor", ["cD1hYmM=", "cj0xJnA9MjAyNi0xMy00NQ=="])  # p=abc; r=1&p=2026-13-45
def test_a_crafted_cursor_is_drfs_invalid_cursor_404(client_for, steward, cursor):
    response = client_for(steward).get(URL, {"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "Invalid cursor"}


@pytest.fixture
def dead(db, upsert) -> Delivery:
    """A dead delivery to a connector nobody listens at (no sandbox needed)."""
    connector = Connector.objects.create(name="hooks", kind="webhook", base_url="http://127.0.0.1:9/")
    Subscription.objects.create(connector=connector, domain="customer")
    upsert("erp", ann())
    Delivery.objects.update(status=DeliveryStatus.DEAD)
    return Delivery.objects.get()


def test_a_delivery_id_that_is_not_ascii_digits_is_a_404(client_for, steward, dead):
    arabic = "".join(chr(0x660 + int(digit)) for digit in str(dead.pk))  # ٣ for 3: int() reads it
    for wrong in ("abc", arabic):
        assert client_for(steward).get(f"{URL}{wrong}/").status_code == 404
        assert client_for(steward).post(f"{URL}{wrong}/replay/").status_code == 404
    assert Delivery.objects.get().status == DeliveryStatus.DEAD


@pytest.mark.parametrize(
    ("query", "unknown"),
    [("conector=hooks", "conector"), ("status=dead&golden=x", "golden"), ("connector=hooks&cursor=abc", "cursor")],
)
def test_bulk_replay_with_an_unknown_filter_is_a_400_naming_it(client_for, steward, dead, query, unknown):
    response = client_for(steward).post(f"{URL}replay/?{query}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {unknown: ["Unknown filter."]}
    assert Delivery.objects.get().status == DeliveryStatus.DEAD  # a typo does not replay every dead letter


@pytest.mark.parametrize(
    ("name", "value"),
    [("min_age", "100000000000"), ("max_age", "1e20"), ("min_age", "-1"), ("max_age", "NaN"), ("min_age", "Infinity")],
)
def test_an_age_out_of_range_is_a_400_naming_the_filter(client_for, steward, name, value):
    api = client_for(steward)
    for response in (api.get(URL, {name: value}), api.post(f"{URL}replay/?{name}={value}")):
        assert response.status_code == 400, response.content
        assert list(response.json()["error"]["fields"]) == [name]
