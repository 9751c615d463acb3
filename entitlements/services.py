"""Writes of the entitlements app."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from entitlements.catalogue import PRODUCTS, RELEASES
from entitlements.models import Entitlement, Product, Release


@transaction.atomic
def catalogue_load() -> int:
    """Create the standard products and releases that are missing; return how many were added."""
    added = 0
    for order, (code, name) in enumerate(PRODUCTS):
        product, created = Product.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": order}
        )
        added += created
        for version, released_on in RELEASES[code]:
            _release, created = Release.objects.get_or_create(
                product=product, version=version, defaults={"released_on": released_on}
            )
            added += created
    return added


@transaction.atomic
def entitlement_grant(
    *,
    customer,
    product: Product,
    kind: str,
    starts_at: datetime,
    ends_at: datetime | None,
    uses: int | None = None,
    source: str = "",
) -> Entitlement:
    """Give a customer a kind of support for a product."""
    return Entitlement.objects.create(
        customer=customer,
        product=product,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        uses_total=uses,
        uses_left=uses,
        source=source,
    )
