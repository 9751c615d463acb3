"""Writes of the tickets app: the request lifecycle, every transition in one place.

new ──assign──▶ open ◀──customer writes── waiting ◀──support asks / call not reached / reminder
  any open state ──customer closes / support resolves / agreed unresolved / auto-close──▶ closed
  closed ──customer reopens with a comment──▶ open

Every change writes a TicketEvent, and every mail goes through the outbox in the same
transaction as the change.

The modules, by concern: ``creation`` (numbers, new requests), ``assignment``, ``conversation``,
``closing`` (and reopening), ``email_replies`` (to closed requests), ``sweep``, ``escalation``
(first-response warnings and escalations); ``base`` and ``state`` hold what they share. Import
the package (``from tickets import services``).
"""

from tickets.services.assignment import (
    assignee_choose,
    ticket_assign,
    ticket_set_priority,
    ticket_solved_by_set,
    ticket_take,
)
from tickets.services.base import (
    CALLBACK_HOURS,
    CLOSURE_PROPOSED,
    CLOSURE_WITHDRAWN,
    LAST_ATTEMPT_GRACE,
    PARTNER_FIRST_RESPONSE_DAYS,
    PARTNER_ONLY_REFUSAL,
    REPLY_TOKEN_BYTES,
    article_public_url,
    reply_address,
    reply_token_hash,
)
from tickets.services.closing import (
    ticket_agree_closure,
    ticket_cancel_as_mistake,
    ticket_close_by_customer,
    ticket_propose_unresolved_closure,
    ticket_reopen,
    ticket_resolve,
    ticket_revoke_links,
)
from tickets.services.conversation import (
    ticket_customer_message,
    ticket_log_call,
    ticket_note,
    ticket_reply,
)
from tickets.services.creation import (
    NewTicket,
    ticket_create,
    ticket_id_format,
    ticket_number_next,
    ticket_open_for_partner,
)
from tickets.services.email_replies import (
    EmailReply,
    ticket_customer_reply_by_email,
)
from tickets.services.escalation import (
    EscalationResult,
    tickets_escalate,
)
from tickets.services.state import (
    STATE_FIELDS,
    WAITING_FIELDS,
)
from tickets.services.sweep import (
    SweepResult,
    tickets_sweep,
)

__all__ = [
    "CALLBACK_HOURS",
    "CLOSURE_PROPOSED",
    "CLOSURE_WITHDRAWN",
    "LAST_ATTEMPT_GRACE",
    "PARTNER_FIRST_RESPONSE_DAYS",
    "PARTNER_ONLY_REFUSAL",
    "REPLY_TOKEN_BYTES",
    "STATE_FIELDS",
    "WAITING_FIELDS",
    "EmailReply",
    "EscalationResult",
    "NewTicket",
    "SweepResult",
    "article_public_url",
    "assignee_choose",
    "reply_address",
    "reply_token_hash",
    "ticket_agree_closure",
    "ticket_assign",
    "ticket_cancel_as_mistake",
    "ticket_close_by_customer",
    "ticket_create",
    "ticket_customer_message",
    "ticket_customer_reply_by_email",
    "ticket_id_format",
    "ticket_log_call",
    "ticket_note",
    "ticket_number_next",
    "ticket_open_for_partner",
    "ticket_propose_unresolved_closure",
    "ticket_reopen",
    "ticket_reply",
    "ticket_resolve",
    "ticket_revoke_links",
    "ticket_set_priority",
    "ticket_solved_by_set",
    "ticket_take",
    "tickets_escalate",
    "tickets_sweep",
]
