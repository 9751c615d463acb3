"""Granting support to a customer, extending its term, and revoking it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements import arrangements
from entitlements.errors import ErrorCode
from entitlements.models import (
    Entitlement,
    EntitlementEvent,
    Offering,
    OrderItem,
    Product,
    Registration,
)
from portal.core.errors import ApplicationError, CommonError

if TYPE_CHECKING:
    from portal.accounts.models import User


def _stacked_start(*, customer: User, product: Product, kind: str, start: datetime) -> datetime:
    """A renewal bought while the current term runs starts when that term ends."""
    latest_end = (
        Entitlement.objects.filter(
            customer=customer,
            product=product,
            kind=kind,
            revoked_at__isnull=True,
            ends_at__gt=start,
            starts_at__lte=start,
        )
        .order_by("-ends_at")
        .values_list("ends_at", flat=True)
        .first()
    )
    return latest_end or start


@transaction.atomic
def entitlement_grant(
    *,
    customer: User,
    product: Product,
    offering: Offering,
    starts_at: datetime,
    quantity: int = 1,
    source: str = "",
    actor: User | None = None,
    order_item: OrderItem | None = None,
    registration: Registration | None = None,
    stack: bool = True,
) -> Entitlement:
    """Give ``customer`` ``quantity`` of ``offering`` for ``product`` from ``starts_at``.

    One-incident kinds get ``quantity`` uses; term kinds get ``quantity`` consecutive terms, and
    a renewal bought while a term runs continues it without a gap.
    """
    if quantity < 1:
        raise ApplicationError(
            _("The quantity must be at least 1."), code=ErrorCode.INVALID_QUANTITY
        )
    if not offering.products.filter(pk=product.pk).exists():
        raise ApplicationError(
            _("%(offering)s is not available for %(product)s.")
            % {"offering": offering.name, "product": product.name},
            code=ErrorCode.OFFERING_NOT_FOR_PRODUCT,
        )
    uses = offering.uses * quantity if offering.uses is not None else None
    if stack and offering.uses is None and offering.term_days:
        starts_at = _stacked_start(
            customer=customer, product=product, kind=offering.kind, start=starts_at
        )
    if offering.term_days:
        days = offering.term_days * (quantity if offering.uses is None else 1)
        ends_at = starts_at + timedelta(days=days)
    else:
        ends_at = None
    entitlement = Entitlement.objects.create(
        customer=customer,
        product=product,
        offering=offering,
        kind=offering.kind,
        starts_at=starts_at,
        ends_at=ends_at,
        uses_total=uses,
        uses_left=uses,
        source=source,
        order_item=order_item,
        registration=registration,
    )
    EntitlementEvent.objects.create(
        entitlement=entitlement,
        action=EntitlementEvent.Action.GRANTED,
        reference=source,
        actor=actor,
    )
    if offering.kind in arrangements.ARRANGED_KINDS:
        # The customer receives a call to arrange the session as soon as they buy it.
        arrangements.arrangement_call_book(entitlement=entitlement)
    return entitlement


@transaction.atomic
def entitlement_extend(
    *, entitlement: Entitlement, days: int, reason: str, actor: User | None
) -> Entitlement:
    """Move the end of a term by ``days`` (staff goodwill or a correction)."""
    if days == 0 or not reason.strip():
        raise ApplicationError(_("Give a number of days and a reason."), code=CommonError.INVALID)
    if entitlement.ends_at is None:
        raise ApplicationError(
            _("This entitlement has no end date to extend."), code=ErrorCode.NO_TERM
        )
    Entitlement.objects.filter(pk=entitlement.pk).update(
        ends_at=F("ends_at") + timedelta(days=days)
    )
    entitlement.refresh_from_db(fields=["ends_at"])
    EntitlementEvent.objects.create(
        entitlement=entitlement,
        action=EntitlementEvent.Action.EXTENDED,
        reason=f"{days:+d} days: {reason.strip()}",
        actor=actor,
    )
    return entitlement


@transaction.atomic
def entitlement_revoke(*, entitlement: Entitlement, reason: str, actor: User | None) -> Entitlement:
    """Withdraw an entitlement (refund, fraud, mistake); the reason is recorded."""
    if not reason.strip():
        raise ApplicationError(
            _("Say why the entitlement is revoked."), code=ErrorCode.REASON_REQUIRED
        )
    updated = Entitlement.objects.filter(pk=entitlement.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason.strip()[:250]
    )
    if not updated:
        raise ApplicationError(
            _("This entitlement is already revoked."), code=ErrorCode.ALREADY_REVOKED
        )
    entitlement.refresh_from_db(fields=["revoked_at", "revoke_reason"])
    EntitlementEvent.objects.create(
        entitlement=entitlement,
        action=EntitlementEvent.Action.REVOKED,
        reason=reason.strip()[:250],
        actor=actor,
    )
    return entitlement
