"""The decision who may open which request: allowed under an entitlement, or refused with a reason.

``check`` decides without using anything up; ``EntitlementRefused`` carries a refusal to the
caller that wanted to open the request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, Literal, TypedDict

from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements import lifecycle
from entitlements.errors import ErrorCode
from entitlements.models import Category, Channel, Entitlement, Offering, Product, SupportKind
from entitlements.services.products import product_get
from entitlements.services.refusals import (
    PARTNER_CATEGORIES,
    lifecycle_refusal,
    no_usable_refusal,
)
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.accounts.models import User
    from teams.models import Team

__all__ = [
    "COMPLEMENTARY_KINDS",
    "PARTNER_CATEGORIES",
    "Allowed",
    "Decision",
    "EntitlementRefused",
    "Refused",
    "check",
    "first_response_due",
    "purchase_options",
]

COMPLEMENTARY_KINDS = {SupportKind.SETUP, SupportKind.RESTORE}


# --- The two answers --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class _Asked:
    """The request a decision answers, and the last day its version is supported."""

    product: Product
    version: str
    category: str
    channel: str
    supported_until: date | None = None


@dataclass(frozen=True, kw_only=True)
class Allowed(_Asked):
    """The request may be opened under ``entitlement``, with this first-response target.

    It answers the questions of a refusal too: no reason, no code, nothing to buy.
    """

    entitlement: Entitlement
    first_response_due: datetime | None = None

    allowed: ClassVar[Literal[True]] = True
    reason: ClassVar[str] = ""
    reason_code: ClassVar[str] = ""

    @property
    def purchase_options(self) -> list[str]:
        """Nothing needs to be bought for an allowed request."""
        return []

    @property
    def kind(self) -> str:
        """The kind of support the request is opened under."""
        return self.entitlement.kind


@dataclass(frozen=True, kw_only=True)
class Refused(_Asked):
    """The request may not be opened: why (for the customer to read), its code, what to buy.

    It answers the questions of an allowed request too: no entitlement, no target, no kind.
    """

    reason: str
    reason_code: str
    purchase_options: list[str] = field(default_factory=list)

    allowed: ClassVar[Literal[False]] = False
    entitlement: ClassVar[None] = None
    first_response_due: ClassVar[None] = None
    kind: ClassVar[None] = None


Decision = Allowed | Refused


class _AskedFields(TypedDict):
    """The fields of ``_Asked``, as ``check`` collects them for either answer."""

    product: Product
    version: str
    category: str
    channel: str
    supported_until: date | None


class EntitlementRefused(ApplicationError):
    """The entitlement rules refuse a request; ``decision`` says why and what could be bought.

    ``decision`` is a refusal, except when a request lost the race for a credit three times
    and the last decision would allow it: it is still refused, without a reason.
    """

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason, code=decision.reason_code)
        self.decision = decision


# --- Deciding ---------------------------------------------------------------------------------


def _rank(entitlement: Entitlement) -> tuple:
    """Prefer a plan (nothing is used up), then a matching Setup/Restore credit, then Per Incident;
    within each, the one that ends first."""
    if entitlement.uses_total is None:
        group = 0
    elif entitlement.kind in COMPLEMENTARY_KINDS:
        group = 1
    else:
        group = 2
    ends = entitlement.ends_at or datetime.max.replace(tzinfo=timezone.get_current_timezone())
    return (group, ends, entitlement.pk)


def purchase_options(*, product: Product, category: str, channel: str) -> list[str]:
    """Codes of the offerings sold for ``product`` that would allow such a request."""
    from entitlements.selectors import sold_offerings

    offerings = sold_offerings(product=product)
    return [o.code for o in offerings if o.covers(category) and o.serves(channel)]


def first_response_due(
    *, customer: User, offering: Offering, channel: str, start: datetime, team: Team | None = None
) -> datetime | None:
    """The first-response target of ``offering`` on ``channel``, in the customer's team calendar.

    ``team`` is the customer's team when the caller has already looked it up.
    """
    from teams import selectors as team_selectors
    from teams import services as team_services

    if channel == Channel.PHONE:
        hours, days = offering.phone_response_hours, offering.phone_response_days
    else:
        hours, days = offering.online_response_hours, offering.online_response_days
    if hours is None and days is None:
        return None
    if team is None:
        team = team_selectors.team_for_user(user=customer)
    if hours is not None:
        return team_services.add_business_time(
            team=team, start=start, duration=timedelta(hours=hours)
        )
    return team_services.add_business_time(team=team, start=start, business_days=days)


def _asked_valid(*, category: str, channel: str) -> None:
    """Refuse a question category or channel that does not exist."""
    if category not in Category.values:
        raise ApplicationError(
            _("Unknown category %(category)s.") % {"category": category},
            code=ErrorCode.INVALID_CATEGORY,
        )
    if channel not in Channel.values:
        raise ApplicationError(
            _("Unknown channel %(channel)s.") % {"channel": channel},
            code=ErrorCode.INVALID_CHANNEL,
        )


def _held(*, customer: User, product: Product) -> list[Entitlement]:
    """The customer's entitlements for ``product`` that are not revoked, the latest first."""
    return list(
        Entitlement.objects.filter(customer=customer, product=product, revoked_at__isnull=True)
        .select_related("offering")
        .order_by("-starts_at")
    )


def _active(held: list[Entitlement], *, at: datetime) -> list[Entitlement]:
    """Those of ``held`` in their term at ``at``, with a use left where uses are counted."""
    return [
        e
        for e in held
        if e.starts_at <= at
        and (e.ends_at is None or e.ends_at > at)
        and (e.uses_left is None or e.uses_left > 0)
    ]


def check(
    *,
    customer: User,
    product: Product | str,
    version: str,
    category: str,
    channel: str = Channel.ONLINE,
    at: datetime | None = None,
    team: Team | None = None,
) -> Decision:
    """Decide whether ``customer`` may open this request now, and explain the answer.

    ``team`` is the customer's team (for the service target) when the caller has it already.
    """
    from entitlements.selectors import calendar_day, calendar_zone
    from teams import selectors as team_selectors

    at = at or timezone.now()
    product = product_get(product)
    _asked_valid(category=category, channel=channel)
    if team is None:
        team = team_selectors.team_for_user(user=customer)
    # Support ends with the last supported day of the customer's team calendar, not of UTC.
    today = calendar_day(at, calendar_zone(team=team))
    status = lifecycle.version_status(product=product, version=version, on=today)
    asked: _AskedFields = {
        "product": product,
        "version": version,
        "category": category,
        "channel": channel,
        "supported_until": status.supported_until,
    }
    refusal = lifecycle_refusal(status, product=product, version=version, category=category)
    if refusal is not None:
        code, reason = refusal
        return Refused(**asked, reason_code=code, reason=reason)

    held = _held(customer=customer, product=product)
    active = _active(held, at=at)
    usable = [e for e in active if e.offering.covers(category) and e.offering.serves(channel)]
    if usable:
        chosen = min(usable, key=_rank)
        due = first_response_due(
            customer=customer, offering=chosen.offering, channel=channel, start=at, team=team
        )
        return Allowed(**asked, entitlement=chosen, first_response_due=due)

    options = purchase_options(product=product, category=category, channel=channel)
    code, reason = no_usable_refusal(
        held=held, active=active, product=product, category=category, channel=channel, at=at
    )
    return Refused(**asked, reason_code=code, reason=reason, purchase_options=options)
