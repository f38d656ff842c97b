"""Each page's query count is bounded: the same for one row as for many (no N+1)."""

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stewardship import services
from stewardship.models import SourceRecord, SourceSystem

from .conftest import ingest, propose

pytestmark = pytest.mark.django_db

# Per page: the queries the page itself makes, plus three for the session, the user and the user's roles.
# The dashboard: two of its ten are the sync-health panel (sync.selectors.connector_health). The review page and a
# customer's page: one of theirs is the access log's insert (one row per customer read).
BUDGET = {"queue": 5, "review": 9, "golden": 13, "search": 5, "changes": 5, "dashboard": 10}


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def assert_flat(client, url: Callable[[], str], grow: Callable[[], None], budget: int, django_assert_max_num_queries):
    """The page costs the same queries before and after ``grow`` adds rows to it, within ``budget``."""
    before = queries_of(client, url())
    grow()
    with django_assert_max_num_queries(budget):
        after = queries_of(client, url())
    assert after == before


def more_sources(golden_id, n: int, prefix: str) -> None:
    source = SourceSystem.objects.get(code="pos")
    now = timezone.now()
    SourceRecord.objects.bulk_create(
        SourceRecord(
            source=source,
            domain="customer",
            source_key=f"{prefix}{i}",
            golden_id=golden_id,
            attributes={"given_name": f"N{i}"},
            usable={"given_name": f"N{i}"},
            source_updated_at=now,
            received_at=now,
            content_hash=f"{prefix}{i}",
        )
        for i in range(n)
    )


def test_queue(signed_in, steward, approver, pair, django_assert_max_num_queries):
    others = [ingest("pos", f"P{n}", given_name=f"P{n}", family_name="Count") for n in range(25)]

    def grow():
        for n, other in enumerate(others):
            candidate = propose(pair[0], other, score=0.9 - n / 1000)
            if n % 2:
                services.match_candidate_assign(candidate_id=candidate.pk, user=approver)

    assert_flat(signed_in(steward), lambda: "/review/", grow, BUDGET["queue"], django_assert_max_num_queries)


def test_review_page(signed_in, steward, pair, django_assert_max_num_queries):
    def grow():
        more_sources(pair[0], 4, "A")
        more_sources(pair[1], 4, "B")

    url = lambda: f"/review/{pair[2].pk}/"  # noqa: E731
    assert_flat(signed_in(steward), url, grow, BUDGET["review"], django_assert_max_num_queries)


def test_golden_page(signed_in, steward, approver, pair, django_assert_max_num_queries):
    a = pair[0]
    cdp = SourceSystem.objects.get(code="cdp")

    def grow():
        more_sources(a, 5, "G")
        for n in range(5):
            services.attribute_lock_set(golden_id=a, attribute="city", value=f"City {n}", user=steward)
            services.change_request_create(golden_id=a, attribute="given_name", value=f"Name {n}", user=approver)
        services.consent_events_record(
            source=cdp,
            events=[
                {"source_key": "C1", "purpose": p, "status": "granted", "captured_at": f"2026-01-0{d}T10:00:00Z"}
                for p in ("email_marketing", "sms_marketing", "profiling")
                for d in range(1, 4)
            ],
        )
        for n in range(3):
            propose(a, ingest("pos", f"D{n}", given_name="Dup", family_name=f"D{n}"))

    assert_flat(signed_in(steward), lambda: f"/customers/{a}/", grow, BUDGET["golden"], django_assert_max_num_queries)


def test_search(signed_in, steward, pair, django_assert_max_num_queries):
    def grow():
        for n in range(15):
            more_sources(ingest("pos", f"S{n}", given_name="Zed", family_name=f"Lee{n}"), 2, f"S{n}-")

    url = lambda: "/customers/?q=lee"  # noqa: E731
    assert_flat(signed_in(steward), url, grow, BUDGET["search"], django_assert_max_num_queries)


def test_change_requests(signed_in, steward, approver, pair, django_assert_max_num_queries):
    services.change_request_create(golden_id=pair[0], attribute="city", value="Nice", user=steward)

    def grow():
        for n in range(10):
            services.change_request_create(golden_id=pair[1], attribute="city", value=f"Town {n}", user=steward)
        services.change_request_create(golden_id=pair[0], attribute="email", value="a@b.example", user=approver)

    url = lambda: "/change-requests/?status=all"  # noqa: E731
    assert_flat(signed_in(approver), url, grow, BUDGET["changes"], django_assert_max_num_queries)


def test_dashboard(signed_in, steward, approver, pair, second_pair, django_assert_max_num_queries):
    def grow():
        for n in range(10):
            propose(pair[0], ingest("pos", f"Q{n}", given_name="Q", family_name=f"Q{n}"), score=0.96)
            services.change_request_create(golden_id=pair[1], attribute="city", value=f"Town {n}", user=steward)

    assert_flat(signed_in(approver), lambda: "/", grow, BUDGET["dashboard"], django_assert_max_num_queries)
