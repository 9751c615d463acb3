"""Closing a request and opening it again: by the customer, by support, by agreement, by
mistake."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements import services as entitlement_services
from portal.core.errors import ApplicationError
from tickets import links, selectors
from tickets.errors import ErrorCode
from tickets.models import (
    OPEN_STATUSES,
    Message,
    Resolution,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.services.base import (
    CLOSURE_PROPOSED,
    CLOSURE_WITHDRAWN,
    _clean_text,
    _event,
    _lock,
    _notify,
    _require,
)
from tickets.services.state import (
    STATE_FIELDS,
    WAITING_FIELDS,
    _end_waiting,
    _reopen,
    _require_reopenable,
    _start_or_count_attempt,
)

if TYPE_CHECKING:
    from portal.accounts.models import User


def _close(
    ticket: Ticket, resolution: str, *, actor: User, now: datetime, detail: str = ""
) -> None:
    # Imported here: surveys sit above tickets (an invitation belongs to a ticket).
    from surveys import services as survey_services

    before = ticket.status
    ticket.status = Status.CLOSED
    ticket.resolution = resolution
    ticket.closed_at = now
    ticket.closure_proposed_at = None
    _end_waiting(ticket)
    ticket.last_activity_at = now
    ticket.save(update_fields=STATE_FIELDS)
    _event(ticket, TicketEvent.Action.closed(resolution), actor=actor, before=before, detail=detail)
    links.links_expire_after_close(ticket_ids=[ticket.pk], closed_at=now)
    _notify(ticket, "ticket_closed", resolution=ticket.get_resolution_display())
    # The survey decides which closures it asks about (never a cancellation).
    survey_services.satisfaction_invite(tickets=[ticket], closed_at=now)


@transaction.atomic
def ticket_close_by_customer(*, ticket: Ticket, actor: User | None = None) -> Ticket:
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATUSES, _("closed"))
    _close(ticket, Resolution.CUSTOMER_CLOSED, actor=actor or ticket.customer, now=timezone.now())
    return ticket


@transaction.atomic
def ticket_resolve(*, ticket: Ticket, engineer: User, note: str = "") -> Ticket:
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATUSES, _("resolved"))
    _close(ticket, Resolution.RESOLVED, actor=engineer, now=timezone.now(), detail=note)
    return ticket


@transaction.atomic
def ticket_propose_unresolved_closure(
    *, ticket: Ticket, engineer: User, explanation: str
) -> Ticket:
    """Support cannot (or chooses not to) resolve: ask the customer to agree to closing."""
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATUSES, _("proposed for closing"))
    explanation = _clean_text(explanation, field=_("the explanation"), limit=5000)
    now = timezone.now()
    before = ticket.status
    message = Message.objects.create(
        ticket=ticket,
        author=engineer,
        kind=Message.Kind.ENGINEER,
        via=Message.Via.ADMIN,
        body=explanation,
        awaits_customer=True,
        created_at=now,
    )
    ticket.closure_proposed_at = now
    _start_or_count_attempt(ticket, now)
    ticket.last_activity_at = now
    ticket.save(
        update_fields=["closure_proposed_at", "status", "last_activity_at", *WAITING_FIELDS]
    )
    _event(ticket, CLOSURE_PROPOSED, actor=engineer, before=before, detail=explanation[:200])
    _notify(ticket, "ticket_closure_proposed", message=message)
    return ticket


def _closure_proposal_was_withdrawn(ticket: Ticket) -> bool:
    """Whether the latest proposal to close unresolved no longer stands (one query).

    Either it was withdrawn, or it was stored before a message withdrew proposals and the
    conversation went on after it.
    """
    if ticket.closure_proposed_at is not None:
        return Message.objects.filter(
            ticket=ticket,
            kind__in=selectors.CONVERSATION_KINDS,
            created_at__gt=ticket.closure_proposed_at,
        ).exists()
    latest = (
        TicketEvent.objects.filter(ticket=ticket, action__in=[CLOSURE_PROPOSED, CLOSURE_WITHDRAWN])
        .order_by("-at", "-pk")
        .values_list("action", flat=True)
        .first()
    )
    return latest == CLOSURE_WITHDRAWN


@transaction.atomic
def ticket_agree_closure(*, ticket: Ticket, actor: User | None = None) -> Ticket:
    """Close unresolved with the customer's agreement, while support's proposal stands."""
    ticket = _lock(ticket)
    if ticket.status != Status.CLOSED and _closure_proposal_was_withdrawn(ticket):
        raise ApplicationError(
            _(
                "The proposal to close request %(id)s was withdrawn when the conversation went "
                "on, so the request stays open. If support still cannot resolve it, they will "
                "propose closing it again."
            )
            % {"id": ticket.ticket_id},
            code=ErrorCode.PROPOSAL_WITHDRAWN,
        )
    if ticket.closure_proposed_at is None or ticket.status == Status.CLOSED:
        raise ApplicationError(
            _("Support has not proposed to close this request."), code=ErrorCode.NO_PROPOSAL
        )
    _close(ticket, Resolution.CANNOT_RESOLVE, actor=actor or ticket.customer, now=timezone.now())
    return ticket


@transaction.atomic
def ticket_reopen(
    *, ticket: Ticket, comment: str, actor: User | None = None, via: str = Message.Via.WEB
) -> Ticket:
    """Reopen a closed request with the customer's comment; no further credit is used."""
    ticket = _lock(ticket)
    _require_reopenable(ticket)
    comment = _clean_text(comment, field=_("a comment"), limit=20000)
    now = timezone.now()
    _reopen(ticket)
    Message.objects.create(
        ticket=ticket,
        author=actor or ticket.customer,
        kind=Message.Kind.CUSTOMER,
        via=via,
        body=comment,
        created_at=now,
    )
    _end_waiting(ticket)
    ticket.last_activity_at = now
    ticket.save(update_fields=STATE_FIELDS)
    _event(
        ticket, TicketEvent.Action.REOPENED, actor=actor or ticket.customer, before=Status.CLOSED
    )
    return ticket


@transaction.atomic
def ticket_cancel_as_mistake(*, ticket: Ticket, staff: User, reason: str) -> Ticket:
    """Close a request opened by mistake and give back the credit it used."""
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATUSES, _("cancelled"))
    if ticket.entitlement is not None and ticket.entitlement.uses_total is not None:
        entitlement_services.entitlement_give_back(
            entitlement=ticket.entitlement, reference=ticket.ticket_id, reason=reason, actor=staff
        )
    _close(ticket, Resolution.CANCELLED, actor=staff, now=timezone.now(), detail=reason)
    return ticket


@transaction.atomic
def ticket_revoke_links(*, ticket: Ticket, staff: User, reason: str) -> int:
    count = links.links_revoke(ticket=ticket, reason=reason)
    _event(
        ticket, TicketEvent.Action.LINKS_REVOKED, actor=staff, before=ticket.status, detail=reason
    )
    return count
