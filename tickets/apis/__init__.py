"""REST API of the tickets app, mounted under /api/v1/.

Thin views, as in ``entitlements.apis``: an input serializer validates, a service does the work,
an output serializer answers. Errors are JSON: ``{"field": ["message"]}`` for input a client can
correct, ``{"detail": "message", "code": "code"}`` for a rule the service refuses.

Access: the customer endpoints (``tickets.apis.customer``) see only the signed-in account's own
tickets (staff included: staff work on customers' tickets under /staff/). Another account's
ticket, an unknown ID, and a staff endpoint (``tickets.apis.staff``) called by an account that is
not staff all get the same 404, so nothing reveals which tickets exist. A staff endpoint needs the
permission of the desk action it mirrors (``tickets.selectors.staff_may_triage``): staff whose
role has no ticket rights (Sales, Product team) get 403 before the ticket is looked up. Signed-out
callers, and a ``Token`` that is not valid, get 403 before anything is looked up.
"""

from __future__ import annotations

from django.urls import path

from tickets.apis.common import (
    CREATE_ERROR_FIELDS,
    FILE_ERROR_FIELDS,
    MESSAGE_ERROR_FIELDS,
    REOPEN_ERROR_FIELDS,
    REPLY_ERROR_FIELDS,
    TicketCommentThrottle,
    TicketSubmitThrottle,
    _message,
    _ticket_detail,
)
from tickets.apis.customer import (
    TicketPagination,
    ticket_close,
    ticket_detail,
    ticket_list_create,
    ticket_message_create,
    ticket_reopen,
)
from tickets.apis.staff import MayTriageElseNotFound, staff_call_attempt_create, staff_reply_create

__all__ = [
    "CREATE_ERROR_FIELDS",
    "FILE_ERROR_FIELDS",
    "MESSAGE_ERROR_FIELDS",
    "REOPEN_ERROR_FIELDS",
    "REPLY_ERROR_FIELDS",
    "MayTriageElseNotFound",
    "TicketCommentThrottle",
    "TicketPagination",
    "TicketSubmitThrottle",
    "_message",
    "_ticket_detail",
    "staff_call_attempt_create",
    "staff_reply_create",
    "ticket_close",
    "ticket_detail",
    "ticket_list_create",
    "ticket_message_create",
    "ticket_reopen",
    "urlpatterns",
]

urlpatterns = [
    path("tickets/", ticket_list_create, name="ticket-list"),
    path("tickets/<str:ticket_id>/", ticket_detail, name="ticket-detail"),
    path("tickets/<str:ticket_id>/messages/", ticket_message_create, name="ticket-message-create"),
    path("tickets/<str:ticket_id>/close/", ticket_close, name="ticket-close"),
    path("tickets/<str:ticket_id>/reopen/", ticket_reopen, name="ticket-reopen"),
    path("staff/tickets/<str:ticket_id>/replies/", staff_reply_create, name="staff-ticket-reply"),
    path(
        "staff/tickets/<str:ticket_id>/call-attempts/",
        staff_call_attempt_create,
        name="staff-ticket-call-attempt",
    ),
]
