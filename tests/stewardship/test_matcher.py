"""Ingest decisions: link at auto_link, queue between review and auto_link, never link blindly to two records.

The engine's scorer is replaced at its seam (``stewardship.matching.score_many``) so the decision rules are pinned
whatever the engine's weights; the engine itself is tested in tests/stewardship/matching.
"""

import uuid

import numpy as np
import pytest
from django.core.checks import run_checks
from django.core.management import call_command

from stewardship import matching
from stewardship.matching import Score
from stewardship.models import BlockingKey, GoldenRecord, MatchCandidate, MatchSettings, NotAMatch, SourceRecord
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def scores(monkeypatch):
    """Score pairs by family name, either order: {("Lee", "Lee"): 0.99, ...}; unknown pairs 0."""
    table: dict[tuple[str, str], float] = {}

    def one(x, y):
        return table.get((x, y), table.get((y, x), 0.0))

    def fake(domain, a, others, **options):
        return [Score(one(a.get("_fam"), b.get("_fam"))) for b in others]

    def fake_pairs(domain, records, left, right, **options):  # the batch's scores, all at once
        pairs = zip(left, right, strict=True)
        return np.array([one(records[i].get("_fam"), records[j].get("_fam")) for i, j in pairs])

    real_features = matching.features

    def features(domain, attributes):
        return real_features(domain, attributes) | {"_fam": attributes.get("family_name")}

    def keys(domain, feats):
        return ["all"]

    monkeypatch.setattr("stewardship.matching.retrieval.matching.score_many", fake)
    monkeypatch.setattr("stewardship.matching.retrieval.matching.score_pairs", fake_pairs)
    monkeypatch.setattr("stewardship.services.ingest.matching.features", features)
    monkeypatch.setattr("stewardship.services.ingest.matching.blocking_keys", keys)
    return table


def ingest(client, push, source, key, family, **attrs):
    return push(client, source, record(key, family_name=family, **attrs)).json()["results"][0]["golden_id"]


def test_a_sure_match_links(scores, source_cdp, source_erp, push):
    scores[("Lee", "Lee")] = 0.99
    a = ingest(source_cdp, push, "cdp", "C1", "Lee")
    assert ingest(source_erp, push, "erp", "E1", "Lee") == a
    assert MatchCandidate.objects.count() == 0


def test_a_doubtful_match_gets_its_own_golden_record_and_a_candidate(scores, source_cdp, source_erp, push):
    scores[("Leigh", "Lee")] = 0.9
    a = ingest(source_cdp, push, "cdp", "C1", "Lee")
    b = ingest(source_erp, push, "erp", "E1", "Leigh")
    assert a != b
    cand = MatchCandidate.objects.get()
    assert {str(cand.golden_a_id), str(cand.golden_b_id)} == {a, b}
    assert cand.score == 0.9 and cand.status == "pending"
    assert "between review and auto-link" in cand.reason


def test_a_record_that_links_to_one_golden_record_queues_the_doubtful_other_with_its_reason(
    scores, source_cdp, source_erp, push, source_loyalty
):
    scores[("Lee", "Leigh")] = 0.5  # two people
    scores[("Lee-Kim", "Lee")] = 0.99
    scores[("Lee-Kim", "Leigh")] = 0.9
    a = ingest(source_cdp, push, "cdp", "C1", "Lee")
    b = ingest(source_erp, push, "erp", "E1", "Leigh")
    assert ingest(source_loyalty, push, "loyalty", "L1", "Lee-Kim") == a
    candidate = MatchCandidate.objects.get()
    assert {str(candidate.golden_a_id), str(candidate.golden_b_id)} == {a, b}
    assert candidate.score == 0.9
    assert candidate.reason == "score between review and auto-link thresholds"


def test_below_review_is_a_new_golden_record(scores, source_cdp, source_erp, push):
    scores[("Kim", "Lee")] = 0.5
    ingest(source_cdp, push, "cdp", "C1", "Lee")
    ingest(source_erp, push, "erp", "E1", "Kim")
    assert GoldenRecord.objects.count() == 2 and MatchCandidate.objects.count() == 0


