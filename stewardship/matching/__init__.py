"""The matching engine: normalisers, blocking keys, comparators, scoring and explanations.

Pure functions on plain dicts: no ORM, no Django settings. The database side (``retrieval``, the one module of the
package that reads the database, and ``stewardship.services``) calls only what this module exports:

- ``features(domain, attributes) -> Features``: normalised comparison features of one record's usable attributes.
- ``blocking_keys(domain, features) -> list[str]``: the keys under which the record is filed; two records are
  compared only when they share at least one key. Keys are short strings (at most 200 characters), prefixed by
  their kind (``"em:"``, ``"ph:"``, ...).
- ``score(domain, a, b) -> Score``: how likely two records describe the same real customer or product; the
  match probability in [0, 1] and a per-field explanation.
- ``score_many(domain, a, others) -> list[Score]``: the same against many records at once (batch scoring).
- ``pair_candidates`` and ``score_pairs``: in-memory deduplication of a whole set (benchmarks, bulk loads);
  ``full_name_blocks``: the records under each full-name key (``FULL_NAME_KEY``); ``two_people``: whether an
  explained pair has a comparison that says it is two people, whatever the score.

Every scoring function takes ``weights``: per-field multipliers (``MatchSettings.weights``); ``FIELDS`` lists the
fields by domain.

Inside: ``normalise`` and ``nicknames`` (values made comparable), ``features`` (a record's comparable form, by
named feature keys), ``blocking`` (the keys it is filed under), ``comparisons`` (the comparison type and the level
builders), ``customers`` and ``products`` (each domain's comparisons, their named levels and the domain's own caps),
``scoring`` (the model, its caps and the explanations, the same for both domains) and ``training`` (weights
estimated from a domain's own records).
"""

from .blocking import FULL_NAME_KEY, block_limit, blocking_keys, full_name_blocks, pair_candidates
from .features import Features, features
from .scoring import (
    COMPARISONS,
    FIELDS,
    FieldExplanation,
    Model,
    Score,
    score,
    score_many,
    score_pairs,
    two_people,
)

__all__ = [
    "COMPARISONS",
    "FIELDS",
    "FULL_NAME_KEY",
    "Features",
    "FieldExplanation",
    "Model",
    "Score",
    "block_limit",
    "blocking_keys",
    "features",
    "full_name_blocks",
    "pair_candidates",
    "score",
    "score_many",
    "score_pairs",
    "two_people",
]
