import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from stewardship.matching.policy import BETWEEN

BEFORE = [("stewardship", "0008_fk_indexes_covered_by_unique")]
AFTER = [("stewardship", "0009_candidate_reason_filled")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_candidates_stored_without_a_reason_get_the_review_band_reason():
    try:
        apps = migrate(BEFORE)
        golden = apps.get_model("stewardship", "GoldenRecord")
        candidate = apps.get_model("stewardship", "MatchCandidate")
        a, b = (golden.objects.create(id=uuid.uuid4(), domain="customer") for _ in range(2))
        blank = candidate.objects.create(domain="customer", golden_a=a, golden_b=b, score=0.9, reason="")
        other = candidate.objects.create(domain="customer", golden_a=b, golden_b=a, score=0.99, reason="fits 2 ...")
        apps = migrate(AFTER)
        candidate = apps.get_model("stewardship", "MatchCandidate")
        assert candidate.objects.get(pk=blank.pk).reason == BETWEEN
        assert candidate.objects.get(pk=other.pk).reason == "fits 2 ..."
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
