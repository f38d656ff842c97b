"""Comparisons: the type of a field comparison, and the level builders both domains' comparisons are made of.

A comparison puts each pair of records on one of its levels, most similar first ("exact", "one typo", ...,
"different"; -1 where a value is missing on either side), and gives the pair's similarity. It works on columns:
one object array per feature key, a pair per position, so one pair and a million go through the same code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

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


def _present(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != "") & (b != "")


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


def _levels(conditions: Sequence[np.ndarray], present: np.ndarray) -> np.ndarray:
    """The first level whose condition holds; the last level ("different") otherwise; -1 where a value is missing."""
    level = np.full(len(present), len(conditions))
    for i in range(len(conditions) - 1, -1, -1):  # the first condition wins: assigned last (np.select is slower)
        level[conditions[i]] = i
    level[~present] = -1
    return level


def _string_levels(
    key: str, thresholds: Sequence[float], scorer: Callable[..., float] = JaroWinkler.similarity
) -> Compare:
    def compare(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
        x, y = a[key], b[key]
        present = _present(x, y)
        exact = present & (x == y)
        sim = _similarity(scorer, x, y, present & ~exact)
        sim[exact] = 1.0
        sim[_digits_differ(x, y, present & ~exact & (sim >= min(thresholds, default=1)))] = 0.0
        return _levels([exact, *(sim >= t for t in thresholds)], present), sim

    return compare


def _edit_levels(key: str, max_distance: int = 1, *, sequential: bool = False) -> Compare:
    """Exact; within ``max_distance`` edits, a swap of two neighbours counting as one (a typo); different.

    ``sequential``: numbers handed out in sequence (account numbers): two that differ only in their last digit are
    neighbours, not a typo (a household's accounts, opened together, are D07003381 and D07003388)."""

    def compare(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
        x, y = a[key], b[key]
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
        return _levels([exact, dist <= max_distance], present), sim

    return compare


def _exact_or_absent(key: str) -> Compare:
    """Exact or different, for values that are categorical (a quantity, a colour, a size)."""

    def compare(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
        present = _present(a[key], b[key])
        exact = present & (a[key] == b[key])
        return _levels([exact], present), exact.astype(np.float64)

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
