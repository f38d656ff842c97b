"""Customers: how two customer records compare, field by field, and the caps that only people need.

Given name, family name, birth date, email, phone, ERP account number, address, postal code and city: each a
``Comparison`` whose levels carry weights in bits (``scoring`` adds them up). Family name, email and phone are what a
household shares; address, postal code and city are where it lives: ``scoring`` caps those groups. Two adjustments
are the customers' own (``adjustments``): twins, and a new family name.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from . import normalise as norm
from .comparisons import (
    Columns,
    Comparison,
    EditLevel,
    SimilarLevel,
    _digits_differ,
    _edit_levels,
    _edits,
    _levels,
    _one_typo,
    _present,
    _similarity,
    _string_levels,
    _string_match,
)
from .features import (
    ACCOUNT,
    ADDRESS,
    BIRTH_DATE,
    CITY,
    EMAIL,
    FAMILY_NAME,
    FAMILY_SOUNDEX,
    FIRST_LINE_STREET,
    GIVEN_NAME,
    GIVEN_NAME_FROM_EMAIL,
    GIVEN_NAME_GROUPS,
    HOUSE_NUMBER,
    PHONE,
    POSTCODE,
    STREET,
)
from .nicknames import are_nicknames

# Twins share a household and a birth date, and often a given name that differs by a letter or two (Paul / Paula,
# Simon / Simone, Lea / Lena). When two records share a household (an address, phone or email) and their given
# names only look alike (not the same name, not a nickname), the pair counts at most this many log2 odds in all
# (p = 0.94: the review band at the default thresholds), unless something of the person's own (an account number,
# a mobile, an email naming them) agrees: a steward decides, it is never linked by itself.
TWIN_CAP = 4.0


class PhoneLevel(IntEnum):
    MOBILE = 0  # the same number, a mobile: one person's
    EXACT = 1  # the same number, a landline: the household's
    TYPO = 2  # one digit off
    DIFFERENT = 3


def _phone(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Exact, split by what the number is: a mobile is one person's, a landline the household's."""
    x = a[PHONE]
    present, exact, sim, typo = _edits(x, b[PHONE])
    index = np.flatnonzero(exact)
    mobile = np.zeros(len(x), dtype=bool)
    mobile[index] = np.fromiter((norm.phone_is_mobile(n) for n in x[index]), dtype=bool, count=len(index))
    conditions = {PhoneLevel.MOBILE: mobile, PhoneLevel.EXACT: exact, PhoneLevel.TYPO: typo}
    return _levels(conditions, present, PhoneLevel.DIFFERENT), sim


class EmailLevel(IntEnum):
    NAMES_THE_PERSON = 0  # the same address, whose local part names the person: theirs
    EXACT = 1  # the same address, maybe the household's
    SIMILAR = 2  # jaro-winkler at _EMAIL_SIMILAR or above
    DIFFERENT = 3


_EMAIL_SIMILAR = 0.95


