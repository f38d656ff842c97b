"""Estimating a domain's weights from its own records: Fellegi-Sunter m and u probabilities, unsupervised.

- **u** (how often non-matches land on each level) from random pairs of records: almost all random pairs are
  non-matches.
- **m** (how often matches land on each level) by expectation-maximisation, once per kind of blocking key, starting
  from the engine's own table. The pairs a kind of key brings agree on the fields the key is made of (two records
  sharing "fp:" share a family-name code and a postcode) whether they match or not, so those fields say nothing
  there and are left out of that session, as Splink trains per blocking rule; a field's m is the mean over the
  sessions that estimated it. Trained on all blocked pairs at once, the non-matches that agree on a key's fields look
  too unlike random pairs, EM counts them as matches, and every "different" level comes out near zero.
- **the prior** from the share of matches among all blocked pairs under those m and u.

The result is a ``Model`` the scorer uses in place of the default table; the structure (levels, evidence against,
the household and location caps) stays the engine's. This is what Splink calls unsupervised training.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from .blocking import KEY_FIELDS, pair_candidates
from .comparisons import Comparison
from .features import Features
from .scoring import COMPARISONS, Model, columns, compare

MAX_BITS = 25.0
# Differences that are different things by definition, not by statistics: another GTIN, size or colour is another
# trade item (GS1 gives every variant its own GTIN). Unsupervised EM cannot learn that: a product line's variants
# agree on everything else, so EM takes them for matches and learns "different size" as weak evidence. Training may
# make these "different" levels stronger, never weaker. (A customer's given name or birth date can be mistyped in a
# duplicate: those stay learned.)
DEFINITIONAL = {"customer": (), "product": ("gtin", "size", "colour", "variant_size")}
# Keys a household shares (an address, a postcode, a landline, a family mailbox) bring its members together, and they
# agree on everything there but the person's own given name and birth date: EM takes them for matches and learns a
# different given name or birth date as weak evidence against (on generated retail customers -2.6 and -2.5 bits for
# the engine's -13 and -12; a trained model auto-linked at precision 0.928). Those fields are learned from the other
# keys' pairs only: -6.1 and -4.8 bits there, auto-link precision 0.951; FEBRL and RLdata10000 unchanged.
HOUSEHOLD_KEYS = {"customer": ("fp", "ap", "dp", "ph", "em"), "product": ()}
PERSONAL = {"customer": ("given_name", "birth_date"), "product": ()}
MIN_SESSION_PAIRS = 50  # fewer pairs under a kind of key than this teach nothing


def _level_counts(levels: np.ndarray, n_levels: int, weight: np.ndarray | None = None) -> np.ndarray:
    present = levels >= 0
    return np.bincount(levels[present], weights=None if weight is None else weight[present], minlength=n_levels)


def _bits(m: np.ndarray, u: np.ndarray) -> np.ndarray:
    return np.clip(np.log2(m / u), -MAX_BITS, MAX_BITS)


def _em(
    comparisons: Sequence[Comparison],
    levels: Mapping[str, np.ndarray],
    m: dict[str, np.ndarray],
    u: Mapping[str, np.ndarray],
    iterations: int,
    fixed: Collection[str] = (),
) -> np.ndarray:
    """Expectation-maximisation of ``m`` (in place) for the comparisons not in ``fixed``; returns the last
    posteriors."""
    free = [c for c in comparisons if c.field not in fixed]
    n = len(next(iter(levels.values())))
    share, posterior = 0.1, np.zeros(n)
    for _ in range(iterations):
        log2_odds = np.full(n, np.log2(share / (1 - share)))
        for c in free:
            log2_odds += np.append(_bits(m[c.field], u[c.field]), 0.0)[levels[c.field]]
        posterior = 1.0 / (1.0 + np.exp2(-np.clip(log2_odds, -60, 60)))
        for c in free:
            counts = _level_counts(levels[c.field], len(c.weights), posterior) + 1e-3
            m[c.field] = counts / counts.sum()
        share = float(np.clip(posterior.mean(), 1e-6, 1 - 1e-6))
    return posterior


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
    max_block_size: int = 1000,
) -> Model:
    """A model for ``domain`` estimated from ``records`` and their blocked candidate pairs (``left``, ``right``)."""
    rng = np.random.default_rng(seed)
    cols = columns(domain, records)
    comparisons = COMPARISONS[domain]
    default = Model.default(domain)

    def levels_of(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
        return compare(domain, {k: v[a] for k, v in cols.items()}, {k: v[b] for k, v in cols.items()})[0]

    def sample(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if len(a) <= max_pairs:
            return a, b
        pick = rng.choice(len(a), max_pairs, replace=False)
        return a[pick], b[pick]

    n = len(records)
    i = rng.integers(0, n, random_pairs)
    j = rng.integers(0, n, random_pairs)
    keep = i != j
    u_levels = levels_of(i[keep], j[keep])
    u = {}
    for c in comparisons:
        counts = _level_counts(u_levels[c.field], len(c.weights)) + 0.5  # never a zero u
        u[c.field] = counts / counts.sum()

    def start() -> dict[str, np.ndarray]:  # m where the default weights put it: m = u * 2^weight, normalised
        m = {}
        for c in comparisons:
            guess = u[c.field] * np.exp2(np.clip(default.levels[c.field], -MAX_BITS, MAX_BITS))
            m[c.field] = guess / guess.sum()
        return m

    estimates: dict[str, list[np.ndarray]] = {c.field: [] for c in comparisons}
    for kind, fields in KEY_FIELDS[domain].items():
        kind_left, kind_right = pair_candidates(domain, records, max_block_size=max_block_size, kinds={kind})[:2]
        if len(kind_left) < MIN_SESSION_PAIRS:
            continue
        levels = levels_of(*sample(kind_left, kind_right))
        m = start()
        _em(comparisons, levels, m, u, iterations, fixed=fields)
        for c in comparisons:
            if c.field in fields or (kind in HOUSEHOLD_KEYS[domain] and c.field in PERSONAL[domain]):
                continue
            if (levels[c.field] >= 0).any():
                estimates[c.field].append(m[c.field])

    weights = {}
    m = start()
    for c in comparisons:
        if estimates[c.field]:
            m[c.field] = np.mean(estimates[c.field], axis=0)
            learned = _bits(m[c.field], u[c.field])
            if c.field in DEFINITIONAL[domain]:
                learned[-1] = min(learned[-1], default.levels[c.field][-1])
            weights[c.field] = tuple(learned.tolist())
        else:  # no session saw the field: the engine's own weights
            weights[c.field] = default.levels[c.field]

    # The share of matches among all blocked pairs under these m and u, then the prior for any two records (u was
    # measured on random pairs): the expected number of matches over all n(n-1)/2 pairs.
    full = len(left)
    left, right = sample(left, right)
    levels = levels_of(left, right)
    base = np.zeros(len(left))
    for c in comparisons:
        base += np.append(_bits(m[c.field], u[c.field]), 0.0)[levels[c.field]]
    share, posterior = 0.1, np.zeros(len(left))
    for _ in range(iterations):
        posterior = 1.0 / (1.0 + np.exp2(-np.clip(base + np.log2(share / (1 - share)), -60, 60)))
        share = float(np.clip(posterior.mean(), 1e-6, 1 - 1e-6))
    matches = max(float(posterior.sum()) * full / max(len(left), 1), 1.0)
    prior = float(np.log2(matches / (n * (n - 1) / 2 - matches)))
    return Model(prior, weights)
