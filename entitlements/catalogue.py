"""The catalogue NovaDesk starts with: products, release history and support offerings.

Products and offerings are created by a data migration (every installation needs them); the
release history is demo data loaded by ``seed_demo``. All of it is editable in the admin.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

PRODUCTS: list[tuple[str, str]] = [
    ("professional", "NovaBACKUP Professional"),
    ("server", "NovaBACKUP Server"),
    ("business-essentials", "NovaBACKUP Business Essentials"),
    ("network", "NovaBACKUP Network"),
    ("xsp", "NovaBACKUP xSP"),
    ("remote-workforce", "NovaBACKUP Remote Workforce"),
]
ALL_PRODUCTS = [code for code, _name in PRODUCTS]

# Each product: two retired majors and a current one with its updates.
_HISTORY: list[tuple[str, date]] = [
    ("19.0", date(2021, 6, 8)),
    ("19.1", date(2021, 11, 16)),
    ("20.0", date(2023, 5, 9)),
    ("20.1", date(2023, 10, 24)),
    ("20.2", date(2024, 4, 16)),
    ("21.0", date(2025, 3, 18)),
    ("21.1", date(2025, 9, 2)),
    ("21.2", date(2026, 6, 9)),
    ("21.2.1", date(2026, 8, 25)),
]
RELEASES: dict[str, list[tuple[str, date]]] = {code: list(_HISTORY) for code in ALL_PRODUCTS}

CUSTOMER_CATEGORIES = ["technical", "setup", "restore", "licensing"]

OFFERINGS: list[dict] = [
    {
        "code": "free-trial",
        "kind": "free-trial",
        "name": "Free Trial Support",
        "products": ALL_PRODUCTS,
        "categories": CUSTOMER_CATEGORIES,
        "term_days": 15,
        "uses": None,
        "online_response_days": 1,
        "is_sold": False,
        "price_eur": None,
        "price_usd": None,
    },
    {
        "code": "premium",
        "kind": "premium",
        "name": "Premium Support",
        "products": ["professional", "server", "business-essentials"],
        "categories": CUSTOMER_CATEGORIES,
        "term_days": 365,
        "uses": None,
        "online_response_days": 1,
        "price_eur": Decimal("149.00"),
        "price_usd": Decimal("169.00"),
    },
    {
        "code": "per-incident",
        "kind": "per-incident",
        "name": "Per Incident Support",
        "products": ["professional", "server", "business-essentials", "remote-workforce"],
        # Restore questions need Restore Support.
        "categories": ["technical", "setup", "licensing"],
        "term_days": None,
        "uses": 1,
        "online_response_hours": 3,
        "phone_response_hours": 3,
        "price_eur": Decimal("59.00"),
        "price_usd": Decimal("69.00"),
    },
    {
        "code": "xsp",
        "kind": "xsp",
        "name": "xSP Support Plan",
        "products": ["xsp"],
        "categories": CUSTOMER_CATEGORIES,
        "term_days": 365,
        "uses": None,
        "online_response_days": 1,
        "phone_response_hours": 3,
        "price_eur": Decimal("499.00"),
        "price_usd": Decimal("549.00"),
    },
    {
        "code": "setup",
        "kind": "setup",
        "name": "Setup Support",
        "products": ALL_PRODUCTS,
        "categories": ["setup"],
        "term_days": 365,
        "uses": 1,
        "online_response_days": 1,
        "phone_response_days": 1,
        "price_eur": Decimal("79.00"),
        "price_usd": Decimal("89.00"),
    },
    {
        "code": "restore",
        "kind": "restore",
        "name": "Restore Support",
        "products": ALL_PRODUCTS,
        "categories": ["restore"],
        "term_days": 365,
        "uses": 1,
        "online_response_days": 1,
        "phone_response_days": 1,
        "price_eur": Decimal("99.00"),
        "price_usd": Decimal("109.00"),
    },
    {
        "code": "upgrade-protection",
        "kind": "upgrade-protection",
        "name": "Upgrade Protection",
        "products": ALL_PRODUCTS,
        "categories": [],
        "term_days": 365,
        "uses": None,
        "price_eur": Decimal("29.00"),
        "price_usd": Decimal("35.00"),
    },
]
