"""Staff add a quarantined mail to a ticket, once, as the customer's message or as a note."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import getaddresses
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError
from tickets import attachments as attachment_checks
from tickets import selectors, services
from tickets.errors import ErrorCode
from tickets.inbound.reading import strip_quoted
from tickets.models import (
    InboundAttachment,
    InboundEmail,
    Message,
    Resolution,
    Ticket,
    TicketEvent,
)

if TYPE_CHECKING:
    from portal.accounts.models import User

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
    accepted: list[UploadedFile] = []
    refused: list[str] = []
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
def inbound_email_assign(*, inbound: InboundEmail, ticket_id: str, staff: User) -> Assigned:
    """Add a quarantined mail with its files to the ticket staff chose; a mail is added once.

    It becomes the customer's message only when its sender is the ticket's customer; anyone
    else's mail becomes an internal note that names the sender. The mail records who added it,
    where and when, and the ticket's history shows it too.
    """
    if not selectors.staff_may_triage(staff):
        raise ApplicationError(_("You may not act on requests."), code=ErrorCode.FORBIDDEN)
    record = InboundEmail.objects.select_for_update().get(pk=inbound.pk)
    if record.state != InboundEmail.State.QUARANTINED:
        raise ApplicationError(
            _("This e-mail is no longer waiting for staff: %(state)s.")
            % {"state": record.get_state_display()},
            code=ErrorCode.NOT_QUARANTINED,
        )
    ticket_id = ticket_id.strip().upper()
    ticket = Ticket.objects.select_related("customer").filter(ticket_id=ticket_id).first()
    if ticket is None:
        raise ApplicationError(
            _("No request %(id)s exists.") % {"id": ticket_id}, code=ErrorCode.UNKNOWN_TICKET
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
            code=ErrorCode.CLOSED,
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
