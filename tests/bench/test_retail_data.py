"""The generated retail benchmark data: deterministic for a seed, readable by ingest, and carrying its hard cases."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from bench.retail_data import CUSTOMER_CASES, PRODUCT_CASES, RetailData, generate
from stewardship import domains
from stewardship.matching import nicknames

ROOT = Path(__file__).resolve().parents[2]
DIGEST = """
import hashlib, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stewardship.settings")
os.environ.setdefault("STEWARD_DEV", "1")
django.setup()
from bench.retail_data import generate
data = generate(customers=1500, products=600, seed=11)
rows = [(r.source, r.source_key, r.entity, r.group, r.cases, sorted(r.attributes.items()))
        for r in data.customers + data.products]
print(hashlib.sha256(repr(rows).encode()).hexdigest())
"""


def digest(data: RetailData) -> str:
    rows = [
        (r.source, r.source_key, r.entity, r.group, r.cases, sorted(r.attributes.items()))
        for r in data.customers + data.products
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def data() -> RetailData:
    return generate(customers=4000, products=1500, seed=3)


def fold(text: str) -> str:
    return " ".join(domains.read_attributes("customer", {"given_name": text}).usable["given_name"].lower().split())


def test_it_is_the_same_for_the_same_seed_whatever_the_hash_seed():
    here = digest(generate(customers=1500, products=600, seed=11))
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(ROOT)}
        run = subprocess.run([sys.executable, "-c", DIGEST], env=env, cwd=ROOT, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip() == here
    assert digest(generate(customers=1500, products=600, seed=12)) != here


def test_it_emits_the_asked_number_of_records_that_ingest_reads_without_errors(data):
    assert len(data.customers) == 4000
    assert 1400 <= len(data.products) <= 1500
    for domain, records in (("customer", data.customers), ("product", data.products)):
        assert len({(r.source, r.source_key) for r in records}) == len(records)
        for r in records:
            assert domains.read_attributes(domain, r.attributes).errors == {}, r


def test_it_emits_every_hard_case(data):
    assert {c for r in data.customers for c in r.cases} == set(CUSTOMER_CASES)
    assert {c for r in data.products for c in r.cases} == set(PRODUCT_CASES)


def by_entity(records):
    grouped = defaultdict(list)
    for r in records:
        grouped[r.entity].append(r)
    return grouped


def test_households_and_twins_look_alike_but_are_different_people(data):
    by_group = defaultdict(list)
    for r in data.customers:
        if "household" in r.cases:
            by_group[r.group].append(r)
    same_address = twins = 0
    for members in by_group.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if a.entity == b.entity:
                    continue
                if a.attributes.get("postal_code") and a.attributes.get("postal_code") == b.attributes.get(
                    "postal_code"
                ):
                    same_address += 1
                if "twin" in a.cases and "twin" in b.cases:
                    born_a, born_b = a.attributes.get("birth_date"), b.attributes.get("birth_date")
                    twins += bool(born_a and born_a == born_b)
                    assert fold(a.attributes.get("given_name") or "x") != fold(b.attributes.get("given_name") or "y")
    assert same_address > 50
    assert twins > 0


def test_nicknames_come_from_the_engines_table_and_names_change_on_marriage(data):
    nickname_pairs = name_changes = 0
    for records in by_entity(data.customers).values():
        for a in records:
            for b in records:
                given_a, given_b = a.attributes.get("given_name"), b.attributes.get("given_name")
                if "nickname" in a.cases and given_a and given_b and fold(given_a) != fold(given_b):
                    nickname_pairs += nicknames.are_nicknames(fold(given_a), fold(given_b))
                family_a, family_b = fold(a.attributes["family_name"]), fold(b.attributes["family_name"])
                if "name_change" in a.cases and "name_change" not in b.cases and family_b not in family_a:
                    name_changes += 1
    assert nickname_pairs > 20
    assert name_changes > 5


def test_names_are_spread_as_a_countrys_names_are(data):
    """The most common family name about as frequent as Smith, Müller or Martin, and a long tail: unrelated customers
    share a full name about as rarely as real people do, so a shared name is worth what it is worth in real data."""
    people = {r.entity: r.attributes for r in data.customers if r.attributes.get("country")}
    family, full = defaultdict(Counter), defaultdict(Counter)
    for attributes in people.values():
        name = fold(attributes["family_name"])
        family[attributes["country"]][name] += 1
        given = attributes.get("given_name")
        full[attributes["country"]][(fold(given) if given else None, name)] += 1
    assert set(family) == {"GB", "DE", "FR"}
    for country, counts in family.items():
        size = sum(counts.values())
        assert counts.most_common(1)[0][1] / size < 0.025, country  # was 14 % (one Smith in seven)
        assert len(counts) > size / 4, country
        namesakes = sum(n * (n - 1) // 2 for n in full[country].values())
        assert namesakes / (size * (size - 1) / 2) < 1e-4, country  # was 6-10 in 10,000 pairs of people


def canonical_email(email: str) -> str:
    local, _, host = email.lower().rpartition("@")
    local = local.split("+", 1)[0]
    if host in ("gmail.com", "googlemail.com"):
        local, host = local.replace(".", ""), "gmail.com"
    return f"{local}@{host}"


def test_email_and_phone_variants_are_the_same_address_and_number(data):
    same_email = same_phone = 0
    for records in by_entity(data.customers).values():
        emails = [r.attributes["email"] for r in records if r.attributes.get("email")]
        if len(set(emails)) > 1 and len({canonical_email(e) for e in emails}) == 1:
            same_email += 1
        with_country = [r.attributes for r in records if r.attributes.get("phone") and r.attributes.get("country")]
        phones = [a["phone"] for a in with_country]
        e164 = {
            domains.read_attributes("customer", {k: a[k] for k in ("phone", "country")}).usable.get("phone")
            for a in with_country
        }
        if len(set(phones)) > 1 and len(e164) == 1:
            same_phone += 1
    assert same_email > 50
    assert same_phone > 100


def test_products_carry_gtins_in_12_13_and_14_digits_and_variants_of_one_family(data):
    lengths = {len(r.attributes["gtin"]) for r in data.products if r.attributes.get("gtin")}
    assert {12, 13, 14} <= lengths
    written_differently = sum(
        len({r.attributes.get("gtin") for r in records if r.attributes.get("gtin")}) > 1
        for records in by_entity(data.products).values()
    )
    assert written_differently > 20
    entities_per_family = defaultdict(set)
    for r in data.products:
        entities_per_family[r.group].add(r.entity)
    assert sum(len(e) > 1 for e in entities_per_family.values()) > 10
