"""The product catalogue NovaDesk starts with: products and their release history."""

from __future__ import annotations

from datetime import date

PRODUCTS: list[tuple[str, str]] = [
    ("professional", "NovaBACKUP Professional"),
    ("server", "NovaBACKUP Server"),
    ("business-essentials", "NovaBACKUP Business Essentials"),
    ("network", "NovaBACKUP Network"),
    ("xsp", "NovaBACKUP xSP"),
    ("remote-workforce", "NovaBACKUP Remote Workforce"),
]

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

RELEASES: dict[str, list[tuple[str, date]]] = {code: list(_HISTORY) for code, _name in PRODUCTS}
