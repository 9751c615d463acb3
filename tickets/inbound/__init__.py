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

from tickets.inbound.assigning import (
    MESSAGE_LIMIT,
    Assigned,
    inbound_email_assign,
    inbound_email_files_drop,
)
from tickets.inbound.reading import (
    BODY_LIMIT,
    REPLY_ADDRESS,
    html_to_text,
    strip_quoted,
)
from tickets.inbound.receiving import (
    inbound_email_quarantine_unreadable,
    inbound_email_receive,
)

__all__ = [
    "BODY_LIMIT",
    "MESSAGE_LIMIT",
    "REPLY_ADDRESS",
    "Assigned",
    "html_to_text",
    "inbound_email_assign",
    "inbound_email_files_drop",
    "inbound_email_quarantine_unreadable",
    "inbound_email_receive",
    "strip_quoted",
]
