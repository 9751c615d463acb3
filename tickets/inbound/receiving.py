"""Where an incoming mail belongs: the ticket its reply address and sender prove, else the
quarantine, with its files kept for staff."""

from __future__ import annotations

import contextlib
import logging
import secrets
from datetime import timedelta
from email.errors import HeaderParseError, MessageError

from anymail.inbound import AnymailInboundMessage
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from entitlements.models import Category
from portal.core.errors import ApplicationError
from tickets import services
from tickets.inbound.reading import (
    _AUTOMATIC_PRECEDENCE,
    REPLY_ADDRESS,
    _Incoming,
    _Quarantine,
    _raw_headers,
    _read,
)
from tickets.models import (
    InboundAttachment,
    InboundEmail,
    ReplyToken,
    Ticket,
)
from tickets.text import mask_passwords

logger = logging.getLogger(__name__)


def _reply_addresses(message: AnymailInboundMessage) -> list[dict]:
    """The reply addresses of our inbound domain the mail went to, envelope recipient first."""
    candidates = []
    if message.envelope_recipient:
        candidates.append(str(message.envelope_recipient).strip().strip("<>"))
    # An unreadable To header is skipped: the envelope recipient may still name the ticket.
    with contextlib.suppress(HeaderParseError, MessageError, ValueError, TypeError):
        candidates += [address.addr_spec for address in message.to]
    domain = settings.INBOUND_EMAIL_DOMAIN.lower()
    found = []
    for candidate in candidates:
        match = REPLY_ADDRESS.match(candidate)
        if match and match["domain"].lower() == domain:
            found.append({"address": candidate, **match.groupdict()})
    return found


def _sender_address(message: AnymailInboundMessage) -> str:
    try:
        sender = message.from_email
    except (HeaderParseError, MessageError, ValueError, TypeError):
        raise _Quarantine(_("The sender address cannot be read.")) from None
    if sender is None:
        raise _Quarantine(_("The mail has no sender address."))
    if isinstance(sender, list):
        raise _Quarantine(_("The mail names several senders."))
    return sender.addr_spec


def _is_automatic(message: AnymailInboundMessage) -> bool:
    def first(name: str) -> str:
        values = _raw_headers(message, name)
        return values[0].strip().lower() if values else ""

    auto_submitted = first("Auto-Submitted")
    return (
        (auto_submitted not in ("", "no"))
        or first("Precedence") in _AUTOMATIC_PRECEDENCE
        or bool(_raw_headers(message, "X-Autoreply") or _raw_headers(message, "X-Autorespond"))
    )


def _ticket_for(message: AnymailInboundMessage, incoming: _Incoming) -> Ticket:
    """The ticket the mail may go to; raise _Quarantine unless address and sender both prove it."""
    # Imported here: partners sit above tickets (they open requests).
    from partners import selectors as partner_selectors

    addresses = _reply_addresses(message)
    if not addresses:
        raise _Quarantine(_("The mail is not addressed to the reply address of a request."))
    incoming.recipients.insert(0, addresses[0]["address"])
    if len({a["ticket_id"].upper() for a in addresses}) > 1:
        raise _Quarantine(_("The mail is addressed to several requests."))
    reply = addresses[0]
    ticket_id = reply["ticket_id"]
    ticket = (
        Ticket.objects.filter(ticket_id__in={ticket_id, ticket_id.upper()})
        .select_related("customer")
        .first()
    )
    if ticket is None:
        raise _Quarantine(_("No request %(id)s exists.") % {"id": ticket_id})
    # Only hashes are stored: the token is looked up by its hash, nothing compared by timing.
    token = ReplyToken.objects.filter(
        ticket=ticket, token_hash=services.reply_token_hash(reply["token"])
    ).first()
    if token is None:
        raise _Quarantine(
            _("The reply address of request %(id)s has a wrong token.") % {"id": ticket_id}
        )
    sender = _sender_address(message)
    if sender.lower() != (ticket.customer.email or "").lower():
        raise _Quarantine(
            _("The sender is not the customer of request %(id)s.") % {"id": ticket.ticket_id},
            ticket=ticket,
        )
    # A superseded address still arrives for a while: the customer may answer an older mail.
    days = settings.TICKET_REPLY_TOKEN_GRACE_DAYS
    cutoff = timezone.now() - timedelta(days=days)
    if token.superseded_at is not None and token.superseded_at < cutoff:
        raise _Quarantine(
            ngettext(
                "The reply address of request %(id)s has expired: a newer notification "
                "replaced it more than %(days)s day ago.",
                "The reply address of request %(id)s has expired: a newer notification "
                "replaced it more than %(days)s days ago.",
                days,
            )
            % {"id": ticket.ticket_id, "days": days},
            ticket=ticket,
        )
    if not ticket.customer.is_active:
        raise _Quarantine(_("The customer's account is deactivated."), ticket=ticket)
    if ticket.category == Category.POST_SALES and not partner_selectors.is_technical_representative(
        user=ticket.customer, organisation_id=ticket.partner_organisation_id
    ):
        raise _Quarantine(
            _("The sender is no longer a technical representative of the partner."),
            ticket=ticket,
        )
    if _is_automatic(message):
        raise _Quarantine(_("An automatic reply (out of office or similar)."), ticket=ticket)
    if incoming.unreadable:
        raise _Quarantine(
            _("An attachment cannot be read: %(names)s.")
            % {"names": ", ".join(incoming.unreadable)},
            ticket=ticket,
        )
    return ticket


