"""Writes of the entitlements app, and the decision who may open which request.

Every rule of the support policy that decides access lives here: ``check`` explains the decision
(``Allowed`` or ``Refused``), ``entitlement_use`` takes it and uses up a credit atomically,
``entitlement_give_back`` returns one. Granting, registrations, the shop's orders and the
portal's checkout are the other writes; each has its module in this package.
"""

from entitlements.services.checkout import checkout_local, price_after_discount, support_discount
from entitlements.services.credits import entitlement_give_back, entitlement_use
from entitlements.services.decision import (
    COMPLEMENTARY_KINDS,
    PARTNER_CATEGORIES,
    Allowed,
    Decision,
    EntitlementRefused,
    Refused,
    check,
    first_response_due,
    purchase_options,
)
from entitlements.services.grants import entitlement_extend, entitlement_grant, entitlement_revoke
from entitlements.services.orders import (
    SignatureInvalid,
    order_claim,
    order_link,
    order_notification_receive,
    order_record,
    order_signature,
    orders_link_for_email,
)
from entitlements.services.products import catalogue_load, product_get
from entitlements.services.registrations import registration_create

__all__ = [
    "COMPLEMENTARY_KINDS",
    "PARTNER_CATEGORIES",
    "Allowed",
    "Decision",
    "EntitlementRefused",
    "Refused",
    "SignatureInvalid",
    "catalogue_load",
    "check",
    "checkout_local",
    "entitlement_extend",
    "entitlement_give_back",
    "entitlement_grant",
    "entitlement_revoke",
    "entitlement_use",
    "first_response_due",
    "order_claim",
    "order_link",
    "order_notification_receive",
    "order_record",
    "order_signature",
    "orders_link_for_email",
    "price_after_discount",
    "product_get",
    "purchase_options",
    "registration_create",
    "support_discount",
]
