"""How the match-quality benchmark counts what the engine links and queues."""

from __future__ import annotations

from bench.match_quality import Thresholds, evaluate, run_engine
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
    result = evaluate(data, run_engine(data, 1000), t)
    assert result["mdm"]["queued_by_full_name"] == 1 and result["mdm"]["queued_by_full_name_false"] == 0
    assert result["at_review"]["true_positives"] == 2 and result["at_review"]["recall"] == 1.0
    assert result["at_0.5"]["true_positives"] == 1  # a threshold below review does not take it
    assert result["mdm"]["review_queue"] == 1 and result["golden_auto_review"]["recall"] == 1.0
