"""How each kind of visitor reaches a ticket, and how a ticket's file is handed out.

Every page, API view and the support desk reach a ticket through one of these helpers. A ticket
the visitor may not see is "not found", never "forbidden", whether it exists or not, so ticket
IDs cannot be probed. The API answers the same ``Http404`` as a 404 with this message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import FileResponse, Http404
from django.utils.translation import gettext_lazy as _

from tickets import links, selectors
from tickets.models import Attachment, Ticket

if TYPE_CHECKING:
    from portal.accounts.models import User

NOT_FOUND = _("There is no request with this ID.")


def customer_ticket(*, customer: User, ticket_id: str) -> Ticket:
    """The signed-in customer's own ticket, with its customer, product and team."""
    ticket = selectors.customer_ticket(customer=customer, ticket_id=ticket_id)
    if ticket is None:
        raise Http404(NOT_FOUND)
    return ticket


def link_ticket(*, token: str, record_use: bool = False) -> Ticket:
    """The one ticket a private link opens; unknown, revoked and expired links are not found.

    ``record_use`` notes that the link was used to act (reading changes nothing).
    """
    ticket = links.link_ticket(token=token, record_use=record_use)
    if ticket is None:
        raise Http404(NOT_FOUND)
    return ticket


def staff_ticket(*, ticket_id: str) -> Ticket:
    """Any ticket, for support staff (the caller checked that they may triage)."""
    ticket = Ticket.objects.select_related("team").filter(ticket_id=ticket_id).first()
    if ticket is None:
        raise Http404(NOT_FOUND)
    return ticket


def attachment_response(attachment: Attachment | None) -> FileResponse:
    """``attachment`` as a download: never shown inline, never sniffed, never cached.

    A missing attachment, or one whose stored file cannot be opened, is not found.
    """
    if attachment is None:
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def customer_attachment_response(*, ticket: Ticket, attachment_id: int) -> FileResponse:
    """A file of ``ticket`` that its customer may download: none of an internal note."""
    return attachment_response(
        selectors.ticket_attachment(ticket=ticket, attachment_id=attachment_id)
    )


def staff_attachment_response(*, ticket: Ticket, attachment_id: int) -> FileResponse:
    """Any file of ``ticket``, internal notes' included, for staff who may see tickets."""
    return attachment_response(
        Attachment.objects.filter(pk=attachment_id, message__ticket=ticket).first()
    )