def test_a_record_that_fits_two_golden_records_is_queued_not_merged(
    scores, source_cdp, source_erp, push, source_loyalty
):
    scores[("Lee", "Lee")] = 0.5  # the two existing ones are different people
    scores[("Lee-Kim", "Lee-Kim")] = 0.0
    scores[("Lee-Kim", "Lee")] = 0.99
    a = ingest(source_cdp, push, "cdp", "C1", "Lee")
    b = ingest(source_erp, push, "erp", "E1", "Lee")
    c = ingest(source_loyalty, push, "loyalty", "L1", "Lee-Kim")
    assert len({a, b, c}) == 3
    pairs = {frozenset({str(x.golden_a_id), str(x.golden_b_id)}) for x in MatchCandidate.objects.all()}
    assert pairs == {frozenset({a, c}), frozenset({b, c})}
    assert all("fits 2 golden records" in x.reason for x in MatchCandidate.objects.all())


def test_a_sure_match_that_another_record_of_the_golden_record_scores_against_is_queued_not_linked(
    scores, source_cdp, source_erp, push, source_loyalty
):
    scores[("Lee", "Leigh")] = 0.99
    golden = ingest(source_cdp, push, "cdp", "C1", "Lee")
    assert ingest(source_erp, push, "erp", "E1", "Leigh") == golden
    scores[("Li", "Lee")] = 0.99
    scores[("Li", "Leigh")] = 0.004  # not the same person, says the golden record's other record
    new = ingest(source_loyalty, push, "loyalty", "L1", "Li")
    assert new != golden
    [candidate] = MatchCandidate.objects.all()
    assert {str(candidate.golden_a_id), str(candidate.golden_b_id)} == {golden, new}
    assert candidate.score == 0.99
    assert "another record of the golden record scores 0.004" in candidate.reason
    scores[("Li", "Leigh")] = 0.01  # could be: it links
    assert ingest(source_loyalty, push, "loyalty", "L2", "Li") == golden


def test_a_namesake_at_the_address_of_one_record_of_a_golden_record_is_queued_by_the_real_engine(
    source_cdp, source_loyalty, source_erp, push
):
    # Generated retail data (seed 2024): Maximilian Schmidt's two records, and another Maximilian Schmidt at the same
    # address who fits the first at 0.98 and has nothing of the second's (0.006).
    maximilian = dict(given_name="Maximilian", country="DE")
    address = dict(address_line1="Mühlenallee 112", postal_code="22159", city="Hamburg")
    golden = ingest(
        source_cdp,
        push,
        "cdp",
        "C1",
        "Schmidt",
        **maximilian | address,
        email="maximilian.schmidt55+shop@outlook.de",
        phone="+491605297271",
        birth_date="1955-09-19",
    )
    assert (
        ingest(
            source_loyalty,
            push,
            "loyalty",
            "L1",
            "Schmidt",
            **maximilian | {"given_name": "Max"},
            email="maximilian.schmidt55@outlook.de",
            phone="+494034306795",
            birth_date="1955-09-19",
        )
        == golden
    )
    namesake = ingest(
        source_erp, push, "erp", "E1", "Schmidt", **maximilian | address, email="maximilian.schmidt1181@gmail.com"
    )
    assert namesake != golden
    [candidate] = MatchCandidate.objects.all()
    assert candidate.score >= 0.97 and "another record of the golden record scores" in candidate.reason


def test_thresholds_come_from_the_settings(scores, source_cdp, source_erp, push):
    MatchSettings.objects.filter(domain="customer").update(auto_link=0.85, review=0.6)
    scores[("Leigh", "Lee")] = 0.9
    assert ingest(source_cdp, push, "cdp", "C1", "Lee") == ingest(source_erp, push, "erp", "E1", "Leigh")


def test_records_in_one_batch_match_each_other(scores, source_cdp, push):
    scores[("Lee", "Lee")] = 0.99
    results = push(source_cdp, "cdp", record("C1", family_name="Lee"), record("C2", family_name="Lee")).json()
    assert results["results"][0]["golden_id"] == results["results"][1]["golden_id"]


