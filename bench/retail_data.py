"""A generated retail master-data set with the hard cases of customer and product matching, and its truth.

Customers come as the four source systems send them (ERP: name, address and account number; CDP: email and
phone heavy; loyalty: card holder with birth date; commerce: shop account with shipping address), products as the
ERP and the web shop describe them. Every record carries the id of the real person or product that generated it
(the truth), the group of look-alikes it belongs to (a household; a product family of one brand), and the hard
cases it shows, so a benchmark can say where a matcher fails.

Hard cases, customers: households (same address, landline and family name, different given names and birth dates),
twins (same family name, birth date and address), nicknames and spelling variants (from the engine's own table),
typos, email variants (case, ``+tag``, gmail dots and googlemail), a second email address, phone formats (national,
international, ``00``), family-name changes on marriage (same email, phone and birth date), moves, ERP habits (upper
case, umlauts transliterated, abbreviated streets), wrong or placeholder birth dates, the same person twice in one
system, missing values. Products: one product in the ERP and the shop with its GTIN written as 12, 13 or 14 digits
(or missing, or mistyped), titles in different words and units (1 L = 1000 ml), and true variants that must stay
apart (the same line in another size or colour, sibling lines such as "Zero").

Deterministic for a seed, pure Python (no pandas): the test suite runs it.

    from bench.retail_data import generate
    data = generate(customers=20_000, products=5_000, seed=2024)
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple, TypeVar

import phonenumbers

from stewardship.matching import nicknames

T = TypeVar("T")

CUSTOMER_SOURCES = ("erp", "cdp", "loyalty", "commerce")
PRODUCT_SOURCES = ("erp", "commerce")

# Hard cases a record can carry (SourceRecord.cases). A pair of records shows a case when either record does.
CUSTOMER_CASES = (
    "household",  # lives with other customers: same address, often landline and family name
    "twin",  # has a twin: same family name, birth date, address
    "nickname",  # given name sent as a nickname or spelling variant (Bob for Robert)
    "typo",  # a typing error in a name, street or email
    "email_case",  # email in another case
    "email_tag",  # email with a +tag
    "gmail_alias",  # gmail dots moved, or googlemail.com
    "other_email",  # the person's second email address
    "shared_email",  # the household's shared email address
    "phone_format",  # phone written nationally or with 00 instead of E.164
    "name_change",  # the family name before marriage (email, phone and birth date unchanged)
    "moved",  # an old address
    "erp_style",  # upper case, transliterated umlauts/accents, abbreviated street
    "dob_error",  # day and month swapped, or a digit wrong
    "dob_placeholder",  # 1900-01-01 for an unknown birth date
    "same_source",  # a second record of the person in the same system
    "missing",  # values missing beyond what the source usually leaves out
)
PRODUCT_CASES = (
    "variant",  # its product family has other sizes, colours or sibling lines (which must not match)
    "gtin_format",  # GTIN written as 12 (UPC-A) or 14 digits
    "gtin_missing",  # no GTIN sent
    "gtin_typo",  # a wrong digit in the GTIN
    "unit_variant",  # size written in another unit (1 L vs 1000 ml)
    "brand_variant",  # brand spelled differently (Fizz-Co / FIZZCO)
    "same_source",  # listed twice in the shop
    "missing",  # brand or category missing
)


@dataclass(frozen=True)
class SourceRecord:
    """One record as a source system sends it, with its truth."""

    source: str
    source_key: str
    entity: str  # the real person or product (one GTIN) that generated it
    group: str  # look-alikes that are *different* entities: the household, or the product family of one brand
    cases: tuple[str, ...]
    attributes: dict[str, Any]


@dataclass
class RetailData:
    customers: list[SourceRecord]
    products: list[SourceRecord]


# --- vocabulary -------------------------------------------------------------------------------------------------

_GIVEN = {
    "GB": (
        "Olivia Amelia Isla Ava Emily Sophia Grace Mia Poppy Ella Lily Evie Isabella Sophie Ivy Freya Charlotte "
        "Jessica Elizabeth Margaret Susan Sarah Catherine Katherine Rebecca Jennifer Patricia Victoria Samantha "
        "Alexandra Deborah Christine Helen Jacqueline Natalie Abigail Eleanor Josephine Rachel Hannah Laura Emma",
        "Oliver George Harry Noah Jack Leo Arthur Muhammad Oscar Charlie Jacob Thomas Henry William James Robert "
        "Michael David Richard Joseph Daniel Matthew Anthony Christopher Andrew Edward Benjamin Samuel Alexander "
        "Nicholas Jonathan Timothy Stephen Peter Philip Patrick Frederick Gregory Kenneth Ronald Simon Paul",
    ),
    "DE": (
        "Sophie Marie Hannah Emma Mia Anna Lea Lena Katharina Elisabeth Margarete Franziska Susanne Sabine Petra "
        "Claudia Andrea Stefanie Christina Johanna Julia Barbara Monika Ursula Gabriele Ingeborg Hildegard Anneliese "
        "Brigitte Daniela Nicole Simone Paula Jana",
        "Maximilian Alexander Paul Lukas Leon Felix Jonas Elias Hans Peter Jürgen Klaus Wolfgang Michael Thomas "
        "Andreas Stefan Christian Matthias Markus Sebastian Johannes Tobias Florian Friedrich Wilhelm Dietrich "
        "Gottfried Siegfried Reinhard Burkhard Hans-Peter Daniel Jan Julian Simon",
    ),
    "FR": (
        "Léa Manon Camille Chloé Inès Louise Jade Emma Marie Isabelle Nathalie Sylvie Catherine Françoise Valérie "
        "Sophie Stéphanie Christine Élisabeth Marguerite Véronique Hélène Aurélie Emmanuelle Laurence Julie Pauline",
        "Louis Gabriel Hugo Lucas Jules Arthur Jean Pierre Michel Philippe Alain Nicolas François Stéphane "
        "Christophe Frédéric Sébastien Laurent Julien Guillaume Olivier Thierry Antoine Jérôme Benoît Emmanuel Paul",
    ),
}
_FAMILY = {
    "GB": (
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
        "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward "
        "Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price "
        "Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox "
        "Richards Khan Marshall Anderson Simpson Ellis Adams Singh Wilkinson Foster Chapman Powell Webb Rogers Gray "
        "Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell "
        "O'Brien McDonald MacLeod"
    ),
    "DE": (
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein "
        "Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause "
        "Meier Lehmann Schmid Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz "
        "Möller Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann "
        "Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto "
        "Sommer Groß Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel"
    ),
    "FR": (
        "Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel Lefebvre Leroy Roux "
        "David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Lefèvre Faure "
        "André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Garcia Perrin Robin Clément "
        "Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval Denis Dumont Lemaire Noël Meyer Dufour "
        "Meunier Brun Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche "
        "Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas Lacroix"
    ),
}
# Twins whose given names differ by a letter or two: the hardest twins.
_SIMILAR_TWINS = [
    tuple(pair.split("/"))
    for pair in "Lena/Lea Jan/Jana Paul/Paula Louis/Louise Daniel/Daniela Simon/Simone Julian/Julia".split()
]
_CITIES: dict[str, list[tuple[str, Any, str]]] = {
    # city, postcode districts (GB) or range (DE, FR), landline area code
    "GB": [
        ("London", ["SW1A", "E1", "N1", "SE15", "W2", "NW3", "SW11", "E14"], "20"),
        ("Manchester", ["M1", "M14", "M20", "M4"], "161"),
        ("Birmingham", ["B1", "B15", "B29"], "121"),
        ("Leeds", ["LS1", "LS6", "LS17"], "113"),
        ("Bristol", ["BS1", "BS8", "BS6"], "117"),
        ("Glasgow", ["G1", "G12", "G41"], "141"),
        ("Edinburgh", ["EH1", "EH3", "EH10"], "131"),
        ("Liverpool", ["L1", "L17", "L18"], "151"),
        ("Sheffield", ["S1", "S10", "S11"], "114"),
        ("Nottingham", ["NG1", "NG7"], "115"),
        ("Cardiff", ["CF10", "CF24"], "29"),
        ("Brighton", ["BN1", "BN2"], "1273"),
    ],
    "DE": [
        ("Berlin", (10115, 14199), "30"),
        ("Hamburg", (20095, 22769), "40"),
        ("München", (80331, 81929), "89"),
        ("Köln", (50667, 51149), "221"),
        ("Frankfurt am Main", (60306, 60599), "69"),
        ("Stuttgart", (70173, 70629), "711"),
        ("Düsseldorf", (40210, 40629), "211"),
        ("Leipzig", (4103, 4357), "341"),
        ("Dortmund", (44135, 44388), "231"),
        ("Essen", (45127, 45359), "201"),
        ("Bremen", (28195, 28779), "421"),
        ("Dresden", (1067, 1328), "351"),
        ("Hannover", (30159, 30669), "511"),
        ("Nürnberg", (90402, 90491), "911"),
    ],
    "FR": [
        ("Paris", (75001, 75020), "1"),
        ("Lyon", (69001, 69009), "4"),
        ("Marseille", (13001, 13016), "4"),
        ("Toulouse", (31000, 31500), "5"),
        ("Nice", (6000, 6300), "4"),
        ("Nantes", (44000, 44300), "2"),
        ("Strasbourg", (67000, 67200), "3"),
        ("Montpellier", (34000, 34090), "4"),
        ("Bordeaux", (33000, 33800), "5"),
        ("Lille", (59000, 59800), "3"),
    ],
}
_GB_STREETS = (
    "High Station Church Park Victoria Green Manor Mill Kings Queens New School London York Albert Grange Windsor "
    "Springfield Meadow Oak Elm Cedar Willow Chapel Castle Bridge Orchard Highfield Alexandra Stanley Richmond"
).split()
_GB_TYPES = [
    tuple(t.split("/"))
    for t in "Street/St Road/Rd Lane/Ln Avenue/Ave Close/Cl Drive/Dr Gardens/Gdns Crescent/Cres Place/Pl".split()
]
_DE_STREETS = (
    "Haupt Bahnhof Schul Garten Dorf Berg Kirch Wald Linden Birken Goethe Schiller Mozart Beethoven Friedrich "
    "Wilhelm Bismarck Park Rosen Blumen Wiesen Mühlen Feld Tal Eichen Buchen Sonnen Kastanien Ahorn Fichten Markt "
    "Brunnen Post Luisen Königs Kaiser"
).split()
_DE_TYPES = [("straße", "str."), ("straße", "str."), ("straße", "str."), ("weg", "weg"), ("allee", "allee")]
_FR_STREETS = (
    "de la Paix; Victor Hugo; Jean Jaurès; de la République; Pasteur; Voltaire; Gambetta; du Général de Gaulle; "
    "des Lilas; de la Gare; Saint-Michel; Émile Zola; des Écoles; du Moulin; de Verdun; Jules Ferry; Carnot; "
    "de la Liberté; du Château; Foch; de Strasbourg; Lafayette"
).split("; ")
_FR_TYPES = [("rue", "r."), ("rue", "r."), ("avenue", "av."), ("boulevard", "bd"), ("place", "pl."), ("allée", "all.")]
_MAIL_DOMAINS = {
    "GB": ["gmail.com", "gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "btinternet.com", "icloud.com"],
    "DE": ["gmail.com", "web.de", "gmx.de", "gmx.net", "t-online.de", "outlook.de", "gmail.com"],
    "FR": ["gmail.com", "orange.fr", "free.fr", "hotmail.fr", "laposte.net", "sfr.fr", "gmail.com"],
}
_PLUS_DOMAINS = set("gmail.com googlemail.com outlook.com outlook.de hotmail.co.uk hotmail.fr icloud.com".split())
_WORK_DOMAINS = ["acme-logistics.com", "stadtwerke.de", "nhs.net", "bnp-example.fr", "uni-example.de", "example.org"]
_TIERS = ["bronze", "silver", "gold", "platinum"]
# What each system sends besides names and country, as the share of its records that carry it: the ERP bills (name,
# address, account number), the CDP knows digital identities (email, phone), the loyalty card holder gives a birth
# date for the birthday voucher, the shop ships to an address. Fields not listed are always sent (email) or never.
_SENDS: dict[str, dict[str, float]] = {
    "erp": {"email": 0.5, "phone": 0.7},
    "cdp": {"phone": 0.75, "birth_date": 0.4, "postal_code": 0.3, "given_name": 0.92, "country": 0.9},
    "loyalty": {"email": 0.9, "phone": 0.75, "birth_date": 0.8, "postal_code": 0.95, "address": 0.5},
    "commerce": {"phone": 0.7, "birth_date": 0.15, "address": 0.92, "erp_account_number": 0.2},
}


# --- small helpers ----------------------------------------------------------------------------------------------


def _zipf(rng: random.Random, items: Sequence[T], s: float = 1.0) -> T:
    """A few common values and a long tail, as real names are distributed."""
    weights = _zipf_weights(len(items), s)
    return rng.choices(items, cum_weights=weights)[0]


_ZIPF_CACHE: dict[tuple[int, float], list[float]] = {}


def _zipf_weights(n: int, s: float) -> list[float]:
    key = (n, s)
    if key not in _ZIPF_CACHE:
        total, cumulative = 0.0, []
        for rank in range(1, n + 1):
            total += 1 / rank**s
            cumulative.append(total)
        _ZIPF_CACHE[key] = cumulative
    return _ZIPF_CACHE[key]


def _ascii(text: str) -> str:
    """What an ASCII-only system makes of a name: umlauts spelled out, other accents dropped."""
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _email_part(text: str) -> str:
    return "".join(ch for ch in _ascii(text).lower() if ch.isalnum() or ch == "-")


_KEYBOARD = {
    c: n
    for row in ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    for i, c in enumerate(row)
    for n in [row[max(i - 1, 0)] + row[min(i + 1, len(row) - 1)]]
}


def _typo(rng: random.Random, text: str) -> str:
    """One typing error away from a field of four letters or more (never the first letter)."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.3 and text[i] != text[i + 1]:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # transposition
    if kind < 0.55:
        return text[:i] + text[i + 1 :]  # deletion
    if kind < 0.7:
        return text[:i] + text[i] + text[i:]  # doubled letter
    near = _KEYBOARD.get(text[i].lower())
    if not near:
        return text[:i] + text[i + 1 :]
    sub = rng.choice(near)
    return text[:i] + (sub.upper() if text[i].isupper() else sub) + text[i + 1 :]


