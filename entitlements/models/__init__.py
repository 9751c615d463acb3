"""The entitlements app's records: products and releases, the support sold for them, orders and
registrations, customers' entitlements, arrangement calls and release announcements."""

from entitlements.models.arrangements import (
    ArrangementCall,
    ArrangementCallEvent,
    ArrangementCallQuerySet,
)
from entitlements.models.catalogue import (
    Category,
    Channel,
    Offering,
    Product,
    Release,
    SupportKind,
    version_validator,
)
from entitlements.models.entitlement import Entitlement, EntitlementEvent, EntitlementQuerySet
from entitlements.models.notices import ReleaseNotice
from entitlements.models.orders import (
    Licence,
    Order,
    OrderItem,
    Registration,
    licence_key_normalise,
)

__all__ = [
    "ArrangementCall",
    "ArrangementCallEvent",
    "ArrangementCallQuerySet",
    "Category",
    "Channel",
    "Entitlement",
    "EntitlementEvent",
    "EntitlementQuerySet",
    "Licence",
    "Offering",
    "Order",
    "OrderItem",
    "Product",
    "Registration",
    "Release",
    "ReleaseNotice",
    "SupportKind",
    "licence_key_normalise",
    "version_validator",
]
