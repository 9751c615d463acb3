"""Incoming e-mail: a reply to a notification threads into its ticket; all else waits for staff.

A mail counts as the customer's only when it is addressed to ``reply+<ticket ID>.<token>@``
``INBOUND_EMAIL_DOMAIN``, the token is one the ticket's notifications carried (the newest, or an
older one superseded less than ``TICKET_REPLY_TOKEN_GRACE_DAYS`` ago), and the sender is the
ticket's customer. Anything else (unknown ticket, wrong or expired token, another sender,
automatic replies, headers with line breaks, files or text the ticket refuses) is kept as a
quarantined ``InboundEmail`` for staff: never dropped, never attributed to anyone. A quarantined
mail keeps its files, and staff may add it to a ticket once (``inbound_email_assign``).

A reply to a closed request reopens it within ``TICKET_REOPEN_BY_REPLY_DAYS`` of the closing;
a later one starts a new request that follows it (``services.ticket_customer_reply_by_email``).

Unexpected errors propagate: the webhook then answers 500 and the provider delivers again.
"""

from __future__ import annotations

import contextlib
import html as htmllib
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from email.errors import HeaderParseError, MessageError
from email.header import decode_header, make_header
from email.utils import getaddresses

import nh3
from anymail.inbound import AnymailInboundMessage
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from entitlements.models import Category
from partners import selectors as partner_selectors
from portal.core.errors import ApplicationError
from tickets import attachments as attachment_checks
from tickets import selectors, services
from tickets.models import (
    InboundAttachment,
    InboundEmail,
    Message,
    ReplyToken,
    Resolution,
    Ticket,
    TicketEvent,
)
from tickets.text import mask_passwords

logger = logging.getLogger(__name__)

# reply+NS-2026-000123.k5x2q7mzr4d3w6ya2bn7c4ve5gh3j6tu@reply.novadesk.test
REPLY_ADDRESS = re.compile(
    r"^reply\+(?P<ticket_id>[A-Za-z0-9-]{1,20})\.(?P<token>[A-Za-z0-9]{1,64})@(?P<domain>[^@\s]+)$",
    re.IGNORECASE,
)
BODY_LIMIT = 100_000  # what the quarantine keeps of one mail's text
_HEADERS_CHECKED = ("From", "To", "Subject")
# A private link quoted from our own notification: its token is stored nowhere else in clear.
_PRIVATE_LINK = re.compile(r"(?:https?://\S*?)?/t/[A-Za-z0-9_-]{40,}/?")
_LINK_REMOVED = "[private link removed]"

# "On Mon, 23 Nov 2026 at 09:00, NovaDesk <support@…> wrote:" / "Am 23.11.2026 um 09:00 schrieb …:"
# A date always has a digit, which keeps "On the console it wrote:" in the customer's text.
_ATTRIBUTION = re.compile(
    r"^\s*(?:on\s.*\d.*\swrote|am\s.*\d.*\sschrieb(?:\s.*)?)\s*:\s*$", re.IGNORECASE
)
# Outlook quotes without ">": everything below its separator is the earlier mail.
_OUTLOOK_SEPARATOR = re.compile(
    r"^\s*(?:-{3,}\s*(?:original message|ursprüngliche nachricht)\s*-{3,}|_{16,})\s*$",
    re.IGNORECASE,
)
_OUTLOOK_HEADER = re.compile(r"^\s*(?:from|von)\s*:", re.IGNORECASE)
_QUOTED = re.compile(r"^\s*>")
_BLOCK_END = re.compile(r"<\s*(?:br|/p|/div|/li|/tr|/h[1-6]|/blockquote|/pre)\b[^>]*>", re.I)

# RFC 3834 and the common vendor headers of out-of-office and other robot mail.
_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}


class _Quarantine(Exception):
    """Why a mail is not added to a ticket; ``ticket`` when it clearly belongs to one."""

    def __init__(self, reason: str, *, ticket: Ticket | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.ticket = ticket


@dataclass
class _Incoming:
    """What arrived, read defensively: nothing here raises on a malformed mail."""

    sender: str = ""
    recipients: list[str] = field(default_factory=list)
    subject: str = ""
    full_text: str = ""
    reply_text: str = ""
    attachments: list[UploadedFile] = field(default_factory=list)
    attachment_names: list[str] = field(default_factory=list)
    broken_headers: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)


# --- Reading the mail --------------------------------------------------------------------------


def _visible(value: str) -> str:
    """A header value safe to store in one line: line breaks shown, other controls removed."""
    value = value.replace("\r", "\\r").replace("\n", "\\n")
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", value)


def _decoded(raw) -> str:
    """A header's stored value unfolded and decoded (RFC 2047), without interpreting it."""
    text = re.sub(r"\r?\n(?=[ \t])", "", str(raw))
    try:
        return str(make_header(decode_header(text)))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return text