def _title(name: str) -> str:
    """A folded table name as a person writes it: "hans-peter" -> "Hans-Peter"."""
    return "-".join(part.capitalize() for part in name.split("-"))


def _nickname_table() -> dict[str, list[str]]:
    """Formal given name (folded) -> its nicknames and variants in the engine's table, sorted."""
    variants: dict[str, set[str]] = {}
    for name, formals in nicknames.NAME_GROUPS.items():
        for formal in formals:
            if name != formal and len(name) > 1:
                variants.setdefault(formal, set()).add(name)
    return {formal: sorted(names) for formal, names in sorted(variants.items())}


def _fold(text: str) -> str:
    return " ".join(_ascii(text).lower().split())


# --- customers ----------------------------------------------------------------------------------------------------


@dataclass
class _Address:
    number: str
    street: str  # as the person writes it
    street_abbr: str  # as an ERP abbreviates it
    line2: str | None
    postcode: str
    city: str
    country: str
    area_code: str

    def line1(self, abbreviated: bool = False) -> str:
        street = self.street_abbr if abbreviated else self.street
        if self.country == "DE":
            return f"{street} {self.number}"
        if self.country == "FR":
            return f"{self.number} {street}"
        return f"{self.number} {street}"


@dataclass
class _Person:
    id: str
    household: str
    country: str
    given: str
    family: str
    birth: date
    email: str
    mobile: str  # E.164
    address: _Address
    landline: str | None = None  # E.164, the household's
    maiden: str | None = None  # family name before marriage
    old_address: _Address | None = None
    other_email: str | None = None
    shared_email: str | None = None
    twin: bool = False
    household_size: int = 1
    erp_account: str | None = None
    cases: set[str] = field(default_factory=set)


