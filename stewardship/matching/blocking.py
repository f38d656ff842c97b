"""Blocking: the keys a record is filed under. Two records are compared only when they share at least one key.

Keys are short strings (at most 200 characters), prefixed by their kind ("em:", "ph:", "fp:", ...), stored with the
source record and looked up when another record arrives; ``pair_candidates`` does the same for a whole set in memory.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from . import normalise as norm
from .features import (
    ACCOUNT,
    BIRTH_DATE,
    BRAND,
    BRAND_WORDS,
    CUSTOMER,
    EMAIL,
    FAMILY_NAME,
    FAMILY_SOUNDEX,
    GIVEN_NAME,
    GIVEN_NAME_FROM_EMAIL,
    GIVEN_NAME_GROUPS,
    GTIN,
    GTIN_SLIP,
    HOUSE_NUMBER,
    PHONE,
    POSTCODE,
    PRODUCT,
    QUANTITY,
    SKU,
    TITLE,
    Features,
)
from .nicknames import name_groups

# Keys made of the name alone (given-name family and family-name Soundex) are compared on only while at most this
# many records share them, whatever ``max_block_size`` says. A common name ("John Smith") brings back hundreds of
# records that share nothing else; a true duplicate of a common name almost always shares an email, a phone, an
# address or a birth date too and is found through that key. Measured on 1M generated customers
# (bench/match_scale.py), 50 against 150: half the candidate pairs (7.3M against 15.8M) and a single upsert's p95 at
# 25 ms against 33, for blocking recall 0.9875 against 0.9924 but the same recall at the review threshold (0.9381
# against 0.9383): the pairs only a larger name block finds share nothing that could lift them to review.
NAME_BLOCK_SIZE = 50
# Every record with a given and a family name is also filed under its exact full name. When the records under that
# key belong to two golden records only, those are the only two customers with the name: when nothing else links them
# (another email, phone and address: a move, a work address, a landline), they are queued for a steward all the same,
# unless their scores say they are two people (below ``policy.NAMESAKE_FLOOR``: a different birth date,
# more values against) or a comparison does (one counting more against them than a move: ``two_people``). See
# ``full_name_blocks``.
FULL_NAME_KEY = "fx:"
_NAME_KEYS = ("nm:", "ns:", FULL_NAME_KEY)


def blocking_keys(domain: str, feats: Features) -> list[str]:
    """The keys a record is filed under (two records are compared when they share one), kind-prefixed."""
    keys = _customer_keys(feats) if domain == CUSTOMER else _product_keys(feats)
    return list(dict.fromkeys(k[:200] for k in keys))


def _customer_keys(f: Features) -> list[str]:
    keys = [f"em:{f[EMAIL]}"] if EMAIL in f else []
    if PHONE in f:
        keys.append(f"ph:{f[PHONE]}")
    if ACCOUNT in f:
        keys.append(f"ac:{f[ACCOUNT]}")
    fs, gn, dob = f.get(FAMILY_SOUNDEX), f.get(GIVEN_NAME, ""), f.get(BIRTH_DATE)
    groups = f.get(GIVEN_NAME_GROUPS, [])
    if not gn and f.get(GIVEN_NAME_FROM_EMAIL):
        # Without a given name, the one its email holds (``_given_name`` compares it): a shop account
        # "arthur.watingshaw@" with no postcode and the ERP's Arthur Watingshaw with no email share no other key.
        gn, groups = f[GIVEN_NAME_FROM_EMAIL], list(name_groups(f[GIVEN_NAME_FROM_EMAIL]))
    if fs and POSTCODE in f:
        keys.append(f"fp:{fs}|{f[POSTCODE]}")
    if dob and gn:
        keys.append(f"dg:{dob}|{gn[0]}")
    if dob and fs:
        keys.append(f"df:{dob}|{fs}")
    if fs and gn:
        keys.extend(f"nm:{group[:3]}|{fs}" for group in groups[:3])
        keys.append("ns:" + "|".join(sorted((norm.soundex(gn.replace(" ", "")), fs))))  # survives a swap
        if GIVEN_NAME in f:  # the full-name rule's key: a name of the record's own
            keys.append(full_name_key(f))
    if gn and POSTCODE in f:  # a family name mistyped or changed, the birth date too (FEBRL4: "george" / "geogre")
        keys.extend(f"gp:{group}|{f[POSTCODE]}" for group in groups[:2])
    if dob and POSTCODE in f:
        keys.append(f"dp:{dob}|{f[POSTCODE]}")
    if HOUSE_NUMBER in f and POSTCODE in f:
        keys.append(f"ap:{f[HOUSE_NUMBER]}|{f[POSTCODE]}")
    return keys


def _product_keys(f: Features) -> list[str]:
    keys = [f"gt:{f[GTIN]}"] if GTIN in f and GTIN_SLIP not in f else []
    if SKU in f:
        keys.append(f"sk:{f[SKU]}")
    # Features stored before BRAND_WORDS have BRAND only.
    brand_words = f.get(BRAND_WORDS) or ([f[BRAND]] if BRAND in f else [])
    title = [w for w in f.get(TITLE, "").split() if w not in brand_words]
    words = sorted(title, key=lambda w: (-len(w), w))[:3]
    if brand_words:  # title words by their first four letters: "BATT" and "batteries", "spaggetti" and "spaghetti"
        keys.extend(dict.fromkeys(f"bt:{b}|{w[:4]}" for b in brand_words for w in words))
        if not words:
            keys.extend(f"bq:{b}|{f.get(QUANTITY, '')}" for b in brand_words)
    elif len(words) >= 2:
        keys.append(f"tt:{'|'.join(sorted(words[:2]))}")
    return keys


# The fields each kind of key is made of, or implies (products sharing a brand and a title word share a category):
# two records sharing the key agree on them, so training does not learn those fields' weights from the pairs that key
# brings (``matching.training``).
KEY_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    CUSTOMER: {
        "em": ("email",),
        "ph": ("phone",),
        "ac": ("erp_account_number",),
        "fp": ("family_name", "postal_code"),
        "dg": ("birth_date", "given_name"),
        "df": ("birth_date", "family_name"),
        "nm": ("given_name", "family_name"),
        "ns": ("given_name", "family_name"),
        "fx": ("given_name", "family_name"),
        "gp": ("given_name", "postal_code"),
        "dp": ("birth_date", "postal_code"),
        "ap": ("address", "postal_code"),
    },
    PRODUCT: {
        "gt": ("gtin",),
        "sk": ("sku",),
        "bt": ("brand", "name", "category"),
        "bq": ("brand", "size"),
        "tt": ("name", "category"),
    },
}


def block_limit(key: str, max_block_size: int) -> int:
    """How many records may share ``key`` for it still to be compared on (see ``NAME_BLOCK_SIZE``)."""
    return min(max_block_size, NAME_BLOCK_SIZE) if key.startswith(_NAME_KEYS) else max_block_size


def pair_candidates(
    domain: str, records: Sequence[Features], *, max_block_size: int = 1000, kinds: Collection[str] | None = None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Deduplication of an in-memory set: the index pairs (left < right) sharing a blocking key, each pair once,
    and the keys left out because more than ``max_block_size`` records share them (the records are still compared
    through their other keys; name keys have a lower limit, ``block_limit``, and are left out silently).
    ``kinds``: only keys of these kinds ("em", "fp", ...)."""
    key_ids: dict[str, int] = {}
    rec_idx: list[int] = []
    key_idx: list[int] = []
    for i, feats in enumerate(records):
        for key in blocking_keys(domain, feats):
            if kinds is not None and key[:2] not in kinds:
                continue
            rec_idx.append(i)
            key_idx.append(key_ids.setdefault(key, len(key_ids)))
    if not rec_idx:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, []
    recs, kids = np.asarray(rec_idx, dtype=np.int64), np.asarray(key_idx, dtype=np.int64)
    order = np.argsort(kids, kind="stable")
    recs, kids = recs[order], kids[order]
    starts = np.flatnonzero(np.r_[True, kids[1:] != kids[:-1]])
    sizes = np.diff(np.r_[starts, len(kids)])
    names = np.array(list(key_ids), dtype=object)
    limits = np.fromiter((block_limit(k, max_block_size) for k in key_ids), dtype=np.int64, count=len(key_ids))
    too_big = sizes > limits[kids[starts]]
    oversized = sorted(names[kids[starts[sizes > max_block_size]]].tolist())
    lefts: list[np.ndarray] = []
    rights: list[np.ndarray] = []
    for size in np.unique(sizes[(sizes >= 2) & ~too_big]):
        block_starts = starts[sizes == size]
        tri_a, tri_b = np.triu_indices(int(size), 1)
        lefts.append(recs[(block_starts[:, None] + tri_a[None, :]).ravel()])
        rights.append(recs[(block_starts[:, None] + tri_b[None, :]).ravel()])
    if not lefts:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, oversized
    left, right = np.concatenate(lefts), np.concatenate(rights)
    low, high = np.minimum(left, right), np.maximum(left, right)
    codes = low[low != high] * len(records) + high[low != high]
    codes.sort()  # in place, and no inverse or counts: much cheaper than np.unique on hundreds of millions of pairs
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]] if len(codes) else codes
    return codes // len(records), codes % len(records), oversized


def full_name_blocks(records: Sequence[Features]) -> list[list[int]]:
    """The customer records filed under each full-name key (``FULL_NAME_KEY``) shared by two records or more and at
    most ``NAME_BLOCK_SIZE``, by index: where the full-name rule looks for the only two customers with a name."""
    holders: dict[str, list[int]] = {}
    for i, feats in enumerate(records):
        if feats.get(GIVEN_NAME) and feats.get(FAMILY_SOUNDEX):
            holders.setdefault(full_name_key(feats), []).append(i)
    return [members for members in holders.values() if 2 <= len(members) <= NAME_BLOCK_SIZE]


def full_name_key(f: Features) -> str:
    """The key a customer record with a given name and a family name is filed under by its exact full name."""
    return f"{FULL_NAME_KEY}{f[GIVEN_NAME]}|{f[FAMILY_NAME]}"[:200]