def _raw_headers(message: AnymailInboundMessage, name: str) -> list[str]:
    # raw_items() hands out the values as received: reading them never parses, so never raises.
    return [_decoded(value) for key, value in message.raw_items() if key.lower() == name.lower()]


def _part_text(part) -> str:
    payload = part.get_payload(decode=True)
    if not payload:
        return ""
    try:
        text = payload.decode(part.get_content_charset("utf-8"), errors="replace")
    except LookupError:  # an unknown charset name
        text = payload.decode("utf-8", errors="replace")
    return re.sub(r"\r\n|\r", "\n", text)


def _body_part(message: AnymailInboundMessage, content_type: str) -> str:
    for part in message.walk():
        if part.get_content_type() == content_type and not part.is_attachment():
            return _part_text(part)
    return ""


def _normalise_whitespace(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0\u200b]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> str:
    """Plain text of an HTML mail: every tag removed, scripts and styles with their content."""
    html = _BLOCK_END.sub("\n", html)
    text = nh3.clean(html, tags=set(), clean_content_tags={"script", "style", "title"})
    return _normalise_whitespace(htmllib.unescape(text))


def strip_quoted(text: str) -> str:
    """The new part of a reply: the earlier mail it quotes is removed where clearly marked.

    An attribution line ("On … wrote:", "Am … schrieb …:") followed by ">" lines loses those
    lines (an answer written below or between them stays); followed by unmarked text, or at an
    Outlook separator, everything below is the earlier mail. ">" lines at the very end go too.
    When nothing would be left, the whole text is kept.
    """
    lines = text.splitlines()
    kept: list[str] = []
    dropping_quotes = False
    index = 0
    while index < len(lines):
        line = lines[index]
        attribution = 0
        if _ATTRIBUTION.match(line):
            attribution = 1
        elif index + 1 < len(lines) and _ATTRIBUTION.match(f"{line} {lines[index + 1]}"):
            attribution = 2  # a long attribution wrapped onto a second line
        if attribution:
            following = next((x for x in lines[index + attribution :] if x.strip()), "")
            if not _QUOTED.match(following):
                break
            dropping_quotes = True
            index += attribution
            continue
        if _OUTLOOK_SEPARATOR.match(line) and (
            "_" not in line
            or _OUTLOOK_HEADER.match(next((x for x in lines[index + 1 :] if x.strip()), ""))
        ):
            break
        if not (dropping_quotes and _QUOTED.match(line)):
            kept.append(line)
        index += 1
    while kept and (not kept[-1].strip() or _QUOTED.match(kept[-1])):
        kept.pop()
    reply = "\n".join(kept).strip()
    return reply or text.strip()


def _redact(text: str) -> str:
    return mask_passwords(_PRIVATE_LINK.sub(_LINK_REMOVED, text))


def _read_attachments(message: AnymailInboundMessage, incoming: _Incoming) -> None:
    for number, part in enumerate(message.attachments, start=1):
        try:
            name = part.get_filename() or f"attachment-{number}"
        except (HeaderParseError, LookupError, UnicodeError, ValueError):
            name = f"attachment-{number}"
        name = _visible(str(name))[:150]
        incoming.attachment_names.append(name)
        try:
            content = part.get_content_bytes() or b""
        except (MessageError, LookupError, UnicodeError, ValueError):
            incoming.unreadable.append(name)
            continue
        incoming.attachments.append(SimpleUploadedFile(name, content, part.get_content_type()))


def _read(message: AnymailInboundMessage) -> _Incoming:
    incoming = _Incoming()
    for name in _HEADERS_CHECKED:
        values = _raw_headers(message, name)
        if any("\r" in value or "\n" in value for value in values):
            incoming.broken_headers.append(name)
    senders = _raw_headers(message, "From") or [str(message.envelope_sender or "")]
    incoming.sender = _visible(", ".join(senders))[:320]
    incoming.recipients = [
        _visible(str(value)).strip().strip("<>")
        for value in [message.envelope_recipient, *_raw_headers(message, "To")]
        if value
    ]
    incoming.subject = _redact(_visible(" ".join(_raw_headers(message, "Subject"))))[:300]

    text = _body_part(message, "text/plain")
    if not text.strip():
        html = _body_part(message, "text/html")
        text = html_to_text(html) if html.strip() else ""
    text = text.strip()
    incoming.full_text = _redact(text)
    if len(incoming.full_text) > BODY_LIMIT:
        incoming.full_text = incoming.full_text[:BODY_LIMIT] + "\n[...]"
    incoming.reply_text = _redact(strip_quoted(text))
    _read_attachments(message, incoming)
    return incoming


# --- Deciding where it belongs -----------------------------------------------------------------


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


# --- Staff add a quarantined mail to a ticket --------------------------------------------------

MESSAGE_LIMIT = 20_000  # what one message of a ticket holds


