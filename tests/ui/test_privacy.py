"""Privacy in the UI: what a viewer sees masked, the access log of who read whom, the privacy page, and a customer's
export and erasure by a privacy officer."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stewardship import services
from stewardship.models import (
    AccessLogEntry,
    GoldenRecord,
    MatchCandidate,
    PrivacyRequest,
    PrivacyRequestKind,
    PrivacyRequestStatus,
    SourceRecord,
)

from .conftest import HTMX, ingest, propose
from .test_sync import connector

pytestmark = pytest.mark.django_db

# What the pair's customers hold (tests/ui/conftest.py), and the candidate's explanation, as stored: none of it may
# reach a viewer.
PERSONAL = [
    "ann@example.com",
    "alee@corp.example",
    "+33612345678",
    "1 high st",  # and "1 High Street"
    "69001",
    "75001",
    "1984-03-09",
    "ann.lee@example.com",
]
# As a viewer sees them: the email's first letter and domain, the phone's last two digits, the birth year.
MASKED = ["a•••@example.com", "a•••@corp.example", "•••78", "1984"]


@pytest.fixture
def ann(pair, steward):
    """Ann Lee with a birth date (a steward value), a pending change of her email, and a delivery to the ERP of her
    latest version (whose payload holds her values)."""
    a, b, candidate = pair
    erp = connector("erp")
    services.attribute_lock_set(golden_id=a, attribute="birth_date", value="1984-03-09", user=steward)
    services.change_request_create(golden_id=a, attribute="email", value="ann.lee@example.com", user=steward)
    delivery = erp.deliveries.get(golden_id=a)
    return a, b, candidate, delivery


def read_pages(ann) -> list[str]:
    a, _, candidate, delivery = ann
    return [
        "/",
        "/review/",
        f"/review/{candidate.pk}/",
        "/customers/",
        "/customers/?q=lee",
        f"/customers/{a}/",
        f"/customers/{a}/attributes/email/",
        f"/customers/{a}/attributes/birth_date/",
        "/change-requests/?status=all",
        "/sync/?status=",
        f"/sync/deliveries/{delivery.pk}/",
    ]


def leaks(html: str) -> list[str]:
    return [value for value in PERSONAL if value.lower() in html.lower()]


# --- masking ---


def test_a_viewer_reads_every_page_with_personal_values_masked(signed_in, viewer, ann):
    client = signed_in(viewer)
    shown = ""
    for path in read_pages(ann):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert leaks(html) == [], path
        shown += html
    for value in [*MASKED, "Ann", "Lee", "Lyon", "Paris"]:  # names and cities in full
        assert value in shown, value


def test_the_golden_page_masks_values_sources_history_steward_values_and_pending_changes(signed_in, viewer, ann):
    a = ann[0]
    response = signed_in(viewer).get(f"/customers/{a}/")
    page = response.context["page"]
    values = {attr.name: attr.value_display for attr in page.attributes}
    assert values["email"] == "a•••@example.com" and values["phone"] == "•••78"
    assert values["birth_date"] == "1984" and values["address_line1"] == "•••" and values["postal_code"] == "•••"
    assert (values["given_name"], values["family_name"], values["city"]) == ("Ann", "Lee", "Lyon")
    birth_date = next(attr for attr in page.attributes if attr.name == "birth_date")
    assert birth_date.lock.value == "1984" and birth_date.provenance.steward
    assert [c.value for c in page.pending_changes] == ["a•••@example.com"]
    assert page.sources[0].attributes["email"] == "a•••@example.com"
    steward_edit = page.history[0]
    assert ("Date of birth", "—", "1984", "") in steward_edit.changes
    html = response.content.decode()
    assert "a•••@example.com" in html and leaks(html) == []


def test_the_review_page_and_queue_mask_both_records_and_the_evidence(signed_in, viewer, ann):
    _, _, candidate, _ = ann
    client = signed_in(viewer)
    review = client.get(f"/review/{candidate.pk}/").context["review"]
    email = next(row for row in review.rows if row.name == "email")
    assert {email.a_display, email.b_display} == {"a•••@corp.example", "a•••@example.com"} and email.differs
    address = next(row for row in review.rows if row.name == "address_line1")
    assert (address.a_display, address.b_display, address.differs) == ("•••", "•••", True)
    assert {e["a"] for e in review.candidate.explanation if e["field"] in ("email", "address")} <= {
        "a•••@example.com",
        "•••",
    }
    assert {s.attributes.get("postal_code") for s in [*review.sources_a, *review.sources_b]} == {"•••"}
    [row] = client.get("/review/").context["page"].items
    assert "a•••@example.com" in row.summary_a + row.summary_b


def test_a_customer_known_by_email_alone_is_named_by_the_masked_email(signed_in, viewer, steward):
    zoe = ingest("pos", "P9", email="zoe@example.net", city="Nice")
    client = signed_in(viewer)
    assert "z•••@example.net" in client.get(f"/customers/{zoe}/").content.decode()
    results = client.get("/customers/").content.decode()
    assert "z•••@example.net" in results and "zoe@example.net" not in results
    assert "zoe@example.net" in signed_in(steward).get("/customers/").content.decode()


def test_the_change_requests_mask_the_current_and_requested_value_of_personal_attributes(signed_in, viewer, ann):
    [row] = signed_in(viewer).get("/change-requests/").context["page"].items
    assert (row.current, row.requested) == ("a•••@example.com", "a•••@example.com")


def test_a_delivery_shows_a_viewer_its_payload_masked_and_not_what_was_sent(signed_in, viewer, steward, ann):
    from sync.models import DeliveryAttempt

    delivery = ann[3]
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=1,
        started_at=timezone.now(),
        duration_ms=5,
        outcome="transient",
        request='POST /customers {"email": "ann@example.com"}',
    )
    html = signed_in(viewer).get(f"/sync/deliveries/{delivery.pk}/").content.decode()
    assert leaks(html) == [] and "a•••@example.com" in html and "Ann" in html
    full = signed_in(steward).get(f"/sync/deliveries/{delivery.pk}/").content.decode()
    assert "ann@example.com" in full and "1984-03-09" in full


@pytest.mark.parametrize("persona", ["steward", "approver", "privacy_officer"])
def test_stewards_approvers_and_privacy_officers_see_values_in_full(request, signed_in, ann, persona):
    client = signed_in(request.getfixturevalue(persona))
    a, _, candidate, _ = ann
    golden = client.get(f"/customers/{a}/").content.decode()
    for value in ("ann@example.com", "+33612345678", "1 High St", "69001", "1984-03-09", "ann.lee@example.com"):
        assert value in golden, value
    review = client.get(f"/review/{candidate.pk}/").content.decode()
    assert "alee@corp.example" in review and "75001" in review
    assert "ann.lee@example.com" in client.get("/change-requests/").content.decode()


# --- the access log ---


def test_reading_a_customer_is_in_the_access_log_and_a_product_is_not(signed_in, viewer, steward, pair):
    a = pair[0]
    client = signed_in(viewer)
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/customers/{a}/")
    [insert] = [q["sql"] for q in captured if q["sql"].startswith("INSERT")]  # the page's one write
    assert insert.startswith('INSERT INTO "stewardship_accesslogentry"')
    signed_in(steward).get(f"/customers/{a}/")
    entries = list(AccessLogEntry.objects.order_by("id").values_list("golden_id", "username", "what"))
    assert entries == [(a, "vera", "view"), (a, "stella", "view")]
    product = ingest("erp", "SKU-1", domain="product", gtin="4006381333931", sku="SKU-1", name="Mug")
    assert signed_in(viewer).get(f"/products/{product}/").status_code == 200
    signed_in(viewer).get("/customers/?q=lee")  # lists are not reads of one person's record
    assert AccessLogEntry.objects.count() == 2


def test_the_review_page_logs_both_customers_in_one_insert(signed_in, viewer, pair):
    a, b, candidate = pair
    client = signed_in(viewer)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(f"/review/{candidate.pk}/").status_code == 200
    [insert] = [q["sql"] for q in captured if q["sql"].startswith("INSERT")]
    assert insert.startswith('INSERT INTO "stewardship_accesslogentry"')
    assert set(AccessLogEntry.objects.values_list("golden_id", "username", "what")) == {
        (a, "vera", "view"),
        (b, "vera", "view"),
    }


def test_a_pair_of_products_under_review_is_not_logged(signed_in, viewer, db):
    first = ingest("erp", "SKU-1", domain="product", gtin="4006381333931", sku="SKU-1", name="Mug")
    second = ingest("pos", "SKU-2", domain="product", sku="SKU-2", name="Mug 350")
    MatchCandidate.objects.all().delete()
    candidate = propose(first, second, domain="product")
    assert signed_in(viewer).get(f"/review/{candidate.pk}/").status_code == 200
    assert not AccessLogEntry.objects.exists()


# --- the privacy page ---


def privacy_request(subject, *, kind=PrivacyRequestKind.ERASURE, status=PrivacyRequestStatus.OPEN, due_in=30, **fields):
    now = timezone.now()
    return PrivacyRequest.objects.create(
        kind=kind,
        subject=subject,
        status=status,
        received_at=now - timedelta(days=30 - due_in),
        due_at=now + timedelta(days=due_in),
        **fields,
    )


def test_the_privacy_page_lists_open_requests_soonest_due_first_with_each_system(
    signed_in, privacy_officer, steward, pair
):
    a, b, _ = pair
    later = privacy_request(a, due_in=20, requested_by=steward, reason="ticket 41")
    overdue = privacy_request(
        b,
        due_in=-2,
        requested_by=privacy_officer,
        reason="ticket 40",
        outcome={
            "erp": {"status": "dead", "delivery": 7, "error": "HTTP 500 from ERP"},
            "cdp": {"status": "delivered", "delivery": 8, "error": ""},
            "loyalty": {"status": "pending", "delivery": 9, "error": ""},
        },
    )
    privacy_request(
        a, kind=PrivacyRequestKind.EXPORT, status=PrivacyRequestStatus.COMPLETED, completed_at=timezone.now()
    )
    response = signed_in(privacy_officer).get("/privacy/")
    assert response.status_code == 200
    rows = response.context["page"].items
    assert [row.request.pk for row in rows] == [overdue.pk, later.pk]
    assert [row.overdue for row in rows] == [True, False]
    assert [(s.connector, s.status, s.delivery) for s in rows[0].systems] == [
        ("cdp", "delivered", 8),
        ("erp", "dead", 7),
        ("loyalty", "pending", 9),
    ]
    assert response.context["counts"] == {"open": 2, "overdue": 1, "failed": 0}
    html = response.content.decode()
    assert f'href="/customers/{b}/"' in html and "A. Lee" in html and "Erasure" in html
    assert "overdue" in html and "HTTP 500 from ERP" in html and 'href="/sync/deliveries/7/"' in html
    assert "priya" in html and "stella" in html and "ticket 40" in html


def test_the_privacy_page_has_tabs_for_completed_and_failed_and_a_subject_filter(signed_in, privacy_officer, pair):
    a, b, _ = pair
    done = privacy_request(a, kind=PrivacyRequestKind.EXPORT, status=PrivacyRequestStatus.COMPLETED)
    failed = privacy_request(b, status=PrivacyRequestStatus.FAILED)
    other = privacy_request(b)
    client = signed_in(privacy_officer)

    def listed(query: str) -> list[int]:
        return [row.request.pk for row in client.get(f"/privacy/{query}").context["page"].items]

    assert listed("?status=completed") == [done.pk]
    assert listed("?status=failed") == [failed.pk]
    assert listed("?status=open") == [other.pk]
    assert set(listed("?status=all")) == {done.pk, failed.pk, other.pk}
    assert listed(f"?status=all&subject={a}") == [done.pk]
    assert listed("?status=nonsense") == [other.pk]  # back to the open ones
    assert listed("?status=all&subject=not-an-id") != []  # a subject that does not read is no filter


def test_the_privacy_page_reads_a_cursor_page_at_a_time(signed_in, privacy_officer, pair):
    made = [privacy_request(pair[0], due_in=n + 1).pk for n in range(30)]
    client = signed_in(privacy_officer)
    first = client.get("/privacy/").context["page"]
    assert [row.request.pk for row in first.items] == made[:25] and first.previous_cursor is None
    second = client.get("/privacy/", {"cursor": first.next_cursor}).context["page"]
    assert [row.request.pk for row in second.items] == made[25:] and second.next_cursor is None


def test_the_privacy_link_is_in_the_menu_of_privacy_officers_only(signed_in, privacy_officer, steward):
    assert 'href="/privacy/"' in signed_in(privacy_officer).get("/").content.decode()
    assert 'href="/privacy/"' not in signed_in(steward).get("/").content.decode()


# --- export ---


def test_a_privacy_officer_exports_a_customer_as_a_json_download(signed_in, privacy_officer, ann):
    a = ann[0]
    client = signed_in(privacy_officer)
    assert f'action="/customers/{a}/export/"' in client.get(f"/customers/{a}/").content.decode()
    response = client.post(f"/customers/{a}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    request = PrivacyRequest.objects.get(kind=PrivacyRequestKind.EXPORT)
    assert response["Content-Disposition"] == f'attachment; filename="customer-{a}-export-{request.pk}.json"'
    document = json.loads(response.content)
    assert document["subject"] == str(a)
    assert [(r["source"], r["source_key"]) for r in document["source_records"]] == [("cdp", "C1")]
    assert document["source_records"][0]["attributes"]["email"] == "ann@example.com"
    assert (request.status, request.requested_by) == (PrivacyRequestStatus.COMPLETED, privacy_officer)
    assert AccessLogEntry.objects.filter(golden_id=a, what="export", username="priya").count() == 1


def test_export_is_a_post_and_only_for_customers(signed_in, privacy_officer, pair):
    client = signed_in(privacy_officer)
    assert client.get(f"/customers/{pair[0]}/export/").status_code == 405
    product = ingest("erp", "SKU-1", domain="product", gtin="4006381333931", sku="SKU-1", name="Mug")
    assert client.post(f"/products/{product}/export/").status_code == 404
    product_page = client.get(f"/products/{product}/").content.decode()
    assert "/export/" not in product_page and "/erase/" not in product_page
    assert not PrivacyRequest.objects.exists()


# --- erasure ---


def test_erasing_asks_for_a_reason_and_the_typed_word(signed_in, privacy_officer, pair):
    a = pair[0]
    client = signed_in(privacy_officer)
    page = client.get(f"/customers/{a}/erase/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Erase Ann Lee?" in html and "cdp:C1" in html and "Type ERASE to confirm" in html
    for data, error in [
        ({"reason": "", "confirm": "ERASE"}, "Say why the customer is erased."),
        ({"reason": "ticket 42", "confirm": ""}, "Type ERASE to confirm."),
        ({"reason": "ticket 42", "confirm": "erase"}, "Type ERASE (in capitals)"),
        ({"reason": "ticket 42", "confirm": "00000000"}, "Type ERASE (in capitals)"),
    ]:
        response = client.post(f"/customers/{a}/erase/", data)
        assert response.status_code == 400 and error in response.content.decode(), data
    assert GoldenRecord.objects.get(pk=a).status == "active"
    assert not PrivacyRequest.objects.exists()


def test_a_privacy_officer_erases_a_customer_and_lands_on_the_request(signed_in, privacy_officer, ann):
    a = ann[0]
    client = signed_in(privacy_officer)
    response = client.post(f"/customers/{a}/erase/", {"reason": "ticket 42: art. 17", "confirm": "ERASE"})
    request = PrivacyRequest.objects.get(kind=PrivacyRequestKind.ERASURE)
    assert response.status_code == 302
    assert response["Location"] == f"/privacy/?status=open&subject={a}#request-{request.pk}"
    assert (request.subject, request.reason, request.requested_by) == (a, "ticket 42: art. 17", privacy_officer)
    assert request.outcome["erp"]["status"] == "pending"  # the ERP is sent the erasure
    assert GoldenRecord.objects.get(pk=a).status == "erased"

    landed = client.get(response["Location"])
    html = landed.content.decode()
    assert f"Erased Ann Lee. Privacy request {request.pk} is open" in html
    assert f'id="request-{request.pk}"' in html and "ticket 42: art. 17" in html and "erp" in html
    assert "Erased customer" in html  # the subject has no name any more

    golden = client.get(f"/customers/{a}/").content.decode()
    assert "No values: this customer was erased." in golden and "a tombstone" in golden
    assert leaks(golden) == [] and "Ann Lee" not in golden
    for action in ("/export/", "/erase/", "/edit/", "/unmerge/"):
        assert action not in golden, action


def test_the_first_8_characters_of_the_id_confirm_too(signed_in, privacy_officer, pair):
    a = pair[0]
    response = signed_in(privacy_officer).post(f"/customers/{a}/erase/", {"reason": "ticket 43", "confirm": str(a)[:8]})
    assert response.status_code == 302
    request = PrivacyRequest.objects.get()
    assert request.status == PrivacyRequestStatus.COMPLETED  # no system to tell: done at once
    assert response["Location"].startswith("/privacy/?status=completed&")


def test_an_erased_customer_cannot_be_erased_again(signed_in, privacy_officer, pair):
    a = pair[0]
    services.customer_erase(golden_id=a, user=privacy_officer, reason="ticket 44")
    client = signed_in(privacy_officer)
    page = client.get(f"/customers/{a}/erase/")
    assert page.status_code == 302 and page["Location"] == f"/customers/{a}/"
    assert "already erased" in client.get(page["Location"]).content.decode()
    again = client.post(f"/customers/{a}/erase/", {"reason": "ticket 45", "confirm": "ERASE"})  # sent twice
    assert again.status_code == 302 and again["Location"] == f"/customers/{a}/"
    assert PrivacyRequest.objects.count() == 1


def test_a_merged_away_customer_is_erased_through_the_one_it_went_to(signed_in, privacy_officer, steward, pair):
    a, b, candidate = pair
    services.match_candidate_merge(candidate_id=candidate.pk, user=steward)
    client = signed_in(privacy_officer)
    assert "/erase/" not in client.get(f"/customers/{b}/").content.decode()
    page = client.get(f"/customers/{b}/erase/")
    assert page.status_code == 302 and "was merged" in client.get(page["Location"]).content.decode()
    refused = client.post(f"/customers/{b}/erase/", {"reason": "ticket 47", "confirm": "ERASE"})
    assert refused.status_code == 302 and GoldenRecord.objects.get(pk=a).status == "active"
    confirm = client.get(f"/customers/{a}/erase/").content.decode()
    assert "1 golden record merged into it" in confirm and "cdp:C1" in confirm and "erp:E1" in confirm


def test_erasing_needs_the_forms_csrf_token(privacy_officer, pair):
    a = pair[0]
    client = Client(enforce_csrf_checks=True)
    client.force_login(privacy_officer)
    refused = client.post(f"/customers/{a}/erase/", {"reason": "ticket 46", "confirm": "ERASE"})
    assert refused.status_code == 403 and GoldenRecord.objects.get(pk=a).status == "active"
    page = client.get(f"/customers/{a}/erase/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    done = client.post(
        f"/customers/{a}/erase/", {"reason": "ticket 46", "confirm": "ERASE", "csrfmiddlewaretoken": token}
    )
    assert done.status_code == 302 and GoldenRecord.objects.get(pk=a).status == "erased"
    assert SourceRecord.objects.get(source_key="C1").erased_at is not None


def test_an_htmx_refusal_of_the_privacy_role_is_a_notice(signed_in, steward, pair):
    response = signed_in(steward).post(f"/customers/{pair[0]}/export/", headers=HTMX)
    assert response.status_code == 403 and response["HX-Retarget"] == "#notices"
