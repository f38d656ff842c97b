"""Generated customers: households of people, each sent by the systems that know them, each system with its habits
and its errors (see the package docstring for the hard cases)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import phonenumbers

from stewardship.matching import nicknames
from stewardship.matching.normalise import email_canonical

from . import vocabulary as v
from .common import CUSTOMER_SOURCES, SourceRecord, ascii_only, email_part, fold, nickname_table, title, typo, zipf


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
        return f"{street} {self.number}" if self.country == "DE" else f"{self.number} {street}"


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


class _CustomerFactory:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.keys: dict[str, int] = {}
        self.nicknames = nickname_table()
        self.given = {country: tuple(names.split() for names in both) for country, both in v.GIVEN.items()}
        self.family = {country: v.family_names(country) for country in v.FAMILY}

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
        return zipf(self.rng, self.given[country][0 if female else 1], v.GIVEN_OFFSET)

    def family_name(self, country: str) -> str:
        return zipf(self.rng, self.family[country], v.FAMILY_OFFSET[country])

    def address(self, country: str) -> _Address:
        rng = self.rng
        city, codes, area = rng.choice(v.CITIES[country])
        number = str(rng.randint(1, 120))
        line2 = None
        if country == "GB":
            stem, (kind, abbr) = rng.choice(v.GB_STREETS), rng.choice(v.GB_TYPES)
            street, street_abbr = f"{stem} {kind}", f"{stem} {abbr}"
            postcode = f"{rng.choice(codes)} {rng.randint(1, 9)}{''.join(rng.choices('ABDEFGHJLNPQRSTUWXYZ', k=2))}"
            if rng.random() < 0.2:
                line2 = f"Flat {rng.randint(1, 40)}"
        elif country == "DE":
            stem, (kind, abbr) = rng.choice(v.DE_STREETS), rng.choice(v.DE_TYPES)
            street, street_abbr = f"{stem}{kind}", f"{stem}{abbr}"
            postcode = f"{rng.randint(*codes):05d}"
            if rng.random() < 0.1:
                line2 = f"{rng.randint(1, 5)}. OG"
        else:
            name, (kind, abbr) = rng.choice(v.FR_STREETS), rng.choice(v.FR_TYPES)
            street, street_abbr = f"{kind} {name}", f"{abbr} {name}"
            postcode = f"{rng.randint(*codes):05d}"
            if rng.random() < 0.05:
                number += " bis"
            if rng.random() < 0.2:
                line2 = f"Bât. {rng.choice('ABCD')}, apt {rng.randint(1, 60)}"
        return _Address(number, street, street_abbr, line2, postcode, city, country, area)

    def _unique_phone(self, make: Callable[[], str]) -> str:
        for _ in range(1000):  # one random Cardiff landline in eight is a valid number
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
        g, f = email_part(given), email_part(family)
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
        domain = rng.choice(v.MAIL_DOMAINS[country])
        email = f"{local}@{domain}"
        # Unique as a mailbox, not as a string: j.smith@gmail.com and jsmith@googlemail.com are one mailbox, which
        # two different people cannot both own (shared family mailboxes are generated on purpose elsewhere).
        while email_canonical(email) in self.emails:
            email = f"{local}{rng.randint(1, 9999)}@{domain}"
        self.emails.add(email_canonical(email))
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
        local = f"{email_part(given)}.{email_part(family)}"
        email = f"{local}@{self.rng.choice(v.WORK_DOMAINS)}"
        while email_canonical(email) in self.emails:
            email = f"{local}{self.rng.randint(1, 999)}@{self.rng.choice(v.WORK_DOMAINS)}"
        self.emails.add(email_canonical(email))
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
            names = rng.choice(v.SIMILAR_TWINS) if rng.random() < 0.35 else self.twin_names(country)
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
        while fold(b) == fold(a) or nicknames.are_nicknames(fold(a), fold(b)):
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
        formal = fold(given)
        if source in ("cdp", "commerce", "loyalty") and formal in self.nicknames and rng.random() < 0.2:
            given = title(rng.choice(self.nicknames[formal]))
            cases.add("nickname")
        if rng.random() < 0.05:
            given = typo(rng, given)
            cases.add("typo")
        if rng.random() < 0.05:
            family = typo(rng, family)
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

        sends = {name: rng.random() < share for name, share in v.SENDS[source].items()}
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
            attrs["loyalty_tier"] = rng.choice(v.TIERS)
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
            attrs["email"] = typo(rng, attrs["email"].split("@")[0]) + "@" + attrs["email"].split("@")[1]
            cases.add("typo")
        return SourceRecord(source, key, p.id, p.household, tuple(sorted(cases)), attrs)

    def _erp_name(self, name: str, country: str) -> str:
        name = ascii_only(name) if country in ("DE", "FR") and self.rng.random() < 0.6 else name
        return name.upper() if self.rng.random() < 0.7 else name

    def _address_attrs(self, address: _Address, *, abbreviated: bool, upper: bool, cases: set[str]) -> dict[str, Any]:
        rng = self.rng
        line1 = address.line1(abbreviated)
        city = address.city
        postcode = address.postcode
        if upper:
            line1, city = ascii_only(line1).upper(), ascii_only(city).upper()
        if rng.random() < 0.05:
            line1 = typo(rng, line1)
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
        if roll < 0.12 and domain in v.PLUS_DOMAINS and source in ("commerce", "loyalty", "cdp"):
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


def customers(rng: random.Random, count: int) -> list[SourceRecord]:
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
