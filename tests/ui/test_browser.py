"""The steward UI in a real browser: Debian's Chromium driven by Playwright against a live server on the test
database. Each test saves full-page screenshots of the pages it passes through into artifacts/screenshots/."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from stewardship.models import CandidateStatus, GoldenRecord, MatchCandidate, NotAMatch

from .conftest import ingest, ingest_ann_lee, propose

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop running in this thread. Django refuses ORM calls from a thread with a
    # running loop unless told that it is safe (it is: the loop only drives the browser), and keeps the database
    # connections of such a thread apart from its plain ones: the test database's serialized contents, which
    # transactional tests restore, are handed over to them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    serialized = {alias: getattr(connections[alias], "_test_serialized_contents", None) for alias in connections}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            for alias, contents in serialized.items():
                if contents is not None:
                    connections[alias]._test_serialized_contents = contents
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            yield browser
            browser.close()
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


@pytest.fixture
def open_as(browser: Browser, contexts: list[BrowserContext], live_server):
    """A browser page signed in (through the login form) as ``username``."""

    def sign_in(username: str) -> Page:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(f"pw-{username}-123!")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        return page

    return sign_in


def shot(page: Page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def persona(username: str, *roles: str) -> User:
    user = User.objects.create_user(username=username, password=f"pw-{username}-123!")
    user.groups.add(*Group.objects.filter(name__in=roles))
    return user


@pytest.fixture
def people(fast_passwords):
    return persona("stella", "steward"), persona("arthur", "steward", "approver")


@pytest.fixture
def pairs(people):
    """Two candidates: Ann Lee (CDP) / A. Lee (ERP), then Bob Stone (loyalty) / Robert Stone (commerce)."""
    ann, a_lee = ingest_ann_lee()
    bob = ingest("loyalty", "L1", given_name="Bob", family_name="Stone", email="bob@example.com", city="Leeds")
    robert = ingest(
        "commerce", "W1", given_name="Robert", family_name="Stone", email="rstone@shop.example", city="Leeds"
    )
    MatchCandidate.objects.all().delete()
    return (ann, a_lee, propose(ann, a_lee, score=0.93)), (bob, robert, propose(bob, robert, score=0.88))


def test_a_steward_merges_choosing_a_value_sees_the_golden_record_and_unmerges(open_as, pairs):
    (ann, a_lee, first), (_, _, second) = pairs
    page = open_as("stella")
    shot(page, "01-dashboard")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review queue").click()
    expect(page.get_by_role("heading", name="2 pending candidates")).to_be_visible()
    page.get_by_role("button", name=f"Claim candidate {second.pk}").click()  # claimed in place, no reload
    expect(page.locator(f"#candidate-{second.pk}")).to_contain_text("you")
    expect(page.get_by_role("button", name=f"Claim candidate {second.pk}")).to_have_count(0)
    assert MatchCandidate.objects.get(pk=second.pk).assigned_to.username == "stella"
    shot(page, "02-review-queue")

    page.get_by_role("link", name=re.compile(r"^Review: (Ann Lee and A\. Lee|A\. Lee and Ann Lee)$")).click()
    expect(page).to_have_url(re.compile(rf"/review/{first.pk}/$"))
    expect(page.get_by_role("heading", name="Same customer?")).to_be_visible()
    shot(page, "03-review-side-by-side")
    page.get_by_role("radio", name="city: Paris").check()
    page.get_by_role("button", name="Merge").click()

    # The next candidate opens in place, with what happened to the last one.
    expect(page).to_have_url(re.compile(rf"/review/{second.pk}/$"))
    expect(page.get_by_role("status").filter(has_text="Merged:")).to_be_visible()
    survivor = GoldenRecord.objects.get(pk=ann)
    assert survivor.attributes["city"] == "Paris"
    assert GoldenRecord.objects.get(pk=a_lee).merged_into_id == ann

    page.get_by_role("status").get_by_role("link", name="Ann Lee").click()
    expect(page).to_have_url(re.compile(rf"/customers/{ann}/$"))
    sources = page.get_by_role("region", name=re.compile("Source records"))
    expect(sources.get_by_role("row")).to_have_count(3)  # a header and both source records
    expect(sources).to_contain_text("C1")
    expect(sources).to_contain_text("E1")
    city = page.locator("#attr-city")
    expect(city).to_contain_text("Paris")
    expect(city.locator(".lock")).to_be_visible()  # the steward's choice is locked
    history = page.get_by_role("region", name="History")
    expect(history.locator(".timeline-item").first).to_contain_text("Merge")
    expect(history.locator(".timeline-item").first).to_contain_text("by stella")
    shot(page, "04-golden-record")

    page.get_by_text("Unmerge erp:E1").click()
    page.get_by_role("button", name="Split it out").click()
    expect(page.get_by_role("status").filter(has_text="Split erp:E1 out")).to_be_visible()
    expect(sources.get_by_role("row")).to_have_count(2)
    assert GoldenRecord.objects.get(pk=a_lee).status == "active"
    expect(history.locator(".timeline-item").first).to_contain_text("Unmerge")


def test_keyboard_skip_previous_not_a_match_and_merge_and_the_rejected_pair_never_comes_back(open_as, pairs):
    (ann, a_lee, first), (_, _, second) = pairs
    page = open_as("stella")
    page.goto("/review/")
    page.keyboard.press("j")  # focus moves to the first candidate of the queue
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/review/{first.pk}/$"))
    page.keyboard.press("s")  # skip
    expect(page).to_have_url(re.compile(rf"/review/{second.pk}/$"))
    page.keyboard.press("k")  # previous
    expect(page).to_have_url(re.compile(rf"/review/{first.pk}/$"))
    page.keyboard.press("j")  # next
    expect(page).to_have_url(re.compile(rf"/review/{second.pk}/$"))
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(rf"/review/{first.pk}/$"))

    page.keyboard.press("n")  # not a match: the next candidate opens
    expect(page.get_by_role("status").filter(has_text="Not a match")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/review/{second.pk}/$"))
    assert MatchCandidate.objects.get(pk=first.pk).status == CandidateStatus.REJECTED
    assert NotAMatch.objects.count() == 1

    page.keyboard.press("m")  # merge the last one: nothing left, back to the queue
    expect(page).to_have_url(re.compile(r"/review/$"))
    expect(page.get_by_role("heading", name="0 pending candidates")).to_be_visible()
    assert MatchCandidate.objects.get(pk=second.pk).status == CandidateStatus.MERGED

    # The sources send Ann Lee and A. Lee again: the pair stays apart.
    ingest("cdp", "C1", when="2026-02-01T10:00:00Z", given_name="Ann", family_name="Lee", email="ann@example.com")
    ingest("erp", "E1", when="2026-02-01T10:00:00Z", given_name="A.", family_name="Lee", email="alee@corp.example")
    page.reload()
    expect(page.get_by_role("heading", name="0 pending candidates")).to_be_visible()
    assert not MatchCandidate.objects.filter(status=CandidateStatus.PENDING).exists()


def test_an_edit_waits_for_another_approver_who_applies_it_and_the_author_cannot(open_as, pairs):
    (ann, _, _), _ = pairs
    stella = open_as("stella")
    stella.goto("/customers/")
    stella.get_by_role("searchbox", name="Search customers").press_sequentially("ann le", delay=20)
    results = stella.get_by_role("region", name=re.compile("Results for"))
    expect(results.get_by_role("link", name="Ann Lee")).to_be_visible()  # as she types, no submit
    expect(results.get_by_role("link", name="A. Lee")).to_have_count(0)
    shot(stella, "05-customer-search")
    results.get_by_role("link", name="Ann Lee").click()

    stella.get_by_role("link", name="Edit email").click()
    stella.get_by_label("New email").fill("ann.lee@example.com")
    stella.get_by_label("Why").fill("she called to correct it")
    stella.get_by_role("button", name="Request change").click()
    expect(stella.locator("#attr-email")).to_contain_text("Waiting for approval")
    stella.goto("/change-requests/")
    expect(stella.get_by_role("button", name=re.compile("^Approve"))).to_have_count(0)  # she is no approver

    arthur = open_as("arthur")
    arthur.goto(f"/customers/{ann}/")
    arthur.get_by_role("link", name="Edit city").click()
    arthur.get_by_label("New city").fill("Nice")
    arthur.get_by_role("button", name="Request change").click()
    expect(arthur.locator("#attr-city")).to_contain_text("Waiting for approval")
    arthur.goto("/change-requests/")
    his = arthur.get_by_role("row").filter(has_text="Nice")
    hers = arthur.get_by_role("row").filter(has_text="ann.lee@example.com")
    expect(his).to_contain_text("Yours: another approver decides")
    expect(his.get_by_role("button")).to_have_count(0)  # the author cannot approve his own
    shot(arthur, "06-change-requests")
    hers.get_by_label("Comment on the decision").fill("confirmed with the customer")
    hers.get_by_role("button", name=re.compile("^Approve")).click()
    expect(hers).to_contain_text("Approved and applied")
    expect(hers).to_contain_text("confirmed with the customer")

    arthur.goto(f"/customers/{ann}/")
    email = arthur.locator("#attr-email")
    expect(email).to_contain_text("ann.lee@example.com")
    expect(email.locator(".lock")).to_be_visible()
    latest = arthur.get_by_role("region", name="History").locator(".timeline-item").first
    expect(latest).to_contain_text("Steward edit")
    expect(latest).to_contain_text("approved by arthur")
    expect(latest.locator(".before")).to_have_text("ann@example.com")
    expect(latest.locator(".after")).to_have_text("ann.lee@example.com")
    expect(arthur.locator("#attr-city")).to_contain_text("Waiting for approval")  # his own still waits
    shot(arthur, "07-golden-record-after-approval")


def test_the_steward_who_decides_second_is_told_and_nothing_changes(open_as, pairs):
    (_, _, first), _ = pairs
    stella, arthur = open_as("stella"), open_as("arthur")
    stella.goto(f"/review/{first.pk}/")
    arthur.goto(f"/review/{first.pk}/")
    arthur.get_by_role("button", name="Merge").click()
    expect(arthur.get_by_role("status").filter(has_text="Merged:")).to_be_visible()
    stella.get_by_role("button", name="Not a match").click()
    alert = stella.get_by_role("alert")
    expect(alert).to_contain_text("Someone else got there first")
    expect(alert).to_contain_text("already decided by arthur")
    expect(stella.get_by_role("button", name="Merge")).to_have_count(0)  # the pair is shown as it now is
    shot(stella, "08-review-conflict")
    assert MatchCandidate.objects.get(pk=first.pk).status == CandidateStatus.MERGED
    assert not NotAMatch.objects.exists()


def test_the_other_pages_read_like_the_product(open_as, pairs, live_server):
    page = open_as("stella")
    ingest(
        "erp",
        "SKU-1",
        domain="product",
        gtin="4006381333931",
        sku="SKU-1",
        name="Acme Ceramic mug 350 ml",
        brand="Acme",
        price="9.90",
        currency="EUR",
    )
    page.goto("/products/")
    page.get_by_role("searchbox", name="Search products").fill("4006381333931")
    results = page.get_by_role("region", name="Results for “4006381333931”")
    expect(results.get_by_role("link", name="Acme Ceramic mug 350 ml")).to_be_visible()
    shot(page, "09-product-search")
    page.goto("/customers/00000000-0000-0000-0000-000000000000/")
    expect(page.get_by_role("heading", name="We couldn’t find that")).to_be_visible()
    shot(page, "10-not-found")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    shot(page, "00-sign-in")


def test_a_steward_sees_a_dead_letter_on_the_sync_page_opens_it_and_replays_it(open_as, people):
    from datetime import timedelta

    from django.utils import timezone

    from sync.models import AttemptOutcome, Connector, Delivery, DeliveryAttempt

    from .test_sync import connector, delivery

    ann, _ = ingest_ann_lee()
    now = timezone.now()
    erp = connector("erp", "tryton")
    connector("cdp", "segment", consecutive_failures=5, breaker_open_until=now + timedelta(minutes=2))
    loyalty = connector("loyalty", "loyalty", throttled_until=now + timedelta(seconds=40))
    Delivery.objects.all().delete()  # only the deliveries made here
    dead = delivery(
        erp,
        "dead",
        golden_id=ann,
        version=99,
        age=timedelta(hours=2),
        attempts=1,
        last_error="party.party: postal code 69001 is not valid for country FR",
        last_status_code=422,
    )
    DeliveryAttempt.objects.create(
        delivery=dead,
        number=1,
        started_at=now - timedelta(hours=2),
        duration_ms=143,
        outcome=AttemptOutcome.PERMANENT,
        request="POST /steward/model/party.party/create",
        status_code=422,
        error=dead.last_error,
    )
    for minutes in (14, 6, 1):
        delivery(erp, "pending", age=timedelta(minutes=minutes))
    delivery(loyalty, "pending", age=timedelta(seconds=50), domain="product")
    delivery(loyalty, "delivered", delivered_at=now - timedelta(minutes=3))
    assert Connector.objects.count() == 3

    page = open_as("stella")
    shot(page, "11-dashboard-sync-health")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync").click()
    expect(page.get_by_role("heading", name="Sync", exact=True)).to_be_visible()
    expect(page.locator("#connector-cdp")).to_contain_text("Open")
    expect(page.locator("#connector-erp")).to_contain_text("14 min")
    shot(page, "12-sync")
    page.get_by_role("link", name=f"Delivery #{dead.pk}").click()
    expect(page.get_by_role("heading", name=f"Delivery #{dead.pk}")).to_be_visible()
    expect(page.locator("#delivery-status")).to_have_text("Dead letter")
    shot(page, "13-sync-delivery")
    page.get_by_role("button", name="Replay").click()
    expect(page.locator("#delivery-status")).to_have_text("Pending")
    expect(page.get_by_role("status").filter(has_text="Replayed")).to_be_visible()
    shot(page, "14-sync-delivery-replayed")
    dead.refresh_from_db()
    assert (dead.status, dead.replayed_by.username) == ("pending", "stella")


def test_a_viewer_reads_a_customer_masked_and_is_offered_no_action(open_as, pairs):
    from stewardship import services

    (ann, _, first), _ = pairs
    stella = User.objects.get(username="stella")
    services.attribute_lock_set(golden_id=ann, attribute="phone", value="+33612345678", user=stella)
    services.attribute_lock_set(golden_id=ann, attribute="birth_date", value="1984-03-09", user=stella)
    persona("vera", "viewer")

    page = open_as("vera")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    page.get_by_role("searchbox", name="Search customers").press_sequentially("ann le", delay=20)
    results = page.get_by_role("region", name=re.compile("Results for"))
    expect(results).to_contain_text("a•••@example.com")
    results.get_by_role("link", name="Ann Lee").click()
    expect(page).to_have_url(re.compile(rf"/customers/{ann}/$"))
    expect(page.locator("#attr-email")).to_contain_text("a•••@example.com")
    expect(page.locator("#attr-phone")).to_contain_text("•••78")
    expect(page.locator("#attr-birth_date .value")).to_have_text("1984")
    expect(page.locator("#attr-given_name")).to_contain_text("Ann")
    expect(page.locator("main")).not_to_contain_text("ann@example.com")
    expect(page.locator("main")).not_to_contain_text("1984-03-09")
    expect(page.get_by_role("link", name=re.compile("^Edit"))).to_have_count(0)
    expect(page.get_by_text("Unmerge")).to_have_count(0)
    expect(page.get_by_role("button", name="Export")).to_have_count(0)
    shot(page, "15-viewer-golden-record-masked")

    page.goto(f"/review/{first.pk}/")
    expect(page.get_by_role("heading", name="Same customer?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("a•••@corp.example")
    expect(page.get_by_role("button", name="Merge")).to_have_count(0)
    expect(page.get_by_role("button", name="Not a match")).to_have_count(0)
    expect(page.get_by_role("button", name="Claim it")).to_have_count(0)
    expect(page.get_by_role("radio")).to_have_count(0)
    shot(page, "16-viewer-review-masked")
    assert MatchCandidate.objects.get(pk=first.pk).status == CandidateStatus.PENDING


def test_a_privacy_officer_exports_and_erases_a_customer_and_follows_the_request(open_as, pairs):
    import json

    from stewardship.models import PrivacyRequest

    from .test_sync import connector

    (ann, _, _), _ = pairs
    connector("erp")  # a connected system: the erasure waits for its erase delivery
    persona("priya", "privacy")

    page = open_as("priya")
    page.goto(f"/customers/{ann}/")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export").click()
    download = download_info.value
    assert re.fullmatch(rf"customer-{ann}-export-\d+\.json", download.suggested_filename)
    document = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert document["subject"] == str(ann)
    assert [(r["source"], r["source_key"]) for r in document["source_records"]] == [("cdp", "C1")]
    assert document["source_records"][0]["attributes"]["email"] == "ann@example.com"

    page.get_by_role("link", name="Erase…").click()
    expect(page.get_by_role("heading", name="Erase Ann Lee?")).to_be_visible()
    page.get_by_label("Reason").fill("ticket 42: erasure asked by phone")
    page.get_by_label("Type ERASE to confirm").fill("erase")
    page.get_by_role("button", name="Erase this customer").click()
    expect(page.locator(".field-error")).to_contain_text("Type ERASE (in capitals)")
    assert GoldenRecord.objects.get(pk=ann).status == "active"
    page.get_by_label("Type ERASE to confirm").fill("ERASE")
    shot(page, "17-privacy-erase-confirm")
    page.get_by_role("button", name="Erase this customer").click()

    request = PrivacyRequest.objects.get(kind="erasure")
    expect(page).to_have_url(re.compile(rf"/privacy/\?status=open&subject={ann}#request-{request.pk}$"))
    expect(page.get_by_role("status").filter(has_text="Erased Ann Lee")).to_be_visible()
    row = page.locator(f"#request-{request.pk}")
    expect(row).to_contain_text("Erasure")
    expect(row).to_contain_text("Open")
    expect(row).to_contain_text("erp")
    expect(row).to_contain_text("pending")
    expect(row).to_contain_text("priya")
    shot(page, "18-privacy-requests")
    page.get_by_role("link", name="Show every request").click()
    page.get_by_role("link", name="Completed").click()
    expect(page.locator("main")).to_contain_text("Subject access (export)")

    page.goto(f"/customers/{ann}/")
    expect(page.get_by_role("heading", name=re.compile("Erased"))).to_be_visible()
    expect(page.get_by_text("No values: this customer was erased.")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("ann@example.com")
    expect(page.get_by_role("button", name="Export")).to_have_count(0)
    expect(page.get_by_role("link", name="Erase…")).to_have_count(0)
    shot(page, "19-golden-record-erased")
    assert GoldenRecord.objects.get(pk=ann).status == "erased"


def test_pages_run_under_the_content_security_policy_without_a_violation(open_as, pairs, live_server):
    page = open_as("stella")
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    candidate = pairs[0][2]
    for path in ["/", "/review/", f"/review/{candidate.pk}/", f"/customers/{pairs[0][0]}/", "/sync/", "/api/docs/"]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
    page.goto(f"/review/{candidate.pk}/")
    # The bars take their length from data-share (set by steward.js, not a style attribute).
    width = page.locator(".score-fill").first.evaluate("element => element.getBoundingClientRect().width")
    track = page.locator(".score-track").first.evaluate("element => element.getBoundingClientRect().width")
    assert 0.8 * track < width < track  # 0.93 of the track
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name=re.compile("Steward API"))).to_be_visible()
    assert refused == []
