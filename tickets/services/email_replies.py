"""Replies by e-mail to closed requests: reopened within the reopening period, else a
follow-up request when the customer is entitled, or a refusal that says why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from entitlements import services as entitlement_services
from entitlements.models import Channel
from portal.core import services as outbox
from tickets import attachments as attachment_checks
from tickets import links, selectors
from tickets.models import (
    Message,
    Status,
    Ticket,
    TicketEvent,
)
from tickets.services.base import (
    _clean_text,
    _event,
    _lock,
    _may_receive_mail,
    _reply_tokens_issue,
    _store_attachments,
    _stored_bytes,
    reply_address,
)
from tickets.services.conversation import ticket_customer_message
from tickets.services.creation import ticket_create
from tickets.services.state import STATE_FIELDS, _end_waiting, _reopen, _require_reopenable

if TYPE_CHECKING:
    from portal.accounts.models import User


@dataclass(frozen=True)
class EmailReply:
    """Where a customer's reply by e-mail went.

    ``message`` is on ``ticket``: the request replied to (reopened or not), or the new request
    that follows it. When it went nowhere, ``message`` is None and ``refusal`` says why.
    """

    ticket: Ticket
    message: Message | None = None
    reopened: bool = False
    follow_up: bool = False
    refusal: str = ""


@transaction.atomic
def ticket_customer_reply_by_email(
    *,
    ticket: Ticket,
    body: str,
    files: Sequence[UploadedFile] = (),
    actor: User | None = None,
) -> EmailReply:
    """Add the customer's reply by e-mail to its request; to a closed one by its closing date.

    Within ``TICKET_REOPEN_BY_REPLY_DAYS`` of the closing the reply reopens the request (so does
    a reply that meets the closing sweep), and the customer is reminded that a new problem needs
    a new request. A later reply starts a new request that follows the old one, under the
    entitlement check like any other. When the customer's support no longer allows one, nothing
    is opened: the customer is told how to send a new request, and ``refusal`` says why.
    """
    ticket = _lock(ticket)
    actor = actor or ticket.customer
    if ticket.status != Status.CLOSED:
        message = ticket_customer_message(
            ticket=ticket, body=body, files=files, via=Message.Via.EMAIL, actor=actor
        )
        return EmailReply(ticket=message.ticket, message=message)
    _require_reopenable(ticket)
    now = timezone.now()
    window_start = now - timedelta(days=settings.TICKET_REOPEN_BY_REPLY_DAYS)
    if ticket.closed_at is None or ticket.closed_at >= window_start:
        return _reopen_by_reply(ticket, body=body, files=files, actor=actor, now=now)
    return _follow_up_by_reply(ticket, body=body, files=files, actor=actor)


def _reopen_by_reply(
    ticket: Ticket, *, body: str, files: Sequence[UploadedFile], actor: User, now: datetime
) -> EmailReply:
    body = _clean_text(body, field=_("your message"), limit=20000)
    checked = attachment_checks.check_uploads(list(files), already_stored=_stored_bytes(ticket))
    _reopen(ticket)
    message = Message.objects.create(
        ticket=ticket,
        author=actor,
        kind=Message.Kind.CUSTOMER,
        via=Message.Via.EMAIL,
        body=body,
        created_at=now,
    )
    _store_attachments(message, checked)
    _end_waiting(ticket)
    ticket.last_activity_at = now
    ticket.save(update_fields=STATE_FIELDS)
    _event(
        ticket,
        TicketEvent.Action.REOPENED_BY_REPLY,
        actor=actor,
        before=Status.CLOSED,
        detail=Message.Via.EMAIL,
    )
    _mail_reopened_by_reply(ticket)
    return EmailReply(ticket=ticket, message=message, reopened=True)


def _follow_up_by_reply(
    ticket: Ticket, *, body: str, files: Sequence[UploadedFile], actor: User
) -> EmailReply:
    # Another late reply (the closed request is locked, so replies come one at a time) joins
    # the request the first one opened, while that is not closed, instead of opening another.
    open_follow_up = ticket.followed_by.open().order_by("-created_at", "-pk").first()
    if open_follow_up is not None:
        message = ticket_customer_message(
            ticket=open_follow_up, body=body, files=files, via=Message.Via.EMAIL, actor=actor
        )
        return EmailReply(ticket=message.ticket, message=message, follow_up=True)
    closed_on = _closed_on(ticket)
    if ticket.category in entitlement_services.PARTNER_CATEGORIES:
        # Partner help is opened by the partners app, which decides who may ask for it.
        _mail_follow_up_refused(ticket, decision=None)
        return EmailReply(
            ticket=ticket,
            refusal=_(
                "No new request opened from a reply to partner request %(id)s, closed on "
                "%(date)s: partners send a new one from the partner area."
            )
            % {"id": ticket.ticket_id, "date": closed_on},
        )
    with translation.override(ticket.language):
        subject = _("Follow-up to %(id)s: %(subject)s") % {
            "id": ticket.ticket_id,
            "subject": ticket.subject,
        }
    # The same way of answering as before, where the request has what it needs for it.
    channel = ticket.channel
    if channel == Channel.PHONE and not ticket.phone:
        channel = Channel.ONLINE
    try:
        created = ticket_create(
            customer=ticket.customer,
            product=ticket.product,
            version=ticket.version,
            category=ticket.category,
            subject=subject[:200],
            description=body,
            channel=channel,
            phone=ticket.phone,
            language=ticket.language,
            files=files,
            via=Message.Via.EMAIL,
        )
    except entitlement_services.EntitlementRefused as refused:
        _mail_follow_up_refused(ticket, decision=refused.decision)
        return EmailReply(
            ticket=ticket,
            refusal=_(
                "No new request opened from a reply to %(id)s, closed on %(date)s: %(reason)s"
            )
            % {"id": ticket.ticket_id, "date": closed_on, "reason": refused.message},
        )
    follow_up = created.ticket
    follow_up.follows = ticket
    follow_up.save(update_fields=["follows"])
    _event(
        follow_up,
        TicketEvent.Action.FOLLOWS,
        actor=actor,
        before=follow_up.status,
        detail=ticket.ticket_id,
    )
    _event(
        ticket,
        TicketEvent.Action.FOLLOWED_BY,
        actor=actor,
        before=ticket.status,
        detail=follow_up.ticket_id,
    )
    return EmailReply(ticket=follow_up, message=created.message, follow_up=True)


def _closed_on(ticket: Ticket) -> str:
    """The closing date in the ticket's team calendar, written the way of the active language."""
    closed_at = timezone.localtime(ticket.closed_at, ZoneInfo(ticket.team.time_zone))
    return formats.date_format(closed_at.date(), "DATE_FORMAT")