def test_a_changed_record_is_matched_again_and_queued(scores, source_cdp, source_erp, push):
    scores[("Lee", "Leigh")] = 0.9
    ingest(source_cdp, push, "cdp", "C1", "Lee", email="a@example.com")
    ingest(source_erp, push, "erp", "E1", "Kim", email="b@example.com")
    assert MatchCandidate.objects.count() == 0
    push(source_cdp, "cdp", record("C1", "2026-03-01T00:00:00Z", family_name="Lee", email="a@example.com"))
    push(source_erp, "erp", record("E1", "2026-03-01T00:00:00Z", family_name="Leigh"))
    assert MatchCandidate.objects.count() == 1
    assert MatchCandidate.objects.get().reason == "changed record"


def test_a_rejected_pair_is_never_proposed_again(scores, source_cdp, source_erp, push, steward):
    from stewardship import services

    scores[("Leigh", "Lee")] = 0.9
    ingest(source_cdp, push, "cdp", "C1", "Lee")
    ingest(source_erp, push, "erp", "E1", "Leigh")
    services.match_candidate_reject(candidate_id=MatchCandidate.objects.get().pk, user=steward)
    assert NotAMatch.objects.count() == 1
    push(source_erp, "erp", record("E1", "2026-04-01T00:00:00Z", family_name="Leigh", city="Leeds"))
    push(source_cdp, "cdp", record("C1", "2026-04-01T00:00:00Z", family_name="Lee", city="York"))
    assert MatchCandidate.objects.filter(status="pending").count() == 0


def test_blocking_keys_are_stored_per_record(source_cdp, push):
    push(source_cdp, "cdp", record("C1", family_name="Lee", email="ann@example.com"))
    record_row = SourceRecord.objects.get()
    assert record_row.features
    assert list(record_row.blocking_keys.values_list("key", flat=True)) == matching.blocking_keys(
        "customer", record_row.features
    )


def test_a_changed_record_is_refiled_under_its_new_keys_and_keeps_the_rows_of_the_others(source_cdp, push):
    push(source_cdp, "cdp", record("C1", family_name="Lee", email="ann@example.com", phone="+44 7911 123456"))
    before = dict(BlockingKey.objects.values_list("key", "id"))
    push(
        source_cdp,
        "cdp",
        record("C1", "2026-01-02T10:00:00Z", family_name="Lee", email="ann@example.com", phone="+44 7400 123456"),
    )
    after = dict(BlockingKey.objects.values_list("key", "id"))
    stored = SourceRecord.objects.get()
    assert sorted(after) == sorted(matching.blocking_keys("customer", stored.features))
    assert set(before) - set(after) == {"ph:+447911123456"} and set(after) - set(before) == {"ph:+447400123456"}
    assert all(after[key] == before[key] for key in set(before) & set(after)), "unchanged keys were rewritten"


def _rematch():
    from django.core.management import call_command

    call_command("rematch", "--domain", "customer", "--here")


def test_rematch_merges_a_group_that_all_match_each_other(scores, source_cdp, source_erp, source_loyalty, push):
    a = ingest(source_cdp, push, "cdp", "C1", "Lee")
    b = ingest(source_erp, push, "erp", "E1", "Leigh")
    c = ingest(source_loyalty, push, "loyalty", "L1", "Lea")
    assert len({a, b, c}) == 3
    scores.update({("Lee", "Leigh"): 0.99, ("Lee", "Lea"): 0.98, ("Leigh", "Lea"): 0.99})
    _rematch()
    assert GoldenRecord.objects.filter(status="active").count() == 1
    survivor = GoldenRecord.objects.get(status="active")
    assert str(survivor.id) == a  # the oldest survives
    assert survivor.source_records.count() == 3
    assert survivor.versions.filter(reason="merge", note__startswith="auto-merge by rematch").count() == 2
    assert MatchCandidate.objects.filter(status="pending").count() == 0