class _CustomerFactory:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.keys: dict[str, int] = {}
        self.nicknames = _nickname_table()

    def key(self, source: str) -> str:
        n = self.keys.get(source, 0) + 1
        self.keys[source] = n
        if source == "erp":
            return f"D{7_000_000 + n * 7:08d}"
        if source == "loyalty":
            return f"6300{n * 7919 % 10**9:09d}{n % 97:02d}"
        if source == "cdp":
            return f"cdp-{n * 2654435761 % 16**10:010x}"
        return f"web-{n:07d}"

    # one person's data

    def given_name(self, country: str, female: bool) -> str:
        return _zipf(self.rng, _GIVEN[country][0 if female else 1].split(), 0.7)

    def family_name(self, country: str) -> str:
        return _zipf(self.rng, _FAMILY[country].split(), 0.9)

    def address(self, country: str) -> _Address:
        rng = self.rng
        city, codes, area = rng.choice(_CITIES[country])
        number = str(rng.randint(1, 120))
        line2 = None
        if country == "GB":
            stem, (kind, abbr) = rng.choice(_GB_STREETS), rng.choice(_GB_TYPES)
            street, street_abbr = f"{stem} {kind}", f"{stem} {abbr}"
            postcode = f"{rng.choice(codes)} {rng.randint(1, 9)}{''.join(rng.choices('ABDEFGHJLNPQRSTUWXYZ', k=2))}"
            if rng.random() < 0.2:
                line2 = f"Flat {rng.randint(1, 40)}"
        elif country == "DE":
            stem, (kind, abbr) = rng.choice(_DE_STREETS), rng.choice(_DE_TYPES)
            street, street_abbr = f"{stem}{kind}", f"{stem}{abbr}"
            postcode = f"{rng.randint(*codes):05d}"
            if rng.random() < 0.1:
                line2 = f"{rng.randint(1, 5)}. OG"
        else:
            name, (kind, abbr) = rng.choice(_FR_STREETS), rng.choice(_FR_TYPES)
            street, street_abbr = f"{kind} {name}", f"{abbr} {name}"
            postcode = f"{rng.randint(*codes):05d}"
            if rng.random() < 0.05:
                number += " bis"
            if rng.random() < 0.2:
                line2 = f"Bât. {rng.choice('ABCD')}, apt {rng.randint(1, 60)}"
        return _Address(number, street, street_abbr, line2, postcode, city, country, area)

    def _unique_phone(self, make: Callable[[], str]) -> str:
        for _ in range(50):
            e164 = make()
            if e164 not in self.phones and phonenumbers.is_valid_number(phonenumbers.parse(e164)):
                self.phones.add(e164)
                return e164
        raise RuntimeError("could not draw a valid phone number")

    def mobile(self, country: str) -> str:
        rng = self.rng

        def make() -> str:
            if country == "GB":
                return f"+447{rng.choice('45789')}{rng.randrange(10**8):08d}"
            if country == "DE":
                prefix = rng.choice(["151", "152", "160", "170", "171", "172", "175", "176", "177", "179"])
                digits = 8 if prefix.startswith("15") else 7
                return f"+49{prefix}{rng.randrange(10**digits):0{digits}d}"
            return f"+33{rng.choice('67')}{rng.randrange(10**8):08d}"

        return self._unique_phone(make)

    def landline(self, address: _Address) -> str:
        rng, area = self.rng, address.area_code
        code = {"GB": "44", "DE": "49", "FR": "33"}[address.country]
        length = {"GB": 10, "DE": 10, "FR": 9}[address.country] - len(area)
        return self._unique_phone(
            lambda: f"+{code}{area}{rng.randint(2, 8)}{rng.randrange(10 ** (length - 1)):0{length - 1}d}"
        )

    def email(self, given: str, family: str, birth: date, country: str) -> str:
        rng = self.rng
        g, f = _email_part(given), _email_part(family)
        pattern = rng.random()
        if pattern < 0.35:
            local = f"{g}.{f}"
        elif pattern < 0.5:
            local = f"{g}{f}"
        elif pattern < 0.62:
            local = f"{g[0]}{f}"
        elif pattern < 0.75:
            local = f"{g}.{f}{birth.year % 100:02d}"
        elif pattern < 0.85:
            local = f"{f}.{g}"
        else:
            local = f"{g}{rng.randint(1, 999)}"
        domain = rng.choice(_MAIL_DOMAINS[country])
        email = f"{local}@{domain}"
        while email in self.emails:
            email = f"{local}{rng.randint(1, 9999)}@{domain}"
        self.emails.add(email)
        return email

    def person(
        self, pid: str, household: str, address: _Address, *, family: str, birth: date, given: str | None = None
    ) -> _Person:
        rng, country = self.rng, address.country
        given = given or self.given_name(country, female=rng.random() < 0.52)
        person = _Person(
            id=pid,
            household=household,
            country=country,
            given=given,
            family=family,
            birth=birth,
            email=self.email(given, family, birth, country),
            mobile=self.mobile(country),
            address=address,
        )
        if rng.random() < 0.15:
            private = rng.random() < 0.5
            person.other_email = (
                self.email(given, family, birth, country) if private else self.work_email(given, family)
            )
        if rng.random() < 0.06:
            person.old_address = self.address(country)
        return person

    def work_email(self, given: str, family: str) -> str:
        local = f"{_email_part(given)}.{_email_part(family)}"
        email = f"{local}@{self.rng.choice(_WORK_DOMAINS)}"
        while email in self.emails:
            email = f"{local}{self.rng.randint(1, 999)}@{self.rng.choice(_WORK_DOMAINS)}"
        self.emails.add(email)
        return email

    def household(self, hid: str, first_person: int) -> list[_Person]:
        """One household: a single person (70%), a couple, a family with an adult child, sometimes adult twins."""
        rng = self.rng
        country = rng.choices(["GB", "DE", "FR"], weights=[4, 4, 3])[0]
        address = self.address(country)
        family = self.family_name(country)
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 48))
        ids = (f"P{n:07d}" for n in range(first_person, first_person + 4))
        people = [self.person(next(ids), hid, address, family=family, birth=born)]
        kind = rng.random()
        if kind < 0.7:
            return people
        # a partner: mostly the same family name, sometimes taken on marriage (the maiden name lives on in older
        # records and in the email address), own email and mobile
        partner_family = family if rng.random() < 0.75 else self.family_name(country)
        partner_birth = born + timedelta(days=rng.randint(-3000, 3000))
        partner = self.person(next(ids), hid, address, family=partner_family, birth=partner_birth)
        maiden = self.family_name(country)
        if partner_family == family and maiden != family and rng.random() < 0.3:
            partner.maiden = maiden
            partner.email = self.email(partner.given, maiden, partner.birth, country)
            if rng.random() < 0.3:
                partner.family = f"{maiden}-{family}"
        people.append(partner)
        child_birth = born + timedelta(days=rng.randint(365 * 20, 365 * 30))
        if 0.9 <= kind < 0.97 and child_birth.year < 2007:
            people.append(self.person(next(ids), hid, address, family=family, birth=child_birth))
        elif kind >= 0.97 and child_birth.year < 2007:
            names = rng.choice(_SIMILAR_TWINS) if rng.random() < 0.35 else self.twin_names(country)
            for name in names:
                twin = self.person(next(ids), hid, address, family=family, birth=child_birth, given=name)
                twin.twin = True
                people.append(twin)
        if rng.random() < 0.55:
            landline = self.landline(address)
            for p in people:
                p.landline = landline
        if rng.random() < 0.12:
            shared = (
                self.email("the", family, born, country)
                if rng.random() < 0.5
                else self.email(family, "family", born, country)
            )
            for p in people:
                p.shared_email = shared
        for p in people:
            p.household_size = len(people)
        return people

    def twin_names(self, country: str) -> tuple[str, str]:
        a = self.given_name(country, female=self.rng.random() < 0.5)
        b = a
        while _fold(b) == _fold(a) or nicknames.are_nicknames(_fold(a), _fold(b)):
            b = self.given_name(country, female=self.rng.random() < 0.5)
        return a, b

    # how each system spells a person

    def records(self, p: _Person) -> list[SourceRecord]:
        rng = self.rng
        sources = [
            s for s, share in zip(CUSTOMER_SOURCES, (0.35, 0.55, 0.45, 0.6), strict=True) if rng.random() < share
        ]
        if not sources:
            sources = [rng.choice(CUSTOMER_SOURCES)]
        if "commerce" in sources and rng.random() < 0.06:
            sources.append("commerce")  # a second shop account (guest checkout, forgotten password)
        if "loyalty" in sources and rng.random() < 0.03:
            sources.append("loyalty")  # a second card
        if p.erp_account is None and "erp" in sources:
            p.erp_account = self.key("erp")
        out, seen = [], set()
        for source in sources:
            again = source in seen
            seen.add(source)
            out.append(self.record(p, source, again=again, first=not out))
        return out

    def record(self, p: _Person, source: str, *, again: bool, first: bool) -> SourceRecord:
        rng = self.rng
        cases: set[str] = set()
        if again:
            cases.add("same_source")
        if p.household_size > 1:
            cases.add("household")
        if p.twin:
            cases.add("twin")

        given, family = p.given, p.family
        if p.maiden and not first and rng.random() < 0.45:
            family = p.maiden
            cases.add("name_change")
        formal = _fold(given)
        if source in ("cdp", "commerce", "loyalty") and formal in self.nicknames and rng.random() < 0.2:
            given = _title(rng.choice(self.nicknames[formal]))
            cases.add("nickname")
        if rng.random() < 0.05:
            given = _typo(rng, given)
            cases.add("typo")
        if rng.random() < 0.05:
            family = _typo(rng, family)
            cases.add("typo")

        address = p.address
        if p.old_address and source in ("erp", "loyalty") and rng.random() < 0.6:
            address = p.old_address
            cases.add("moved")

        email = p.email
        if p.shared_email and source in ("loyalty", "commerce") and rng.random() < 0.5:
            email = p.shared_email
            cases.add("shared_email")
        elif p.other_email and (again or rng.random() < 0.3):
            email = p.other_email
            cases.add("other_email")
        email = self._email_variant(email, source, cases)

        phone = p.mobile
        if p.landline and (source == "erp" or rng.random() < 0.25):
            phone = p.landline
        phone = self._phone_variant(phone, source, cases)

        birth: str | None = p.birth.isoformat()
        if rng.random() < 0.02:
            birth = self._birth_error(p.birth, cases)

        sends = {name: rng.random() < share for name, share in _SENDS[source].items()}
        attrs: dict[str, Any] = {"given_name": given, "family_name": family, "country": p.country}
        if source == "erp":
            erp_style = rng.random() < 0.6
            if erp_style:
                cases.add("erp_style")
                attrs["given_name"] = self._erp_name(given, p.country)
                attrs["family_name"] = self._erp_name(family, p.country)
            attrs |= self._address_attrs(address, abbreviated=erp_style, upper=erp_style, cases=cases)
            attrs["erp_account_number"] = p.erp_account
            key = p.erp_account
        elif source == "cdp":
            key = self.key("cdp")
        elif source == "loyalty":
            attrs["loyalty_tier"] = rng.choice(_TIERS)
            attrs["loyalty_points"] = rng.randrange(0, 20_000)
            key = self.key("loyalty")
        else:
            key = self.key("commerce")
        if sends.get("email", True):
            attrs["email"] = email
        if sends["phone"]:
            attrs["phone"] = phone
        if sends.get("birth_date"):
            attrs["birth_date"] = birth
        if sends.get("address"):
            attrs |= self._address_attrs(address, abbreviated=rng.random() < 0.25, upper=False, cases=cases)
        if sends.get("postal_code"):
            attrs["postal_code"] = address.postcode
        if sends.get("erp_account_number") and p.erp_account:
            attrs["erp_account_number"] = p.erp_account
        if not sends.get("given_name", True):
            del attrs["given_name"]
        if not sends.get("country", True):
            del attrs["country"]  # the phone is then read without a country: national numbers are unusable

        # values lost on the way (an optional field left empty, a form filled in a hurry)
        for name in ("email", "phone", "given_name", "address_line1", "postal_code", "birth_date"):
            if name in attrs and attrs[name] and rng.random() < 0.04:
                attrs[name] = None if rng.random() < 0.5 else ""
                cases.add("missing")
        if attrs.get("email") and rng.random() < 0.02:
            attrs["email"] = _typo(rng, attrs["email"].split("@")[0]) + "@" + attrs["email"].split("@")[1]
            cases.add("typo")
        return SourceRecord(source, key, p.id, p.household, tuple(sorted(cases)), attrs)

    def _erp_name(self, name: str, country: str) -> str:
        name = _ascii(name) if country in ("DE", "FR") and self.rng.random() < 0.6 else name
        return name.upper() if self.rng.random() < 0.7 else name

    def _address_attrs(self, address: _Address, *, abbreviated: bool, upper: bool, cases: set[str]) -> dict[str, Any]:
        rng = self.rng
        line1 = address.line1(abbreviated)
        city = address.city
        postcode = address.postcode
        if upper:
            line1, city = _ascii(line1).upper(), _ascii(city).upper()
        if rng.random() < 0.05:
            line1 = _typo(rng, line1)
            cases.add("typo")
        if address.country == "GB" and rng.random() < 0.2:
            postcode = postcode.replace(" ", "").lower() if rng.random() < 0.5 else postcode.replace(" ", "")
        attrs: dict[str, Any] = {"address_line1": line1, "postal_code": postcode, "city": city}
        if address.line2 and rng.random() < 0.7:
            attrs["address_line2"] = address.line2.upper() if upper else address.line2
        return attrs

    def _email_variant(self, email: str, source: str, cases: set[str]) -> str:
        rng = self.rng
        local, _, domain = email.partition("@")
        roll = rng.random()
        if roll < 0.06:
            cases.add("email_case")
            if rng.random() < 0.5:
                return email.upper()
            return ".".join(part.capitalize() for part in local.split(".")) + "@" + domain.capitalize()
        if roll < 0.12 and domain in _PLUS_DOMAINS and source in ("commerce", "loyalty", "cdp"):
            cases.add("email_tag")
            return f"{local}+{rng.choice(['shop', 'loyalty', 'news', 'promo'])}@{domain}"
        if roll < 0.2 and domain == "gmail.com":
            cases.add("gmail_alias")
            if rng.random() < 0.4:
                return f"{local}@googlemail.com"
            bare = local.replace(".", "")
            if "." in local:
                return f"{bare}@{domain}"
            cut = rng.randrange(1, len(bare)) if len(bare) > 1 else 1
            return f"{bare[:cut]}.{bare[cut:]}@{domain}"
        return email

    def _phone_variant(self, e164: str, source: str, cases: set[str]) -> str:
        rng = self.rng
        number = phonenumbers.parse(e164)
        style = {
            "erp": ["national", "national", "international"],
            "cdp": ["e164", "e164", "international"],
            "loyalty": ["national", "national", "e164", "00"],
            "commerce": ["e164", "national", "international", "00", "dashed"],
        }[source]
        chosen = rng.choice(style)
        if chosen == "e164":
            return e164
        international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        if chosen == "international":
            return international
        cases.add("phone_format")
        if chosen == "00":
            return "00" + international[1:]
        if chosen == "dashed":
            return national.replace(" ", "-") if rng.random() < 0.5 else national.replace(" ", "")
        return national

    def _birth_error(self, birth: date, cases: set[str]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.25:
            cases.add("dob_placeholder")
            return "1900-01-01"
        cases.add("dob_error")
        if roll < 0.6 and birth.day <= 12 and birth.day != birth.month:
            return date(birth.year, birth.day, birth.month).isoformat()
        if roll < 0.8:
            return (birth + timedelta(days=rng.choice([-1, 1]))).isoformat()
        year = str(birth.year)
        swapped = year[:2] + year[3] + year[2]
        return f"{swapped}-{birth.month:02d}-{birth.day:02d}" if int(swapped) < 2007 else birth.isoformat()


def _customers(rng: random.Random, count: int) -> list[SourceRecord]:
    factory = _CustomerFactory(rng)
    records: list[SourceRecord] = []
    persons = 0
    households = 0
    while len(records) < count:
        households += 1
        people = factory.household(f"H{households:07d}", persons + 1)
        persons += len(people)
        for p in people:
            records.extend(factory.records(p))
    return records[:count]


# --- products -------------------------------------------------------------------------------------------------


class _ProductType(NamedTuple):
    base: str
    erp_name: str  # how the ERP abbreviates it
    erp_category: str
    shop_category: str
    size_kind: str  # the unit its sizes are in (see _size_text)
    sizes: list[Any]
    colours: list[str]
    modifiers: list[str]  # sibling lines of one brand ("" is the plain line): Cola, Cola Zero, Cola Cherry


# base|ERP name|ERP category|shop category|size unit|sizes|colours|sibling lines (comma-separated, "" = plain)
_PRODUCT_TABLE = """
Cola|COLA|Beverages > Soft drinks|Drinks/Soft drinks|ml|330 500 1000 1500||,Zero,Cherry
Orange Juice|O-JUICE|Beverages > Juices|Drinks/Juices|ml|250 1000 1500||,with pulp
Apple Juice|APPLE JUICE|Beverages > Juices|Drinks/Juices|ml|1000 1500||,cloudy
Sparkling Mineral Water|MIN.WATER SPARKL|Beverages > Water|Drinks/Water|ml|500 750 1000 1500||,Medium
Iced Tea|ICED TEA|Beverages > Soft drinks|Drinks/Soft drinks|ml|500 1500||Peach,Lemon
Energy Drink|ENERGY DRINK|Beverages > Soft drinks|Drinks/Energy|ml|250 500||,Sugarfree
Oat Drink|OAT DRINK|Dairy > Alternatives|Fridge/Plant drinks|ml|1000||,Barista
Whole Milk|MILK 3.5%|Dairy > Milk|Fridge/Milk|ml|500 1000||,lactose free
Olive Oil Extra Virgin|OLIVE OIL EV|Grocery > Oils|Pantry/Oil & vinegar|ml|500 750 1000||
Balsamic Vinegar|BALSAMIC VIN|Grocery > Oils|Pantry/Oil & vinegar|ml|250 500||
Shampoo|SHAMPOO|Drugstore > Hair|Beauty/Hair care|ml|250 400||Repair,Volume,Anti-dandruff
Shower Gel|SHOWER GEL|Drugstore > Body|Beauty/Body care|ml|250 500||Sensitive,Sport
Liquid Detergent|LIQ DETERGENT|Household > Laundry|Home/Laundry|ml|1500 3000||Color,Universal
Dish Soap|DISH SOAP|Household > Kitchen|Home/Cleaning|ml|500 1000||Lemon,Sensitive
Basmati Rice|BASMATI RICE|Grocery > Rice|Pantry/Rice & grains|g|500 1000 2000 5000||
Spaghetti|SPAGHETTI|Grocery > Pasta|Pantry/Pasta|g|500 1000||,wholewheat
Fusilli|FUSILLI|Grocery > Pasta|Pantry/Pasta|g|500 1000||
Ground Coffee|GR COFFEE|Grocery > Coffee|Pantry/Coffee & tea|g|250 500 1000||Espresso,Crema,Decaf
Coffee Beans|COFFEE BEANS|Grocery > Coffee|Pantry/Coffee & tea|g|500 1000||Espresso,Crema
Peanut Butter|PEANUT BUTTER|Grocery > Spreads|Pantry/Spreads|g|350 500||Crunchy,Smooth
Dark Chocolate 70%|DARK CHOC 70%|Grocery > Sweets|Pantry/Chocolate|g|100 200||,Sea salt
Muesli|MUESLI|Grocery > Breakfast|Pantry/Breakfast|g|500 750||Crunchy,Fruit
Dog Food|DOG FOOD|Pet > Dog|Pets/Dog food|g|400 800 2000||Chicken,Beef
T-Shirt Organic Cotton|T-SHIRT ORG COTTON|Apparel > Tops|Fashion/T-shirts|apparel|S M L XL|white black navy grey|,V-Neck
Hoodie|HOODIE|Apparel > Tops|Fashion/Sweatshirts|apparel|S M L XL|black grey navy green|Classic,Zip
Rain Jacket|RAIN JACKET|Apparel > Outerwear|Fashion/Jackets|apparel|S M L XL|yellow navy red|
Running Shoes|RUNNING SHOES|Footwear > Sport|Shoes/Running|shoe|40 41 42 43 44 45|black blue grey|,Trail
Running Socks 3-Pack|RUN SOCKS 3PK|Apparel > Socks|Fashion/Socks|socks|39-42 43-46|black white|
Wool Beanie|WOOL BEANIE|Apparel > Accessories|Fashion/Hats|none|-|red grey navy black|
Ceramic Mug|CERAMIC MUG|Home > Kitchen|Home/Tableware|ml|350|white blue green sand|
Bath Towel|BATH TOWEL|Home > Textiles|Home/Bathroom|dims|50x100 70x140|white grey blue|
Frying Pan Non-Stick|FRY PAN NON-STICK|Home > Kitchen|Home/Cookware|cm|24 28||
Storage Box|STORAGE BOX|Home > Storage|Home/Storage|litre|10 25 45||
LED Bulb E27|LED BULB E27|Home > Lighting|Home/Lighting|lm|470 806 1055||,warm white
USB-C Cable|USB-C CABLE|Electronics > Cables|Tech/Cables|m|1 2|black white|
Power Bank|POWER BANK|Electronics > Power|Tech/Power|mah|10000 20000|black white|
AA Batteries Alkaline|BATT AA ALK|Electronics > Power|Tech/Batteries|pack|4 8 12||
"""


def _size(kind: str, text: str) -> Any:
    if kind in ("apparel", "socks"):
        return text
    if kind == "dims":
        return tuple(int(side) for side in text.split("x"))
    return int(text)


def _product_types() -> list[_ProductType]:
    types = []
    for line in _PRODUCT_TABLE.strip().splitlines():
        base, erp_name, erp_category, shop_category, kind, sizes, colours, modifiers = (
            part.strip() for part in line.split("|")
        )
        types.append(
            _ProductType(
                base,
                erp_name,
                erp_category,
                shop_category,
                kind,
                [None] if kind == "none" else [_size(kind, text) for text in sizes.split()],
                colours.split(),
                [m.strip() for m in modifiers.split(",")],
            )
        )
    return types


_PRODUCT_TYPES = _product_types()
# brand, its spellings in other systems, GS1 prefix (country of the brand owner; "0" = US/Canada, UPC-A)
_BRANDS: list[tuple[str, list[str], str]] = [
    ("Fizz-Co", ["Fizz Co", "FizzCo"], "40"),
    ("Bergquell", ["Bergquell"], "40"),
    ("Alpenhof", ["Alpenhof"], "40"),
    ("Sonnenfeld", ["Sonnenfeld Bio"], "42"),
    ("Nordic Home", ["Nordic-Home", "NordicHome"], "57"),
    ("Casa Verde", ["CasaVerde"], "80"),
    ("Urban Trail", ["Urban-Trail", "UrbanTrail"], "50"),
    ("Petit Jardin", ["Le Petit Jardin"], "30"),
    ("Blue Harbor", ["Blue Harbour", "BlueHarbor"], "0"),
    ("Maison Dorée", ["Maison Doree"], "34"),
    ("Green & Co", ["Green and Co", "Green & Co."], "50"),
    ("TerraNova", ["Terra Nova"], "80"),
    ("K2 Outdoor", ["K2"], "0"),
    ("Lumen+", ["Lumen Plus", "Lumen"], "0"),
    ("Dr. Sommer", ["Dr Sommer", "Doktor Sommer"], "40"),
    ("L'Arbre", ["L Arbre", "LArbre"], "37"),
    ("Hafenkind", ["Hafenkind"], "42"),
    ("Polarstern", ["Polar Stern"], "40"),
    ("Vitaly", ["Vitaly"], "30"),
    ("Oakwood", ["Oak Wood", "Oakwood Home"], "50"),
    ("Brightside", ["Bright Side"], "0"),
    ("Kaffeerösterei Nord", ["Kaffeeroesterei Nord", "Rösterei Nord"], "40"),
    ("Sol y Mar", ["Sol-y-Mar", "Solymar"], "84"),
    ("Miller's", ["Millers", "Miller's Kitchen"], "50"),
    ("Eko", ["EKO", "Eko Organic"], "59"),
]
_COLOUR_SPELLINGS = {
    "grey": ["grey", "Grey", "gray", "Gray"],
    "navy": ["navy", "Navy", "navy blue", "Navy Blue"],
}
_APPAREL_SIZES = {"S": ["S", "Small", "size S"], "M": ["M", "Medium", "size M"], "L": ["L", "Large", "size L"]}
_APPAREL_SIZES["XL"] = ["XL", "X-Large", "Extra Large", "size XL"]


def _gtin_check(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def _size_text(rng: random.Random, kind: str, value: Any, *, erp: bool) -> tuple[str, bool]:
    """(the size as written, whether a unit other than the ERP's was chosen)."""
    if kind == "ml":
        litres = f"{value / 1000:g}"
        if erp:
            return (f"{litres.replace('.', ',')}L" if value >= 1000 else f"{value}ML"), False
        in_ml = [f"{value} ml", f"{value}ml"]
        in_l = [f"{litres} L", f"{litres.replace('.', ',')} l", f"{litres}l"]
        if value >= 1000:
            in_l.append(f"{litres} litre" + ("s" if value > 1000 else ""))
        in_cl = [f"{value // 10} cl"] if value % 10 == 0 and value < 1000 else []
        same, other = (in_l, in_ml + in_cl) if value >= 1000 else (in_ml, in_l + in_cl)
        return (rng.choice(same), False) if rng.random() < 0.5 else (rng.choice(other), True)
    if kind == "g":
        kg = f"{value / 1000:g}"
        if erp:
            return (f"{kg.replace('.', ',')}KG" if value >= 1000 else f"{value}G"), False
        same = [f"{kg} kg", f"{kg}kg"] if value >= 1000 else [f"{value} g", f"{value}g"]
        other = [f"{value} g", f"{value}g"] if value >= 1000 else [f"{kg} kg", f"{kg.replace('.', ',')} kg"]
        return (rng.choice(same), False) if rng.random() < 0.6 else (rng.choice(other), True)
    if kind == "litre":
        return (f"{value}L", False) if erp else (rng.choice([f"{value} L", f"{value} litres", f"{value}l"]), False)
    if kind == "cm":
        return (f"{value}CM", False) if erp else (rng.choice([f"{value} cm", f"{value}cm", f"Ø {value} cm"]), False)
    if kind == "m":
        if erp:
            return f"{value}M", False
        return (rng.choice([f"{value} m", f"{value}m"]), False) if rng.random() < 0.7 else (f"{value * 100} cm", True)
    if kind == "lm":
        return (f"{value}LM", False) if erp else (rng.choice([f"{value} lm", f"{value}lm", f"{value} lumen"]), False)
    if kind == "mah":
        if erp:
            return f"{value}MAH", False
        return rng.choice([f"{value} mAh", f"{value:,} mAh", f"{value // 1000} 000 mAh", f"{value}mAh"]), False
    if kind == "pack":
        return (
            (f"{value}ST", False) if erp else (rng.choice([f"{value}-pack", f"pack of {value}", f"{value} pcs"]), False)
        )
    if kind == "dims":
        w, h = value
        return (f"{w}X{h}", False) if erp else (rng.choice([f"{w}x{h} cm", f"{w} x {h} cm", f"{w}×{h}cm"]), False)
    if kind == "apparel":
        return (f"GR {value}", False) if erp else (rng.choice(_APPAREL_SIZES[value]), False)
    if kind == "shoe":
        return (f"GR {value}", False) if erp else (rng.choice([f"{value}", f"EU {value}", f"size {value}"]), False)
    if kind == "socks":
        return (f"GR {value}", False) if erp else (rng.choice([f"{value}", f"size {value}", f"EU {value}"]), False)
    return "", False


@dataclass
class _Item:
    id: str
    family: str
    brand: int
    ptype: int  # index in _PRODUCT_TYPES
    modifier: str
    size: Any
    colour: str | None
    gtin13: str
    price: float


def _catalogue(rng: random.Random, target_records: int) -> list[_Item]:
    items: list[_Item] = []
    lines = [(brand, ptype) for brand in range(len(_BRANDS)) for ptype in range(len(_PRODUCT_TYPES))]
    rng.shuffle(lines)
    item_refs: dict[int, int] = {}
    companies: dict[int, str] = {}
    for brand, ptype in lines:
        if len(items) * 1.75 >= target_records:  # about 1.7 records per product (ERP 90%, shop 75%, listed twice)
            break
        sizes, colours, modifiers = (
            _PRODUCT_TYPES[ptype].sizes,
            _PRODUCT_TYPES[ptype].colours,
            _PRODUCT_TYPES[ptype].modifiers,
        )
        while brand not in companies:  # a GS1 company prefix: prefix of the brand's country, 7 digits in all
            prefix = _BRANDS[brand][2]
            company = prefix + "".join(str(rng.randrange(10)) for _ in range(7 - len(prefix)))
            if company not in companies.values():
                companies[brand] = company
        family = f"F{brand:02d}-{ptype:02d}"
        chosen_modifiers = rng.sample(modifiers, k=rng.randint(1, len(modifiers)))
        for modifier in chosen_modifiers:
            chosen_sizes = sorted(rng.sample(sizes, k=rng.randint(min(2, len(sizes)), len(sizes))), key=str)
            chosen_colours = (
                rng.sample(colours, k=rng.randint(min(2, len(colours)), len(colours))) if colours else [None]
            )
            base_price = round(rng.uniform(0.8, 60.0), 2)
            for size in chosen_sizes:
                for colour in chosen_colours:
                    ref = item_refs.get(brand, rng.randrange(100, 900)) + rng.randint(1, 7)
                    item_refs[brand] = ref
                    body = companies[brand] + f"{ref:05d}"
                    price = round(base_price * (1 + 0.3 * chosen_sizes.index(size)), 2)
                    gtin13 = body + _gtin_check(body)
                    items.append(_Item(f"G{gtin13}", family, brand, ptype, modifier, size, colour, gtin13, price))
    return items


class _ProductFactory:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.skus = 0
        self.slugs = 0

    def erp(self, item: _Item, family_size: int) -> SourceRecord:
        rng = self.rng
        pt = _PRODUCT_TYPES[item.ptype]
        brand = _BRANDS[item.brand][0]
        size, _ = _size_text(rng, pt.size_kind, item.size, erp=True)
        words = [_ascii(brand).upper(), pt.erp_name, item.modifier.upper(), size, (item.colour or "").upper()]
        self.skus += 1
        cases = {"variant"} if family_size > 1 else set()
        attrs: dict[str, Any] = {
            "sku": f"{100000 + self.skus * 13}",
            "name": " ".join(w for w in words if w),
            "brand": brand,
            "category": pt.erp_category,
            "price": f"{item.price:.2f}",
            "currency": "EUR",
        }
        roll = rng.random()
        if roll < 0.05:
            cases.add("gtin_missing")
        elif roll < 0.15:
            attrs["gtin"] = "0" + item.gtin13
            cases.add("gtin_format")
        else:
            attrs["gtin"] = item.gtin13
        return SourceRecord("erp", attrs["sku"], item.id, item.family, tuple(sorted(cases)), attrs)

    def shop(self, item: _Item, family_size: int, *, again: bool) -> SourceRecord:
        rng = self.rng
        pt = _PRODUCT_TYPES[item.ptype]
        brand_name, spellings, _ = _BRANDS[item.brand]
        cases = {"variant"} if family_size > 1 else set()
        if again:
            cases.add("same_source")
        brand = brand_name
        if rng.random() < 0.25:
            brand = rng.choice(spellings)
            cases.add("brand_variant")
        size, converted = _size_text(rng, pt.size_kind, item.size, erp=False)
        if converted:
            cases.add("unit_variant")
        colour = item.colour and rng.choice(_COLOUR_SPELLINGS.get(item.colour, [item.colour, item.colour.capitalize()]))
        product = " ".join(w for w in [pt.base, item.modifier] if w)
        if rng.random() < 0.3 and "-" in brand:
            brand_in_title = brand.replace("-", " ")
        else:
            brand_in_title = brand
        style = rng.random()
        detail = ", ".join(w for w in [colour, size] if w)
        if style < 0.4:
            name = f"{brand_in_title} {product} {detail}".replace(",", "")
        elif style < 0.7:
            name = f"{product} – {detail} | {brand_in_title}" if detail else f"{product} | {brand_in_title}"
        elif style < 0.9:
            name = f"{brand_in_title} {product} ({detail})" if detail else f"{brand_in_title} {product}"
        else:
            name = f"{product} {detail}".replace(",", "")  # brand only in its own field
        if rng.random() < 0.03:
            name = _typo(rng, name)
        self.slugs += 1
        slug = "-".join(_email_part(w) for w in name.split() if _email_part(w))[:60]
        price = item.price if rng.random() < 0.7 else round(item.price * rng.uniform(0.75, 0.95), 2)
        attrs: dict[str, Any] = {
            "sku": f"SHOP-{self.slugs:06d}",
            "name": " ".join(name.split()),
            "brand": brand,
            "category": pt.shop_category,
            "price": f"{price:.2f}",
            "currency": "EUR",
            "description": f"{product} by {brand_name}. {detail.capitalize() or 'One size'}. Free returns in 30 days.",
            "image_url": f"https://cdn.shop.example/p/{slug}.jpg",
        }
        roll = rng.random()
        if roll < 0.1:
            cases.add("gtin_missing")
        elif roll < 0.14:
            digits = list(item.gtin13)
            i = rng.randrange(1, 12)
            digits[i] = str((int(digits[i]) + rng.randint(1, 9)) % 10)
            attrs["gtin"] = "".join(digits)
            cases.add("gtin_typo")
        elif item.gtin13.startswith("0") and roll < 0.6:
            attrs["gtin"] = item.gtin13[1:]  # UPC-A
            cases.add("gtin_format")
        elif roll < 0.3:
            attrs["gtin"] = "0" + item.gtin13
            cases.add("gtin_format")
        else:
            attrs["gtin"] = item.gtin13
        for name_ in ("brand", "category"):
            if rng.random() < 0.06:
                del attrs[name_]
                cases.add("missing")
        return SourceRecord("commerce", attrs["sku"], item.id, item.family, tuple(sorted(cases)), attrs)


def _products(rng: random.Random, count: int) -> list[SourceRecord]:
    items = _catalogue(rng, count)
    family_sizes: dict[str, int] = {}
    for item in items:
        family_sizes[item.family] = family_sizes.get(item.family, 0) + 1
    factory = _ProductFactory(rng)
    records: list[SourceRecord] = []
    for item in items:
        size = family_sizes[item.family]
        in_erp, in_shop = rng.random() < 0.9, rng.random() < 0.75
        if not (in_erp or in_shop):
            in_erp = True
        if in_erp:
            records.append(factory.erp(item, size))
        if in_shop:
            records.append(factory.shop(item, size, again=False))
            if rng.random() < 0.04:
                records.append(factory.shop(item, size, again=True))
    rng.shuffle(records)
    return records[:count]


def generate(*, customers: int = 20_000, products: int = 5_000, seed: int = 2024) -> RetailData:
    """``customers`` and ``products`` source records (not entities), the same for the same arguments."""
    rng = random.Random(seed)
    customer_records = _customers(rng, customers)
    rng.shuffle(customer_records)
    return RetailData(customers=customer_records, products=_products(random.Random(seed + 1), products))
