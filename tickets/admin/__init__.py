"""The tickets app in the admin: the triage queue, one ticket's page, the mail quarantine, the
engineers and the macros. Importing this package registers them with the admin site."""

from tickets.admin.actions import TriageActions
from tickets.admin.columns import ADMIN_CHECKBOX_LABEL, PageFields, QueueColumns
from tickets.admin.engineers import EngineerProfileAdmin
from tickets.admin.inbound_mail import InboundEmailAdmin
from tickets.admin.macros import MacroAdmin
from tickets.admin.queue import (
    EVERYONE,
    MY_QUEUE,
    UNCLOSED,
    AssignedFilter,
    AttemptsFilter,
    DueFilter,
    QueueChangeList,
    SolvedByFilter,
    StatusFilter,
    SupportKindFilter,
)
from tickets.admin.ticket import TicketAdmin
from tickets.desk import (
    DUE_SOON,
    ENTITLEMENT_STATES,
    STAFF_STATUS,
    Target,
    ThreadEntry,
    callback_target,
    first_response_target,
    short_time,
    staff_status,
    support_kind_label,
)
from tickets.desk_forms import DESK_STEPS, DeskStep, InboundAssignForm
from tickets.desk_selectors import awaiting_first_response

__all__ = [
    "ADMIN_CHECKBOX_LABEL",
    "DESK_STEPS",
    "DUE_SOON",
    "ENTITLEMENT_STATES",
    "EVERYONE",
    "MY_QUEUE",
    "STAFF_STATUS",
    "UNCLOSED",
    "AssignedFilter",
    "AttemptsFilter",
    "DeskStep",
    "DueFilter",
    "EngineerProfileAdmin",
    "InboundAssignForm",
    "InboundEmailAdmin",
    "MacroAdmin",
    "PageFields",
    "QueueChangeList",
    "QueueColumns",
    "SolvedByFilter",
    "StatusFilter",
    "SupportKindFilter",
    "Target",
    "ThreadEntry",
    "TicketAdmin",
    "TriageActions",
    "awaiting_first_response",
    "callback_target",
    "first_response_target",
    "short_time",
    "staff_status",
    "support_kind_label",
]
