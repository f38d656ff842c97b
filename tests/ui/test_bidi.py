"""Bidirectional control characters (U+202A-U+202E, U+2066-U+2069) in what sources and stewards send: stored as sent,
shown isolated in a <bdi> (or, where no element can hold them, an attribute or the window title, left out), so a
right-to-left override in a name cannot reorder the page around it."""

import re

import pytest

from stewardship import services
from stewardship.models import ChangeRequest, GoldenRecord, SourceRecord
from sync.models import Connector, Delivery, DeliveryStatus, Subscription

from .conftest import HTMX, ingest, propose

pytestmark = pytest.mark.django_db

RLO, LRE, PDF, RLI, PDI = "\u202e", "\u202a", "\u202c", "\u2067", "\u2069"
CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def unisolated(html: str) -> list[str]:
    """The bidi controls of a page outside a <bdi> (and outside a form field's value, a box of its own), with what
    surrounds each."""
    html = re.sub(r"<bdi>[^<]*</bdi>", "", html)
    html = re.sub(r'value="[^"]*"', "", html)
    return [html[max(0, m.start() - 60) : m.end() + 20] for m in CONTROLS.finditer(html)]


@pytest.fixture
def hostile(steward, approver):
    """Two customers and a product whose names, keys and values hold bidi controls, a candidate for the pair, a change
    request, a note in the history and a delivery that failed with them."""
    hooks = Connector.objects.create(name="hooks", kind="webhook", base_url="http://127.0.0.1:9/")
    Subscription.objects.create(connector=hooks, domain="customer")
    a = ingest(
        "cdp",
        f"C{RLO}1",
        given_name=f"Ann{RLO}",
        family_name=f"{RLI}Lee",
        email="ann@example.com",
        city=f"Ly{PDF}on",
        country="FR",
    )
    b = ingest("erp", "E1", given_name=f"{LRE}A.", family_name=f"Lee{PDI}", email="alee@corp.example", city="Paris")
    ingest("erp", "P1", domain="product", name=f"Pen{RLO} 0.5", gtin="4006381333931")
    candidate = propose(a, b)
    change = services.change_request_create(
        golden_id=a, attribute="city", value=f"Nice{RLO}", comment=f"she{RLO} called", user=steward
    )
    services.change_request_reject(request_id=change.pk, user=approver, comment=f"no{RLO}")
    services.change_request_create(
        golden_id=a, attribute="city", value=f"Lyon{RLO}", comment=f"again{RLO}", user=steward
    )
    delivery = Delivery.objects.first()
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD, last_error=f"rejected {RLO}Ann")
    return a, b, candidate, delivery


def test_they_are_stored_as_sent(hostile):
    a = GoldenRecord.objects.get(pk=hostile[0])
    assert a.attributes["given_name"] == f"Ann{RLO}" and a.attributes["family_name"] == f"{RLI}Lee"
    assert SourceRecord.objects.filter(source_key=f"C{RLO}1").exists()
    assert ChangeRequest.objects.filter(comment=f"she{RLO} called").exists()


def test_every_page_shows_them_isolated(signed_in, approver, hostile):
    a, b, candidate, delivery = hostile
    client = signed_in(approver)
    pages = [
        "/",
        f"/customers/{a}/",
        f"/customers/{b}/",
        "/customers/",
        "/customers/?q=Ann",
        f"/customers/?q=Ann{RLO}",
        "/products/",
        "/review/",
        f"/review/{candidate.pk}/",
        "/change-requests/",
        "/change-requests/?status=all",
        f"/customers/{a}/attributes/city/edit/",
        f"/customers/{a}/attributes/given_name/",
        "/sync/?status=",
        f"/sync/deliveries/{delivery.pk}/",
    ]
    for page in pages:
        for headers in ({}, HTMX):
            response = client.get(page, headers=headers)
            assert response.status_code == 200, page
            assert unisolated(response.content.decode()) == [], page
    refused = client.post(f"/sync/replay/?status=dead&con{RLO}nector=hooks")
    assert refused.status_code == 400 and unisolated(refused.content.decode()) == []


def test_messages_naming_them_are_isolated(signed_in, steward, hostile):
    a, b, candidate, _ = hostile
    client = signed_in(steward)
    merged = client.post(f"/review/{candidate.pk}/merge/", follow=True)
    assert merged.status_code == 200 and "Merged" in merged.content.decode()
    assert unisolated(merged.content.decode()) == []
    survivor = GoldenRecord.objects.filter(status="active", domain="customer").get()
    record = SourceRecord.objects.get(source_key=f"C{RLO}1")
    split = client.post(
        f"/customers/{survivor.pk}/unmerge/",
        {"source": "cdp", "source_key": record.source_key, "version": survivor.version},
        follow=True,
    )
    assert "Split" in split.content.decode() and unisolated(split.content.decode()) == []
