"""Comparisons: the type of a field comparison, and the level builders both domains' comparisons are made of.

A comparison puts each pair of records on one of its levels, most similar first ("exact", "one typo", ...,
"different"; -1 where a value is missing on either side), and gives the pair's similarity. It works on columns:
one object array per feature key, a pair per position, so one pair and a million go through the same code.

Levels are named: each comparison's levels are an ``IntEnum`` (most similar first, "different" last) from which both
its compare function and its labels and weights are built (``Comparison.by_level``). The labels are what stewards
see and what explanations store: code never looks a level up by its label.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import TypeVar

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA, JaroWinkler

Columns = Mapping[str, np.ndarray]  # feature key -> object array of values ("" where missing)
Compare = Callable[[Columns, Columns], tuple[np.ndarray, np.ndarray]]  # -> (level, similarity); level -1: missing


@dataclass(frozen=True)
class Comparison:
    """How one field of two records compares: the levels a pair can land on, their weights, and the function that puts
    pairs on them."""

    field: str  # what stewards see, and the key of a configurable weight
    shows: tuple[str, ...]  # the feature keys shown as the pair's values
    labels: tuple[str, ...]  # level names, most similar first
    weights: tuple[float, ...]  # bits per level
    compare: Compare
    group: str = ""  # "location" or "household": capped together
    personal: tuple[int, ...] = ()  # levels that say something of the person alone: counted outside the group

    @classmethod
    def by_level(
        cls,
        field: str,
        shows: tuple[str, ...],
        levels: Mapping[IntEnum, tuple[str, float]],
        compare: Compare,
        *,
        group: str = "",
        personal: Collection[IntEnum] = (),
    ) -> Comparison:
        """A comparison from its named levels: ``levels`` gives each level of one ``IntEnum``, all of them and in
        their order (most similar first), its label and its weight in bits."""
        named = list(levels)
        if not named or named != list(type(named[0])) or [int(level) for level in named] != list(range(len(named))):
            raise ValueError(f"{field}: the levels must be all of one IntEnum's, numbered 0, 1, 2, ... in order")
        labels = tuple(label for label, _ in levels.values())
        weights = tuple(weight for _, weight in levels.values())
        return cls(field, shows, labels, weights, compare, group, tuple(int(level) for level in personal))


Level = TypeVar("Level", bound=IntEnum)  # one comparison's levels


class SameLevel(IntEnum):
    """The levels of a comparison of categorical values (``_exact_or_absent``)."""

    SAME = 0
    DIFFERENT = 1


class SimilarLevel(IntEnum):
    """The levels of ``_string_levels``."""

    EXACT = 0
    SIMILAR = 1  # the similarity at or above the comparison's threshold
    DIFFERENT = 2


class EditLevel(IntEnum):
    """The levels of ``_edit_levels``."""

    EXACT = 0
    TYPO = 1  # within the comparison's edits of each other
    DIFFERENT = 2


def _present(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    both: np.ndarray = (a != "") & (b != "")
    return both


def _similarity(scorer: Callable[..., float], a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
    sim = np.zeros(len(a), dtype=np.float64)
    if mask.any():
        sim[mask] = process.cpdist(a[mask], b[mask], scorer=scorer, workers=1)
    return sim


def _digits_differ(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Where two similar strings carry different numbers ("ann1@x.com" / "ann2@x.com"): not a typo."""
    differ = np.zeros(len(a), dtype=bool)
    for i in np.flatnonzero(mask):
        differ[i] = _DIGITS.sub("", a[i]) != _DIGITS.sub("", b[i])
    return differ


_DIGITS = re.compile(r"\D")


def _levels(conditions: dict[Level, np.ndarray], present: np.ndarray, otherwise: Level) -> np.ndarray:
    """Each pair's level: the first of ``conditions`` (level -> where it holds, most similar first) that holds;
    ``otherwise`` (the comparison's "different") where none does; -1 where a value is missing."""
    level = np.full(len(present), int(otherwise))
    # The first condition wins: assigned last (np.select is slower).
    for named, condition in reversed(conditions.items()):
        level[condition] = named
    level[~present] = -1
    return level


