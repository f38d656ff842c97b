"""The decision policy: what a pair of golden records' scores mean, the same at ingest (one record against its
candidates, ``retrieval.BatchMatcher``) and in a rematch (the records of a block against each other,
``services.rematch``). Pure: scores in, verdicts and reasons out.

For a pair of golden records, ``best`` is the highest score between a record of one and a record of the other, and
``worst`` the lowest:

- at or above ``auto_link``, the pair is linked (a record joins the golden record, two golden records merge), unless
  one of its record pairs scores below ``CONTRADICTS`` (the contradiction rule): then it is queued for review;
- between ``review`` and ``auto_link``, it is queued for review;
- below ``review``, nothing, except under the full-name rule: the only two customers with a full name are queued
  when nothing says they are two people.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from .features import FAMILY_NAME, GIVEN_NAME
from .scoring import Score, two_people

# A golden record is joined (or merged) by itself only when every one of its records compared with the record could
# be the same person: one scoring below this (evidence against, such as another birth date, or nothing in common but
# what a namesake shares) sends the pair to a steward, however well another of its records fits. Chaining through one
# record is how a single false link merges two people's records. On the generated retail customers
# (bench/match_quality.py) the rule refuses 113 links, 11 of them between two people (the others are queued, not
# lost): the pairwise precision of the golden records that auto-links build goes from 0.995 to 0.998, their recall
# from 0.896 to 0.881.
CONTRADICTS = 0.01
# The only two customers with a full name (``matching.FULL_NAME_KEY``) are queued below review when their records
# under it score at least this and nothing says they are two people: no record of the golden record scores below
# CONTRADICTS, and no comparison of their records under the name counts more against them than a move
# (``matching.two_people``: another birth date does; with weights trained on FEBRL4, another postcode does, -6 bits,
# where two people with the name and another account score 0.012 in all). Two records with a rare name and nothing
# else in common score 0.03; another email on each 0.011, which the floor keeps out: on the generated retail customers
# (bench/match_quality.py) queueing those too would bring 132 more record pairs of one person and 12 of two people at
# 20,000 customers, but at 100,000 only 516 of one person for 311 of two people (names are shared by chance more often
# as customers grow), and in the demo, whose names are crowded, 158 candidates all of two people. At 0.02 the rule
# queues 229 record pairs, 227 of them one person; at 100,000 customers 997 (935), at 400,000 3,332 (2,861): its
# precision falls as customers grow too, from 0.99 to 0.86, and a steward's reject is remembered.
NAMESAKE_FLOOR = 0.02

BETWEEN = "score between review and auto-link thresholds"  # the reason of a candidate in the review band


class Verdict(Enum):
    LINK = "link"
    REVIEW = "review"


def judge(best: float, worst: float, *, auto_link: float, review: float) -> tuple[Verdict, str] | None:
    """What a pair of golden records' best and worst record scores say: link, review (with the reason), or nothing
    (None: below review; the full-name rule is ``namesakes_eligible``)."""
    if best >= auto_link:
        if worst < CONTRADICTS:
            return Verdict.REVIEW, contradiction(worst)
        return Verdict.LINK, ""
    if best >= review:
        return Verdict.REVIEW, BETWEEN
    return None


def namesakes_eligible(best: float, worst: float, *, review: float) -> bool:
    """Whether the full-name rule may queue the only two golden records with a full name: their records score below
    review (above it, ``judge`` decides) and none below ``CONTRADICTS``. It queues them unless one of their explained
    record pairs under the name is ``kept_apart``."""
    return best < review and worst >= CONTRADICTS


def kept_apart(score: Score) -> bool:
    """Whether an explained pair of namesakes stays apart under the full-name rule (``NAMESAKE_FLOOR``)."""
    return score.probability < NAMESAKE_FLOOR or two_people(score)


def only_namesakes(features: dict[str, Any]) -> str:
    """The reason two golden records scoring below review are queued (see ``matching.FULL_NAME_KEY``)."""
    name = f"{features[GIVEN_NAME]} {features[FAMILY_NAME]}"
    return f"the only two customers named {name}, and nothing says they are two people"


def contradiction(worst: float) -> str:
    """The reason a sure match is queued rather than linked (see ``CONTRADICTS``)."""
    return f"above the auto-link threshold, but another record of the golden record scores {worst:.3f} against it"
