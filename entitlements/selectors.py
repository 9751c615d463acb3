"""Reads of the entitlements app: the version list, a customer's support, upgrade prices."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements import lifecycle
from entitlements.models import (
    Entitlement,
    Offering,
    Product,
    Registration,
    Release,
    SupportKind,
)

FREE_UPGRADE_DAYS = 30


def products_with_releases() -> QuerySet[Product]:
    return Product.objects.prefetch_related(
        Prefetch("releases", queryset=Release.objects.order_by("-major", "-minor", "-patch"))
    )


def product_versions(*, on: date | None = None) -> list[dict]:
    """Every product with its released versions and their support end dates (two queries)."""
    on = on or timezone.localdate()
    result = []
    for product in products_with_releases():
        releases = [r for r in product.releases.all() if r.released_on <= on and not r.is_beta]
        ends = lifecycle.major_support_ends(releases)
        result.append(
            {
                "code": product.code,
                "name": product.name,
                "releases": [
                    {
                        "version": r.version,
                        "released_on": r.released_on,
                        "supported_until": ends[r.major],
                        "supported": lifecycle.is_supported(ends[r.major], on),
                    }
                    for r in releases
                ],
            }
        )
    return result


def sold_offerings(*, product: Product) -> list[Offering]:
    """The offerings the shop sells for ``product``, in catalogue order."""
    return list(
        Offering.objects.filter(is_sold=True, products=product).order_by("sort_order", "name")
    )


def customer_entitlements(*, customer) -> QuerySet[Entitlement]:
    return (
        Entitlement.objects.filter(customer=customer)
        .select_related("product", "offering")
        .order_by("product__sort_order", "kind", "-starts_at")
    )


@dataclass(frozen=True)
class EntitlementState:
    entitlement: Entitlement
    active: bool
    status: str  # active, expired, used, revoked, upcoming
    days_left: int | None


def entitlement_state(entitlement: Entitlement, *, at: datetime) -> EntitlementState:
    e = entitlement
    if e.revoked_at:
        status = "revoked"
    elif e.starts_at > at:
        status = "upcoming"
    elif e.ends_at is not None and e.ends_at <= at:
        status = "expired"
    elif e.uses_left == 0:
        status = "used"
    else:
        status = "active"
    days_left = None
    if status == "active" and e.ends_at is not None:
        days_left = max(0, math.ceil((e.ends_at - at) / timedelta(days=1)))
    return EntitlementState(e, status == "active", status, days_left)


@dataclass(frozen=True)
class UpgradeAnswer:
    product: Product
    owned_version: str
    owned_major: int
    latest_version: str | None
    latest_major: int | None
    price: str  # current, free, discounted, full
    reason: str


def _covered_without_interruption(
    periods: list[tuple[datetime, datetime]], start: datetime, until: datetime
) -> bool:
    """True when the periods cover [start, until] with no gap."""
    reached = start
    for begins, ends in sorted(periods):
        if begins > reached:
            return False
        reached = max(reached, ends)
        if reached >= until:
            return True
    return reached >= until


def upgrade_protection_periods(*, customer, product: Product) -> list[tuple[datetime, datetime]]:
    return list(
        Entitlement.objects.filter(
            customer=customer,
            product=product,
            kind=SupportKind.UPGRADE_PROTECTION,
            revoked_at__isnull=True,
            ends_at__isnull=False,
        ).values_list("starts_at", "ends_at")
    )


def upgrade_answer(
    *,
    registration: Registration,
    at: datetime | None = None,
    protection: list[tuple[datetime, datetime]] | None = None,
) -> UpgradeAnswer:
    """What upgrading this licence to the newest major costs, and why.

    ``protection`` is the customer's Upgrade Protection terms for the product, when the caller
    has them already.
    """
    at = at or timezone.now()
    product = registration.product
    releases = [r for r in product.releases.all() if r.released_on <= at.date() and not r.is_beta]
    latest = max(releases, key=lambda r: (r.major, r.minor, r.patch), default=None)
    owned = registration.major
    answer = {
        "product": product,
        "owned_version": registration.version,
        "owned_major": owned,
        "latest_version": latest.version if latest else None,
        "latest_major": latest.major if latest else None,
    }
    if latest is None or latest.major <= owned:
        return UpgradeAnswer(
            **answer,
            price="current",
            reason=_("You have the newest major version; its updates are free for you."),
        )
    first_of_latest = min(r.released_on for r in releases if r.major == latest.major)
    bought = registration.purchased_on or timezone.localtime(registration.registered_at).date()
    if timedelta(0) <= first_of_latest - bought <= timedelta(days=FREE_UPGRADE_DAYS):
        return UpgradeAnswer(
            **answer,
            price="free",
            reason=_(
                "Version %(major)s came out within %(days)s days of your purchase, "
                "so the upgrade is free."
            )
            % {"major": latest.major, "days": FREE_UPGRADE_DAYS},
        )
    periods = (
        protection
        if protection is not None
        else upgrade_protection_periods(customer=registration.customer, product=product)
    )
    purchase_moment = timezone.make_aware(datetime.combine(bought, datetime.min.time()))
    release_moment = timezone.make_aware(datetime.combine(first_of_latest, datetime.min.time()))
    if periods and _covered_without_interruption(periods, purchase_moment, release_moment):
        return UpgradeAnswer(
            **answer,
            price="free",
            reason=_(
                "Your Upgrade Protection has run without interruption since your purchase, "
                "so every new major version is free."
            ),
        )
    if latest.major == owned + 1:
        return UpgradeAnswer(
            **answer,
            price="discounted",
            reason=_(
                "You own version %(owned)s, the major version before %(latest)s: "
                "the upgrade discount applies."
            )
            % {"owned": owned, "latest": latest.major},
        )
    return UpgradeAnswer(
        **answer,
        price="full",
        reason=_(
            "The upgrade discount applies only from the previous major version (%(previous)s); "
            "from version %(owned)s the full price applies."
        )
        % {"previous": latest.major - 1, "owned": owned},
    )


@dataclass(frozen=True)
class RegisteredProduct:
    registration: Registration
    status: lifecycle.VersionStatus
    upgrade: UpgradeAnswer
    trial: EntitlementState | None


@dataclass(frozen=True)
class SupportOverview:
    registrations: list[RegisteredProduct]
    entitlements: list[EntitlementState]


def support_overview(*, customer, at: datetime | None = None) -> SupportOverview:
    """Everything the "My support" page shows, in a fixed number of queries."""
    at = at or timezone.now()
    registrations = list(
        Registration.objects.filter(customer=customer)
        .select_related("product", "free_trial")
        .prefetch_related("product__releases")
        .order_by("product__sort_order", "-registered_at")
    )
    entitlements = list(customer_entitlements(customer=customer))
    protection: dict[int, list[tuple[datetime, datetime]]] = {}
    for e in entitlements:
        if e.kind == SupportKind.UPGRADE_PROTECTION and not e.revoked_at and e.ends_at:
            protection.setdefault(e.product_id, []).append((e.starts_at, e.ends_at))
    registered = []
    for registration in registrations:
        trial = getattr(registration, "free_trial", None)
        registered.append(
            RegisteredProduct(
                registration=registration,
                status=lifecycle.version_status(
                    product=registration.product, version=registration.version, on=at.date()
                ),
                upgrade=upgrade_answer(
                    registration=registration,
                    at=at,
                    protection=protection.get(registration.product_id, []),
                ),
                trial=entitlement_state(trial, at=at) if trial else None,
            )
        )
    states = [entitlement_state(e, at=at) for e in entitlements]
    return SupportOverview(registrations=registered, entitlements=states)
