"""Who works on a request, how urgent it is, and the article that solved it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, Func, IntegerField, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from knowledge.models import Article
from portal.core.errors import ApplicationError
from tickets.errors import ErrorCode
from tickets.models import (
    OPEN_STATUSES,
    EngineerProfile,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.services.base import _event, _lock, _published, _require

if TYPE_CHECKING:
    from portal.accounts.models import User


def assignee_choose(*, ticket: Ticket) -> EngineerProfile | None:
    """Choose an engineer skilled in the ticket's product, the least loaded first: one of the
    ticket's team, or of another team when no engineer of the ticket's team knows the product.

    The other team helps with a skill the team lacks, not with a team whose skilled engineers
    take no new requests at the moment: then the request waits for the team. One query either
    way; the profile comes with its user and team.
    """
    skilled = EngineerProfile.objects.filter(
        products=ticket.product, user__is_active=True, user__is_staff=True
    )
    profile = (
        skilled.filter(takes_new_tickets=True)
        .filter(Q(team=ticket.team) | ~Exists(skilled.filter(team=ticket.team)))
        .annotate(
            # Counted over open tickets only, a range of the (assignee, status) index per
            # engineer: a busy engineer's years of closed tickets are not read at every
            # submission. COUNT(*) without GROUP BY always gives one row (0 when none), and
            # reads the index only, where COUNT(id) would visit every ticket's row.
            load=Subquery(
                Ticket.objects.open()
                .filter(assignee=OuterRef("user_id"))
                .order_by()
                .annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
                .values("n")
            )
        )
        .order_by("load", "user_id")
        .select_related("user", "team")
        .first()
    )
    return profile


def _assign(ticket: Ticket, engineer: User, *, actor: User, action: TicketEvent.Action) -> None:
    before = ticket.status
    ticket.assignee = engineer
    if ticket.status == Status.NEW:
        ticket.status = Status.OPEN
    ticket.save(update_fields=["assignee", "status"])
    _event(ticket, action, actor=actor, before=before, detail=str(engineer))


@transaction.atomic
def ticket_take(*, ticket: Ticket, engineer: User) -> Ticket:
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATUSES, _("taken"))
    _assign(ticket, engineer, actor=engineer, action=TicketEvent.Action.TAKEN)
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, engineer: User, actor: User) -> Ticket:
    if not engineer.is_staff:
        raise ApplicationError(
            _("Only support engineers can be assigned."), code=ErrorCode.NOT_STAFF
        )
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATUSES, _("assigned"))
    _assign(ticket, engineer, actor=actor, action=TicketEvent.Action.ASSIGNED)
    return ticket


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, priority: int, actor: User) -> Ticket:
    ticket = _lock(ticket)
    if priority not in Priority.values:
        raise ApplicationError(_("Unknown priority."), code=ErrorCode.INVALID_PRIORITY)
    before = ticket.get_priority_display()
    ticket.priority = priority
    ticket.save(update_fields=["priority"])
    _event(
        ticket,
        TicketEvent.Action.PRIORITY_CHANGED,
        actor=actor,
        before=ticket.status,
        detail=f"{before} → {ticket.get_priority_display()}",
    )
    return ticket


@transaction.atomic
def ticket_solved_by_set(*, ticket: Ticket, article: Article | None, actor: User) -> Ticket:
    """Record the published article that answered the request, or clear it with None.

    Allowed in any status: support often notes the article after closing. Setting what is
    already set changes nothing and writes no event.
    """
    if not getattr(actor, "is_staff", False):
        raise ApplicationError(
            _("Only support staff can say which article solved a request."),
            code=ErrorCode.NOT_STAFF,
        )
    ticket = _lock(ticket)
    if article is not None:
        article = _published(article)
    if ticket.solved_by_id == (article.pk if article is not None else None):
        return ticket
    ticket.solved_by = article
    ticket.save(update_fields=["solved_by"])
    _event(
        ticket,
        TicketEvent.Action.SOLVED_BY_ARTICLE,
        actor=actor,
        before=ticket.status,
        detail=article.title if article is not None else "cleared",
    )
    return ticket
