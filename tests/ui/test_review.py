"""The review queue and the side-by-side decision page, through Django's test client."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stewardship.models import AttributeLock, CandidateStatus, GoldenRecord, MatchCandidate, NotAMatch
from stewardship.services import match_candidate_assign, match_candidate_merge
from stewardship.ui.queries import QUEUE_PAGE_SIZE

from .conftest import HTMX, ingest, propose

pytestmark = pytest.mark.django_db


def test_the_queue_lists_pending_candidates_with_names_evidence_and_claim(signed_in, steward, pair):
    page = signed_in(steward).get("/review/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "1 pending candidate" in html
    assert "Ann Lee" in html and "A. Lee" in html
    assert 'class="chip chip-for"' in html and "Family name" in html  # the strongest evidence for
    assert 'class="chip chip-against"' in html and "Email" in html  # and against
    assert f"/review/{pair[2].pk}/claim/" in html


def test_queue_filters(signed_in, steward, approver, pair, second_pair):
    client = signed_in(steward)
    first, second = pair[2], second_pair[2]

    def listed(query):
        rows = client.get(f"/review/?{query}").content.decode()
        return {c.pk for c in (first, second) if f'id="candidate-{c.pk}"' in rows}

    assert listed("") == {first.pk, second.pk}
    assert listed("band=medium") == {first.pk}
    assert listed("band=low") == {second.pk}
    assert listed("band=high") == set()
    assert listed("domain=product") == set()
    match_candidate_assign(candidate_id=first.pk, user=steward)
    match_candidate_assign(candidate_id=second.pk, user=approver)
    assert listed("assigned=me") == {first.pk}
    assert listed("assigned=unassigned") == set()
    MatchCandidate.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(days=10))
    assert listed("age=day") == {first.pk}
    assert listed("age=month") == {second.pk}
    assert listed("domain=nonsense&band=nonsense") == {first.pk, second.pk}  # unreadable filters are dropped


def test_queue_sorts(signed_in, steward, pair, second_pair):
    client = signed_in(steward)
    first, second = f'id="candidate-{pair[2].pk}"', f'id="candidate-{second_pair[2].pk}"'
    by_score = client.get("/review/").content.decode()
    assert by_score.index(first) < by_score.index(second)
    lowest = client.get("/review/?sort=score_asc").content.decode()
    assert lowest.index(second) < lowest.index(first)


def test_the_queue_pages_with_cursors(signed_in, steward, pair):
    golden = [ingest("pos", f"P{n}", given_name=f"Person{n}", family_name="Page") for n in range(QUEUE_PAGE_SIZE + 6)]
    MatchCandidate.objects.exclude(pk=pair[2].pk).delete()
    for n, other in enumerate(golden):
        propose(pair[0], other, score=0.90 - n / 1000)
    client = signed_in(steward)
    first = client.get("/review/?sort=score")
    ids_first = [c.pk for c in MatchCandidate.objects.all() if f'id="candidate-{c.pk}"' in first.content.decode()]
    assert len(ids_first) == QUEUE_PAGE_SIZE
    cursor = first.context["page"].next_cursor
    assert cursor and first.context["page"].previous_cursor is None
    second = client.get(f"/review/?sort=score&cursor={cursor}")
    rows = second.context["page"].items
    assert len(rows) == 57 - QUEUE_PAGE_SIZE and not set(ids_first) & {r.candidate.pk for r in rows}
    assert second.context["page"].next_cursor is None
    back = client.get(f"/review/?sort=score&cursor={second.context['page'].previous_cursor}")
    assert [r.candidate.pk for r in back.context["page"].items] == ids_first
    assert client.get("/review/?cursor=garbage").status_code == 200  # a bad cursor is the first page


def test_the_filter_form_answers_htmx_with_the_results_only(signed_in, steward, pair):
    response = signed_in(steward).get("/review/?band=medium", headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="queue-results"' in html


def test_claiming_from_the_queue_and_a_second_claim_is_a_409(signed_in, steward, approver, pair):
    candidate = pair[2]
    row = signed_in(steward).post(f"/review/{candidate.pk}/claim/", headers=HTMX)
    assert row.status_code == 200 and f'id="candidate-{candidate.pk}"' in row.content.decode()
    assert "you" in row.content.decode()
    assert MatchCandidate.objects.get(pk=candidate.pk).assigned_to == steward
    taken = signed_in(approver).post(f"/review/{candidate.pk}/claim/")
    assert taken.status_code == 409
    assert "Already assigned to stella" in taken.content.decode()
    notice = signed_in(approver).post(f"/review/{candidate.pk}/claim/", headers=HTMX)
    assert notice.status_code == 409 and notice["HX-Retarget"] == "#notices"  # a notice at the top, not in the row
    assert 'role="alert"' in notice.content.decode() and "Already assigned to stella" in notice.content.decode()


def test_the_review_page_aligns_the_pair_and_shows_the_evidence(signed_in, steward, pair):
    response = signed_in(steward).get(f"/review/{pair[2].pk}/")
    assert response.status_code == 200
    review = response.context["review"]
    rows = {row.name: row for row in review.rows}
    assert {row.name for row in review.rows} >= {"given_name", "family_name", "email", "city", "erp_account_number"}
    assert rows["family_name"].differs is False
    assert rows["city"].differs and rows["city"].choosable
    assert rows["erp_account_number"].differs and not rows["erp_account_number"].choosable  # only one side has one
    assert rows["family_name"].evidence.weight == 8.0 and rows["family_name"].evidence.similarity == 1.0
    assert rows["address_line1"].evidence.comparator == "similar ≥ 0.90"  # "address" is shown on its first line
    assert [e.field for e in review.other_evidence] == ["location"]
    assert [r.source_key for r in review.sources_a + review.sources_b] in (["C1", "E1"], ["E1", "C1"])
    html = response.content.decode()
    for text in ('data-shortcut="m"', 'data-shortcut="n"', 'data-shortcut="s"', 'name="choose-city"', "+8.0", "−4.0"):
        assert text.replace("−", "-") in html
    assert 'class="differs"' in html


def _merge(client, candidate, **choices):
    data = {f"choose-{name}": side for name, side in choices.items()}
    page = client.get(f"/review/{candidate.pk}/")
    data["etag"] = page.context["review"].etag
    return client.post(f"/review/{candidate.pk}/merge/", data)


def test_merge_keeps_the_chosen_value_and_opens_the_next_candidate(signed_in, steward, pair, second_pair):
    client = signed_in(steward)
    a, b, candidate = pair
    chosen_city = GoldenRecord.objects.get(pk=b).attributes["city"]
    response = _merge(client, candidate, city="b" if str(a) < str(b) else "a")
    survivor = GoldenRecord.objects.get(pk=a)  # the older record survives
    assert response.status_code == 302
    assert response["Location"] == f"/review/{second_pair[2].pk}/"
    assert survivor.attributes["city"] == chosen_city == "Paris"
    assert AttributeLock.objects.get(golden=survivor, attribute="city").value == "Paris"
    assert GoldenRecord.objects.get(pk=b).status == "merged"
    assert MatchCandidate.objects.get(pk=candidate.pk).status == CandidateStatus.MERGED
    shown = client.get(response["Location"])
    assert "Merged:" in shown.content.decode() and f"/customers/{a}/" in shown.content.decode()


def test_decisions_through_htmx_swap_in_the_next_candidate_and_push_its_url(signed_in, steward, pair, second_pair):
    client = signed_in(steward)
    response = client.post(f"/review/{pair[2].pk}/reject/", headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"/review/{second_pair[2].pk}/"
    html = response.content.decode()
    assert html.startswith('\n<section id="review-panel"') or '<section id="review-panel"' in html[:200]
    assert "Not a match:" in html and "<html" not in html
    last = client.post(f"/review/{second_pair[2].pk}/merge/", headers=HTMX)
    assert last.status_code == 200 and last["HX-Redirect"] == "/review/"  # nothing left: back to the queue


def test_filters_carry_from_the_queue_to_the_next_candidate(signed_in, steward, pair, second_pair):
    client = signed_in(steward)
    response = client.post(f"/review/{pair[2].pk}/reject/?band=medium")
    assert response.status_code == 302 and response["Location"] == "/review/?band=medium"  # the low one is filtered out


def test_not_a_match_is_remembered_and_leaves_the_queue(signed_in, steward, pair):
    client = signed_in(steward)
    response = client.post(f"/review/{pair[2].pk}/reject/")
    assert response.status_code == 302 and response["Location"] == "/review/"
    assert MatchCandidate.objects.get(pk=pair[2].pk).status == CandidateStatus.REJECTED
    assert NotAMatch.objects.count() == 1
    assert "0 pending candidates" in client.get("/review/").content.decode()
    ingest("cdp", "C1", when="2026-02-01T10:00:00Z", given_name="Ann", family_name="Lee", email="ann@example.com")
    assert not MatchCandidate.objects.filter(status=CandidateStatus.PENDING).exists()


def test_a_candidate_someone_else_decided_meanwhile_is_a_409_and_nothing_changes(signed_in, steward, approver, pair):
    client = signed_in(steward)
    etag = client.get(f"/review/{pair[2].pk}/").context["review"].etag
    match_candidate_merge(candidate_id=pair[2].pk, user=approver)  # arthur was quicker
    response = client.post(f"/review/{pair[2].pk}/reject/", {"etag": etag})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else got there first" in html and "already decided by arthur" in html
    assert "Nothing was changed" in html
    assert MatchCandidate.objects.get(pk=pair[2].pk).status == CandidateStatus.MERGED
    assert not NotAMatch.objects.exists()
    swapped = client.post(f"/review/{pair[2].pk}/merge/", {"etag": etag}, headers=HTMX)
    assert swapped.status_code == 409
    assert 'id="review-panel"' in swapped.content.decode() and "already decided by arthur" in swapped.content.decode()
    assert "Merged</strong> by arthur" in swapped.content.decode()  # the panel shows the pair as it now is


def test_a_pair_that_changed_since_the_steward_looked_is_refused(signed_in, steward, pair):
    client = signed_in(steward)
    etag = client.get(f"/review/{pair[2].pk}/").context["review"].etag
    ingest("cdp", "C1", when="2026-03-01T10:00:00Z", given_name="Anne", family_name="Lee", email="ann@example.com")
    MatchCandidate.objects.exclude(pk=pair[2].pk).delete()
    response = client.post(f"/review/{pair[2].pk}/merge/", {"etag": etag})
    assert response.status_code == 412
    assert "changed while you were looking" in response.content.decode()
    assert MatchCandidate.objects.get(pk=pair[2].pk).status == CandidateStatus.PENDING


def test_a_decided_candidate_shows_who_decided_and_no_buttons(signed_in, steward, approver, pair):
    match_candidate_merge(candidate_id=pair[2].pk, user=approver)
    html = signed_in(steward).get(f"/review/{pair[2].pk}/").content.decode()
    assert "Merged</strong> by arthur" in html and 'data-shortcut="m"' not in html


def test_a_product_pair_reads_side_by_side(signed_in, steward, db):
    a = ingest("erp", "SKU-1", domain="product", gtin="4006381333931", sku="SKU-1", name="Acme mug", price="9.90")
    b = ingest("commerce", "prod_1", domain="product", gtin="4006381333948", name="ACME Mug 350ml", price="9.50")
    MatchCandidate.objects.all().delete()
    candidate = propose(a, b, domain="product", score=0.91)
    page = signed_in(steward).get(f"/review/{candidate.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Same product?" in html and "Acme mug" in html and "ACME Mug 350ml" in html
    assert {row.name for row in page.context["review"].choosable} == {"gtin", "name", "price"}
    queue = signed_in(steward).get("/review/?domain=product").content.decode()
    assert "9.90" in queue and f'id="candidate-{candidate.pk}"' in queue


def test_a_candidate_id_that_is_not_ascii_digits_is_a_404(signed_in, steward, pair):
    arabic = "".join(chr(0x660 + int(digit)) for digit in str(pair[2].pk))
    client = signed_in(steward)
    for wrong in ("abc", arabic):
        assert client.get(f"/review/{wrong}/").status_code == 404
        assert client.post(f"/review/{wrong}/claim/").status_code == 404
    assert client.get(f"/review/{'9' * 30}/").status_code == 404  # ASCII digits past any id: no such candidate
