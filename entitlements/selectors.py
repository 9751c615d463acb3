"""Reads of the entitlements app: the version list, a customer's support, upgrade prices."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, TypedDict
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
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

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.accounts.models import User
    from teams.models import Team

FREE_UPGRADE_DAYS = 30


# --- The customer's calendar ------------------------------------------------------------------


def calendar_zone(
    *, customer: User | AnonymousUser | None = None, team: Team | None = None
) -> tzinfo:
    """The time zone of the team calendar whose days decide the customer's support dates.

    ``team`` is the customer's team when the caller has it already. A visitor who is not signed
    in gets the calendar of the team their language would choose.
    """
    from portal.accounts.selectors import support_team_for
    from teams import selectors as team_selectors

    if team is None:
        if customer is not None and customer.is_authenticated:
            code = customer.support_team
        else:
            code = support_team_for(country="", language=get_language() or "en")
        team = team_selectors.team_by_code(code=code)
    return ZoneInfo(team.time_zone)


def calendar_day(moment: datetime, zone: tzinfo) -> date:
    """The day ``moment`` falls on in the calendar of ``zone``."""
    return moment.astimezone(zone).date()


def products_with_releases() -> QuerySet[Product]:
    return Product.objects.prefetch_related(
        Prefetch("releases", queryset=Release.objects.order_by("-major", "-minor", "-patch"))
    )


def product_versions(
    *, on: date | None = None, customer: User | AnonymousUser | None = None
) -> list[dict]:
    """Every product with its released versions and their last supported days (three queries).

    ``on`` is the day to answer for; by default today in the calendar of ``customer``'s team.
    """
    on = on or calendar_day(timezone.now(), calendar_zone(customer=customer))
    result = []
    for product in products_with_releases():
        releases = [r for r in product.releases.all() if r.released_on <= on and not r.is_beta]
        ends = lifecycle.last_supported_days(releases)
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


def customer_entitlements(*, customer: User) -> QuerySet[Entitlement]:
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


class _UpgradeFacts(TypedDict):
    """The fields every ``UpgradeAnswer`` shares: the product, the owned and the newest version."""

    product: Product
    owned_version: str
    owned_major: int
    latest_version: str | None
    latest_major: int | None


def _held_without_interruption(periods: list[tuple[date, date]], start: date, until: date) -> bool:
    """True when the periods, as days of the team calendar, cover ``start`` to ``until``.

    A period holds from its first day through its last; one that begins on or before the
    last day of what is already covered continues it without a gap.
    """
    if not periods:
        return False
    reached = start
    for begins, ends in sorted(periods):
        if begins > reached:
            return False
        reached = max(reached, ends)
        if reached >= until:
            return True
    return reached >= until


def upgrade_protection_periods(
    *, customer: User, product: Product
) -> list[tuple[datetime, datetime]]:
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
    zone: tzinfo | None = None,
) -> UpgradeAnswer:
    """What upgrading this licence to the newest major costs, and why.

    ``protection`` is the customer's Upgrade Protection terms for the product, and ``zone`` the
    time zone of the customer's team calendar, when the caller has them already. Purchase,
    protection and release are compared as days of that calendar.
    """
    at = at or timezone.now()
    zone = zone or calendar_zone(customer=registration.customer)
    today = calendar_day(at, zone)
    product = registration.product
    releases = [r for r in product.releases.all() if r.released_on <= today and not r.is_beta]
    latest = max(releases, key=lambda r: (r.major, r.minor, r.patch), default=None)
    owned = registration.major
    answer: _UpgradeFacts = {
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
    bought = _purchase_day(registration, zone)
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
    days_held = [(calendar_day(begins, zone), calendar_day(ends, zone)) for begins, ends in periods]
    if _held_without_interruption(days_held, bought, first_of_latest):
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


def _purchase_day(registration: Registration, zone: tzinfo) -> date:
    """The day the licence was bought, in the team calendar: an order's licence by its order."""
    licence = getattr(registration, "licence", None)
    if licence is not None:
        return calendar_day(licence.purchased_at, zone)
    return registration.purchased_on or calendar_day(registration.registered_at, zone)


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


def support_overview(*, customer: User, at: datetime | None = None) -> SupportOverview:
    """Everything the "My support" page shows, in a fixed number of queries."""
    at = at or timezone.now()
    zone = calendar_zone(customer=customer)
    today = calendar_day(at, zone)
    registrations = list(
        Registration.objects.filter(customer=customer)
        .select_related("product", "free_trial", "licence")
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
                    product=registration.product, version=registration.version, on=today
                ),
                upgrade=upgrade_answer(
                    registration=registration,
                    at=at,
                    protection=protection.get(registration.product_id, []),
                    zone=zone,
                ),
                trial=entitlement_state(trial, at=at) if trial else None,
            )
        )
    states = [entitlement_state(e, at=at) for e in entitlements]
    return SupportOverview(registrations=registered, entitlements=states)
