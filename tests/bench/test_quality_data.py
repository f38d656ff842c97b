"""What the match-quality benchmark measures of a data set itself, whatever the matcher."""

from __future__ import annotations

from bench.quality_data import Dataset, pairs_from_entities


def dataset(records: list[dict], entities: list[str]) -> Dataset:
    return Dataset("hand-made", "customer", records, entities, pairs_from_entities(entities), "as written")


ANNA = {"given_name": "Anna", "family_name": "Müller", "country": "DE"}


def test_names_only_pairs_share_no_identifying_value():
    data = dataset(
        [
            ANNA | {"email": "anna@example.com"},
            ANNA | {"email": "ANNA@example.com", "postal_code": "10115"},  # the same email, written otherwise
            ANNA | {"postal_code": "80331"},  # nothing in common with the first, another postcode than the second
        ],
        ["p1", "p1", "p1"],
    )
    # pairs in key order: (0, 1), (0, 2), (1, 2)
    assert data.names_only.tolist() == [False, True, True]


def test_the_same_name_alone_counts_same_people_and_different_people():
    data = dataset(
        [
            ANNA | {"email": "anna@example.com"},
            ANNA | {"phone": "+4930123456"},  # the same Anna, nothing shared: found by the name alone
            {**ANNA, "given_name": "ANNA", "postal_code": "80331"},  # another Anna Müller
            ANNA | {"email": "anna@example.com", "birth_date": "1980-01-02"},  # the first again, the email shared
            {"given_name": "Anne", "family_name": "Müller"},  # another name: not compared
            {"family_name": "Müller"},  # no given name: not compared
        ],
        ["p1", "p1", "p2", "p1", "p3", "p4"],
    )
    # Anna Müller is held by records 0-3: six pairs, (0, 3) sharing the email. Same person: (0, 1), (1, 3);
    # different people: (0, 2), (1, 2), (2, 3).
    assert data.same_name_alone == (2, 3)
