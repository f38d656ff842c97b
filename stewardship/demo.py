"""Generated demo data: customers as an ERP, a CDP, a loyalty programme and a commerce platform would send them —
with the duplicates and variations real data has — plus products and consent events.

Deterministic for a given seed, so loading it twice changes nothing the second time. Also used by the benchmarks.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

GIVEN = (
    "Emma Olivia Ava Sophia Isabella Mia Amelia Harper Evelyn Abigail Emily Elizabeth Sofia Ella Madison Scarlett "
    "Victoria Grace Chloe Camila Liam Noah William James Oliver Benjamin Lucas Henry Alexander Mason Michael Ethan "
    "Daniel Jacob Logan Jackson Sebastian Jack Aiden Owen Samuel Matthew Joseph Levi David John Wyatt Robert Thomas "
    "Lena Hannah Lea Marie Anna Lukas Leon Finn Jonas Paul Chloé Léa Manon Camille Zoé Hugo Louis Gabriel Raphaël "
    "Arthur Jules Adam Noé Élodie Margaux Sébastien Jérôme François Zoë Björn Jürgen Sören Maël"
).split()
NICKNAMES = {
    "Elizabeth": "Liz",
    "Robert": "Bob",
    "William": "Bill",
    "Michael": "Mike",
    "Alexander": "Alex",
    "Benjamin": "Ben",
    "Samuel": "Sam",
    "Matthew": "Matt",
    "Joseph": "Joe",
    "Daniel": "Dan",
    "Thomas": "Tom",
    "Abigail": "Abby",
    "Victoria": "Vicky",
    "Isabella": "Bella",
}
FAMILY = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson Anderson Taylor "
    "Thomas Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott "
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein Wolf Schröder "
    "Dubois Durand Lefèvre Moreau Laurent Simon Michel Lefebvre Leroy Roux David Bertrand Morel Fournier Girard "
    "Bonnet Dupont Lambert Fontaine Rousseau Vincent O'Brien McDonald Nguyen Kowalski Novak Rossi Russo Ferrari"
).split()
STREETS = [
    ("High Street", "High St"),
    ("Station Road", "Station Rd"),
    ("Church Lane", "Church Ln"),
    ("Hauptstraße", "Hauptstr."),
    ("Bahnhofstraße", "Bahnhofstr."),
    ("Rue de la Paix", "R. de la Paix"),
    ("Avenue Victor Hugo", "Av. Victor Hugo"),
    ("Park Avenue", "Park Ave"),
]
CITIES = {
    "GB": [("London", "SW1A 1AA"), ("Manchester", "M1 1AE"), ("Leeds", "LS1 4AP"), ("Bristol", "BS1 4DJ")],
    "DE": [("Berlin", "10115"), ("München", "80331"), ("Hamburg", "20095"), ("Köln", "50667")],
    "FR": [("Paris", "75001"), ("Lyon", "69001"), ("Marseille", "13001"), ("Lille", "59000")],
}
MAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "web.de", "orange.fr", "example.com"]
TIERS = ["bronze", "silver", "gold", "platinum"]
BRANDS = ["Acme", "Nordic Home", "Casa Verde", "Urban Trail", "Petit Jardin", "Bergwerk", "Blue Harbor"]
# (title, category, sizes, colours); None: the product comes in no colour.
PRODUCTS: list[tuple[str, str, list[str], list[str | None]]] = [
    ("T-shirt organic cotton", "Apparel > Tops", ["S", "M", "L", "XL"], ["white", "black", "navy"]),
    ("Running shoes", "Footwear > Sport", ["40", "41", "42", "43", "44"], ["grey", "blue"]),
    ("Olive oil extra virgin", "Grocery > Oils", ["500 ml", "1 L"], [None]),
    ("Sparkling water", "Grocery > Drinks", ["0,5 l", "1.5 L"], [None]),
    ("Ceramic mug", "Home > Kitchen", ["350 ml"], ["white", "sand", "green"]),
    ("Wool scarf", "Apparel > Accessories", ["one size"], ["red", "grey", "camel"]),
    ("LED bulb E27", "Home > Lighting", ["806 lm", "1521 lm"], [None]),
    ("Garden hose", "Garden > Watering", ["15 m", "25 m"], ["green"]),
]
PURPOSES = ["email_marketing", "sms_marketing", "profiling"]
SOURCES = ("cdp", "commerce", "loyalty", "erp")


@dataclass
class Batch:
    source: str
    domain: str  # "customer", "product" or "consent"
    items: list[dict[str, Any]]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace("'", "")


def _gtin13(rng: random.Random) -> str:
    body = "40" + "".join(str(rng.randint(0, 9)) for _ in range(10))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def _phone(rng: random.Random, country: str) -> tuple[str, str]:
    """(E.164, a national spelling) of a valid mobile number."""
    if country == "FR":
        digits = "6" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        return f"+33{digits}", "0" + " ".join([digits[0], digits[1:3], digits[3:5], digits[5:7], digits[7:9]])
    if country == "DE":
        digits = "151" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        return f"+49{digits}", f"0{digits[:3]} {digits[3:]}"
    digits = "7700" + "".join(str(rng.randint(0, 9)) for _ in range(6))
    return f"+44{digits}", f"0{digits[:4]} {digits[4:]}"


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _person(rng: random.Random, n: int) -> dict[str, Any]:
    country = rng.choice(["GB", "DE", "FR"])
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    city, postcode = rng.choice(CITIES[country])
    street = rng.choice(STREETS)
    e164, national = _phone(rng, country)
    born = datetime(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 55))
    return {
        "n": n,
        "given_name": given,
        "family_name": family,
        "email": f"{_ascii(given)}.{_ascii(family)}{n}@{rng.choice(MAIL_DOMAINS)}",
        "phone": e164,
        "phone_national": national,
        "birth_date": born.date().isoformat(),
        "street": street,
        "number": rng.randint(1, 199),
        "postal_code": postcode,
        "city": city,
        "country": country,
    }


def _customer_as(source: str, p: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """How one source system spells this person: each has its habits and its errors."""
    attrs: dict[str, Any] = {
        "given_name": p["given_name"],
        "family_name": p["family_name"],
        "email": p["email"],
        "country": p["country"],
    }
    street_long, street_short = p["street"]
    if source == "erp":
        attrs.update(
            given_name=p["given_name"].upper(),
            family_name=p["family_name"].upper(),
            address_line1=f"{p['number']} {street_short}",
            postal_code=p["postal_code"],
            city=p["city"],
            erp_account_number=f"ACC-{100000 + p['n']}",
            phone=p["phone_national"],
        )
        if rng.random() < 0.15:
            attrs["email"] = p["email"].upper()
    elif source == "cdp":
        attrs.update(phone=p["phone"], birth_date=p["birth_date"])
        if rng.random() < 0.3:
            local, domain = p["email"].split("@")
            attrs["email"] = f"{local}+news@{domain}"
    elif source == "loyalty":
        attrs.update(
            loyalty_tier=rng.choice(TIERS),
            loyalty_points=rng.randint(0, 20000),
            phone=p["phone_national"],
            given_name=NICKNAMES.get(p["given_name"], p["given_name"]),
        )
        if rng.random() < 0.1:
            attrs["family_name"] = _typo(rng, p["family_name"])
    else:  # commerce
        attrs.update(
            address_line1=f"{street_long} {p['number']}" if p["country"] == "DE" else f"{p['number']} {street_long}",
            postal_code=p["postal_code"].lower().replace(" ", ""),
            city=p["city"],
        )
        if rng.random() < 0.05:
            attrs["phone"] = "12345"  # junk a web form let through: kept, flagged, not used
    if rng.random() < 0.1:
        attrs.pop(rng.choice([k for k in attrs if k not in ("family_name",)]), None)
    return attrs


def generate(*, customers: int = 3000, products: int = 400, seed: int = 7) -> Iterator[Batch]:
    """Batches of at most 500 items, in the order a real day of feeds would deliver them."""
    rng = random.Random(seed)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    by_source: dict[str, list[dict[str, Any]]] = {s: [] for s in SOURCES}
    consents: dict[str, list[dict[str, Any]]] = {s: [] for s in SOURCES}
    people = [_person(rng, n) for n in range(customers)]
    for p in people:
        k = rng.choices([1, 2, 3, 4], weights=[35, 35, 20, 10])[0]
        for source in rng.sample(SOURCES, k):
            key = {"cdp": "cdp-", "commerce": "web-", "loyalty": "LY", "erp": "C"}[source] + f"{p['n']:06d}"
            updated = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
            by_source[source].append(
                {"source_key": key, "updated_at": updated.isoformat(), "attributes": _customer_as(source, p, rng)}
            )
            if source in ("cdp", "commerce") and rng.random() < 0.5:
                for purpose in rng.sample(PURPOSES, rng.randint(1, 3)):
                    captured = updated - timedelta(days=rng.randint(0, 30))
                    consents[source].append(
                        {
                            "source_key": key,
                            "purpose": purpose,
                            "status": rng.choice(["granted", "granted", "withdrawn"]),
                            "captured_at": captured.isoformat(),
                        }
                    )
    for source in SOURCES:
        yield from _chunks(source, "customer", by_source[source])
    catalogue = _catalogue(rng, products, base)
    for source in ("erp", "commerce"):
        records = [_product_as(source, item, rng, base) for item in catalogue]
        yield from _chunks(source, "product", [r for r in records if r])
    for source in SOURCES:
        yield from _chunks(source, "consent", consents[source])


def _catalogue(rng: random.Random, count: int, base: datetime) -> list[dict[str, Any]]:
    """Product lines with their size and colour variants (each variant its own GTIN)."""
    items: list[dict[str, Any]] = []
    while len(items) < count:
        title, category, sizes, colours = rng.choice(PRODUCTS)
        brand = rng.choice(BRANDS)
        for size in sizes:
            for colour in colours:
                if len(items) < count:
                    items.append(
                        {
                            "n": len(items),
                            "gtin": _gtin13(rng),
                            "title": title,
                            "brand": brand,
                            "category": category,
                            "size": size,
                            "colour": colour,
                            "price": f"{rng.uniform(2, 120):.2f}",
                        }
                    )
    return items


def _product_as(source: str, item: dict[str, Any], rng: random.Random, base: datetime) -> dict[str, Any] | None:
    name = " ".join(filter(None, [item["brand"], item["title"], item["size"], item["colour"]]))
    updated = (base + timedelta(hours=rng.randrange(0, 24 * 300))).isoformat()
    if source == "erp":
        key = f"SKU-{item['n']:05d}"
        attrs = {"gtin": item["gtin"], "sku": key, "name": name, "brand": item["brand"]}
        attrs |= {"category": item["category"], "price": item["price"], "currency": "EUR"}
        return {"source_key": key, "updated_at": updated, "attributes": attrs}
    if rng.random() < 0.2:
        return None  # not sold online
    gtin = item["gtin"]
    colour = f", {item['colour']}" if item["colour"] else ""
    attrs = {
        "gtin": gtin.zfill(14) if rng.random() < 0.3 else gtin,
        "name": name.title(),
        "description": f"{item['title']} by {item['brand']}. {item['size']}{colour}.",
        "image_url": f"https://cdn.shop.example/img/{gtin}.jpg",
        "price": item["price"],
        "currency": "EUR",
    }
    return {"source_key": f"prod_{gtin}", "updated_at": updated, "attributes": attrs}


def _chunks(source: str, domain: str, items: list[dict[str, Any]], size: int = 500) -> Iterator[Batch]:
    for start in range(0, len(items), size):
        yield Batch(source, domain, items[start : start + size])