def _email(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Exact, split by whose address it is: one whose local part names the person (``normalise.email_names``: by
    either record's given name, a form of it, or an initial and family name) is that person's; others
    ("the.schmitz@", "info@") may be the household's."""
    email = a[EMAIL]
    present, exact, sim = _string_match(email, b[EMAIL], _EMAIL_SIMILAR)
    names_person = np.zeros(len(email), dtype=bool)
    given_a, given_b = a[GIVEN_NAME], b[GIVEN_NAME]
    from_email_a, from_email_b = a[GIVEN_NAME_FROM_EMAIL], b[GIVEN_NAME_FROM_EMAIL]
    family_a, family_b = a[FAMILY_NAME], b[FAMILY_NAME]
    groups_a, groups_b = a[GIVEN_NAME_GROUPS], b[GIVEN_NAME_GROUPS]
    for i in np.flatnonzero(exact):
        if _another_name(from_email_a[i], given_b[i]) or _another_name(from_email_b[i], given_a[i]):
            continue  # the email names one person and the other record someone else: Werner using sophie464@
        given = (given_a[i] or from_email_a[i], given_b[i] or from_email_b[i])
        family = (family_a[i], family_b[i])
        names_person[i] = norm.email_names(email[i], given, family, {*groups_a[i], *groups_b[i]})
    conditions = {
        EmailLevel.NAMES_THE_PERSON: names_person,
        EmailLevel.EXACT: exact,
        EmailLevel.SIMILAR: sim >= _EMAIL_SIMILAR,
    }
    return _levels(conditions, present, EmailLevel.DIFFERENT), sim


def _another_name(from_email: str, given: str) -> bool:
    """A given name that is not the one an email holds, nor a nickname or a slip of it."""
    return bool(from_email and given) and not (
        are_nicknames(from_email, given) or OSA.distance(from_email, given, score_cutoff=1) <= 1
    )


def _swapped(a: Columns, b: Columns, mask: np.ndarray) -> np.ndarray:
    """Given and family name swapped between the two records, typos allowed ("Mason Madeline" / "Madeline Masno")."""
    cross_given = _similarity(JaroWinkler.similarity, a[GIVEN_NAME], b[FAMILY_NAME], mask)
    cross_family = _similarity(JaroWinkler.similarity, a[FAMILY_NAME], b[GIVEN_NAME], mask)
    return mask & (cross_given >= 0.9) & (cross_family >= 0.9)


class GivenNameLevel(IntEnum):
    EXACT = 0  # or given and family name swapped between systems
    NICKNAME = 1
    TYPO = 2  # one typo, or jaro-winkler 0.92 or above
    SWAPPED = 3  # with the family name, typos allowed
    CONTAINED = 4  # an initial, or the first of the other's names
    SIMILAR = 5  # jaro-winkler 0.80 or above
    CROSSED = 6  # the other record's family name
    FROM_EMAIL = 7  # one record has none, and the other's is the one its email holds
    DIFFERENT = 8


def _given_name(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    x, y = a[GIVEN_NAME], b[GIVEN_NAME]
    present = _present(x, y)
    exact = present & (x == y)
    # Given and family name swapped between systems count as exact.
    exact |= present & (x == b[FAMILY_NAME]) & (y == a[FAMILY_NAME])
    sim = _similarity(JaroWinkler.similarity, x, y, present & ~exact)
    sim[exact] = 1.0
    swapped = _swapped(a, b, present & ~exact & (sim < 0.8))
    nickname = np.zeros(len(x), dtype=bool)
    groups_a, groups_b = a[GIVEN_NAME_GROUPS], b[GIVEN_NAME_GROUPS]
    for i in np.flatnonzero(present & ~exact & ~swapped):
        nickname[i] = bool(set(groups_a[i]) & set(groups_b[i]))
    # A given name contained in the other ("mary" / "mary ann", initials expanded: "j" / "john").
    contained = np.zeros(len(x), dtype=bool)
    for i in np.flatnonzero(present & ~exact & ~nickname & (sim < 0.92)):
        short, long_ = sorted((x[i], y[i]), key=len)
        contained[i] = long_.startswith(short + " ") or (len(short) == 1 and long_.startswith(short))
    # One record's given name is the other's family name ("James Coleman" / "Howie James"): one name filed in the
    # wrong field, the other lost. Weak evidence against, not the -13 bits of a different person's given name
    # (FEBRL4 steward-em F1 at review 0.9988 -> 0.9991; at 0 bits RLdata10000 took one more false match).
    crossed = present & (sim < 0.8) & ((x == b[FAMILY_NAME]) | (y == a[FAMILY_NAME]))
    # One record without a given name, whose email holds the other's ("Hildegard Schmidt" / "schmidt.hildegard@"):
    # weaker than a given name of its own (the email may be a partner's), and nothing where the two differ.
    from_email = np.zeros(len(x), dtype=bool)
    from_email_a, from_email_b = a[GIVEN_NAME_FROM_EMAIL], b[GIVEN_NAME_FROM_EMAIL]
    for i in np.flatnonzero((x == "") & (from_email_a != "") & (y != "")):
        from_email[i] = are_nicknames(from_email_a[i], y[i])
    for i in np.flatnonzero((y == "") & (from_email_b != "") & (x != "")):
        from_email[i] = are_nicknames(x[i], from_email_b[i])
    typo = _one_typo(x, y, present & ~exact & ~nickname & (sim < 0.92))
    conditions = {
        GivenNameLevel.EXACT: exact,
        GivenNameLevel.NICKNAME: nickname,
        GivenNameLevel.TYPO: (sim >= 0.92) | typo,
        GivenNameLevel.SWAPPED: swapped,
        GivenNameLevel.CONTAINED: contained,
        GivenNameLevel.SIMILAR: sim >= 0.8,
        GivenNameLevel.CROSSED: crossed,
        GivenNameLevel.FROM_EMAIL: from_email,
    }
    level = _levels(conditions, present, GivenNameLevel.DIFFERENT)
    level[from_email] = GivenNameLevel.FROM_EMAIL  # one of the two is missing: not "present"
    return level, sim


class FamilyNameLevel(IntEnum):
    EXACT = 0  # or given and family name swapped between systems
    TYPO = 1  # one typo, or jaro-winkler 0.92 or above
    SWAPPED = 2  # with the given name, typos allowed
    PART = 3  # one of the names of a double-barrelled one
    SOUNDS_ALIKE = 4  # the same Soundex code, and jaro-winkler 0.80 or above
    SIMILAR = 5  # jaro-winkler 0.80 or above
    DIFFERENT = 6


def _family_name(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    x, y = a[FAMILY_NAME], b[FAMILY_NAME]
    present = _present(x, y)
    exact = present & (x == y)
    exact |= present & (x == b[GIVEN_NAME]) & (y == a[GIVEN_NAME])
    sim = _similarity(JaroWinkler.similarity, x, y, present & ~exact)
    sim[exact] = 1.0
    sim[_digits_differ(x, y, present & ~exact & (sim >= 0.8))] = 0.0
    # Double-barrelled names: "garcia lopez" / "garcia", "smith jones" / "smith-jones".
    part = _similarity(fuzz.token_set_ratio, x, y, present & ~exact & (sim < 0.92)) / 100
    sounds_alike = (a[FAMILY_SOUNDEX] == b[FAMILY_SOUNDEX]) & (sim >= 0.8)
    swapped = _swapped(a, b, present & ~exact & (sim < 0.8))
    typo = _one_typo(x, y, present & ~exact & (sim < 0.92))
    conditions = {
        FamilyNameLevel.EXACT: exact,
        FamilyNameLevel.TYPO: (sim >= 0.92) | typo,
        FamilyNameLevel.SWAPPED: swapped,
        FamilyNameLevel.PART: part >= 0.999,
        FamilyNameLevel.SOUNDS_ALIKE: sounds_alike,
        FamilyNameLevel.SIMILAR: sim >= 0.8,
    }
    return _levels(conditions, present, FamilyNameLevel.DIFFERENT), sim


class BirthDateLevel(IntEnum):
    EXACT = 0
    TYPO = 1  # one typo, or day and month swapped
    ONE_PART = 2  # one of year, month and day wrong as a whole
    DIFFERENT = 3


def _birth_date(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    x, y = a[BIRTH_DATE], b[BIRTH_DATE]
    # Features stored before placeholders were dropped may still carry one: no evidence either way.
    placeholder = list(norm.PLACEHOLDER_BIRTH_DATES)
    present = _present(x, y) & ~np.isin(x, placeholder) & ~np.isin(y, placeholder)
    exact = present & (x == y)
    close = np.zeros(len(x), dtype=bool)
    one_part = np.zeros(len(x), dtype=bool)
    for i in np.flatnonzero(present & ~exact):
        p, q = x[i], y[i]  # YYYY-MM-DD
        swapped = p[:4] == q[:4] and p[5:7] == q[8:10] and p[8:10] == q[5:7]
        close[i] = swapped or OSA.distance(p, q) <= 1
        # One of year, month and day wrong as a whole (a keying slip: 1975 for 1957, the 14th for the 11th): one slip,
        # as strong as a typo. Two people of the same name agree on two of the three by chance about once in 200
        # pairs. On RLdata10000 it takes recall at review from 0.884 to 0.928 (precision 0.991 to 0.970).
        one_part[i] = (p[:4] == q[:4]) + (p[5:7] == q[5:7]) + (p[8:10] == q[8:10]) == 2
    sim = np.where(exact, 1.0, np.where(close, 0.9, np.where(one_part, 0.6, 0.0)))
    conditions = {BirthDateLevel.EXACT: exact, BirthDateLevel.TYPO: close, BirthDateLevel.ONE_PART: one_part}
    return _levels(conditions, present, BirthDateLevel.DIFFERENT), sim


class AddressLevel(IntEnum):
    EXACT = 0  # or only a space apart
    SIMILAR = 1  # token-sort or token-set similarity 0.90 or above, and no other house number
    SAME_NUMBER = 2  # the same house number, the streets similar (0.80 or above)
    OTHER_NUMBER = 3  # the same street (0.90 or above), another house number: a neighbour
    DIFFERENT = 4


def _address(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    x, y = a[ADDRESS], b[ADDRESS]
    present = _present(x, y)
    exact = present & (x == y)
    # A space slipped ("ahornwe g14" / "ahornweg 14", "14a" / "14 a"): the same letters and digits in the same order.
    index = np.flatnonzero(present & ~exact)
    exact[index] = [p.replace(" ", "") == q.replace(" ", "") for p, q in zip(x[index], y[index], strict=True)]
    # Token order and word splits vary ("15 merewether public school lubuma pl" / "15 lubuma pl merewether pu blic
    # school"): the best of token-sort and token-set similarity.
    sim = _similarity(fuzz.token_sort_ratio, x, y, present & ~exact) / 100
    sim = np.maximum(sim, _similarity(fuzz.token_set_ratio, x, y, present & ~exact & (sim < 0.9)) / 100)
    sim[exact] = 1.0
    street_a, street_b = a[STREET], b[STREET]
    street = _similarity(fuzz.token_sort_ratio, street_a, street_b, present & ~exact) / 100
    # A second line ("61 allée desLilas, Bât. D" / "61 allée des Lilas"): the streets of the first lines too.
    line1_a, line1_b = a[FIRST_LINE_STREET], b[FIRST_LINE_STREET]
    second = present & ~exact & (street < 0.8) & ((line1_a != "") | (line1_b != ""))
    first_a, first_b = np.where(line1_a != "", line1_a, street_a), np.where(line1_b != "", line1_b, street_b)
    street = np.maximum(street, _similarity(fuzz.token_sort_ratio, first_a, first_b, second) / 100)
    number_a, number_b = a[HOUSE_NUMBER], b[HOUSE_NUMBER]
    same_number = (number_a == number_b) & (number_a != "")
    other_number = (number_a != number_b) & (number_a != "") & (number_b != "")
    conditions = {
        AddressLevel.EXACT: exact,
        AddressLevel.SIMILAR: (sim >= 0.9) & ~other_number,
        AddressLevel.SAME_NUMBER: same_number & (street >= 0.8),
        AddressLevel.OTHER_NUMBER: (street >= 0.9) & other_number,
    }
    return _levels(conditions, present, AddressLevel.DIFFERENT), sim


COMPARISONS = (
    Comparison.by_level(
        "given_name",
        (GIVEN_NAME,),
        {
            GivenNameLevel.EXACT: ("exact", 7.0),
            GivenNameLevel.NICKNAME: ("nickname", 6.0),
            GivenNameLevel.TYPO: ("one typo or jaro-winkler ≥ 0.92", 4.5),
            GivenNameLevel.SWAPPED: ("swapped with family name", 4.5),
            GivenNameLevel.CONTAINED: ("initial or first name", 2.0),
            GivenNameLevel.SIMILAR: ("jaro-winkler ≥ 0.80", 1.0),
            GivenNameLevel.CROSSED: ("the other's family name", -3.0),
            GivenNameLevel.FROM_EMAIL: ("as the other's email holds it", 6.0),
            GivenNameLevel.DIFFERENT: ("different", -13.0),
        },
        _given_name,
    ),
    Comparison.by_level(
        "family_name",
        (FAMILY_NAME,),
        {
            FamilyNameLevel.EXACT: ("exact", 8.0),
            FamilyNameLevel.TYPO: ("one typo or jaro-winkler ≥ 0.92", 5.0),
            FamilyNameLevel.SWAPPED: ("swapped with given name", 5.0),
            FamilyNameLevel.PART: ("one of the names", 4.0),
            FamilyNameLevel.SOUNDS_ALIKE: ("sounds alike (Soundex)", 4.0),
            FamilyNameLevel.SIMILAR: ("jaro-winkler ≥ 0.80", 1.0),
            FamilyNameLevel.DIFFERENT: ("different", -5.0),
        },
        _family_name,
        group="household",
    ),
    Comparison.by_level(
        "birth_date",
        (BIRTH_DATE,),
        {
            BirthDateLevel.EXACT: ("exact", 14.0),
            BirthDateLevel.TYPO: ("typo or day/month swapped", 7.0),
            BirthDateLevel.ONE_PART: ("one of year, month, day differs", 7.0),
            BirthDateLevel.DIFFERENT: ("different", -12.0),
        },
        _birth_date,
    ),
    Comparison.by_level(
        "email",
        (EMAIL,),
        {
            EmailLevel.NAMES_THE_PERSON: ("exact, names the person", 18.0),
            EmailLevel.EXACT: ("exact (canonical)", 18.0),
            EmailLevel.SIMILAR: ("jaro-winkler ≥ 0.95", 6.0),
            EmailLevel.DIFFERENT: ("different", -1.5),
        },
        _email,
        group="household",
        personal=(EmailLevel.NAMES_THE_PERSON,),
    ),
    Comparison.by_level(
        "phone",
        (PHONE,),
        {
            PhoneLevel.MOBILE: ("exact, mobile (E.164)", 16.0),
            PhoneLevel.EXACT: ("exact (E.164)", 9.0),
            PhoneLevel.TYPO: ("one digit off", 4.0),
            PhoneLevel.DIFFERENT: ("different", -1.5),
        },
        _phone,
        group="household",
        personal=(PhoneLevel.MOBILE,),
    ),
    Comparison.by_level(
        "erp_account_number",
        (ACCOUNT,),
        {
            EditLevel.EXACT: ("exact", 20.0),
            EditLevel.TYPO: ("one character off", 8.0),
            EditLevel.DIFFERENT: ("different", -2.0),
        },
        _edit_levels(ACCOUNT, sequential=True),
    ),
    Comparison.by_level(
        "address",
        (ADDRESS,),
        {
            AddressLevel.EXACT: ("exact", 9.0),
            AddressLevel.SIMILAR: ("similar ≥ 0.90", 7.0),
            AddressLevel.SAME_NUMBER: ("same number, similar street", 5.0),
            AddressLevel.OTHER_NUMBER: ("same street, other number", -2.0),
            AddressLevel.DIFFERENT: ("different", -3.0),
        },
        _address,
        group="location",
    ),
    Comparison.by_level(
        "postal_code",
        (POSTCODE,),
        {
            EditLevel.EXACT: ("exact", 10.0),
            EditLevel.TYPO: ("one character off", 1.5),
            EditLevel.DIFFERENT: ("different", -2.0),
        },
        _edit_levels(POSTCODE),
        group="location",
    ),
    Comparison.by_level(
        "city",
        (CITY,),
        {
            SimilarLevel.EXACT: ("exact", 2.0),
            SimilarLevel.SIMILAR: ("jaro-winkler ≥ 0.90", 1.0),
            SimilarLevel.DIFFERENT: ("different", -1.0),
        },
        _string_levels(CITY, 0.9),
        group="location",
    ),
)

# The feature columns the comparisons read.
COLUMNS = (
    GIVEN_NAME,
    GIVEN_NAME_GROUPS,
    GIVEN_NAME_FROM_EMAIL,
    FAMILY_NAME,
    FAMILY_SOUNDEX,
    EMAIL,
    PHONE,
    BIRTH_DATE,
    ADDRESS,
    HOUSE_NUMBER,
    STREET,
    FIRST_LINE_STREET,
    POSTCODE,
    CITY,
    ACCOUNT,
)


# The levels the caps below test, as plain numbers: numpy compares an array with an IntEnum member on a slow path
# (2 µs against 0.5 for a batch of one upsert's candidates).
_ACCOUNT_EXACT = int(EditLevel.EXACT)
_GIVEN_NAME_NICKNAME = int(GivenNameLevel.NICKNAME)
_FAMILY_DIFFERENT = int(FamilyNameLevel.DIFFERENT)
# Given names that only look alike: what twins' often do (Paul / Paula, Simon / Simone, Lea / Lena).
_GIVEN_NAME_ALIKE = np.array([GivenNameLevel.TYPO, GivenNameLevel.CONTAINED, GivenNameLevel.SIMILAR], dtype=np.int64)
# The same given name, as far as a name change goes.
_GIVEN_NAME_SAME = np.array([GivenNameLevel.EXACT, GivenNameLevel.NICKNAME, GivenNameLevel.TYPO], dtype=np.int64)


def adjustments(
    *,
    levels: Mapping[str, np.ndarray],
    similarity: Mapping[str, np.ndarray],
    weight: Mapping[str, np.ndarray],
    total: np.ndarray,
    household: np.ndarray,
    personal: np.ndarray,
) -> dict[str, np.ndarray]:
    """The customers' own caps, by name, in the order they are added to the pairs' log2 odds ``total`` (the groups
    already capped): twins, then a name change. ``household``: what the household fields add up to before their cap;
    ``personal``: what they say of the person alone (a mobile, an email naming them)."""
    # Living together: a shared address, phone or email (the family name alone is not enough).
    together = (household - weight["family_name"] > 0) | (personal > 0)
    # Living together, given names only alike and nothing of the person's own (an account number, a mobile, an
    # email naming them) agreeing: at most TWIN_CAP bits, whatever the shared fields and the birth date add up to.
    own = (levels["erp_account_number"] == _ACCOUNT_EXACT) | (personal > 0)
    # A nickname that is also spelt alike (Julia / Julie, Louis / Luis) is one of those too.
    spelt_alike = (levels["given_name"] == _GIVEN_NAME_NICKNAME) & (similarity["given_name"] >= 0.92)
    alike = together & (np.isin(levels["given_name"], _GIVEN_NAME_ALIKE) | spelt_alike) & ~own
    twins = np.where(alike & (total > TWIN_CAP), TWIN_CAP - total, 0.0)
    # A new family name (marriage) with the same given name and something of the person's own agreeing: the
    # family name is no evidence against.
    renamed = own & np.isin(levels["given_name"], _GIVEN_NAME_SAME) & (levels["family_name"] == _FAMILY_DIFFERENT)
    name_change = np.where(renamed, -np.minimum(weight["family_name"], 0.0), 0.0)
    return {"twins": twins, "name_change": name_change}


CAPPED = {  # what each of those caps says in an explanation
    "twins": f"given names only alike: the pair capped at {TWIN_CAP:g} bits",
    "name_change": "same given name and their own email, mobile or account: a new family name is no evidence against",
}
