"""The products support is sold for, and the standard catalogue of the demo."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from entitlements.catalogue import PRODUCTS, RELEASES
from entitlements.errors import ErrorCode
from entitlements.models import Product, Release
from portal.core.errors import ApplicationError


def product_get(product: Product | str) -> Product:
    """The product itself, or the one with this code; an ApplicationError when there is none."""
    if isinstance(product, Product):
        return product
    try:
        return Product.objects.get(code=product)
    except Product.DoesNotExist:
        raise ApplicationError(
            _("There is no product with the code %(code)s.") % {"code": product},
            code=ErrorCode.UNKNOWN_PRODUCT,
        ) from None


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