def _mail_reopened_by_reply(ticket: Ticket) -> None:
    """Confirm the reopening, with the reopen page's reminder that a new problem needs a new
    request (a reply reopens without the page that says so)."""
    if not _may_receive_mail(ticket):
        return
    token = links.link_issue(ticket=ticket)
    (reply_token,) = _reply_tokens_issue(tickets=[ticket])
    with translation.override(ticket.language):
        names = {"id": ticket.ticket_id, "subject": ticket.subject}
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": ticket.customer.get_short_name()},
                _("your e-mail reopened your request %(id)s (%(subject)s); support answers it.")
                % names,
                _(
                    "Reopen it only if the same problem is back. A new problem needs a new "
                    "request, so that the right engineer and your current support take care of it."
                ),
                _("If your e-mail is about a new problem, please send a new request: %(url)s")
                % {"url": f"{settings.SITE_URL}{reverse('tickets:new')}"},
                "\n".join(
                    [
                        _("Your request online (a private link, please do not forward it):"),
                        links.link_url(token),
                    ]
                ),
                _("You can also answer this e-mail; your reply is added to the request."),
                _("Request %(id)s · NovaDesk support") % names,
            ]
        )
        outbox.email_enqueue(
            to=ticket.customer.email,
            subject=_("[%(id)s] Your request is open again: %(subject)s") % names,
            body_text=f"{body}\n",
            tag="ticket_reopened_by_reply",
            language=ticket.language,
            reply_to=reply_address(ticket, reply_token),
        )


def _mail_follow_up_refused(
    ticket: Ticket, *, decision: entitlement_services.Decision | None
) -> None:
    """Tell the customer that their late reply opened nothing, why, and how to ask anew.

    The mail has no reply address: answering it would only arrive at the closed request again.
    """
    if not _may_receive_mail(ticket):
        return
    partner = ticket.category in entitlement_services.PARTNER_CATEGORIES
    with translation.override(ticket.language):
        names = {"id": ticket.ticket_id, "subject": ticket.subject, "date": _closed_on(ticket)}
        paragraphs = [
            _("Hello %(name)s,") % {"name": ticket.customer.get_short_name()},
            _(
                "your request %(id)s (%(subject)s) was closed on %(date)s, so your e-mail was "
                "not added to it, and no new request could be opened from it."
            )
            % names,
        ]
        if partner:
            paragraphs.append(
                _("Please send a new request from the partner area: %(url)s")
                % {"url": f"{settings.SITE_URL}{reverse('partners:area')}"}
            )
        else:
            # Decided again in the customer's language: the reason is for them to read.
            decision = entitlement_services.check(
                customer=ticket.customer,
                product=ticket.product,
                version=ticket.version,
                category=ticket.category,
                channel=decision.channel if decision is not None else Channel.ONLINE,
            )
            paragraphs.append(decision.reason)
            paragraphs.append(
                _("Please send a new request: %(url)s")
                % {"url": f"{settings.SITE_URL}{reverse('tickets:new')}"}
            )
            offerings = selectors.offerings_by_code(codes=decision.purchase_options)
            if offerings:
                buy = reverse("entitlements:buy")
                query = urlencode({"product": ticket.product.code, "category": ticket.category})
                paragraphs.append(
                    "\n".join(
                        [
                            _("Support that covers it:"),
                            *(
                                f"- {offering.name}: {settings.SITE_URL}{buy}?{query}"
                                f"#offering-{offering.code}"
                                for offering in offerings
                            ),
                        ]
                    )
                )
        paragraphs.append(_("Request %(id)s · NovaDesk support") % names)
        outbox.email_enqueue(
            to=ticket.customer.email,
            subject=_("[%(id)s] Your e-mail was not added: please send a new request") % names,
            body_text="\n\n".join(paragraphs) + "\n",
            tag="ticket_follow_up_refused",
            language=ticket.language,
        )
