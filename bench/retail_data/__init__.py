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

from .common import CUSTOMER_CASES, CUSTOMER_SOURCES, PRODUCT_CASES, PRODUCT_SOURCES, RetailData, SourceRecord
from .customers import customers as _customers
from .products import products as _products

__all__ = [
    "CUSTOMER_CASES",
    "CUSTOMER_SOURCES",
    "PRODUCT_CASES",
    "PRODUCT_SOURCES",
    "RetailData",
    "SourceRecord",
    "generate",
]


def generate(*, customers: int = 20_000, products: int = 5_000, seed: int = 2024) -> RetailData:
    """``customers`` and ``products`` source records (not entities), the same for the same arguments."""
    rng = random.Random(seed)
    customer_records = _customers(rng, customers)
    rng.shuffle(customer_records)
    return RetailData(customers=customer_records, products=_products(random.Random(seed + 1), products))
