"""The conversation on an open request: replies, notes, logged calls and the customer's
messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.models import Article
from portal.core.errors import ApplicationError
from tickets import attachments as attachment_checks
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
    CLOSURE_WITHDRAWN,
    _clean_text,
    _event,
    _lock,
    _notify,
    _published,
    _require,
    _store_attachments,
    _stored_bytes,
    _with_article_link,
)
from tickets.services.state import (
    STATE_FIELDS,
    WAITING_FIELDS,
    _closure_proposal_withdraw,
    _end_waiting,
    _reopen,
    _start_or_count_attempt,
)
from tickets.text import mask_passwords

if TYPE_CHECKING:
    from portal.accounts.models import User


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    engineer: User,
    body: str,
    awaits_customer: bool,
    files: Sequence[UploadedFile] = (),
    via: str = Message.Via.ADMIN,
    article: Article | None = None,
) -> Message:
    """Answer the customer; a reply that asks them something is a contact attempt.

    With ``article``, the help-centre article's title and address end the reply (or are the
    whole reply when ``body`` is empty). It does not set ``solved_by``: the engineer decides.
    """
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATUSES, _("answered"))
    body = _with_article_link(body, _published(article) if article is not None else None)
    checked = attachment_checks.check_uploads(list(files), already_stored=_stored_bytes(ticket))
    now = timezone.now()
    before = ticket.status
    message = Message.objects.create(
        ticket=ticket,
        author=engineer,
        kind=Message.Kind.ENGINEER,
        via=via,
        body=body,
        awaits_customer=awaits_customer,
        created_at=now,
    )
    _store_attachments(message, checked)
    if ticket.assignee_id is None:
        ticket.assignee = engineer
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
    if awaits_customer:
        _start_or_count_attempt(ticket, now)
    else:
        ticket.status = Status.OPEN
        _end_waiting(ticket)
    withdrawn = _closure_proposal_withdraw(ticket)
    ticket.last_activity_at = now
    ticket.save(
        update_fields=[
            "assignee",
            "first_responded_at",
            "status",
            "closure_proposed_at",
            "last_activity_at",
            *WAITING_FIELDS,
        ]
    )
    _event(
        ticket,
        TicketEvent.Action.REPLIED,
        actor=engineer,
        before=before,
        detail="asks customer" if awaits_customer else "",
    )
    if withdrawn:
        _event(
            ticket,
            CLOSURE_WITHDRAWN,
            actor=engineer,
            before=ticket.status,
            detail="support replied",
        )
    _notify(ticket, "ticket_reply", message=message)
    return message


@transaction.atomic
def ticket_note(
    *, ticket: Ticket, engineer: User, body: str, files: Sequence[UploadedFile] = ()
) -> Message:
    """An internal note, with files if any: engineers only, no mail, no change of status."""
    ticket = _lock(ticket)
    body = _clean_text(body, field=_("the note"), limit=20000)
    checked = attachment_checks.check_uploads(list(files), already_stored=_stored_bytes(ticket))
    message = Message.objects.create(
        ticket=ticket, author=engineer, kind=Message.Kind.NOTE, via=Message.Via.ADMIN, body=body
    )
    _store_attachments(message, checked)
    _event(ticket, TicketEvent.Action.INTERNAL_NOTE, actor=engineer, before=ticket.status)
    return message


@transaction.atomic
def ticket_log_call(
    *, ticket: Ticket, engineer: User, reached: bool, note: str = "", via: str = Message.Via.ADMIN
) -> Message:
    """Record a phone call; an unanswered call is a contact attempt."""
    ticket = _lock(ticket)
    _require(ticket, OPEN_STATUSES, _("called"))
    now = timezone.now()
    before = ticket.status
    note = mask_passwords(note.strip())
    body = (
        _("We called you and spoke with you.")
        if reached
        else _("We tried to call you but could not reach you.")
    )
    message = Message.objects.create(
        ticket=ticket,
        author=engineer,
        kind=Message.Kind.CALL,
        via=via,
        body=f"{body}\n\n{note}".strip(),
        awaits_customer=not reached,
        created_at=now,
    )
    if ticket.assignee_id is None:
        ticket.assignee = engineer
    if reached:
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
        if ticket.callback_due and not ticket.callback_done_at:
            ticket.callback_done_at = now
        ticket.status = Status.OPEN
        _end_waiting(ticket)
    else:
        _start_or_count_attempt(ticket, now)
    ticket.last_activity_at = now
    ticket.save(
        update_fields=[
            "assignee", "first_responded_at", "callback_done_at", "status", "last_activity_at",
            *WAITING_FIELDS,
        ]
    )  # fmt: skip
    _event(
        ticket,
        TicketEvent.Action.CALL_REACHED if reached else TicketEvent.Action.CALL_NOT_REACHED,
        actor=engineer,
        before=before,
    )
    if not reached:
        _notify(ticket, "ticket_call_attempt", message=message)
    return message


@transaction.atomic
def ticket_customer_message(
    *,
    ticket: Ticket,
    body: str,
    files: Sequence[UploadedFile] = (),
    via: str = Message.Via.WEB,
    actor: User | None = None,
) -> Message:
    """The customer writes: the waiting period ends and the ticket is open again.

    A message that meets a ticket just closed by the sweep is never lost: it reopens the ticket.
    """
    ticket = _lock(ticket)
    body = _clean_text(body, field=_("your message"), limit=20000)
    checked = attachment_checks.check_uploads(list(files), already_stored=_stored_bytes(ticket))
    now = timezone.now()
    before = ticket.status
    if ticket.status == Status.CLOSED:
        if ticket.resolution != Resolution.AUTO_CLOSED:
            raise ApplicationError(
                _("Request %(id)s is closed. Reopen it with a comment if the problem is back.")
                % {"id": ticket.ticket_id},
                code=ErrorCode.CLOSED,
            )
        _reopen(ticket)
    message = Message.objects.create(
        ticket=ticket,
        author=actor or ticket.customer,
        kind=Message.Kind.CUSTOMER,
        via=via,
        body=body,
        created_at=now,
    )
    _store_attachments(message, checked)
    if ticket.status != Status.NEW:
        ticket.status = Status.OPEN
    _end_waiting(ticket)
    withdrawn = _closure_proposal_withdraw(ticket)
    ticket.last_activity_at = now
    ticket.save(update_fields=STATE_FIELDS)
    action = (
        TicketEvent.Action.REOPENED_BY_REPLY
        if before == Status.CLOSED
        else TicketEvent.Action.CUSTOMER_WROTE
    )
    _event(ticket, action, actor=actor or ticket.customer, before=before, detail=via)
    if withdrawn:
        _event(
            ticket,
            CLOSURE_WITHDRAWN,
            actor=actor or ticket.customer,
            before=ticket.status,
            detail="the customer wrote",
        )
    return message
