"""Estimating a domain's weights from its own records: Fellegi-Sunter m and u probabilities, unsupervised.

- **u** (how often non-matches land on each level) from random pairs of records: almost all random pairs are
  non-matches.
- **m** (how often matches land on each level) and the share of matches among blocked pairs by
  expectation-maximisation over the candidate pairs blocking produces, starting from the engine's own table.

The result is a ``Model`` the scorer uses in place of the default table; the structure (levels, evidence against,
the household and location caps) stays the engine's. This is what Splink calls unsupervised training.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .engine import COMPARISONS, Features, Model, _columns, _compare

MAX_BITS = 25.0


def _level_counts(levels: np.ndarray, n_levels: int, weight: np.ndarray | None = None) -> np.ndarray:
    present = levels >= 0
    return np.bincount(levels[present], weights=None if weight is None else weight[present], minlength=n_levels)


def train(
    domain: str,
    records: Sequence[Features],
    left: np.ndarray,
    right: np.ndarray,
    *,
    random_pairs: int = 300_000,
    iterations: int = 30,
    seed: int = 0,
    max_pairs: int = 2_000_000,
) -> Model:
    """A model for ``domain`` estimated from ``records`` and their blocked candidate pairs (``left``, ``right``)."""
    rng = np.random.default_rng(seed)
    cols = _columns(domain, records)
    comparisons = COMPARISONS[domain]
    default = Model.default(domain)

    n = len(records)
    i = rng.integers(0, n, random_pairs)
    j = rng.integers(0, n, random_pairs)
    keep = i != j
    u_levels, _ = _compare(domain, {k: v[i[keep]] for k, v in cols.items()}, {k: v[j[keep]] for k, v in cols.items()})
    u = {}
    for c in comparisons:
        counts = _level_counts(u_levels[c.field], len(c.weights)) + 0.5  # never a zero u
        u[c.field] = counts / counts.sum()

    full = len(left)
    if len(left) > max_pairs:
        pick = rng.choice(len(left), max_pairs, replace=False)
        left, right = left[pick], right[pick]
    levels, _ = _compare(domain, {k: v[left] for k, v in cols.items()}, {k: v[right] for k, v in cols.items()})

    # Start m where the default weights put it: m = u * 2^weight, normalised.
    m = {}
    for c in comparisons:
        start = u[c.field] * np.exp2(np.clip(default.levels[c.field], -MAX_BITS, MAX_BITS))
        m[c.field] = start / start.sum()
    share = 0.1
    for _ in range(iterations):
        log2_odds = np.full(len(left), np.log2(share / (1 - share)))
        for c in comparisons:
            table = np.append(np.log2(m[c.field] / u[c.field]), 0.0)
            log2_odds += table[levels[c.field]]
        posterior = 1.0 / (1.0 + np.exp2(-np.clip(log2_odds, -60, 60)))
        for c in comparisons:
            counts = _level_counts(levels[c.field], len(c.weights), posterior) + 1e-3
            m[c.field] = counts / counts.sum()
        share = float(np.clip(posterior.mean(), 1e-6, 1 - 1e-6))

    # The prior is for any two records (u was measured on random pairs), not for blocked pairs: the expected number
    # of matches over all n(n-1)/2 pairs.
    matches = max(float(posterior.sum()) * full / len(left), 1.0)
    prior = float(np.log2(matches / (n * (n - 1) / 2 - matches)))
    weights = {
        c.field: tuple(np.clip(np.log2(m[c.field] / u[c.field]), -MAX_BITS, MAX_BITS).tolist()) for c in comparisons
    }
    return Model(prior, weights)
