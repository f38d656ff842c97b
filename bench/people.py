"""Generated customers at scale, as a retailer's systems hold them: for the scale benchmark (bench/match_scale.py).

``stewardship.demo`` is made for a demo: 90 given names, 80 family names, 12 postcodes and every person in two
systems on average. At a million records that would put thousands of people under one blocking key and make every
other record a duplicate, so comparison counts would say nothing about real data. Here:

- given names: the 380 name families of ``stewardship.matching.nicknames`` (their real diminutives are used as
  variants), Zipf-distributed, the most common about 2 % of people;
- family names: ~330 common British, German and French names, then ~9,000 generated ones (Ashford, Lindberger,
  Beaumont, ...), Zipf-distributed, the most common about 1.3 % (Smith is 1.26 % in the UK);
- postcodes: 60,000 British, 8,000 German and 6,000 French ones, with their towns; house numbers 1-199;
- birth dates over 1940-2007; mobile numbers valid for the country; a landline for some households; emails
  unique to their person (a number in each);
- households (10 % of people live with someone of the same family name, same address and landline), twins
  (0.3 %), and family mailboxes shared by a household (3 %): the hard negatives real data has;
- duplicates: about 24 % of people are held by more than one system (1, 2 or 3 extra records), so ~25 % of records
  are duplicates; each system spells a person its way (ERP upper case, national phone formats, short street types,
  ``+tag`` emails...) and duplicates carry the errors real feeds carry: nicknames, typos, swapped day and month,
  another email or phone, a move, missing values, given and family name swapped.

Deterministic for a seed and independent of how the work is split: chunk ``c`` of people always comes from the same
random stream, so N records are the same records whatever the number of processes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from stewardship.matching.nicknames import _GROUPS

SOURCES = ("cdp", "commerce", "loyalty", "erp")
KEY_PREFIX = {"cdp": "cdp-", "commerce": "web-", "loyalty": "LY", "erp": "C"}
CHUNK = 10_000  # people per random stream
BASE_TIME = datetime(2025, 1, 1, tzinfo=UTC)

_FAMILY_HEAD = """
Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker White
Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee
King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly
Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams
Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer
Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey O'Brien McDonald
Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch Bauer Richter Klein Wolf
Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann
Schmid Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang Scholz Möller Weiß Jung Hahn
Schubert Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke Albrecht Schuster Ludwig
Böhm Winter Kraus Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel Heinrich Brandt Haas Schreiber Graf
Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch Bergmann Voigt Sauer Arnold Wolff Pfeiffer Bernard Dubois
Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier
Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin
Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez
Gérard Nguyen Boyer Denis Lemaire Duval Joly Gautier Roger Roche Roy Noël Lucas Meunier Perez Marchand Dufour
Blanchard Barbier Brun Dumas Brunet Leroux Colin Fernandez Pierre Renard Arnaud Rolland Caron Aubert Giraud Leclerc
Vidal Bourgeois Renaud Lemoine Picard Gaillard Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez Hubert Louis
Charles Guillot Rivière Guillaume Adam Rey Moulin Gonzalez Lecomte Ménard Fleury Deschamps Carpentier Julien Benoît
Paris Maillard Marchal Aubry Vasseur Renault Jacquet Collet Prévost Poirier Charpentier Royer Huet Baron Dupuy Pons
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Kowalski Nowak Wiśniewski Novak Horvat
""".split()
_EN_ROOTS = (
    "Ash Black Brad Brook Bur Clay Cole Craw Dal Eller Fair Green Hal Hart Haw Holl Kings Lang Mar Mill Mor North Pem "
    "Rad Red Ross Rut Sher Stan Stock Thorn Wal War Wes Whit Win Wood Ather Bar Bel Bing Brom Cal Car Chad Dun Elm "
    "Farn Gold Hay Ken Lind Lock Mans Ox Pen Ray Sal Sand Ship Sut Tam"
).split()
_EN_MIDDLE = ("", "ing", "er", "s", "en")
_EN_SUFFIX = (
    "ford ley ton wood well by ham field worth man son er ridge more stone brook dale hurst land wick shaw combe "
    "thorpe cott den"
).split()
_DE_ROOTS = (
    "Adler Alt Bach Baum Berg Birk Blum Brenn Dorn Eck Eich Feld Fels Forst Gold Grün Hage Hart Heil Hirsch Hoch Holz "
    "Kirch Lind Mühl Neu Ober Rosen Sand Schön Stein Stern Tann Wald Weiß Wies Wild Wolf Zell"
).split()
_DE_SUFFIX = "mann er berger stein hauser inger bauer meier huber feld thaler brunner wald bach hof".split()
_FR_PREFIX = (
    "Beau Bel Bon Cha Del Du Fon Gar La Le Mar Mon Ri Ro Va Ber Bou Cour Dau Fer Gri Lan Mal Mau Pel Por".split()
)
_FR_STEM = (
    "mont court fort ville vin ret lier rand chet geot din lain tier nier card bert nard det mard guet lot".split()
)

_STREET_ROOTS = (
    "Oak Mill Church Station Park King Queen Victoria Albert Elm Cedar Maple Chestnut Willow Meadow Orchard Bridge "
    "Castle Abbey Manor Grange Hill Green Market School Spring Windmill Forge Kiln Brook River Lake Moor Heath Wood "
    "Linden Schiller Goethe Mozart Beethoven Bahnhof Garten Kirch Berg Wald Feld Rosen Tannen Birken Eichen Mühlen "
    "Sonnen Lessing Kant Humboldt Pasteur Voltaire Hugo Jaurès Gambetta Foch Leclerc Zola Molière Verdun Lilas "
    "Tilleuls Peupliers Églises Moulins Prés Vignes Fontaines Roses"
).split()
_STREET_TYPES = {
    "GB": [("Street", "St"), ("Road", "Rd"), ("Lane", "Ln"), ("Avenue", "Ave"), ("Close", "Cl"), ("Drive", "Dr")],
    "DE": [("straße", "str."), ("weg", "weg"), ("allee", "allee"), ("platz", "pl.")],
    "FR": [("Rue", "R."), ("Avenue", "Av."), ("Boulevard", "Bd"), ("Place", "Pl."), ("Chemin", "Ch.")],
}
_GB_AREAS = {
    "SW": "London", "SE": "London", "N": "London", "E": "London", "W": "London", "NW": "London", "M": "Manchester",
    "B": "Birmingham", "LS": "Leeds", "BS": "Bristol", "L": "Liverpool", "S": "Sheffield", "NE": "Newcastle",
    "NG": "Nottingham", "LE": "Leicester", "CV": "Coventry", "G": "Glasgow", "EH": "Edinburgh", "CF": "Cardiff",
    "BN": "Brighton", "OX": "Oxford", "CB": "Cambridge", "RG": "Reading", "SO": "Southampton", "PL": "Plymouth",
    "YO": "York", "HU": "Hull", "BD": "Bradford", "DE": "Derby", "ST": "Stoke-on-Trent", "NR": "Norwich",
    "EX": "Exeter", "BA": "Bath", "GL": "Gloucester", "MK": "Milton Keynes", "AB": "Aberdeen", "DD": "Dundee",
    "BT": "Belfast", "CH": "Chester", "LN": "Lincoln",
}  # fmt: skip
_DE_TOWNS = (
    "Berlin Hamburg München Köln Frankfurt Stuttgart Düsseldorf Leipzig Dortmund Essen Bremen Dresden Hannover "
    "Nürnberg Duisburg Bochum Wuppertal Bielefeld Bonn Münster Mannheim Karlsruhe Augsburg Wiesbaden Kiel Aachen "
    "Freiburg Mainz Lübeck Erfurt Rostock Kassel Potsdam Regensburg Würzburg Ulm Heidelberg Göttingen Jena Trier"
).split()
_FR_TOWNS = (
    "Paris Marseille Lyon Toulouse Nice Nantes Montpellier Strasbourg Bordeaux Lille Rennes Reims Toulon Grenoble "
    "Dijon Angers Nîmes Villeurbanne Clermont-Ferrand Le Mans Aix-en-Provence Brest Tours Amiens Limoges Annecy "
    "Perpignan Metz Besançon Orléans Rouen Mulhouse Caen Nancy Avignon Poitiers Pau Calais La Rochelle Colmar"
).split()
_MAIL = {
    "GB": ["gmail.com"] * 6
    + ["outlook.com", "hotmail.co.uk", "yahoo.co.uk", "btinternet.com", "icloud.com", "sky.com"],
    "DE": ["gmail.com"] * 3 + ["web.de", "web.de", "gmx.de", "gmx.net", "t-online.de", "outlook.de", "icloud.com"],
    "FR": ["gmail.com"] * 4 + ["orange.fr", "orange.fr", "free.fr", "laposte.net", "sfr.fr", "hotmail.fr", "yahoo.fr"],
}
_TIERS = ("bronze", "silver", "gold", "platinum")
_COUNTRIES = ("GB", "GB", "GB", "DE", "DE", "FR", "FR")  # ~43 % GB, 29 % DE, 29 % FR


def _zipf_cumulative(count: int, offset: float) -> list[float]:
    total, out = 0.0, []
    for rank in range(1, count + 1):
        total += 1.0 / (rank + offset)
        out.append(total)
    return out


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def _vocabulary() -> tuple[list[str], dict[str, list[str]], list[str]]:
    given, nick = [], {}
    for line in _GROUPS.strip().splitlines():
        formal, _, rest = line.partition(":")
        name = _title(formal.strip())
        given.append(name)
        nick[name] = [_title(v) for v in rest.split() if len(v) > 1]
    family = list(dict.fromkeys(_FAMILY_HEAD))
    tail = [r + m + s.lower() for r in _EN_ROOTS for m in _EN_MIDDLE for s in _EN_SUFFIX]
    tail += [r + s for r in _DE_ROOTS for s in _DE_SUFFIX] + [p + s for p in _FR_PREFIX for s in _FR_STEM]
    stable = random.Random(20260101)
    stable.shuffle(given)
    stable.shuffle(family)
    stable.shuffle(tail)
    family += [name for name in dict.fromkeys(tail) if name not in set(family)]
    return given, nick, family


GIVEN, NICKNAMES, FAMILY = _vocabulary()
_GIVEN_CUM = _zipf_cumulative(len(GIVEN), 15)
_FAMILY_CUM = _zipf_cumulative(len(FAMILY), 10)


def _postcodes() -> dict[str, list[tuple[str, str]]]:
    rng = random.Random(20260102)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    gb: dict[str, str] = {}
    areas = list(_GB_AREAS)
    while len(gb) < 60_000:
        area = rng.choice(areas)
        code = f"{area}{rng.randint(1, 20)} {rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        gb[code] = _GB_AREAS[area]
    de: dict[str, str] = {}
    while len(de) < 8_000:
        number = rng.randint(1067, 99998)
        de[f"{number:05d}"] = _DE_TOWNS[number * len(_DE_TOWNS) // 100_000]
    fr: dict[str, str] = {}
    while len(fr) < 6_000:
        department, commune = rng.randint(1, 95), rng.randint(0, 999)
        fr[f"{department:02d}{commune:03d}"] = _FR_TOWNS[department * len(_FR_TOWNS) // 96]
    return {"GB": sorted(gb.items()), "DE": sorted(de.items()), "FR": sorted(fr.items())}


POSTCODES = _postcodes()


@dataclass
class Person:
    n: int
    given: str
    family: str
    country: str
    email: str
    mobile: str  # E.164
    landline: str  # E.164 or ""
    birth_date: str
    street: int  # index into _STREET_ROOTS
    street_type: int
    number: int
    postcode: str
    city: str
    line2: str


@dataclass
class Record:
    """One source record: what the source sends, and the person it really is (the truth, for sanity checks)."""

    person: int
    source: str
    source_key: str
    updated_at: datetime
    attributes: dict[str, Any]


def _ascii(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "ê": "e", "ç": "c"})
    return "".join(ch for ch in text.lower().translate(table) if ch.isalnum())


def mobile(rng: random.Random, country: str) -> str:
    digits = "".join(rng.choices("0123456789", k=8))
    if country == "GB":
        return f"+447{rng.choice('45789')}{digits}"
    if country == "DE":
        return f"+49{rng.choice(('151', '152', '157', '160', '162', '170', '171', '172', '176'))}{digits}"
    return f"+336{rng.choice('0124578')}{digits[:7]}"  # 0639 and 069x are not mobile numbers of mainland France


def _landline(rng: random.Random, country: str) -> str:
    digits = "".join(rng.choices("0123456789", k=7))
    return {"GB": f"+4420{rng.choice('78')}{digits}", "DE": f"+4930{digits}1", "FR": f"+3314{digits}"}[country]


def national(e164: str) -> str:
    """The national spelling of one of our numbers (+44, +49 and +33 all have two-digit country codes)."""
    rest = e164[3:]
    if e164.startswith("+33"):
        return "0" + rest[0] + " " + " ".join(rest[i : i + 2] for i in range(1, len(rest), 2))
    return f"0{rest[:4]} {rest[4:]}"


def _email(rng: random.Random, given: str, family: str, born: str, country: str, n: int) -> str:
    """A mailbox of person ``n``: the number in it keeps it that person's alone (a provider gives one address to one
    customer; "john.smith@gmail.com" shared by the 250 John Smiths of a million customers would make every one of
    them a duplicate of the others). Households that share a mailbox do so on purpose, in ``_person``."""
    g, f = _ascii(given), _ascii(family)
    pattern = rng.random()
    if pattern < 0.35:
        local = f"{g}.{f}"
    elif pattern < 0.55:
        local = f"{g}{f}"
    elif pattern < 0.7:
        local = f"{g[0]}{f}"
    elif pattern < 0.8:
        local = f"{f}.{g}"
    elif pattern < 0.9:
        local = f"{g}_{f[:3]}"
    else:
        local = g
    local += f"{born[2:4]}{n}" if rng.random() < 0.5 else str(n)
    return f"{local}@{rng.choice(_MAIL[country])}"


def _birth_date(rng: random.Random, low: int = 1940, high: int = 2007) -> str:
    day = datetime(low, 1, 1) + timedelta(days=rng.randrange(0, 365 * (high - low + 1)))
    return day.date().isoformat()


def _pick(rng: random.Random, names: list[str], cumulative: list[float]) -> str:
    return rng.choices(names, cum_weights=cumulative)[0]


def _address(rng: random.Random, country: str) -> tuple[int, int, int, str, str, str]:
    postcode, city = rng.choice(POSTCODES[country])
    line2 = ""
    if rng.random() < 0.08:
        line2 = f"Flat {rng.randint(1, 40)}" if country == "GB" else f"Apt {rng.randint(1, 40)}"
    return (
        rng.randrange(len(_STREET_ROOTS)),
        rng.randrange(len(_STREET_TYPES[country])),
        rng.randint(1, 199),
        postcode,
        city,
        line2,
    )


def _person(rng: random.Random, n: int, previous: Person | None) -> Person:
    if previous is not None and rng.random() < 0.10:
        # Someone living with the previous person: a partner, a grown-up child, now and then a twin.
        twin = rng.random() < 0.03
        given = _pick(rng, GIVEN, _GIVEN_CUM)
        while given == previous.given:
            given = _pick(rng, GIVEN, _GIVEN_CUM)
        family = previous.family if rng.random() < 0.85 else _pick(rng, FAMILY, _FAMILY_CUM)
        if twin:
            born = previous.birth_date
        else:
            year = int(previous.birth_date[:4]) + rng.choice((-8, -5, -3, -2, 2, 3, 5, 24, 28, 31))
            born = _birth_date(rng, max(1925, min(year, 2007)), max(1925, min(year, 2007)))
        shared_mail = rng.random() < 0.03
        return Person(
            n,
            given,
            family,
            previous.country,
            previous.email if shared_mail else _email(rng, given, family, born, previous.country, n),
            mobile(rng, previous.country),
            previous.landline,
            born,
            previous.street,
            previous.street_type,
            previous.number,
            previous.postcode,
            previous.city,
            previous.line2,
        )
    country = rng.choice(_COUNTRIES)
    given, family = _pick(rng, GIVEN, _GIVEN_CUM), _pick(rng, FAMILY, _FAMILY_CUM)
    born = _birth_date(rng)
    return Person(
        n,
        given,
        family,
        country,
        _email(rng, given, family, born, country, n),
        mobile(rng, country),
        _landline(rng, country) if rng.random() < 0.25 else "",
        born,
        *_address(rng, country),
    )


def street_line(person: Person, short: bool) -> str:
    root = _STREET_ROOTS[person.street]
    long_type, short_type = _STREET_TYPES[person.country][person.street_type]
    kind = short_type if short else long_type
    if person.country == "DE":
        return f"{root}{kind} {person.number}"
    if person.country == "FR":
        return f"{person.number} {kind} {'des' if root.endswith('s') else 'de'} {root}"
    return f"{person.number} {root} {kind}"


def as_source(rng: random.Random, p: Person, source: str) -> dict[str, Any]:
    """How one system spells a person: each holds its own fields, in its own habits."""
    attrs: dict[str, Any] = {"given_name": p.given, "family_name": p.family, "country": p.country}
    phone = p.mobile if (not p.landline or rng.random() < 0.7) else p.landline
    if source == "erp":
        attrs.update(
            given_name=p.given.upper(),
            family_name=p.family.upper(),
            email=p.email.upper() if rng.random() < 0.15 else p.email,
            phone=national(phone),
            address_line1=street_line(p, short=True),
            postal_code=p.postcode,
            city=p.city.upper(),
            erp_account_number=f"ACC-{(p.n * 7919 + 1_234_567) % 100_000_000:08d}",  # not in people's order
        )
    elif source == "cdp":
        attrs.update(email=p.email, phone=phone, birth_date=p.birth_date)
        if rng.random() < 0.5:
            attrs.update(address_line1=street_line(p, short=False), postal_code=p.postcode, city=p.city)
    elif source == "loyalty":
        attrs.update(
            email=p.email,
            phone=national(phone),
            postal_code=p.postcode,
            loyalty_tier=rng.choice(_TIERS),
            loyalty_points=rng.randint(0, 20_000),
        )
        if rng.random() < 0.7:
            attrs["birth_date"] = p.birth_date
    else:  # commerce
        attrs.update(
            email=p.email,
            address_line1=street_line(p, short=False),
            postal_code=p.postcode.lower().replace(" ", ""),
            city=p.city,
        )
        if rng.random() < 0.6:
            attrs["phone"] = phone
    if p.line2 and "address_line1" in attrs:
        attrs["address_line2"] = p.line2
    return attrs


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:  # transposition
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind < 0.7:  # deletion
        return text[:i] + text[i + 1 :]
    return text[:i] + rng.choice("aeiourstnl") + text[i + 1 :]  # substitution


def noisy(rng: random.Random, attrs: dict[str, Any]) -> dict[str, Any]:
    """The errors and drift of a second system's copy of a person (applied to a duplicate's attributes)."""
    a = dict(attrs)
    given = a.get("given_name")
    if given:
        roll = rng.random()
        variants = NICKNAMES.get(given.title())
        if roll < 0.15 and variants:
            a["given_name"] = rng.choice(variants)
        elif roll < 0.19:
            a["given_name"] = _typo(rng, given)
        elif roll < 0.21:
            a["given_name"] = given[0] + "."
    family = a.get("family_name")
    if family:
        roll = rng.random()
        if roll < 0.06:
            a["family_name"] = _typo(rng, family)
        elif roll < 0.08:
            a["family_name"] = _pick(rng, FAMILY, _FAMILY_CUM)  # a name change (marriage)
    if given and family and rng.random() < 0.01:
        a["given_name"], a["family_name"] = a["family_name"], a["given_name"]
    email = a.get("email")
    if email:
        roll = rng.random()
        local, _, domain = email.partition("@")
        if roll < 0.10:
            a["email"] = f"{local}+{rng.choice(('shop', 'news', 'promo'))}@{domain}"
        elif roll < 0.20:
            a["email"] = email.upper()
        elif roll < 0.32:
            other = 900_000_000 + rng.randrange(100_000_000)  # a second mailbox: no person's number
            a["email"] = _email(rng, a.get("given_name") or "x", family or "y", "1980", a.get("country") or "GB", other)
        elif roll < 0.40:
            del a["email"]
        elif roll < 0.42:
            a["email"] = f"{_typo(rng, local)}@{domain}"
    phone = a.get("phone")
    if phone:
        roll = rng.random()
        if roll < 0.10:
            a["phone"] = mobile(rng, a.get("country") or "GB")
        elif roll < 0.12:
            i = rng.randrange(len(phone) - 4, len(phone))
            a["phone"] = phone[:i] + str((int(phone[i]) + 1) % 10) + phone[i + 1 :] if phone[i].isdigit() else phone
        elif roll < 0.22:
            del a["phone"]
    born = a.get("birth_date")
    if born:
        roll = rng.random()
        if roll < 0.02 and int(born[8:10]) <= 12:
            a["birth_date"] = f"{born[:4]}-{born[8:10]}-{born[5:7]}"
        elif roll < 0.04:
            day = int(born[8:10])
            a["birth_date"] = f"{born[:8]}{(day % 28) + 1:02d}"
    if "address_line1" in a or "postal_code" in a:
        roll = rng.random()
        if roll < 0.08:  # moved
            country = a.get("country") or "GB"
            street, kind, number, postcode, city, _ = _address(rng, country)
            moved = Person(0, "", "", country, "", "", "", "", street, kind, number, postcode, city, "")
            if "address_line1" in a:
                a["address_line1"] = street_line(moved, short=rng.random() < 0.5)
            a["postal_code"], a["city"] = postcode, city
            a.pop("address_line2", None)
        elif roll < 0.13:
            a.pop("address_line1", None)
            a.pop("address_line2", None)
    return a


def _records_of(rng: random.Random, p: Person, key_counter: dict[str, int]) -> list[Record]:
    """A person's records: one, or (24 % of people) two to four in several systems."""
    extra = 0
    if rng.random() < 0.2415:
        extra = rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
    first = rng.choice(SOURCES)
    sources = [first]
    for _ in range(extra):
        others = [s for s in SOURCES if s not in sources]
        sources.append(rng.choice(others) if others and rng.random() < 0.85 else rng.choice(SOURCES))
    out = []
    for k, source in enumerate(sources):
        attrs = as_source(rng, p, source)
        if k:
            attrs = noisy(rng, attrs)
        elif rng.random() < 0.05:
            attrs.pop(rng.choice([n for n in attrs if n not in ("family_name", "country")]), None)
        count = key_counter.get(source, 0)
        key_counter[source] = count + 1
        suffix = f"-{count}" if count else ""
        out.append(
            Record(
                p.n,
                source,
                f"{KEY_PREFIX[source]}{p.n:08d}{suffix}",
                BASE_TIME + timedelta(minutes=rng.randrange(0, 60 * 24 * 360)),
                attrs,
            )
        )
    return out


def chunk_records(seed: int, chunk: int) -> list[Record]:
    """The records of people ``chunk * CHUNK`` to ``(chunk + 1) * CHUNK - 1`` (one random stream per chunk)."""
    rng = random.Random(seed * 1_000_003 + chunk)
    out: list[Record] = []
    previous = None
    for n in range(chunk * CHUNK, (chunk + 1) * CHUNK):
        person = _person(rng, n, previous)
        counter: dict[str, int] = {}
        out.extend(_records_of(rng, person, counter))
        previous = person
    return out


def new_person(rng: random.Random, n: int) -> Person:
    return _person(rng, n, None)
