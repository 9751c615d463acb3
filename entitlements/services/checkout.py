"""Buying support in the portal: the partner discount, and a checkout without the shop."""

from __future__ import annotations

import json
import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements.errors import ErrorCode
from entitlements.models import Offering, Order
from entitlements.services.orders import order_link, order_notification_receive, order_signature
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.accounts.models import User


def support_discount(*, customer: User) -> Decimal:
    """The discount in percent the customer gets on support packages (partner members)."""
    from partners import selectors as partner_selectors

    return partner_selectors.support_discount_for(customer)


def price_after_discount(amount: Decimal | None, percent: Decimal) -> Decimal | None:
    """``amount`` less ``percent``, rounded to the cent."""
    if amount is None or not percent:
        return amount
    return (amount * (Decimal(100) - percent) / Decimal(100)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def checkout_local(*, customer: User, items: list[dict], currency: str) -> Order:
    """Complete a purchase without the shop: emit the notification the shop would send.

    The notification is signed and goes through ``order_notification_receive``, the code path of
    the real shop's webhook, so what a customer gets here is what the shop would give them. Each
    line carries the price paid: the list price less the customer's partner discount.
    """
    if not settings.SHOP_LOCAL_CHECKOUT or settings.SHOP_CHECKOUT_URL:
        # Support is granted here without a payment: never where the real shop sells it.
        raise ApplicationError(
            _("Checkout in the portal is not available; please buy in the online shop."),
            code=ErrorCode.LOCAL_CHECKOUT_OFF,
        )
    if not items:
        raise ApplicationError(_("Your cart is empty."), code=ErrorCode.EMPTY_CART)
    discount = support_discount(customer=customer)
    offerings = {
        o.code: o for o in Offering.objects.filter(code__in={item["offering"] for item in items})
    }
    priced, total = [], Decimal("0")
    for item in items:
        offering = offerings.get(item["offering"])
        unit = price_after_discount(offering.price(currency), discount) if offering else None
        priced.append({**item, "unit_price": str(unit) if unit is not None else None})
        total += (unit or Decimal("0")) * int(item.get("quantity", 1))
    body = json.dumps(
        {
            "reference": f"NOVA-{secrets.token_hex(4).upper()}",
            "email": customer.email,
            "currency": currency,
            "purchased_at": timezone.now().isoformat(),
            "items": priced,
            "discount_percent": str(discount),
            "total": str(total),
        }
    ).encode()
    order, _created = order_notification_receive(body=body, signature=order_signature(body))
    # The buyer is signed in: the order is theirs even before the address is verified.
    return order_link(order=order, customer=customer, by="claim")
