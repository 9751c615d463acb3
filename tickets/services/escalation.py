"""First-response escalation: a warning to the assignee shortly before a request's first
response is due, and the support leads of its team told once the due time has passed unanswered.

Both steps claim their tickets in batches (FOR UPDATE SKIP LOCKED) and record what they did on
the claimed rows in the same transaction as the event and the mail, so two sweeps at once, or
one run twice, never warn or escalate a request twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from portal.accounts import roles
from portal.core import services as outbox
from tickets.models import EngineerProfile, Status, Ticket, TicketEvent

if TYPE_CHECKING:
    from portal.accounts.models import User

WARNING_TEMPLATE = "ticket_first_response_warning"
ESCALATION_TEMPLATE = "ticket_escalated"


@dataclass
class EscalationResult:
    warned: int = 0
    escalated: int = 0


def warning_window() -> timedelta:
    """How long before the first-response due time the assignee is warned."""
    return timedelta(minutes=settings.TICKET_ESCALATION_WARNING_MINUTES)


def _awaiting() -> QuerySet[Ticket]:
    """Unclosed requests still waiting for their first response and not yet escalated: the rows
    of the partial index ``ticket_first_response_open_idx``."""
    return Ticket.objects.filter(
        first_response_due__isnull=False,
        first_responded_at__isnull=True,
        escalated_at__isnull=True,
    ).exclude(status=Status.CLOSED)


def _due_for_warning(now: datetime) -> QuerySet[Ticket]:
    # Warned once per due time: a request whose target moved since its warning is warned again.
    return (
        _awaiting()
        .filter(first_response_due__gt=now, first_response_due__lte=now + warning_window())
        .filter(
            Q(first_response_warned_due__isnull=True)
            | ~Q(first_response_warned_due=F("first_response_due"))
        )
    )


def _due_for_escalation(now: datetime) -> QuerySet[Ticket]:
    return _awaiting().filter(first_response_due__lte=now)


def _claim(due: QuerySet[Ticket], batch: int) -> list[int]:
    """Lock a batch of due tickets; rows another transaction holds are skipped."""
    return list(
        due.order_by("first_response_due")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:batch]
    )


def _mail_staff(ticket: Ticket, template: str, recipient: User) -> None:
    """Mail one engineer about ``ticket`` in their own language, with the desk's link."""
    outbox.email_enqueue_template(
        to=recipient.email,
        template=template,
        context={
            "ticket": ticket,
            "recipient": recipient,
            # The templates show the due time on the team's clock.
            "zone": ticket.team.time_zone,
        },
        language=recipient.language,
        tag=template,
    )


def _event(ticket: Ticket, action: TicketEvent.Action, now: datetime, detail: str) -> TicketEvent:
    return TicketEvent(
        ticket=ticket,
        at=now,
        action=action,
        from_status=ticket.status,
        to_status=ticket.status,
        detail=detail[:300],
    )


def _warn_batch(now: datetime, batch: int) -> int:
    with transaction.atomic():
        ids = _claim(_due_for_warning(now), batch)
        if not ids:
            return 0
        Ticket.objects.filter(pk__in=ids).update(
            first_response_warned_at=now, first_response_warned_due=F("first_response_due")
        )
        tickets = list(Ticket.objects.filter(pk__in=ids).select_related("assignee", "team"))
        events = []
        for ticket in tickets:
            assignee = ticket.assignee
            mailed = "no assignee to mail"
            if assignee is not None and assignee.is_active and assignee.email:
                _mail_staff(ticket, WARNING_TEMPLATE, assignee)
                mailed = f"mailed {assignee.email}"
            events.append(
                _event(
                    ticket,
                    TicketEvent.Action.FIRST_RESPONSE_WARNING,
                    now,
                    f"due {ticket.first_response_due:%Y-%m-%d %H:%M} UTC; {mailed}",
                )
            )
        TicketEvent.objects.bulk_create(events)
    return len(ids)


def _leads_by_team(team_ids: set[int]) -> dict[int, list[User]]:
    """The active support leads of each team (their team is their engineer profile's)."""
    leads: dict[int, list[User]] = {}
    profiles = (
        EngineerProfile.objects.filter(
            team_id__in=team_ids,
            user__is_active=True,
            user__groups__name=roles.SUPPORT_LEAD,
        )
        .select_related("user")
        .order_by("user__email")
        .distinct()
    )
    for profile in profiles:
        leads.setdefault(profile.team_id, []).append(profile.user)
    return leads


def _escalate_batch(now: datetime, batch: int) -> int:
    with transaction.atomic():
        ids = _claim(_due_for_escalation(now), batch)
        if not ids:
            return 0
        Ticket.objects.filter(pk__in=ids).update(escalated_at=now)
        tickets = list(Ticket.objects.filter(pk__in=ids).select_related("assignee", "team"))
        leads = _leads_by_team({ticket.team_id for ticket in tickets})
        events = []
        for ticket in tickets:
            team_leads = [lead for lead in leads.get(ticket.team_id, []) if lead.email]
            for lead in team_leads:
                _mail_staff(ticket, ESCALATION_TEMPLATE, lead)
            mailed = ", ".join(lead.email for lead in team_leads) or "no support lead to mail"
            events.append(
                _event(
                    ticket,
                    TicketEvent.Action.ESCALATED,
                    now,
                    f"first response was due {ticket.first_response_due:%Y-%m-%d %H:%M} UTC; "
                    f"mailed {mailed}",
                )
            )
        TicketEvent.objects.bulk_create(events)
    return len(ids)


def tickets_escalate(*, now: datetime | None = None, batch: int | None = None) -> EscalationResult:
    """Warn assignees of first responses due soon and escalate the ones missed.

    "Due soon" is wall time: the warning goes out once the due time is at most
    ``TICKET_ESCALATION_WARNING_MINUTES`` away, ``first_response_due - warning <= now``. The due
    time itself already counts the team's opening hours; the warning is a reminder of that
    moment on the clock, as the queue's "due within an hour" filter reads it, so a target due
    first thing on Monday warns on Monday morning rather than at Friday's closing time.

    A request is warned once per due time (the due time warned about is recorded): if its
    target moves, it may be warned again. It is escalated once: ``escalated_at`` stays set,
    and an escalated request is not looked at again. A request first seen after its due time
    is escalated without a warning.

    Safe to run twice or twice at once: each batch claims its rows with FOR UPDATE SKIP LOCKED
    and records the step on them in the same transaction as its events and mails.
    """
    now = now or timezone.now()
    batch = batch or settings.TICKET_SWEEP_BATCH
    result = EscalationResult()
    while (count := _escalate_batch(now, batch)) > 0:
        result.escalated += count
        if count < batch:
            break
    while (count := _warn_batch(now, batch)) > 0:
        result.warned += count
        if count < batch:
            break
    return result
