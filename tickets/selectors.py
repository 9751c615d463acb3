"""Reads of the tickets app for the customer pages, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet

from entitlements.models import Offering, Product, Registration
from teams import selectors as team_selectors
from teams.models import Team
from tickets.models import Attachment, Message, Status, Ticket

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.accounts.models import User

PUBLIC_KINDS = [kind for kind in Message.Kind.values if kind != Message.Kind.NOTE]
# What the customer and support write to each other; after a proposal to close unresolved, it
# means the conversation went on.
CONVERSATION_KINDS = (Message.Kind.CUSTOMER, Message.Kind.ENGINEER)

# Acting on tickets (answering, logging calls, the desk's actions) needs this permission,
# wherever it is done: the desk and the staff API ask the same question.
TRIAGE_PERMISSION = "tickets.change_ticket"


def staff_may_triage(user: User | AnonymousUser | None) -> bool:
    """Whether this account may act on customers' tickets as support."""
    return bool(
        user is not None and user.is_active and user.is_staff and user.has_perm(TRIAGE_PERMISSION)
    )


def customer_tickets(*, customer: User, status: str = "") -> QuerySet[Ticket]:
    """The customer's tickets, latest activity first; ``status`` filters when it is valid."""
    tickets = Ticket.objects.for_customer(customer).select_related("product", "team")
    if status in Status.values:
        tickets = tickets.filter(status=status)
    return tickets.order_by("-last_activity_at", "-pk")


def customer_ticket(*, customer: User, ticket_id: str) -> Ticket | None:
    """The customer's ticket with this ID, or None (someone else's ticket is "not found")."""
    return (
        Ticket.objects.for_customer(customer)
        .select_related("customer", "product", "team")
        .filter(ticket_id=ticket_id)
        .first()
    )


def partner_open_tickets(*, customer: User, organisation_id: int) -> list[Ticket]:
    """The customer's unclosed pre- and post-sales requests for a partner organisation."""
    return list(
        Ticket.objects.for_customer(customer)
        .filter(partner_organisation_id=organisation_id)
        .open()
        .select_related("product", "team")
        .order_by("-last_activity_at", "-pk")
    )


def ticket_thread(*, ticket: Ticket) -> list[Message]:
    """What the customer sees of the conversation, oldest first: never an internal note."""
    return list(
        Message.objects.filter(ticket=ticket, kind__in=PUBLIC_KINDS)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )


def closure_proposal_stands(*, ticket: Ticket, thread: list[Message]) -> bool:
    """Whether support's proposal to close unresolved still waits for the customer's agreement.

    ``thread`` is the ticket's conversation as read for the page; no query. A proposal the
    conversation went past is stale even where it was stored before messages withdrew it.
    """
    proposed_at = ticket.closure_proposed_at
    if proposed_at is None or ticket.status == Status.CLOSED:
        return False
    return not any(
        message.kind in CONVERSATION_KINDS and message.created_at > proposed_at
        for message in thread
    )


def ticket_attachment(*, ticket: Ticket, attachment_id: int) -> Attachment | None:
    """An attachment of this ticket the customer may download (none of an internal note)."""
    return (
        Attachment.objects.filter(
            pk=attachment_id, message__ticket=ticket, message__kind__in=PUBLIC_KINDS
        )
        .select_related("message")
        .first()
    )


@dataclass(frozen=True)
class ProductChoices:
    """Products for the new-request form: the customer's registered ones first."""

    registered: list[tuple[str, str]]
    others: list[tuple[str, str]]
    # The version of the most recently registered product, to pre-fill the form.
    latest_registration: Registration | None

    def choices(
        self, *, registered_label: str, others_label: str
    ) -> list[tuple[str, str]] | list[tuple[str, list[tuple[str, str]]]]:
        if not self.registered:
            return self.others
        groups = [(registered_label, self.registered)]
        if self.others:
            groups.append((others_label, self.others))
        return groups


def product_choices(*, customer: User) -> ProductChoices:
    registrations = list(
        Registration.objects.filter(customer=customer)
        .select_related("product")
        .order_by("-registered_at", "-pk")
    )
    registered: list[tuple[str, str]] = []
    seen: set[str] = set()
    for registration in sorted(registrations, key=lambda r: (r.product.sort_order, r.product.name)):
        if registration.product.code not in seen:
            seen.add(registration.product.code)
            registered.append((registration.product.code, registration.product.name))
    others = [
        (code, name)
        for code, name in Product.objects.order_by("sort_order", "name").values_list("code", "name")
        if code not in seen
    ]
    return ProductChoices(
        registered=registered,
        others=others,
        latest_registration=registrations[0] if registrations else None,
    )


def customer_team(*, customer: User) -> Team:
    return team_selectors.team_for_user(user=customer)


def offerings_by_code(*, codes: list[str]) -> list[Offering]:
    """The offerings named by ``codes``, in that order (unknown codes are left out)."""
    found = {o.code: o for o in Offering.objects.filter(code__in=codes)}
    return [found[code] for code in codes if code in found]
