"""Unsupervised weight estimation: on data with known duplicates it learns weights that separate them."""

import random

import numpy as np
import pytest

from stewardship import domains, matching
from stewardship.matching import blocking
from stewardship.matching.training import train

GIVEN = ["anna", "ben", "carla", "dmitri", "emma", "farid", "greta", "hugo", "ines", "jonas", "karin", "liam"]
FAMILY = ["keller", "novak", "moreau", "silva", "jensen", "kowalski", "rossi", "dubois", "meyer", "fischer"]


def _typo(rng, text):
    i = rng.randrange(len(text))
    return text[:i] + text[i + 1 :] if len(text) > 3 else text


def population(seed=7, people=400):
    """People with one to three records each; a third of the copies carry a typo or a missing value."""
    rng = random.Random(seed)
    records, entity = [], []
    for person in range(people):
        given = rng.choice(GIVEN)
        base = {
            "given_name": given,
            "family_name": rng.choice(FAMILY) + rng.choice(["", "son", "er", "i"]),
            "birth_date": f"19{rng.randint(40, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "postal_code": f"{rng.randint(10000, 10400)}",
            "email": f"{given}{person}@example.com",  # names the person: the email's top level
        }
        for _copy in range(rng.choice([1, 1, 2, 3])):
            rec = dict(base)
            if rng.random() < 0.3:
                rec["family_name"] = _typo(rng, rec["family_name"])
            if rng.random() < 0.2:
                rec.pop(rng.choice(["email", "birth_date", "postal_code"]))
            records.append(matching.features("customer", domains.read_attributes("customer", rec).usable))
            entity.append(person)
    return records, entity


def test_training_learns_weights_that_separate_duplicates():
    records, entity = population()
    left, right, _ = matching.pair_candidates("customer", records)
    model = train("customer", records, left, right, random_pairs=50_000)
    assert model.prior < -5  # any two records are very unlikely to match
    for field in ("given_name", "family_name", "birth_date", "email", "postal_code"):
        levels = model.levels[field]
        assert levels[0] > 3 and levels[-1] < 0, (field, levels)  # exact is for, different against
    probabilities = matching.score_pairs("customer", records, left, right, model=model)
    same = np.array([entity[i] == entity[j] for i, j in zip(left, right, strict=True)])
    predicted = probabilities >= 0.8
    precision = (predicted & same).sum() / predicted.sum()
    recall = (predicted & same).sum() / same.sum()
    assert precision > 0.98 and recall > 0.95, (precision, recall)


def test_a_model_round_trips_through_json_and_ignores_levels_it_does_not_know():
    model = matching.Model.default("customer")
    stored = model.as_dict()
    assert matching.Model.from_dict("customer", stored) == model
    stored["levels"]["given_name"] = [1.0, 2.0]  # trained on another engine version: default kept
    stored["levels"]["shoe_size"] = [1.0]
    again = matching.Model.from_dict("customer", stored)
    assert again.levels["given_name"] == model.levels["given_name"]
    assert "shoe_size" not in again.levels
    assert matching.Model.from_dict("customer", {}) == model


@pytest.mark.parametrize("domain", ["customer", "product"])
def test_every_kind_of_blocking_key_names_comparison_fields(domain):
    """Training leaves out, per kind of key, the fields the key is made of: a kind missing from KEY_FIELDS would not
    be trained on at all, and a field name that is not a comparison would leave nothing out."""
    records = (
        population()[0]
        if domain == "customer"
        else [
            matching.features("product", domains.read_attributes("product", a).usable)
            for a in (
                {"gtin": "5449000000996", "sku": "A-1", "brand": "Cola Co", "name": "Cola Zero 1L"},
                {"brand": "Cola Co"},
                {"name": "Cola Zero"},
            )
        ]
    )
    kinds = {key.split(":", 1)[0] for r in records for key in matching.blocking_keys(domain, r)}
    assert kinds <= set(blocking.KEY_FIELDS[domain]), kinds - set(blocking.KEY_FIELDS[domain])
    for fields in blocking.KEY_FIELDS[domain].values():
        assert set(fields) <= set(matching.FIELDS[domain])


