"""The rows of one planned ticket: the ticket, its messages, files, audit trail and links.

Writes what the timeline decided the way the ticket services would have recorded it, with
the contact attempts counted and the status walked message by message.
"""

from __future__ import annotations

import hashlib

from entitlements.models import Category, Channel, EntitlementEvent
from tickets.models import (
    AccessLink,
    Attachment,
    Message,
    Priority,
    ReplyToken,
    Resolution,
    Status,
    Ticket,
    TicketEvent,
    attachment_path,
)
from tickets.scale import vocabulary as v
from tickets.scale.base import Customer, Draft, Line, TicketPlan, opt_ts, ts
from tickets.scale.planner import Planner
from tickets.services import CLOSURE_PROPOSED

CUSTOMER, ENGINEER, NOTE = Message.Kind.CUSTOMER, Message.Kind.ENGINEER, Message.Kind.NOTE
CALL = Message.Kind.CALL


class TicketRecords:
    """Adds a planned ticket's rows to the planner's ``rows``."""

    def __init__(self, planner: Planner) -> None:
        self.planner = planner
        self.rng = planner.rng
        self.seed = planner.seed
        self.catalogue = planner.catalogue
        self.keys = planner.keys
        self.rows = planner.rows
        # The attachment the upload path is worked out for, one file after the other.
        self._upload = Attachment()

    def add(self, draft: Draft, plan: TicketPlan, customer: Customer) -> None:
        """Every row of the ticket ``draft``: the ticket first, its links and credit last."""
        self._ticket_row(draft, plan, customer)
        status = self._history(draft, customer)
        if draft.closed_at is not None:
            self._event(draft.pk, draft.closed_at, draft.closing_actor,
                        TicketEvent.Action.closed(plan.resolution), status, Status.CLOSED,
                        draft.close_detail)  # fmt: skip
        self._use_entitlement(draft, plan)
        self._links(draft)

    def _ticket_row(self, draft: Draft, plan: TicketPlan, customer: Customer) -> None:
        """The ticket as its timeline left it: targets met or due, the waiting period's steps."""
        rng = self.rng
        lines = draft.lines
        first_responded = next(
            (line.at for line in lines
             if line.kind == ENGINEER or (line.kind == CALL and not line.awaits)),
            None,
        )  # fmt: skip
        callback_done = None
        if draft.callback_due is not None:
            callback_done = next(
                (line.at for line in lines if line.kind == CALL and not line.awaits), None
            )
        last_activity = draft.closed_at or max(line.at for line in lines)
        phone = f"+1 555 {rng.randint(1000000, 9999999)}" if draft.channel == Channel.PHONE else ""
        remote = ""
        if draft.category in (Category.SETUP, Category.RESTORE) and rng.random() < 0.3:
            remote = f"{rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
        priority = rng.choices(
            (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT), (3, 90, 5, 2)
        )[0]
        draft.reply_draw = rng.getrandbits(64)
        self.rows[Ticket].append(
            {
                "id": draft.pk,
                "ticket_id": draft.ticket_id,
                "customer_id": customer.pk,
                "product_id": self.catalogue.products[draft.product],
                "version": draft.fill["version"],
                "category": draft.category,
                "channel": draft.channel,
                "subject": draft.subject,
                "language": draft.language,
                "phone": phone,
                "remote_id": remote,
                "status": plan.status,
                "priority": priority,
                "resolution": plan.resolution,
                "team_id": self.catalogue.teams[customer.team],
                "assignee_id": draft.engineer.pk if draft.engineer else None,
                "entitlement_id": draft.entitlement,
                "entitlement_kind": draft.kind,
                "created_at": ts(draft.created),
                "last_activity_at": ts(last_activity),
                "first_response_due": ts(draft.due),
                "first_responded_at": opt_ts(first_responded),
                "callback_due": opt_ts(draft.callback_due),
                "callback_done_at": opt_ts(callback_done),
                "closed_at": opt_ts(draft.closed_at),
                "closure_proposed_at": opt_ts(draft.proposed),
                "contact_attempts": draft.attempts,
                "first_attempt_at": opt_ts(draft.first_attempt),
                "last_attempt_at": opt_ts(draft.last_attempt),
                "next_action_at": opt_ts(draft.next_action),
            }
        )

    def _history(self, draft: Draft, customer: Customer) -> str:
        """Message and attachment rows and the audit trail; returns the status reached."""
        rng = self.rng
        messages, message_keys = self.rows[Message], self.keys[Message]
        pk, lines = draft.pk, draft.lines
        c = lines[0].at
        created = v.CREATED_DETAIL.format(kind=draft.kind, via=lines[0].via)
        self._event(pk, c, customer.pk, v.CREATED, "", Status.NEW, created)
        status: str = Status.NEW
        if draft.engineer is not None:
            self._event(pk, c, None, v.ASSIGNED_AUTOMATICALLY, Status.NEW, Status.OPEN,
                        draft.engineer.name)  # fmt: skip
            status = Status.OPEN
        attempt = 0
        take, add, event = message_keys.take, messages.append, self._event
        for index, line in enumerate(lines):
            message_pk = take()
            add(
                {
                    "id": message_pk,
                    "ticket_id": pk,
                    "author_id": line.author,
                    "kind": ENGINEER if line.kind == v.PROPOSAL else line.kind,
                    "via": line.via,
                    "body": line.body,
                    "awaits_customer": line.awaits,
                    "created_at": ts(line.at),
                }
            )
            if line.kind in (CUSTOMER, ENGINEER) and rng.random() < 0.13:
                self._attachment(message_pk, draft.ticket_id)
            if index == 0:
                continue
            before = status
            status, action, detail, attempt = _transition(line, status, attempt)
            event(pk, line.at, line.author, action, before, status, detail)
        return status

    def _attachment(self, message: int, ticket_id: str) -> None:
        """The metadata of a file the customer or support attached (no file on disk)."""
        rng = self.rng
        name, content_type, typical = rng.choice(v.FILES)
        key = f"{rng.getrandbits(64):016x}{message:016x}"
        upload = self._upload
        upload.ticket_id_ref, upload.storage_key = ticket_id, key
        self.rows[Attachment].append(
            {
                "id": self.keys[Attachment].take(),
                "message_id": message,
                "ticket_id_ref": ticket_id,
                "storage_key": key,
                "file": attachment_path(upload, name),
                "name": name,
                "content_type": content_type,
                "size": max(200, int(typical * rng.lognormvariate(0, 0.8))),
                "sha256": f"{rng.getrandbits(256):064x}",
            }
        )

    def _event(
        self,
        ticket: int,
        at: float,
        actor: int | None,
        action: str,
        before: str,
        after: str,
        detail: str,
    ) -> None:
        """One entry of the ticket's audit trail."""
        self.rows[TicketEvent].append(
            {
                "id": self.keys[TicketEvent].take(),
                "ticket_id": ticket,
                "at": ts(at),
                "actor_id": actor,
                "action": action,
                "from_status": before,
                "to_status": after,
                "detail": detail,
            }
        )

    def _use_entitlement(self, draft: Draft, plan: TicketPlan) -> None:
        """The entitlement used by this request; a cancelled one gets its credit back."""
        planner = self.planner
        planner.entitlement_event(draft.entitlement, EntitlementEvent.Action.CONSUMED,
                                  at=draft.created, reference=draft.ticket_id)  # fmt: skip
        credit, closed_at = draft.credit, draft.closed_at
        if plan.resolution == Resolution.CANCELLED and credit is not None and closed_at is not None:
            planner.entitlement_event(
                draft.entitlement,
                EntitlementEvent.Action.GIVEN_BACK,
                at=closed_at,
                actor=draft.closing_actor,
                reference=draft.ticket_id,
                reason=v.CANCEL_REASON,
            )
            credit["uses_left"] = credit["uses_total"]

    def _links(self, draft: Draft) -> None:
        """The private link and the reply address of the confirmation mail: hashes only."""
        pk, c = draft.pk, draft.created
        closed_at = draft.closed_at
        expires = None
        if closed_at is not None:
            expires = closed_at + self.planner.waiting.link_lifetime
        token = hashlib.sha256(f"{self.seed}:{pk}:{self.rng.getrandbits(64)}".encode()).hexdigest()
        self.rows[AccessLink].append(
            {
                "id": self.keys[AccessLink].take(),
                "ticket_id": pk,
                "token_hash": token,
                "created_at": ts(c),
                "expires_at": opt_ts(expires),
                "revoked_at": None,
                "revoke_reason": "",
                "last_used_at": None,
            }
        )
        # The reply address of the same mail, the ticket's current one.
        reply = hashlib.sha256(f"{self.seed}:{pk}:reply:{draft.reply_draw}".encode()).hexdigest()
        self.rows[ReplyToken].append(
            {
                "id": self.keys[ReplyToken].take(),
                "ticket_id": pk,
                "token_hash": reply,
                "created_at": ts(c),
                "superseded_at": None,
            }
        )


def _transition(line: Line, status: str, attempt: int) -> tuple[str, str, str, int]:
    """What a message does to the status, as the services log it.

    Returns the new status, the event's action and detail and the contact attempt reached.
    """
    detail = ""
    if line.kind == CUSTOMER:
        status = Status.NEW if status == Status.NEW else Status.OPEN
        return status, v.CUSTOMER_WROTE, line.via, 0
    if line.kind == NOTE:
        return status, v.INTERNAL_NOTE, detail, attempt
    if line.kind == ENGINEER:
        status = Status.WAITING if line.awaits else Status.OPEN
        detail = v.ASKS_CUSTOMER if line.awaits else ""
        return status, v.REPLIED, detail, int(line.awaits)
    if line.kind == v.PROPOSAL:
        return Status.WAITING, CLOSURE_PROPOSED, line.body[:200], 1
    if line.kind == CALL:
        status = Status.WAITING if line.awaits else Status.OPEN
        action = v.CALL_NOT_REACHED if line.awaits else v.CALL_REACHED
        return status, action, detail, int(line.awaits)
    attempt += 1
    return status, v.REMINDER_SENT, v.REMINDER_DETAIL.format(attempt=attempt), attempt
