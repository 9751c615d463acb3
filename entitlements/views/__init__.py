"""Customer pages of the entitlements app: supported versions, "My support", registering a
product, claiming an order, and buying support through a cart kept in the session."""

from entitlements.views.basket import (
    CART_NEXT_SESSION_KEY,
    CART_SESSION_KEY,
    MAX_QUANTITY,
    CartLine,
)
from entitlements.views.buying import buy, cart, cart_add, cart_remove, checkout
from entitlements.views.display import OfferingCard
from entitlements.views.pages import REGISTRATION_ERROR_FIELDS, claim, overview, register, versions

__all__ = [
    "CART_NEXT_SESSION_KEY",
    "CART_SESSION_KEY",
    "MAX_QUANTITY",
    "REGISTRATION_ERROR_FIELDS",
    "CartLine",
    "OfferingCard",
    "buy",
    "cart",
    "cart_add",
    "cart_remove",
    "checkout",
    "claim",
    "overview",
    "register",
    "versions",
]