def test_training_on_all_blocked_pairs_at_once_would_not_learn_evidence_against():
    """Pairs sharing a key agree on its fields whether they match or not; trained per kind of key, a different birth
    date or email comes out as clear evidence against (the duplicates here never differ there; the old single EM
    over all blocked pairs put both at -0.5 bits)."""
    records, entity = population()
    left, right, _ = matching.pair_candidates("customer", records)
    model = train("customer", records, left, right, random_pairs=50_000)
    assert model.levels["birth_date"][-1] < -3 and model.levels["email"][-1] < -3, model.levels


def _gtin(body: str) -> str:
    digits = [int(d) for d in body]
    check = (10 - sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits))) % 10) % 10
    return body + str(check)


def test_training_never_weakens_a_different_size_colour_or_gtin():
    """A product line's variants agree on brand and title and differ only in size and GTIN: EM takes them for
    duplicates and learns 'different size' as weak evidence (about -1 bit here). Another size or GTIN is another
    trade item by definition, so training keeps those levels at least as strong against as the engine's own."""
    rng = random.Random(3)
    nouns = ["shampoo", "olive oil", "coffee beans", "dish soap", "orange juice", "rice", "oat milk", "tea"]
    raw = []
    for line in range(120):
        brand = f"{rng.choice(FAMILY).title()} {rng.choice(['Foods', 'Home', 'Co', 'Kitchen'])}"
        noun = rng.choice(nouns)
        sizes = ["250 ml", "500 ml", "1 l", "1.5 l", "2 l", "5 l"]
        for size in rng.sample(sizes, 4):
            gtin = _gtin(f"400{line:04d}{sizes.index(size):05d}")
            raw.append({"brand": brand, "name": f"{brand} {noun} {size}", "gtin": gtin})
            if rng.random() < 0.3:  # the same item as another system holds it, without a GTIN
                raw.append({"brand": brand, "name": f"{noun.upper()} {size}"})
    records = [matching.features("product", domains.read_attributes("product", a).usable) for a in raw]
    left, right, _ = matching.pair_candidates("product", records)
    model = train("product", records, left, right, random_pairs=50_000)
    default = matching.Model.default("product")
    for field in ("gtin", "size"):
        assert model.levels[field][-1] <= default.levels[field][-1], (field, model.levels[field])
    assert model.levels["size"][0] != default.levels["size"][0]  # the rest is still learned


def test_household_keys_teach_nothing_of_a_given_name_or_birth_date():
    """Two people of one household share the address, postcode, landline and family name, and differ in given name and
    birth date: the pairs household keys bring are mostly such members, EM takes them for duplicates and learns a
    different given name or birth date as weak evidence against. Those two fields are learned from the other keys."""
    rng = random.Random(5)
    raw = []
    for home in range(300):
        family = rng.choice(FAMILY) + rng.choice(["", "son", "er", "i", "ova"])
        shared = {
            "family_name": family,
            "address_line1": f"{rng.randint(1, 99)} {rng.choice(FAMILY).title()} Street",
            "postal_code": f"{10000 + home}",
            "phone": f"+4420{7000_0000 + home * 7:08d}",
            "country": "GB",
        }
        for given in rng.sample(GIVEN, 2):
            person = shared | {
                "given_name": given,
                "birth_date": f"19{rng.randint(40, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "email": f"{given}.{family}{home}@example.com",
            }
            for _copy in range(rng.choice([1, 2])):
                raw.append(person if rng.random() < 0.5 else {k: v for k, v in person.items() if k != "email"})
    records = [matching.features("customer", domains.read_attributes("customer", a).usable) for a in raw]
    left, right, _ = matching.pair_candidates("customer", records)
    model = train("customer", records, left, right, random_pairs=50_000)
    assert model.levels["given_name"][-1] < -4 and model.levels["birth_date"][-1] < -4, model.levels
