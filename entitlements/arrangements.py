"""Writes of the calls that arrange a Setup or Restore session.

Setup and Restore Support are a phone call and a remote session: on purchasing one the customer
receives a call to arrange it. The call is booked with the entitlement (``entitlement_grant``),
in the same transaction and once per entitlement, due within the offering's call target in the
customer's team calendar. The desk's call-back page lists the calls; a request sent under the
entitlement takes the call over with a call-back of its own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements.errors import ErrorCode
from entitlements.models import (
    ArrangementCall,
    ArrangementCallEvent,
    Entitlement,
    SupportKind,
)
from portal.core.errors import ApplicationError
from teams import selectors as team_selectors
from teams import services as team_services
from teams.models import Team

if TYPE_CHECKING:
    from portal.accounts.models import User

ARRANGED_KINDS = (SupportKind.SETUP, SupportKind.RESTORE)
# The policy's "call arranged within 1 business day", for an offering edited to have no target.
DEFAULT_CALL_BUSINESS_DAYS = 1


def arrangement_due(*, entitlement: Entitlement, team: Team, start: datetime) -> datetime:
    """When the call arranging ``entitlement``'s session is due: the offering's call target."""
    offering = entitlement.offering
    if offering.phone_response_hours is not None:
        return team_services.add_business_time(
            team=team, start=start, duration=timedelta(hours=offering.phone_response_hours)
        )
    return team_services.add_business_time(
        team=team,
        start=start,
        business_days=offering.phone_response_days or DEFAULT_CALL_BUSINESS_DAYS,
    )


@transaction.atomic
def arrangement_call_book(*, entitlement: Entitlement) -> ArrangementCall:
    """Book the call for a Setup or Restore entitlement; booking it again returns the same one."""
    if entitlement.kind not in ARRANGED_KINDS:
        raise ApplicationError(
            _("Only Setup and Restore Support are arranged by a call."), code=ErrorCode.NOT_ARRANGED
        )
    existing = ArrangementCall.objects.filter(entitlement=entitlement).first()
    if existing is not None:
        return existing
    now = timezone.now()
    team = team_selectors.team_for_user(user=entitlement.customer)
    # A grant that starts later (staff may date it ahead) is arranged once it starts.
    start = max(now, entitlement.starts_at)
    try:
        with transaction.atomic():
            call = ArrangementCall.objects.create(
                customer=entitlement.customer,
                entitlement=entitlement,
                team=team,
                created_at=now,
                due_at=arrangement_due(entitlement=entitlement, team=team, start=start),
            )
    except IntegrityError:
        # Booked at the same moment by another transaction for the same entitlement.
        return ArrangementCall.objects.get(entitlement=entitlement)
    ArrangementCallEvent.objects.create(call=call, action="booked", at=now)
    return call


@transaction.atomic
def arrangement_call_log(
    *, call: ArrangementCall, engineer: User, reached: bool, note: str = ""
) -> ArrangementCall:
    """Record a call: reached, the call is done; not reached, it stays due and is counted.

    The row is re-read under a lock, so two engineers pressing at once record one call only.
    """
    call = ArrangementCall.objects.select_for_update().get(pk=call.pk)
    if call.done_at is not None or call.entitlement.revoked_at is not None:
        raise ApplicationError(_("This call is no longer due."), code=ErrorCode.CALL_NOT_DUE)
    now = timezone.now()
    if reached:
        call.done_at = now
        call.outcome = ArrangementCall.Outcome.REACHED
        call.engineer = engineer
        call.save(update_fields=["done_at", "outcome", "engineer"])
    else:
        call.attempts += 1
        call.last_attempt_at = now
        call.save(update_fields=["attempts", "last_attempt_at"])
    ArrangementCallEvent.objects.create(
        call=call,
        at=now,
        actor=engineer,
        action="call reached" if reached else "call not reached",
        note=note.strip(),
    )
    return call


def arrangement_call_take_over(*, entitlement: Entitlement, reference: str) -> bool:
    """A request under ``entitlement`` arranges the session itself: its call-back replaces the
    booked call. Return whether a due call was taken over."""
    now = timezone.now()
    with transaction.atomic(savepoint=False):
        call = (
            ArrangementCall.objects.select_for_update()
            .filter(entitlement=entitlement, done_at__isnull=True)
            .first()
        )
        if call is None:
            return False
        call.done_at = now
        call.outcome = ArrangementCall.Outcome.REQUEST
        call.reference = reference
        call.save(update_fields=["done_at", "outcome", "reference"])
        ArrangementCallEvent.objects.create(
            call=call, at=now, action="taken over by a request", note=reference
        )
    return True
