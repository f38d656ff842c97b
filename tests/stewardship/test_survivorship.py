"""Survivorship on plain data: owners in priority, fallbacks, steward locks."""

from datetime import UTC, datetime

from stewardship.survivorship import Candidate, Lock, Rule, diff, survive


def at(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


RULES = {
    "email": Rule(owners=("cdp", "commerce", "loyalty", "erp"), fallback="most_recent"),
    "erp_account_number": Rule(owners=("erp",), fallback="none"),
    "city": Rule(owners=("erp", "cdp"), fallback="most_recent"),
}


def test_owner_priority_beats_recency():
    attrs, prov = survive(
        "customer",
        [
            Candidate("cdp", "c1", at(1), {"email": "cdp@example.com"}),
            Candidate("erp", "e1", at(9), {"email": "erp@example.com"}),
        ],
        RULES,
    )
    assert attrs["email"] == "cdp@example.com"
    assert prov["email"] == {"source": "cdp", "source_key": "c1", "updated_at": "2026-01-01T00:00:00Z"}


def test_owner_only_attribute_ignores_other_sources():
    attrs, _ = survive("customer", [Candidate("cdp", "c1", at(5), {"erp_account_number": "X"})], RULES)
    assert "erp_account_number" not in attrs


def test_fallback_most_recent_when_no_owner_has_a_value():
    attrs, prov = survive(
        "customer",
        [Candidate("pos", "p1", at(1), {"city": "Lyon"}), Candidate("loyalty", "l1", at(3), {"city": "Paris"})],
        RULES,
    )
    assert attrs["city"] == "Paris" and prov["city"]["source"] == "loyalty"


def test_most_complete_fallback_picks_the_fullest_record():
    rules = {"name": Rule(owners=(), fallback="most_complete")}
    attrs, _ = survive(
        "product",
        [
            Candidate("commerce", "a", at(9), {"name": "Tee"}),
            Candidate("pos", "b", at(1), {"name": "Organic Tee", "brand": "Acme", "price": "9.00"}),
        ],
        rules,
    )
    assert attrs["name"] == "Organic Tee"


def test_lock_overrides_every_source():
    attrs, prov = survive(
        "customer",
        [Candidate("cdp", "c1", at(1), {"email": "cdp@example.com"})],
        RULES,
        {"email": Lock("steward@example.com", "stella", at(2))},
    )
    assert attrs["email"] == "steward@example.com"
    assert prov["email"]["source"] == "steward" and prov["email"]["user"] == "stella"


def test_diff_lists_only_changes():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": 4}) == {
        "b": {"before": 2, "after": 3},
        "c": {"before": None, "after": 4},
    }