@transaction.atomic
def inbound_email_receive(*, message: AnymailInboundMessage, provider_id: str = "") -> InboundEmail:
    """Record an incoming mail and add it to its ticket when it is provably the customer's.

    ``provider_id`` is the provider's message ID: a delivery the provider repeats (it did not
    see our answer) is recognised and not added twice.
    """
    if provider_id:
        already = InboundEmail.objects.filter(provider_message_id=provider_id).first()
        if already is not None:
            return already
    incoming = _read(message)
    record = InboundEmail(
        subject=incoming.subject,
        body=incoming.full_text,
        attachment_names=incoming.attachment_names,
        provider_message_id=provider_id or None,
    )
    try:
        if incoming.broken_headers:
            raise _Quarantine(
                _("Refused: the %(headers)s header contains line breaks.")
                % {"headers": "/".join(incoming.broken_headers)}
            )
        ticket = _ticket_for(message, incoming)
        try:
            reply = services.ticket_customer_reply_by_email(
                ticket=ticket,
                body=incoming.reply_text,
                files=incoming.attachments,
                actor=ticket.customer,
            )
        except ApplicationError as error:
            raise _Quarantine(
                _("Not added to %(id)s: %(error)s") % {"id": ticket.ticket_id, "error": error},
                ticket=ticket,
            ) from None
        if reply.message is None:
            raise _Quarantine(reply.refusal, ticket=ticket)
        # A late reply went to the new request that follows the closed one.
        ticket, posted = reply.ticket, reply.message
    except _Quarantine as refusal:
        record.state = InboundEmail.State.QUARANTINED
        record.reason = refusal.reason[:200]
        record.ticket = refusal.ticket
        logger.info("Inbound mail quarantined: %s", record.reason)
    else:
        record.state = InboundEmail.State.THREADED
        record.ticket = ticket
        record.message = posted
    record.sender = incoming.sender[:320]
    record.recipient = (incoming.recipients[0] if incoming.recipients else "")[:320]
    record.save()
    if record.state == InboundEmail.State.QUARANTINED:
        _keep_files(record, incoming.attachments)
    return record


def _keep_files(record: InboundEmail, uploads: list[UploadedFile]) -> None:
    """Store a quarantined mail's files as received, so that staff can add them to a ticket.

    Nothing is checked here: the files are checked when they join a ticket.
    """
    for upload in uploads:
        upload.seek(0)
        kept = InboundAttachment(
            inbound_email=record,
            storage_key=secrets.token_hex(16),
            name=upload.name[:150],
            content_type=(upload.content_type or "application/octet-stream")[:100],
            size=upload.size,
        )
        kept.file.save(kept.storage_key, upload, save=False)
        kept.save()


@transaction.atomic
def inbound_email_quarantine_unreadable(
    *, sender: str, recipient: str, subject: str, body: str, reason: str, provider_id: str = ""
) -> InboundEmail:
    """Keep a mail the provider sent but no parser can read, for staff to look at."""
    if provider_id:
        already = InboundEmail.objects.filter(provider_message_id=provider_id).first()
        if already is not None:
            return already
    return InboundEmail.objects.create(
        sender=sender[:320],
        recipient=recipient[:320],
        subject=subject.replace("\r", "\\r").replace("\n", "\\n")[:300],
        body=mask_passwords(body),
        state=InboundEmail.State.QUARANTINED,
        reason=reason[:200],
        provider_message_id=provider_id or None,
    )