def test_rematch_queues_a_chain_instead_of_merging_it(scores, source_cdp, source_erp, source_loyalty, push):
    ingest(source_cdp, push, "cdp", "C1", "Lee")
    ingest(source_erp, push, "erp", "E1", "Leigh")
    ingest(source_loyalty, push, "loyalty", "L1", "Lea")
    scores.update({("Lee", "Leigh"): 0.99, ("Leigh", "Lea"): 0.99, ("Lee", "Lea"): 0.5})
    _rematch()
    assert GoldenRecord.objects.filter(status="active").count() == 3
    assert MatchCandidate.objects.filter(status="pending").count() == 2
    assert all("chained" in c.reason for c in MatchCandidate.objects.all())


def test_rematch_queues_golden_records_two_of_whose_records_could_not_be_one_person(
    scores, source_cdp, source_erp, source_loyalty, push
):
    a = ingest(source_cdp, push, "cdp", "C1", "Lee")
    scores[("Leigh", "Lea")] = 0.99
    b = ingest(source_erp, push, "erp", "E1", "Leigh")
    assert ingest(source_loyalty, push, "loyalty", "L1", "Lea") == b != a
    scores.update({("Lee", "Leigh"): 0.99, ("Lee", "Lea"): 0.002})
    _rematch()
    assert GoldenRecord.objects.filter(status="active").count() == 2
    [candidate] = MatchCandidate.objects.filter(status="pending")
    assert "another record of the golden record scores 0.002" in candidate.reason
    scores[("Lee", "Lea")] = 0.5  # weak, not against: merged
    MatchCandidate.objects.all().delete()
    _rematch()
    assert GoldenRecord.objects.filter(status="active").count() == 1


def test_rematch_queues_the_review_band_and_respects_not_a_match(scores, source_cdp, source_erp, push, steward):
    from stewardship import services

    ingest(source_cdp, push, "cdp", "C1", "Lee")
    ingest(source_erp, push, "erp", "E1", "Leigh")
    scores[("Lee", "Leigh")] = 0.9
    _rematch()
    [cand] = MatchCandidate.objects.filter(status="pending")
    services.match_candidate_reject(candidate_id=cand.pk, user=steward)
    scores[("Lee", "Leigh")] = 0.999
    _rematch()
    assert MatchCandidate.objects.filter(status="pending").count() == 0
    assert GoldenRecord.objects.filter(status="active").count() == 2


def test_rematch_skips_oversized_blocks_and_says_so(scores, source_cdp, push, capsys):
    MatchSettings.objects.filter(domain="customer").update(max_block_size=2)
    push(source_cdp, "cdp", *[record(f"C{i}", family_name=f"F{i}") for i in range(3)])
    scores[("F0", "F1")] = 0.99
    _rematch()
    assert "1 oversized blocks skipped" in capsys.readouterr().out
    assert GoldenRecord.objects.filter(status="active").count() == 3


def test_train_matcher_estimates_weights_from_stored_records_and_ingest_uses_them(source_cdp, source_erp, push):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from stewardship.matching.retrieval import Thresholds

    with pytest.raises(CommandError, match="Not enough records"):
        call_command("train_matcher", "--domain", "customer")
    people = [
        record(f"K{i}", given_name=g, family_name=f, birth_date=f"19{50 + i}-0{1 + i % 9}-1{i % 9}", postal_code="N1")
        for i, (g, f) in enumerate([("Ann", "Lee"), ("Bo", "Kim"), ("Cy", "Lee"), ("Di", "Kim"), ("Ed", "Lee")])
    ]
    push(source_cdp, "cdp", *people)
    push(source_erp, "erp", *people)
    out = StringIO()
    call_command("train_matcher", "--domain", "customer", "--save", stdout=out)
    assert "estimated" in out.getvalue() and "saved" in out.getvalue()
    stored = MatchSettings.objects.get(domain="customer").model
    assert set(stored["levels"]) == set(matching.FIELDS["customer"])
    assert Thresholds.for_domain("customer").model == matching.Model.from_dict("customer", stored)