def _string_match(
    x: np.ndarray, y: np.ndarray, threshold: float, scorer: Callable[..., float] = JaroWinkler.similarity
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where both values are present, where they are equal, and their similarity by ``scorer``: 1 where equal, 0 where
    two values similar at ``threshold`` or above carry different numbers."""
    present = _present(x, y)
    exact = present & (x == y)
    sim = _similarity(scorer, x, y, present & ~exact)
    sim[exact] = 1.0
    sim[_digits_differ(x, y, present & ~exact & (sim >= threshold))] = 0.0
    return present, exact, sim


def _string_levels(key: str, threshold: float, scorer: Callable[..., float] = JaroWinkler.similarity) -> Compare:
    """Exact; similar by ``scorer`` at ``threshold`` or above; different (``SimilarLevel``)."""

    def compare(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
        present, exact, sim = _string_match(a[key], b[key], threshold, scorer)
        conditions = {SimilarLevel.EXACT: exact, SimilarLevel.SIMILAR: sim >= threshold}
        return _levels(conditions, present, SimilarLevel.DIFFERENT), sim

    return compare


def _edits(
    x: np.ndarray, y: np.ndarray, max_distance: int = 1, *, sequential: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where both values are present, where they are equal, their similarity, and where they are within
    ``max_distance`` edits of each other, a swap of two neighbours counting as one (a typo).

    ``sequential``: numbers handed out in sequence (account numbers): two that differ only in their last digit are
    neighbours, not a typo (a household's accounts, opened together, are D07003381 and D07003388)."""
    present = _present(x, y)
    exact = present & (x == y)
    sim = _similarity(OSA.normalized_similarity, x, y, present & ~exact)
    sim[exact] = 1.0
    dist = np.full(len(x), 99)
    typo = present & ~exact
    if typo.any():
        dist[typo] = process.cpdist(x[typo], y[typo], scorer=OSA.distance, workers=1)
    if sequential:
        for i in np.flatnonzero(typo & (dist <= max_distance)):
            p, q = x[i], y[i]
            if len(p) == len(q) and p[:-1] == q[:-1] and p[-1:].isdigit() and q[-1:].isdigit():
                dist[i] = 99
    return present, exact, sim, dist <= max_distance


def _edit_levels(key: str, max_distance: int = 1, *, sequential: bool = False) -> Compare:
    """Exact; within ``max_distance`` edits (a typo); different (``EditLevel``). ``sequential``: see ``_edits``."""

    def compare(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
        present, exact, sim, typo = _edits(a[key], b[key], max_distance, sequential=sequential)
        return _levels({EditLevel.EXACT: exact, EditLevel.TYPO: typo}, present, EditLevel.DIFFERENT), sim

    return compare


def _exact_or_absent(key: str) -> Compare:
    """Exact or different, for values that are categorical (a quantity, a colour, a size): ``SameLevel``."""

    def compare(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
        present = _present(a[key], b[key])
        exact = present & (a[key] == b[key])
        return _levels({SameLevel.SAME: exact}, present, SameLevel.DIFFERENT), exact.astype(np.float64)

    return compare


def _one_typo(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """One letter wrong, missing, extra or two neighbours swapped, in names of four letters or more (a digit is not a
    letter: "Lee1" / "Lee11" are two names)."""
    typo = np.zeros(len(x), dtype=bool)
    index = np.flatnonzero(mask & ~_digits_differ(x, y, mask))
    index = index[np.fromiter((min(len(x[i]), len(y[i])) >= 4 for i in index), bool, len(index))]
    if len(index):
        typo[index] = process.cpdist(x[index], y[index], scorer=OSA.distance, score_cutoff=1, workers=1) <= 1
    return typo
