"""How the match-quality benchmark counts what the engine links and queues."""

from __future__ import annotations

from bench.match_quality import Thresholds, at_threshold, golden_candidates, queued_below_review, run_engine
from bench.quality_data import Dataset, pairs_from_entities

AGNES = {"given_name": "Agnes", "family_name": "Rinbault", "country": "FR"}
ANN = {"given_name": "Ann", "family_name": "Lee", "country": "GB"}


def test_the_pairs_ingest_queues_below_review_count_as_review_candidates():
    records = [
        AGNES | {"address_line1": "115 place Carnot", "postal_code": "75017"},
        AGNES | {"email": "agnes.rinbault64@free.fr"},  # the same Agnes, nothing shared: 0.03, the only two Agnes
        ANN | {"email": "ann@example.com"},
        ANN | {"email": "ann@example.com", "phone": "+447700900123"},  # the same Ann: the email links her
        ANN | {"postal_code": "N1 9GU"},  # a third Ann Lee: not the only two, not queued
        ANN | {"phone": "+447700900999"},
    ]
    entities = ["agnes", "agnes", "ann", "ann", "ann2", "ann3"]
    data = Dataset("hand-made", "customer", records, entities, pairs_from_entities(entities), "as written")
    t = Thresholds(review=0.8, auto_link=0.97)
    engine = run_engine(data, 1000, t)
    assert queued_below_review(engine, t, engine.is_true) == 1 and queued_below_review(engine, t, ~engine.is_true) == 0
    at_review = at_threshold(engine, len(data.true_pairs), t.review, review=True)
    assert at_review["true_positives"] == 2 and at_review["recall"] == 1.0
    assert at_threshold(engine, len(data.true_pairs), 0.5)["true_positives"] == 1  # below review: not taken
    # Stewards see one candidate per pair of golden records: Agnes's two.
    assert golden_candidates(data.n, engine, t) == {"candidates": 1, "one_person": 1}


def test_stewards_see_one_candidate_per_pair_of_golden_records_however_many_record_pairs_join_them():
    anna = {"given_name": "Anna", "family_name": "Weber", "country": "DE", "birth_date": "1971-03-02"}
    records = [
        anna | {"email": "anna.weber@web.de", "phone": "+491701234567"},
        anna | {"email": "anna.weber@web.de", "phone": "+491701234567", "postal_code": "10115"},  # linked: the same
        anna | {"given_name": "Anne", "email": "a.weber@gmx.de", "phone": "+491705555555"},  # 0.92 against each
        anna | {"given_name": "Hanna", "family_name": "Becker", "phone": "+491709999999"},  # apart
    ]
    entities = ["anna", "anna", "anna", "hanna"]
    data = Dataset("hand-made", "customer", records, entities, pairs_from_entities(entities), "as written")
    t = Thresholds(review=0.8, auto_link=0.97)
    engine = run_engine(data, 1000, t)
    in_review = engine.reviewed(t.review) & (engine.scores < t.auto_link)
    assert int(in_review.sum()) == 2  # Anne against each of Anna's two records
    assert golden_candidates(data.n, engine, t) == {"candidates": 1, "one_person": 1}