@pytest.mark.parametrize("by_rematch", [False, True], ids=["ingest", "rematch"])
def test_a_candidates_explanation_shows_each_golden_records_own_values(source_cdp, source_erp, push, by_rematch):
    # Candidates store their pair in id order; with four pairs, some are stored the other way round from how they
    # were scored (random ids), and their explanation must be turned round with them, whoever queued them.
    for n, (family, typo) in enumerate([("Smith", "Smyth"), ("Meyer", "Meier"), ("Clarke", "Clark"), ("Reid", "Reed")]):
        person = dict(address_line1=f"{n + 1} High St", postal_code="SW1A 1AA", country="GB", given_name="Robert")
        push(source_cdp, "cdp", record(f"C{n}", family_name=family, **person))
        push(source_erp, "erp", record(f"E{n}", family_name=typo, **person))
    if by_rematch:
        MatchCandidate.objects.all().delete()
        _rematch()
    assert MatchCandidate.objects.count() == 4
    for cand in MatchCandidate.objects.all():
        family = next(e for e in cand.explanation if e["field"] == "family_name")
        expected = {
            golden: SourceRecord.objects.get(golden_id=golden).usable["family_name"].lower()
            for golden in (cand.golden_a_id, cand.golden_b_id)
        }
        assert (family["a"], family["b"]) == (expected[cand.golden_a_id], expected[cand.golden_b_id])


def test_a_name_key_shared_by_too_many_records_is_not_compared_on_and_not_logged(
    source_cdp, source_erp, push, monkeypatch, caplog
):
    from stewardship.matching import blocking

    monkeypatch.setattr(blocking, "NAME_BLOCK_SIZE", 2)
    push(source_cdp, "cdp", *[record(f"C{i}", given_name="Ann", family_name="Lee") for i in range(3)])
    push(source_erp, "erp", record("E1", given_name="Ann", family_name="Lee", email="ann@example.com"))
    # Its only shared keys are the name keys, held by three records (over 2): no candidate, and no warning either.
    assert MatchCandidate.objects.count() == 0
    assert GoldenRecord.objects.filter(status="active").count() == 4
    assert "too common" not in caplog.text


def test_a_key_over_max_block_size_is_skipped_and_logged(scores, source_cdp, source_erp, push, caplog):
    MatchSettings.objects.filter(domain="customer").update(max_block_size=2)
    scores[("Lee", "Lee")] = 0.99
    push(source_cdp, "cdp", *[record(f"C{i}", family_name="Lee") for i in range(3)])  # one batch: all linked
    cdp_goldens = {str(g) for g in SourceRecord.objects.filter(source__code="cdp").values_list("golden_id", flat=True)}
    assert ingest(source_erp, push, "erp", "E1", "Lee") not in cdp_goldens
    assert "too common to compare on" in caplog.text


def test_prescoring_a_batch_gives_the_scores_one_by_one_would(db):
    from stewardship.matching.retrieval import BatchMatcher, Stored

    people = [
        {"given_name": "Ann", "family_name": "Lee", "email": "ann.lee@example.com", "country": "GB"},
        {"given_name": "Anne", "family_name": "Lee", "email": "ann.lee@example.com", "country": "GB"},
        {"given_name": "Ann", "family_name": "Lee", "email": "a.lee@example.org", "country": "GB"},  # names only
    ]
    feats = [matching.features("customer", p) for p in people]
    keys = [matching.blocking_keys("customer", f) for f in feats]
    matcher = BatchMatcher("customer", {k for ks in keys for k in ks})
    matcher.prescore(list(zip(feats, keys, strict=True)))
    stored = [Stored(None, uuid.uuid4(), f) for f in feats[:2]]
    prescored = matcher._probabilities(feats[2], stored)
    one_by_one = [s.probability for s in matching.score_many("customer", feats[2], [f for f in feats[:2]])]
    assert len(matcher._scored) == 3  # 1-0, 2-0, 2-1: every pair came from the one batch call
    assert prescored == pytest.approx(one_by_one)


