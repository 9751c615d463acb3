"""The tickets app's tables, by concern: ``ticket`` (the request, its number, the engineers),
``conversation`` (messages, attachments, history), ``access`` (private links, reply
addresses, incoming e-mail) and ``macros`` (canned responses)."""

from tickets.models.access import (
    AccessLink,
    InboundAttachment,
    InboundEmail,
    ReplyToken,
    inbound_attachment_path,
)
from tickets.models.conversation import (
    Attachment,
    Message,
    TicketEvent,
    attachment_path,
)
from tickets.models.macros import PERSONAL_MACROS_PERMISSION, Macro, MacroQuerySet
from tickets.models.ticket import (
    OPEN_STATUSES,
    EngineerProfile,
    Priority,
    Resolution,
    Status,
    Ticket,
    TicketNumber,
    TicketQuerySet,
)

__all__ = [
    "OPEN_STATUSES",
    "PERSONAL_MACROS_PERMISSION",
    "AccessLink",
    "Attachment",
    "EngineerProfile",
    "InboundAttachment",
    "InboundEmail",
    "Macro",
    "MacroQuerySet",
    "Message",
    "Priority",
    "ReplyToken",
    "Resolution",
    "Status",
    "Ticket",
    "TicketEvent",
    "TicketNumber",
    "TicketQuerySet",
    "attachment_path",
    "inbound_attachment_path",
]
