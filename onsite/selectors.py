"""Reads of OnSite Protect: who may book, bookings per organisation and per engineer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from onsite.models import Booking, BookingStatus
from partners.models import Membership, Organisation, PartnerLevel

if TYPE_CHECKING:
    from portal.accounts.models import User


def onsite_organisations(*, user: User) -> list[Organisation]:
    """Active organisations ``user`` belongs to whose level includes OnSite Protect."""
    if not user.is_authenticated:
        return []
    return list(
        Organisation.objects.filter(
            memberships__user=user, is_active=True, level__onsite_protect=True
        )
        .select_related("level")
        .order_by("name")
    )


def partner_memberships(*, user: User) -> list[Membership]:
    """Every membership of ``user`` in an active organisation, with the level (for refusals)."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, organisation__is_active=True)
        .select_related("organisation__level")
        .order_by("organisation__name")
    )


def levels_with_onsite() -> list[PartnerLevel]:
    """The partner levels that include OnSite Protect, the highest first."""
    return list(PartnerLevel.objects.filter(onsite_protect=True).order_by("-rank", "name"))


def may_book(*, user: User, organisation: Organisation) -> bool:
    """Whether ``user`` may book OnSite Protect for ``organisation``."""
    return Membership.objects.filter(
        user=user,
        organisation=organisation,
        organisation__is_active=True,
        organisation__level__onsite_protect=True,
    ).exists()


def _with_relations(queryset: QuerySet[Booking]) -> QuerySet[Booking]:
    return queryset.select_related("organisation", "product", "engineer", "requested_by")


def bookings_for_organisation(*, organisation: Organisation) -> QuerySet[Booking]:
    """The organisation's bookings, the latest window first, ready to list without more queries."""
    return _with_relations(Booking.objects.filter(organisation=organisation)).order_by(
        "-start_at", "-pk"
    )


def bookings_for_user(*, user: User) -> QuerySet[Booking]:
    """Bookings of every active organisation ``user`` is a member of, the latest first."""
    return _with_relations(
        Booking.objects.filter(organisation__memberships__user=user, organisation__is_active=True)
    ).order_by("-start_at", "-pk")


def booking_for_user(*, user: User, booking_id: int) -> Booking | None:
    """One booking ``user`` may see (a member of its organisation); None for any other."""
    if not user.is_authenticated:
        return None
    return bookings_for_user(user=user).filter(pk=booking_id).first()


def engineer_clash(
    *, engineer: User, start_at: datetime, end_at: datetime, exclude_id: int | None = None
) -> Booking | None:
    """The first confirmed booking of ``engineer`` that overlaps the window, if any."""
    clashes = (
        Booking.objects.filter(engineer=engineer, status=BookingStatus.CONFIRMED)
        .overlapping(start_at=start_at, end_at=end_at)
        .order_by("start_at")
    )
    if exclude_id is not None:
        clashes = clashes.exclude(pk=exclude_id)
    return clashes.first()
