"""Splink (unsupervised Fellegi-Sunter on DuckDB) on the same customer records, as the open-source peer.

A competent configuration, the one the Splink tutorials teach, chosen from the columns a data set has:

- input: the same usable attributes Steward matches on, lightly cleaned the way a Splink user would
  (``quality_data.comparable``: names folded to lower case without accents, email in its canonical form, postcode
  without spaces);
- blocking for prediction on several fields: email; phone; account number; given + family name; family name +
  postcode; given name + postcode; birth date;
- comparisons: given and family name with Jaro-Winkler levels (0.92 / 0.88 / 0.7) and term-frequency adjustments,
  birth date (exact, one character, a month, a year, ten years), email (exact, user name, Jaro-Winkler), phone exact,
  postcode exact (term frequencies), city and first address line Jaro-Winkler, account number exact or one edit away;
- training: the prior from deterministic rules (given name + birth date, family name + birth date, email, account
  number; recall 0.8), u by random sampling (5 million pairs, fixed seed), m by expectation maximisation over three
  blocking rules (first two letters of both names; birth date; email, or postcode where there is none); then every
  blocked pair is scored.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass

import numpy as np

from bench.quality_data import Dataset, comparable, pair_keys

SPLINK_COLUMNS = (
    "given_name",
    "family_name",
    "birth_date",
    "email",
    "phone",
    "postal_code",
    "city",
    "address_line1",
    "erp_account_number",
)


@dataclass
class SplinkRun:
    pair_keys: np.ndarray  # every pair its blocking rules produced
    probabilities: np.ndarray  # Splink's match_probability of each
    seconds: float
    columns: list[str]


def run_splink(dataset: Dataset, *, seed: int = 1) -> SplinkRun:
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    frame = pd.DataFrame([comparable(r) for r in dataset.records], columns=list(SPLINK_COLUMNS))
    frame.insert(0, "unique_id", np.arange(dataset.n, dtype=np.int64))
    have = [c for c in SPLINK_COLUMNS if frame[c].notna().any()]
    frame = frame[["unique_id", *have]]

    comparisons = {
        "given_name": cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        "family_name": cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
        "birth_date": cl.DateOfBirthComparison("birth_date", input_is_string=True),
        "email": cl.EmailComparison("email"),
        "phone": cl.ExactMatch("phone"),
        "postal_code": cl.ExactMatch("postal_code").configure(term_frequency_adjustments=True),
        "city": cl.JaroWinklerAtThresholds("city", [0.9]),
        "address_line1": cl.JaroWinklerAtThresholds("address_line1", [0.9, 0.7]),
        "erp_account_number": cl.LevenshteinAtThresholds("erp_account_number", [1]),
    }
    blocking = [
        cols
        for cols in (
            ("email",),
            ("phone",),
            ("erp_account_number",),
            ("given_name", "family_name"),
            ("family_name", "postal_code"),
            ("given_name", "postal_code"),
            ("birth_date",),
        )
        if all(c in have for c in cols)
    ]
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[block_on(*cols) for cols in blocking],
        comparisons=[comparisons[c] for c in have],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    logging.getLogger("splink").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        db_api = DuckDBAPI()
        linker = Linker(db_api.register(frame), settings, log_level=logging.ERROR)
        # the prior from rules that rarely join two people (recall 0.8: each misses the duplicates with an error
        # in one of its fields); u from random pairs; m by EM on blocks that leave the other fields free
        prior_rules = [("given_name", "birth_date"), ("family_name", "birth_date"), ("email",), ("erp_account_number",)]
        deterministic = [block_on(*cols) for cols in prior_rules if all(c in have for c in cols)]
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
        linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=seed)
        em_blocks = [block_on("substr(given_name, 1, 2)", "substr(family_name, 1, 2)")]
        if "birth_date" in have:
            em_blocks.append(block_on("birth_date"))
        if "email" in have:
            em_blocks.append(block_on("email"))
        elif "postal_code" in have:
            em_blocks.append(block_on("postal_code"))
        for rule in em_blocks:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        predictions = linker.inference.predict().as_pandas_dataframe()
    keys = pair_keys(dataset.n, predictions["unique_id_l"].to_numpy(), predictions["unique_id_r"].to_numpy())
    probabilities = predictions["match_probability"].to_numpy(dtype=np.float64)
    return SplinkRun(keys, probabilities, time.perf_counter() - started, have)
