"""Customers: how two customer records compare, field by field, and the caps that only people need.

Given name, family name, birth date, email, phone, ERP account number, address, postal code and city: each a
``Comparison`` whose levels carry weights in bits (``scoring`` adds them up). Family name, email and phone are what a
household shares; address, postal code and city are where it lives: ``scoring`` caps those groups. Two adjustments
are the customers' own (``adjustments``): twins, and a new family name.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from . import normalise as norm
from .comparisons import (
    Columns,
    Comparison,
    _digits_differ,
    _edit_levels,
    _levels,
    _one_typo,
    _present,
    _similarity,
    _string_levels,
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


def _phone(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Exact, split by what the number is: a mobile is one person's, a landline the household's."""
    level, sim = _edit_levels(PHONE)(a, b)
    exact = np.flatnonzero(level == 0)
    mobile = np.fromiter((norm.phone_is_mobile(n) for n in a[PHONE][exact]), dtype=bool, count=len(exact))
    level[level > 0] += 1
    level[exact[~mobile]] = 1
    return level, sim


def _email(a: Columns, b: Columns) -> tuple[np.ndarray, np.ndarray]:
    """Exact, split by whose address it is: one whose local part names the person (``normalise.email_names``: by
    either record's given name, a form of it, or an initial and family name) is that person's; others
    ("the.schmitz@", "info@") may be the household's."""
    level, sim = _string_levels(EMAIL, (0.95,))(a, b)
    exact = np.flatnonzero(level == 0)
    personal = np.zeros(len(exact), dtype=bool)
    email, given_a, given_b = a[EMAIL], a[GIVEN_NAME], b[GIVEN_NAME]
    from_email_a, from_email_b = a[GIVEN_NAME_FROM_EMAIL], b[GIVEN_NAME_FROM_EMAIL]
    family_a, family_b = a[FAMILY_NAME], b[FAMILY_NAME]
    groups_a, groups_b = a[GIVEN_NAME_GROUPS], b[GIVEN_NAME_GROUPS]
    for k, i in enumerate(exact):
        if _another_name(from_email_a[i], given_b[i]) or _another_name(from_email_b[i], given_a[i]):
            continue  # the email names one person and the other record someone else: Werner using sophie464@
        given = (given_a[i] or from_email_a[i], given_b[i] or from_email_b[i])
        family = (family_a[i], family_b[i])
        personal[k] = norm.email_names(email[i], given, family, {*groups_a[i], *groups_b[i]})
    level[level > 0] += 1
    level[exact[~personal]] = 1
    return level, sim


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
    conditions = [exact, nickname, (sim >= 0.92) | typo, swapped, contained, sim >= 0.8, crossed, from_email]
    level = _levels(conditions, present)
    level[from_email] = len(conditions) - 1  # one of the two is missing: not "present"
    return level, sim


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
    return _levels([exact, (sim >= 0.92) | typo, swapped, part >= 0.999, sounds_alike, sim >= 0.8], present), sim


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
    return _levels([exact, close, one_part], present), sim


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
    return _levels(
        [exact, (sim >= 0.9) & ~other_number, same_number & (street >= 0.8), (street >= 0.9) & other_number],
        present,
    ), sim


COMPARISONS = (
    Comparison(
        "given_name",
        (GIVEN_NAME,),
        (
            "exact",
            "nickname",
            "one typo or jaro-winkler ≥ 0.92",
            "swapped with family name",
            "initial or first name",
            "jaro-winkler ≥ 0.80",
            "the other's family name",
            "as the other's email holds it",
            "different",
        ),
        (7.0, 6.0, 4.5, 4.5, 2.0, 1.0, -3.0, 6.0, -13.0),
        _given_name,
    ),
    Comparison(
        "family_name",
        (FAMILY_NAME,),
        (
            "exact",
            "one typo or jaro-winkler ≥ 0.92",
            "swapped with given name",
            "one of the names",
            "sounds alike (Soundex)",
            "jaro-winkler ≥ 0.80",
            "different",
        ),
        (8.0, 5.0, 5.0, 4.0, 4.0, 1.0, -5.0),
        _family_name,
        group="household",
    ),
    Comparison(
        "birth_date",
        (BIRTH_DATE,),
        ("exact", "typo or day/month swapped", "one of year, month, day differs", "different"),
        (14.0, 7.0, 7.0, -12.0),
        _birth_date,
    ),
    Comparison(
        "email",
        (EMAIL,),
        ("exact, names the person", "exact (canonical)", "jaro-winkler ≥ 0.95", "different"),
        (18.0, 18.0, 6.0, -1.5),
        _email,
        group="household",
        personal=(0,),
    ),
    Comparison(
        "phone",
        (PHONE,),
        ("exact, mobile (E.164)", "exact (E.164)", "one digit off", "different"),
        (16.0, 9.0, 4.0, -1.5),
        _phone,
        group="household",
        personal=(0,),
    ),
    Comparison(
        "erp_account_number",
        (ACCOUNT,),
        ("exact", "one character off", "different"),
        (20.0, 8.0, -2.0),
        _edit_levels(ACCOUNT, sequential=True),
    ),
    Comparison(
        "address",
        (ADDRESS,),
        ("exact", "similar ≥ 0.90", "same number, similar street", "same street, other number", "different"),
        (9.0, 7.0, 5.0, -2.0, -3.0),
        _address,
        group="location",
    ),
    Comparison(
        "postal_code",
        (POSTCODE,),
        ("exact", "one character off", "different"),
        (10.0, 1.5, -2.0),
        _edit_levels(POSTCODE),
        group="location",
    ),
    Comparison(
        "city",
        (CITY,),
        ("exact", "jaro-winkler ≥ 0.90", "different"),
        (2.0, 1.0, -1.0),
        _string_levels(CITY, (0.9,)),
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


def _level_numbers(field: str, *labels: str) -> tuple[int, ...]:
    """The positions of customer comparison ``field``'s levels named ``labels`` (what ``_compare`` returns)."""
    [comparison] = [c for c in COMPARISONS if c.field == field]
    return tuple(comparison.labels.index(label) for label in labels)


_GIVEN_NAME_ALIKE = _level_numbers(
    "given_name", "one typo or jaro-winkler ≥ 0.92", "initial or first name", "jaro-winkler ≥ 0.80"
)
[_GIVEN_NAME_NICKNAME] = _level_numbers("given_name", "nickname")
_GIVEN_NAME_SAME = _level_numbers("given_name", "exact", "nickname", "one typo or jaro-winkler ≥ 0.92")
[_FAMILY_DIFFERENT] = _level_numbers("family_name", "different")


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
    own = (levels["erp_account_number"] == 0) | (personal > 0)
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