@dataclass(frozen=True)
class Assigned:
    """A quarantined mail added to a ticket: the message it became and the files left out."""

    message: Message
    as_customer: bool
    refused_files: list[str]


def _sender_email(sender: str) -> str:
    """The one address of a stored From header; "" when it names none or several."""
    addresses = [address for _name, address in getaddresses([sender]) if "@" in address]
    return addresses[0] if len(addresses) == 1 else ""


def _fit(text: str) -> str:
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 6] + "\n[...]"


def _checked_files(record: InboundEmail) -> tuple[list[UploadedFile], list[str]]:
    """The kept files a ticket accepts, and each refused one's reason."""
    accepted, refused = [], []
    for kept in record.files.order_by("pk"):
        if kept.size > settings.TICKET_ATTACHMENT_MAX_BYTES:
            refused.append(
                _("%(name)s is larger than %(limit)s.")
                % {"name": kept.name, "limit": filesizeformat(settings.TICKET_ATTACHMENT_MAX_BYTES)}
            )
            continue
        with kept.file.open("rb") as handle:
            upload = SimpleUploadedFile(kept.name, handle.read(), kept.content_type)
        try:
            attachment_checks.check_upload(upload)
        except ApplicationError as error:
            refused.append(error.message)
        else:
            accepted.append(upload)
    return accepted, refused


def inbound_email_files_drop(*, inbound_ids: list[int]) -> None:
    """Remove the kept files of mails that no longer wait for staff (once the change commits)."""
    kept = list(InboundAttachment.objects.filter(inbound_email_id__in=inbound_ids))
    if not kept:
        return
    storage, names = kept[0].file.storage, [item.file.name for item in kept]
    InboundAttachment.objects.filter(pk__in=[item.pk for item in kept]).delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


@transaction.atomic
def inbound_email_assign(*, inbound: InboundEmail, ticket_id: str, staff) -> Assigned:
    """Add a quarantined mail with its files to the ticket staff chose; a mail is added once.

    It becomes the customer's message only when its sender is the ticket's customer; anyone
    else's mail becomes an internal note that names the sender. The mail records who added it,
    where and when, and the ticket's history shows it too.
    """
    if not selectors.staff_may_triage(staff):
        raise ApplicationError(_("You may not act on requests."), code="forbidden")
    record = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
    if record.state != InboundEmail.State.QUARANTINED:
        raise ApplicationError(
            _("This e-mail is no longer waiting for staff: %(state)s.")
            % {"state": record.get_state_display()},
            code="not-quarantined",
        )
    ticket_id = ticket_id.strip().upper()
    ticket = Ticket.objects.select_related("customer").filter(ticket_id=ticket_id).first()
    if ticket is None:
        raise ApplicationError(
            _("No request %(id)s exists.") % {"id": ticket_id}, code="unknown-ticket"
        )
    sender = _sender_email(record.sender)
    as_customer = bool(sender) and sender.lower() == (ticket.customer.email or "").lower()
    if as_customer and ticket.is_closed and ticket.resolution != Resolution.AUTO_CLOSED:
        raise ApplicationError(
            _(
                "Request %(id)s is closed: the customer's e-mail can be added to an open "
                "request only, such as the request that follows it."
            )
            % {"id": ticket.ticket_id},
            code="closed",
        )
    files, refused = _checked_files(record)
    if as_customer:
        body = strip_quoted(record.body) or record.subject or _("(The e-mail has no text.)")
        message = services.ticket_customer_message(
            ticket=ticket,
            body=_fit(body),
            files=files,
            via=Message.Via.EMAIL,
            actor=ticket.customer,
        )
    else:
        # Never the customer's words: a note for support that says whose mail it is.
        heading = _("E-mail from %(sender)s (not the customer), added by %(staff)s.") % {
            "sender": record.sender,
            "staff": staff,
        }
        parts = [heading, _("Subject: %(subject)s") % {"subject": record.subject}, record.body]
        message = services.ticket_note(
            ticket=ticket, engineer=staff, body=_fit("\n\n".join(parts)), files=files
        )
    record.state = InboundEmail.State.ASSIGNED
    record.ticket = ticket
    record.message = message
    record.assigned_by = staff
    record.assigned_at = timezone.now()
    record.save(update_fields=["state", "ticket", "message", "assigned_by", "assigned_at"])
    status = message.ticket.status
    detail = f"e-mail {record.pk} from {record.sender} as {'customer' if as_customer else 'note'}"
    if refused:
        detail += "; files left out: " + " ".join(refused)
    TicketEvent.objects.create(
        ticket=ticket,
        actor=staff,
        action=TicketEvent.Action.EMAIL_ADDED_BY_STAFF,
        from_status=status,
        to_status=status,
        detail=detail[:300],
    )
    inbound_email_files_drop(inbound_ids=[record.pk])
    return Assigned(message=message, as_customer=as_customer, refused_files=refused)
