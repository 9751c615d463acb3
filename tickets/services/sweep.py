"""The sweep: reminders after unanswered contact attempts and the automatic closure after the
last one, claimed in batches so that two sweeps never handle one ticket twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from entitlements.models import Category
from portal.core import services as outbox
from tickets import links
from tickets.models import (
    Message,
    Resolution,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.services.base import (
    LAST_ATTEMPT_GRACE,
    _mail_context,
    _reply_tokens_issue,
    reply_address,
)


@dataclass
class SweepResult:
    reminded: int = 0
    closed: int = 0


def _claim_due(*, reminders: bool, now: datetime, batch: int) -> list[int]:
    """Lock a batch of due waiting tickets; rows another transaction holds are skipped."""
    attempts = settings.TICKET_CONTACT_ATTEMPTS
    due = Ticket.objects.filter(status=Status.WAITING, next_action_at__lte=now)
    if reminders:
        due = due.filter(contact_attempts__lt=attempts)
    else:
        # The window is checked here too, not only through next_action_at: a due time set
        # under other settings (fewer attempts, a longer window) must not close a ticket early.
        window_start = now - timedelta(days=settings.TICKET_AUTOCLOSE_DAYS)
        due = due.filter(contact_attempts__gte=attempts, first_attempt_at__lte=window_start)
    return list(
        due.order_by("next_action_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:batch]
    )


def _mail_many(tickets: list[Ticket], template: str) -> None:
    # Imported here: partners sit above tickets (they open requests).
    from partners import selectors as partner_selectors

    emails = []
    postsales = {
        (t.customer_id, t.partner_organisation_id)
        for t in tickets
        if t.category == Category.POST_SALES and t.partner_organisation_id
    }
    allowed = partner_selectors.technical_member_pairs(pairs=postsales)
    mailed = [
        ticket
        for ticket in tickets
        if ticket.category != Category.POST_SALES
        or (ticket.customer_id, ticket.partner_organisation_id) in allowed
    ]
    reply_tokens = _reply_tokens_issue(tickets=mailed)
    for ticket, reply_token in zip(mailed, reply_tokens, strict=True):
        token = links.link_issue(ticket=ticket)
        rendered = outbox.email_render(
            template=template, context=_mail_context(ticket, token), language=ticket.language
        )
        emails.append(
            {
                "to": ticket.customer.email,
                "tag": template,
                "language": ticket.language,
                "reply_to": reply_address(ticket, reply_token),
                **rendered,
            }
        )
    outbox.email_enqueue_many(emails=emails)


def _sweep_reminders(now: datetime, batch: int) -> int:
    attempts = settings.TICKET_CONTACT_ATTEMPTS
    window = timedelta(days=settings.TICKET_AUTOCLOSE_DAYS)
    with transaction.atomic():
        ids = _claim_due(reminders=True, now=now, batch=batch)
        if not ids:
            return 0
        # One statement moves every claimed ticket on: one more attempt, and the next due step
        # (another reminder, or the closure once the window since the first attempt is over).
        Ticket.objects.filter(pk__in=ids).update(
            contact_attempts=F("contact_attempts") + 1,
            last_attempt_at=now,
            last_activity_at=now,
            next_action_at=Case(
                When(
                    contact_attempts__lt=attempts - 1,
                    then=Value(now + timedelta(days=settings.TICKET_REMINDER_INTERVAL_DAYS)),
                ),
                default=Greatest(F("first_attempt_at") + window, Value(now + LAST_ATTEMPT_GRACE)),
            ),
        )
        tickets = list(Ticket.objects.filter(pk__in=ids).select_related("customer"))
        Message.objects.bulk_create(
            Message(
                ticket=t,
                kind=Message.Kind.SYSTEM,
                via=Message.Via.SYSTEM,
                body=_("Automatic reminder: we are waiting for your reply."),
                awaits_customer=True,
                created_at=now,
            )
            for t in tickets
        )
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket=t,
                at=now,
                action=TicketEvent.Action.REMINDER_SENT,
                from_status=Status.WAITING,
                to_status=Status.WAITING,
                detail=f"attempt {t.contact_attempts}",
            )
            for t in tickets
        )
        _mail_many(tickets, "ticket_reminder")
    return len(ids)


def _sweep_closures(now: datetime, batch: int) -> int:
    # Imported here: surveys sit above tickets (an invitation belongs to a ticket).
    from surveys import services as survey_services

    with transaction.atomic():
        ids = _claim_due(reminders=False, now=now, batch=batch)
        if not ids:
            return 0
        Ticket.objects.filter(pk__in=ids, status=Status.WAITING).update(
            status=Status.CLOSED,
            resolution=Resolution.AUTO_CLOSED,
            closed_at=now,
            last_activity_at=now,
            next_action_at=None,
            closure_proposed_at=None,
        )
        tickets = list(Ticket.objects.filter(pk__in=ids).select_related("customer"))
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket=t,
                at=now,
                action=TicketEvent.Action.CLOSED_AUTOMATICALLY,
                from_status=Status.WAITING,
                to_status=Status.CLOSED,
                detail=f"{t.contact_attempts} unanswered contact attempts",
            )
            for t in tickets
        )
        links.links_expire_after_close(ticket_ids=ids, closed_at=now)
        _mail_many(tickets, "ticket_closed")
        survey_services.satisfaction_invite(tickets=tickets, closed_at=now)
    return len(ids)


def tickets_sweep(*, now: datetime | None = None, batch: int | None = None) -> SweepResult:
    """Send due reminders and close tickets whose contact attempts all went unanswered.

    Safe to run twice or twice at once: each batch claims its rows with FOR UPDATE SKIP LOCKED
    and moves their due time on in the same transaction, so a row is handled once.
    """
    now = now or timezone.now()
    batch = batch or settings.TICKET_SWEEP_BATCH
    result = SweepResult()
    while (count := _sweep_reminders(now, batch)) > 0:
        result.reminded += count
        if count < batch:
            break
    while (count := _sweep_closures(now, batch)) > 0:
        result.closed += count
        if count < batch:
            break
    return result