# Generated retail data: one person's ERP record (address, account) and CDP record (email, mobile) share nothing but
# her name, which no other customer has. They score 0.03 (matching.FULL_NAME_KEY).
AGNES_ERP = dict(
    given_name="Agnès",
    country="FR",
    address_line1="115 place Carnot",
    postal_code="75017",
    city="Paris",
    erp_account_number="D07019880",
)
AGNES_CDP = dict(given_name="Agnes", country="FR", email="agnes.rinbault64@free.fr", phone="+33 6 57 10 10 86")


def test_the_only_two_records_with_a_full_name_are_queued_though_nothing_else_links_them(
    source_erp, source_cdp, source_loyalty, push
):
    erp = ingest(source_erp, push, "erp", "E1", "Rinbault", **AGNES_ERP)
    cdp = ingest(source_cdp, push, "cdp", "C1", "RINBAULT", **AGNES_CDP)
    assert erp != cdp
    [candidate] = MatchCandidate.objects.all()
    assert {str(candidate.golden_a_id), str(candidate.golden_b_id)} == {erp, cdp}
    assert candidate.score < MatchSettings.objects.get(domain="customer").review
    assert candidate.reason == "the only two customers named agnes rinbault, and nothing says they are two people"
    fields = {e["field"]: e for e in candidate.explanation}  # explained, though below review
    assert fields["given_name"]["comparator"] == "exact" and fields["email"]["comparator"] == "missing"
    # A third Agnes Rinbault: the name is no longer the two records' alone, and she is not queued with either.
    ingest(source_loyalty, push, "loyalty", "L1", "Rinbault", given_name="Agnes", country="FR", email="ar@orange.fr")
    assert MatchCandidate.objects.count() == 1


def test_three_customers_with_a_full_name_in_one_batch_are_not_queued_as_the_only_two(source_cdp, push):
    agnes = AGNES_CDP | {"email": None, "phone": None}  # the name alone: each pair scores 0.03
    push(source_cdp, "cdp", *[record(f"C{i}", family_name="Rinbault", **agnes) for i in range(3)])
    assert GoldenRecord.objects.count() == 3 and MatchCandidate.objects.count() == 0


def test_a_customer_whose_records_hold_a_name_and_a_record_with_only_that_name_in_common_are_queued(
    source_erp, source_cdp, source_loyalty, push
):
    erp = ingest(source_erp, push, "erp", "E1", "Rinbault", **AGNES_ERP, email="agnes.rinbault64@free.fr")
    loyalty = dict(given_name="Agnes", country="FR", email="agnes.rinbault64@free.fr", loyalty_tier="gold")
    assert ingest(source_loyalty, push, "loyalty", "L1", "Rinbault", **loyalty) == erp  # the email links them
    # Her CDP record shares nothing with either (no email, a mobile): two records hold the name, one customer.
    cdp = ingest(source_cdp, push, "cdp", "C1", "Rinbault", **AGNES_CDP | {"email": None})
    [candidate] = MatchCandidate.objects.all()
    assert {str(candidate.golden_a_id), str(candidate.golden_b_id)} == {erp, cdp}
    assert "the only two customers named agnes rinbault" in candidate.reason
    MatchCandidate.objects.all().delete()
    _rematch()  # rematch finds the same pair
    [candidate] = MatchCandidate.objects.all()
    assert {str(candidate.golden_a_id), str(candidate.golden_b_id)} == {erp, cdp}


def test_the_only_two_records_with_a_full_name_are_not_queued_when_their_score_says_two_people(
    source_erp, source_cdp, push
):
    ingest(source_erp, push, "erp", "E1", "Rinbault", **AGNES_ERP, birth_date="1964-02-03")
    ingest(source_cdp, push, "cdp", "C1", "Rinbault", **AGNES_CDP, birth_date="1971-09-30")
    assert GoldenRecord.objects.count() == 2 and MatchCandidate.objects.count() == 0


