"""Seed data from the product brief: default ownership rules, consent purposes, source systems (the roles are
``stewardship.roles``).

Used by the seeding migration; editable in the admin afterwards.
"""

SOURCES = [
    ("erp", "ERP (billing, accounts)"),
    ("cdp", "Customer data platform"),
    ("loyalty", "Loyalty programme"),
    ("commerce", "Commerce platform"),
    ("pos", "Point of sale"),
]

_CORE = ["cdp", "commerce", "loyalty", "erp"]

# (domain, attributes, owners in priority, fallback)
OWNERSHIP = [
    ("customer", ["given_name", "family_name", "email", "phone", "birth_date"], _CORE, "most_recent"),
    ("customer", ["address_line1", "address_line2", "postal_code", "city", "country"], ["erp", "cdp"], "most_recent"),
    ("customer", ["erp_account_number"], ["erp"], "none"),
    ("customer", ["loyalty_tier", "loyalty_points"], ["loyalty"], "none"),
    ("product", ["gtin", "sku", "name", "brand", "category", "price", "currency"], ["erp"], "most_complete"),
    ("product", ["description", "image_url"], ["commerce"], "most_recent"),
]

PURPOSES = [
    ("email_marketing", "Email marketing", True),
    ("sms_marketing", "SMS marketing", True),
    ("profiling", "Profiling and personalisation", True),
]
