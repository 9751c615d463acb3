"""The waiting period of a request (contact attempts counted and ended) and the state a
reopened request returns to."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError
from tickets import links
from tickets.errors import ErrorCode
from tickets.models import (
    Status,
    Ticket,
)
from tickets.services.base import LAST_ATTEMPT_GRACE, _require


def _start_or_count_attempt(ticket: Ticket, now: datetime) -> None:
    """An outbound contact that awaits the customer: count it in the current waiting period."""
    attempts = settings.TICKET_CONTACT_ATTEMPTS
    if ticket.status != Status.WAITING or ticket.first_attempt_at is None:
        ticket.contact_attempts = 0
        ticket.first_attempt_at = now
    ticket.contact_attempts += 1
    ticket.last_attempt_at = now
    ticket.status = Status.WAITING
    if ticket.contact_attempts < attempts:
        ticket.next_action_at = now + timedelta(days=settings.TICKET_REMINDER_INTERVAL_DAYS)
    else:
        window_end = ticket.first_attempt_at + timedelta(days=settings.TICKET_AUTOCLOSE_DAYS)
        # Even a last attempt made late leaves the customer a day to answer it.
        ticket.next_action_at = max(window_end, now + LAST_ATTEMPT_GRACE)


def _end_waiting(ticket: Ticket) -> None:
    ticket.contact_attempts = 0
    ticket.first_attempt_at = None
    ticket.last_attempt_at = None
    ticket.next_action_at = None


def _closure_proposal_withdraw(ticket: Ticket) -> bool:
    """The conversation goes on: a proposal to close unresolved no longer stands; say if one did.

    A customer who writes instead of agreeing disagrees, and a new reply of support means they
    are still at it: agreeing weeks later must not close a conversation that has moved on.
    """
    if ticket.closure_proposed_at is None:
        return False
    ticket.closure_proposed_at = None
    return True


WAITING_FIELDS = ["contact_attempts", "first_attempt_at", "last_attempt_at", "next_action_at"]
# What opening, closing and reopening change.
STATE_FIELDS = [
    "status", "resolution", "closed_at", "closure_proposed_at", "last_activity_at",
    *WAITING_FIELDS,
]  # fmt: skip


def _reopen(ticket: Ticket) -> None:
    # Imported here: surveys sit above tickets (an invitation belongs to a ticket).
    from surveys import services as survey_services

    ticket.status = Status.OPEN if ticket.assignee_id else Status.NEW
    ticket.resolution = ""
    ticket.closed_at = None
    ticket.closure_proposed_at = None
    links.links_renew_on_reopen(ticket=ticket)
    # However it is reopened (the page, the API, a reply by e-mail), the survey of the closure
    # no longer applies.
    survey_services.satisfaction_withdraw(ticket=ticket)


def _require_reopenable(ticket: Ticket) -> None:
    """Refuse to reopen a request that is not closed, or that support cancelled."""
    _require(ticket, [Status.CLOSED], _("reopened"))
    if not ticket.may_be_reopened():
        raise ApplicationError(
            _("This request was cancelled; please send a new request."), code=ErrorCode.CANCELLED
        )
