"""The /sync/ pages: connector health, the delivery list and page, and replay (one, or every dead one a filter
matches)."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from stewardship.models import Domain
from stewardship.ui.formats import duration_label
from sync import selectors
from sync.models import AttemptOutcome, Connector, Delivery, DeliveryAttempt, OutboxEvent, Subscription
from sync.outbox import idempotency_key

from .conftest import HTMX
from .test_query_counts import assert_flat

pytestmark = pytest.mark.django_db

DEAD, PENDING, IN_FLIGHT, DELIVERED, SUPPRESSED = "dead", "pending", "in_flight", "delivered", "suppressed"
_versions = itertools.count(1)


def connector(name: str, kind: str = "webhook", **fields: Any) -> Connector:
    made = Connector.objects.create(name=name, kind=kind, base_url=f"http://{name}.sandbox.test/", **fields)
    for domain in Domain.values:
        Subscription.objects.create(connector=made, domain=domain)
    return made


def delivery(
    to: Connector,
    status: str,
    *,
    age: timedelta = timedelta(0),
    golden_id: uuid.UUID | None = None,
    version: int | None = None,
    domain: str = "customer",
    kind: str = "upserted",
    **fields: Any,
) -> Delivery:
    """A delivery (and its event) as the outbox writes it, ``age`` old."""
    golden_id = golden_id or uuid.uuid4()
    version = version or next(_versions)
    created = timezone.now() - age
    event, _ = OutboxEvent.objects.get_or_create(
        golden_id=golden_id,
        version=version,
        defaults={
            "domain": domain,
            "event_type": f"{domain}.{kind}",
            "payload": {"id": str(golden_id), "version": version, "attributes": {"given_name": "Ann"}},
            "correlation_id": f"cid-{version}",
            "created_at": created,
        },
    )
    return Delivery.objects.create(
        event=event,
        connector=to,
        domain=domain,
        golden_id=golden_id,
        version=version,
        event_type=event.event_type,
        status=status,
        idempotency_key=idempotency_key(to.pk, golden_id, version),
        created_at=created,
        **fields,
    )


@pytest.fixture
def fleet() -> dict[str, Any]:
    """erp: a backlog 10 minutes behind (customers) and 2 minutes (products), two dead letters; cdp: breaker open,
    throttled, nothing waiting; shop: inactive and idle (not shown); legacy: inactive with a dead letter (shown)."""
    now = timezone.now()
    erp = connector("erp", "tryton")
    cdp = connector(
        "cdp",
        "segment",
        consecutive_failures=5,
        breaker_threshold=5,
        breaker_open_until=now + timedelta(minutes=2),
        throttled_until=now + timedelta(seconds=30),
    )
    connector("shop", "medusa", active=False)
    legacy = connector("legacy", "webhook", active=False)
    dead = delivery(
        erp, DEAD, age=timedelta(hours=3), attempts=10, last_error="HTTP 503 Service Unavailable", last_status_code=503
    )
    DeliveryAttempt.objects.create(
        delivery=dead,
        number=1,
        started_at=now - timedelta(hours=3),
        duration_ms=812,
        outcome=AttemptOutcome.PERMANENT,
        request="POST /model/party.party",
        status_code=422,
        error="Unprocessable: postal code",
    )
    delivered = delivery(erp, DELIVERED, age=timedelta(minutes=20), delivered_at=now - timedelta(minutes=19))
    return {
        "erp": erp,
        "cdp": cdp,
        "legacy": legacy,
        "dead": dead,
        "dead_2": delivery(erp, DEAD, age=timedelta(hours=2)),
        "delivered": delivered,
        "pending_customer": delivery(erp, PENDING, age=timedelta(minutes=10)),
        "pending_product": delivery(erp, PENDING, age=timedelta(minutes=2), domain="product"),
        "in_flight": delivery(erp, IN_FLIGHT, age=timedelta(minutes=1)),
        "suppressed": delivery(erp, SUPPRESSED, age=timedelta(hours=1)),
        "suppressed_old": delivery(erp, SUPPRESSED, age=timedelta(days=2)),
        "legacy_dead": delivery(legacy, DEAD, age=timedelta(days=1)),
        "cdp_delivered": delivery(cdp, DELIVERED, delivered_at=now - timedelta(hours=1)),
    }


# --- access ---


@pytest.mark.parametrize("path", ["/sync/", "/sync/deliveries/{id}/"])
def test_anonymous_is_sent_to_the_login_page(client, fleet, path):
    url = path.format(id=fleet["dead"].pk)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next={url}")


@pytest.mark.parametrize("path", ["/sync/", "/sync/deliveries/{id}/"])
def test_an_outsider_is_refused_and_a_steward_sees_it(signed_in, outsider, steward, approver, fleet, path):
    url = path.format(id=fleet["dead"].pk)
    assert signed_in(outsider).get(url).status_code == 403
    assert signed_in(steward).get(url).status_code == 200
    assert signed_in(approver).get(url).status_code == 200


def test_an_outsider_cannot_replay(signed_in, outsider, fleet):
    client = signed_in(outsider)
    assert client.post(f"/sync/deliveries/{fleet['dead'].pk}/replay/").status_code == 403
    assert client.post("/sync/replay/?status=dead").status_code == 403
    assert Delivery.objects.filter(status=DEAD).count() == 3


def test_the_navigation_leads_to_sync(signed_in, steward, fleet):
    page = signed_in(steward).get("/sync/").content.decode()
    assert '<a href="/sync/" aria-current="page">Sync</a>' in page


# --- the figures ---


def test_it_figures_each_connector_in_a_constant_number_of_queries(fleet, django_assert_num_queries):
    with django_assert_num_queries(2):
        health = {c.name: c for c in selectors.connector_health()}
    assert list(health) == ["cdp", "erp", "legacy"]  # shop is inactive and has nothing waiting
    erp, cdp, legacy = health["erp"], health["cdp"], health["legacy"]
    assert (erp.backlog, erp.in_flight, erp.dead, erp.suppressed) == (3, 1, 2, 1)
    assert erp.lag_seconds == pytest.approx(600, abs=30)
    assert erp.lag == "10 min" and erp.lag_level == "warn"
    by_domain = {d.domain: d for d in erp.domains}
    assert (by_domain["customer"].backlog, by_domain["customer"].dead) == (2, 2)
    assert by_domain["customer"].lag_seconds == pytest.approx(600, abs=30)
    assert (by_domain["product"].backlog, by_domain["product"].lag) == (1, "2 min")
    assert erp.breaker == "closed" and erp.breaker_open_until is None and erp.throttled_until is None
    assert erp.last_delivered_at == fleet["delivered"].delivered_at
    assert cdp.breaker == "open" and cdp.breaker_open_until == fleet["cdp"].breaker_open_until
    assert cdp.throttled_until == fleet["cdp"].throttled_until
    assert (cdp.backlog, cdp.dead, cdp.lag_seconds, cdp.lag) == (0, 0, None, "—")
    assert (legacy.active, legacy.dead, legacy.last_delivered_at) == (False, 1, None)


def test_a_breaker_past_its_cooldown_is_half_open(fleet):
    Connector.objects.filter(name="cdp").update(breaker_open_until=timezone.now() - timedelta(seconds=1))
    [cdp] = [c for c in selectors.connector_health() if c.name == "cdp"]
    assert (cdp.breaker, cdp.breaker_label, cdp.breaker_open_until) == ("half_open", "Half-open (probing)", None)


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(None, "—"), (0, "0 s"), (42.7, "42 s"), (180, "3 min"), (3599, "59 min"), (3600, "1 h"), (7500, "2 h 5 min")]
    + [(86400, "1 day"), (3 * 86400 + 5, "3 days")],
)
def test_lag_reads_as_a_person_says_it(seconds, label):
    assert duration_label(seconds) == label


def test_the_page_shows_the_figures_and_the_dead_letters(signed_in, steward, fleet):
    response = signed_in(steward).get("/sync/")
    page = response.content.decode()
    erp = page[page.index('id="connector-erp"') : page.index('id="connector-legacy"')]
    assert ">3</a>" in erp and ">2</a>" in erp  # backlog, dead
    assert 'class="lag lag-warn">10 min<' in erp
    assert "Customer: " in erp and "Product: " in erp and ">2 min<" in erp
    assert "breaker-closed" in erp and "19\xa0minutes ago" in erp
    cdp = page[page.index('id="connector-cdp"') : page.index('id="connector-erp"')]
    assert 'class="status breaker-open"' in cdp and ">Open<" in cdp and "until" in cdp
    assert "inactive" in page[page.index('id="connector-legacy"') :]
    # The delivery list: dead letters by default, newest first.
    listed = [d.pk for d in response.context["page"].items]
    assert listed == [fleet["dead_2"].pk, fleet["dead"].pk, fleet["legacy_dead"].pk]
    assert f'href="/sync/deliveries/{fleet["dead"].pk}/"' in page
    assert "HTTP 503 Service Unavailable" in page
    assert "Replay all dead matching this filter" in page and response.context["dead_matching"] == 3


def test_the_list_filters_as_the_api_does(signed_in, steward, fleet):
    client = signed_in(steward)

    def listed(query: str) -> set[int]:
        response = client.get(f"/sync/?{query}")
        assert response.status_code == 200, query
        return {d.pk for d in response.context["page"].items}

    assert listed("status=dead&connector=erp") == {fleet["dead"].pk, fleet["dead_2"].pk}
    assert listed("status=pending,in_flight&connector=erp") == {
        fleet[k].pk for k in ("pending_customer", "pending_product", "in_flight")
    }
    assert listed("status=pending&domain=product") == {fleet["pending_product"].pk}
    assert listed(f"status=&golden_id={fleet['delivered'].golden_id}") == {fleet["delivered"].pk}
    assert listed("status=&event_type=customer.upserted&connector=cdp") == {fleet["cdp_delivered"].pk}
    assert len(listed("status=")) == Delivery.objects.count()


def test_a_filter_that_does_not_read_shows_nothing_and_offers_no_replay(signed_in, steward, fleet):
    response = signed_in(steward).get("/sync/?golden_id=not-a-uuid")
    assert response.status_code == 200
    assert list(response.context["page"].items) == [] and response.context["dead_matching"] == 0
    assert "These filters do not read" in response.content.decode()
    assert "Replay all dead" not in response.content.decode()


def test_an_htmx_filter_change_swaps_only_the_list(signed_in, steward, fleet):
    response = signed_in(steward).get("/sync/?status=pending&connector=erp", headers=HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="sync-deliveries">')
    assert "Connectors" not in page
    assert {d.pk for d in response.context["page"].items} == {fleet["pending_customer"].pk, fleet["pending_product"].pk}


def test_the_list_pages_with_a_cursor(signed_in, steward, monkeypatch):
    from sync import views

    monkeypatch.setattr(views, "DELIVERIES_PAGE_SIZE", 2)
    erp = connector("erp")
    made = [delivery(erp, DEAD, age=timedelta(minutes=n)) for n in range(5)]
    client, seen, url = signed_in(steward), [], "/sync/"
    while url:
        response = client.get(url)
        seen += [d.pk for d in response.context["page"].items]
        cursor = response.context["page"].next_cursor
        url = f"/sync/?{response.context['filters_qs']}&cursor={cursor}" if cursor else ""
    assert seen == [d.pk for d in made]


# --- one delivery ---


def test_the_delivery_page_tells_the_whole_story(signed_in, steward, fleet):
    dead = fleet["dead"]
    page = signed_in(steward).get(f"/sync/deliveries/{dead.pk}/").content.decode()
    assert f'href="/customers/{dead.golden_id}/"' in page
    for text in (
        "customer.upserted",
        str(dead.idempotency_key),
        dead.event.correlation_id,
        "HTTP 503 Service Unavailable",
        "POST /model/party.party",
        "812 ms",
        "Permanent failure",
        "Unprocessable: postal code",
        "&quot;given_name&quot;: &quot;Ann&quot;",  # the payload, pretty-printed
        ">Replay</button>",
    ):
        assert text in page, text


def test_no_replay_button_unless_dead(signed_in, steward, fleet):
    page = signed_in(steward).get(f"/sync/deliveries/{fleet['delivered'].pk}/").content.decode()
    assert ">Replay</button>" not in page


def test_an_unknown_delivery_is_404(signed_in, steward, db):
    assert signed_in(steward).get("/sync/deliveries/999999/").status_code == 404
    assert signed_in(steward).post("/sync/deliveries/999999/replay/").status_code == 404


def test_a_steward_replays_a_dead_delivery(signed_in, steward, fleet):
    dead = fleet["dead"]
    response = signed_in(steward).post(f"/sync/deliveries/{dead.pk}/replay/", follow=True)
    assert response.redirect_chain == [(f"/sync/deliveries/{dead.pk}/", 302)]
    dead.refresh_from_db()
    assert (dead.status, dead.replayed_by, dead.attempts) == (PENDING, steward, 0)
    page = response.content.decode()
    assert "Replayed: the delivery is pending again" in page and "by stella" in page


def test_an_htmx_replay_reloads_the_delivery_page(signed_in, steward, fleet):
    dead = fleet["dead"]
    response = signed_in(steward).post(f"/sync/deliveries/{dead.pk}/replay/", headers=HTMX)
    assert response["HX-Redirect"] == f"/sync/deliveries/{dead.pk}/"
    dead.refresh_from_db()
    assert dead.status == PENDING


def test_replaying_a_delivered_one_is_refused(signed_in, steward, fleet):
    delivered = fleet["delivered"]
    response = signed_in(steward).post(f"/sync/deliveries/{delivered.pk}/replay/")
    assert response.status_code == 409
    page = response.content.decode()
    assert "Only dead deliveries can be replayed; this one is delivered." in page
    assert "Nothing was changed." in page and f'href="/sync/deliveries/{delivered.pk}/"' in page
    delivered.refresh_from_db()
    assert (delivered.status, delivered.replayed_by) == (DELIVERED, None)


def test_a_refusal_over_htmx_is_a_notice(signed_in, steward, fleet):
    response = signed_in(steward).post(f"/sync/deliveries/{fleet['delivered'].pk}/replay/", headers=HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#notices"
    assert "Only dead deliveries can be replayed" in response.content.decode()


def test_replaying_what_a_newer_version_superseded_is_refused(signed_in, steward):
    erp, golden = connector("erp"), uuid.uuid4()
    old = delivery(erp, DEAD, golden_id=golden, version=1, age=timedelta(hours=1))
    delivery(erp, DELIVERED, golden_id=golden, version=2, delivered_at=timezone.now())
    response = signed_in(steward).post(f"/sync/deliveries/{old.pk}/replay/")
    assert response.status_code == 409
    assert "Version 2 of this record was delivered to erp after it" in response.content.decode()
    old.refresh_from_db()
    assert old.status == DEAD


# --- replay every dead one a filter matches ---


def test_a_steward_replays_every_dead_delivery_the_filter_matches(signed_in, steward):
    erp, cdp, golden = connector("erp"), connector("cdp"), uuid.uuid4()
    dead = [delivery(erp, DEAD, age=timedelta(minutes=n)) for n in range(3)]
    stale = delivery(erp, DEAD, golden_id=golden, version=1)
    delivery(erp, DELIVERED, golden_id=golden, version=2, delivered_at=timezone.now())
    other = delivery(cdp, DEAD)
    erp_pending = delivery(erp, PENDING)
    response = signed_in(steward).post("/sync/replay/?status=dead&connector=erp", follow=True)
    assert response.redirect_chain == [("/sync/?status=dead&connector=erp", 302)]
    assert "3 replayed, 1 superseded" in response.content.decode()
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert [statuses[d.pk] for d in dead] == [PENDING] * 3
    assert (statuses[stale.pk], statuses[other.pk], statuses[erp_pending.pk]) == ("superseded", DEAD, PENDING)
    assert set(Delivery.objects.filter(pk__in=[d.pk for d in dead]).values_list("replayed_by", flat=True)) == {
        steward.pk
    }


def test_the_bulk_button_posts_the_page_filters(signed_in, steward):
    erp = connector("erp")
    delivery(erp, DEAD, domain="product")
    page = signed_in(steward).get("/sync/?connector=erp&domain=product").content.decode()
    assert 'action="/sync/replay/?status=dead&amp;connector=erp&amp;domain=product"' in page


def test_bulk_replay_with_nothing_dead_says_so(signed_in, steward):
    delivery(connector("erp"), PENDING)
    response = signed_in(steward).post("/sync/replay/?status=pending", follow=True)
    assert "Nothing to replay" in response.content.decode()
    assert Delivery.objects.get().replayed_by is None


def test_bulk_replay_refuses_filters_that_do_not_read(signed_in, steward):
    dead = delivery(connector("erp"), DEAD)
    response = signed_in(steward).post("/sync/replay/?status=dead&golden_id=nonsense")
    assert response.status_code == 400  # not "every dead delivery": the bad filter is not silently dropped
    assert "nothing was replayed" in response.content.decode()
    dead.refresh_from_db()
    assert dead.status == DEAD


# --- CSRF ---


@pytest.mark.parametrize("path", ["/sync/deliveries/{id}/replay/", "/sync/replay/?status=dead"])
def test_replay_needs_the_csrf_token(steward, fleet, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(steward)
    response = client.post(path.format(id=fleet["dead"].pk))
    assert response.status_code == 403
    assert Delivery.objects.filter(status=DEAD).count() == 3


def test_replay_with_the_csrf_token_goes_through(steward, fleet):
    client = Client(enforce_csrf_checks=True)
    client.force_login(steward)
    page = client.get(f"/sync/deliveries/{fleet['dead'].pk}/")
    token = page.context["csrf_token"]
    response = client.post(f"/sync/deliveries/{fleet['dead'].pk}/replay/", {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert Delivery.objects.get(pk=fleet["dead"].pk).status == PENDING


# --- the dashboard ---


def test_the_dashboard_shows_sync_health(signed_in, steward, fleet):
    page = signed_in(steward).get("/").content.decode()
    panel = page[page.index('id="sync-health"') :]
    assert 'href="/sync/"' in panel
    assert 'href="/sync/?status=dead&amp;connector=erp">2</a>' in panel
    assert ">10 min<" in panel and "breaker-open" in panel


# --- query counts ---

#: Session, user and roles (3), then /sync/: connector health (2), one page of deliveries, the dead count.
BUDGET = {"sync": 7, "delivery": 5, "dashboard": 10}


_fleets = itertools.count()


def _grow_fleet() -> None:
    now, fleet = timezone.now(), next(_fleets)
    for n in range(6):
        more = connector(f"more-{fleet}-{n}", "webhook", consecutive_failures=n, breaker_threshold=3)
        if n % 2:
            Connector.objects.filter(pk=more.pk).update(breaker_open_until=now + timedelta(minutes=1))
        for status in (DEAD, DEAD, PENDING, IN_FLIGHT, DELIVERED, SUPPRESSED):
            delivery(more, status, age=timedelta(minutes=n), delivered_at=now if status == DELIVERED else None)
            delivery(more, status, domain="product")


def test_the_sync_page_costs_the_same_for_one_connector_or_many(signed_in, steward, django_assert_max_num_queries):
    delivery(connector("erp"), DEAD)
    client = signed_in(steward)
    assert_flat(client, lambda: "/sync/", _grow_fleet, BUDGET["sync"], django_assert_max_num_queries)
    assert_flat(client, lambda: "/sync/?status=", _grow_fleet, BUDGET["sync"], django_assert_max_num_queries)


def test_the_delivery_page_costs_the_same_for_one_attempt_or_many(
    signed_in, steward, fleet, django_assert_max_num_queries
):
    dead = fleet["dead"]

    def grow() -> None:
        for n in range(2, 12):
            DeliveryAttempt.objects.create(
                delivery=dead, number=n, started_at=timezone.now(), outcome=AttemptOutcome.TRANSIENT, error="timeout"
            )

    url = lambda: f"/sync/deliveries/{dead.pk}/"  # noqa: E731
    assert_flat(signed_in(steward), url, grow, BUDGET["delivery"], django_assert_max_num_queries)


def test_the_dashboard_costs_the_same_for_one_connector_or_many(
    signed_in, steward: User, django_assert_max_num_queries
):
    delivery(connector("erp"), DEAD)
    assert_flat(signed_in(steward), lambda: "/", _grow_fleet, BUDGET["dashboard"], django_assert_max_num_queries)


@pytest.mark.parametrize("query", ["status=dead&conector=erp", "status=dead&min_age=60", "status=dead&cursor=x"])
def test_bulk_replay_refuses_a_filter_the_page_does_not_have(signed_in, steward, query):
    dead = delivery(connector("erp"), DEAD)
    response = signed_in(steward).post(f"/sync/replay/?{query}")
    assert response.status_code == 400 and "nothing was replayed" in response.content.decode()
    assert query.split("&")[1].split("=")[0] in response.content.decode()
    dead.refresh_from_db()
    assert dead.status == DEAD