@pytest.mark.parametrize("by_rematch", [False, True], ids=["ingest", "rematch"])
def test_the_only_two_records_with_a_full_name_and_an_email_each_are_not_queued(
    source_erp, source_cdp, push, by_rematch
):
    # Another email on each (0.011, below NAMESAKE_FLOOR): one person with two mailboxes, or two people with the name,
    # which grows likelier as customers grow (matcher.NAMESAKE_FLOOR).
    ingest(source_erp, push, "erp", "E1", "Rinbault", **AGNES_ERP, email="a.rinbault@orange.fr")
    ingest(source_cdp, push, "cdp", "C1", "Rinbault", **AGNES_CDP)
    if by_rematch:
        _rematch()
    assert GoldenRecord.objects.count() == 2 and MatchCandidate.objects.count() == 0


@pytest.mark.parametrize("postcode_bits, queued", [(-2.0, True), (-6.0, False)])
@pytest.mark.parametrize("by_rematch", [False, True], ids=["ingest", "rematch"])
def test_the_only_two_records_with_a_full_name_are_not_queued_when_a_comparison_says_two_people(
    source_erp, source_cdp, push, by_rematch, postcode_bits, queued
):
    # Weights trained on data where one person's records hardly ever disagree on the postcode (FEBRL's): another
    # postcode says two people, whatever the pair scores (0.11 here, a prior of -14 bits).
    model = matching.Model.default("customer").as_dict()
    model["prior"] = -14.0
    model["levels"]["postal_code"][-1] = postcode_bits
    MatchSettings.objects.update_or_create(domain="customer", defaults={"model": model})
    ingest(source_erp, push, "erp", "E1", "Rinbault", **AGNES_ERP)
    ingest(source_cdp, push, "cdp", "C1", "Rinbault", **AGNES_CDP, postal_code="69001")
    if by_rematch:
        MatchCandidate.objects.all().delete()
        _rematch()
    assert GoldenRecord.objects.count() == 2
    assert MatchCandidate.objects.filter(reason__startswith="the only two customers").count() == int(queued)


def test_rematch_queues_the_only_two_records_with_a_full_name_and_not_once_rejected(
    source_erp, source_cdp, push, steward
):
    from stewardship import services

    erp = ingest(source_erp, push, "erp", "E1", "Rinbault", **AGNES_ERP)
    ingest(source_cdp, push, "cdp", "C1", "Rinbault", **AGNES_CDP)
    MatchCandidate.objects.all().delete()  # as if ingest had not seen it (records loaded before the rule)
    _rematch()
    [candidate] = MatchCandidate.objects.filter(status="pending")
    assert "the only two customers named agnes rinbault" in candidate.reason
    address = next(e for e in candidate.explanation if e["field"] == "address")
    erp_side = "a" if str(candidate.golden_a_id) == erp else "b"
    assert address[erp_side] == "115 pl carnot" and address["b" if erp_side == "a" else "a"] is None
    services.match_candidate_reject(candidate_id=candidate.pk, user=steward)
    _rematch()
    assert MatchCandidate.objects.filter(status="pending").count() == 0


def test_migrate_warns_while_stored_records_carry_an_older_engines_keys_until_refeature(source_cdp, push):
    push(source_cdp, "cdp", record("C1", given_name="Ann", family_name="Lee", email="ann@example.com"))
    push(source_cdp, "cdp", record("C2", family_name="Watingshaw", email="arthur.watingshaw@outlook.com"))
    assert database_checks() == []
    # As an engine before the given name read from the email left it: no name keys.
    BlockingKey.objects.filter(record__source_key="C2", key__startswith="nm:").delete()
    [warning] = database_checks()
    assert warning.id == "stewardship.W001" and warning.msg.startswith("1 of 2 sampled customer records")
    assert warning.hint == "Run: python manage.py rematch --domain customer --refeature"
    call_command("rematch", "--domain", "customer", "--refeature", "--here")
    assert database_checks() == []


def database_checks():
    """What ``manage.py check --database default`` (and migrate) reports of this check."""
    return [m for m in run_checks(databases=["default"], tags=["database"]) if m.id.startswith("stewardship.")]
