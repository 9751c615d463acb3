"""The shapes a plan is made of: keys, customers, ticket plans, timelines, catalogue rows."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models

from entitlements.models import Entitlement, EntitlementEvent, Offering, Registration
from tickets.models import AccessLink, Attachment, Message, ReplyToken, Ticket, TicketEvent
from tickets.scale.vocabulary import DAY

# Every table the generator writes in bulk, in the order they are written (engineers and their
# profiles go through the ORM).
LOADED_MODELS: list[type[models.Model]] = [
    get_user_model(),
    EmailAddress,
    Registration,
    Entitlement,
    EntitlementEvent,
    Ticket,
    Message,
    Attachment,
    TicketEvent,
    AccessLink,
    ReplyToken,
]

Row = dict[str, Any]


def ts(value: float) -> datetime:
    """A POSIX timestamp as an aware datetime."""
    return datetime.fromtimestamp(value, UTC)


def opt_ts(value: float | None) -> datetime | None:
    return None if value is None else ts(value)


class Keys:
    """Primary keys of one table, handed out one after the other from the first free one."""

    __slots__ = ("first", "next")

    def __init__(self, first: int) -> None:
        self.first = first
        self.next = first

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


@dataclass(frozen=True)
class WaitingPeriod:
    """The waiting period and link lifetime as the settings configure them, in seconds."""

    interval: float  # from one contact attempt to the next
    window: float  # from the first contact attempt to the automatic closure
    attempts: int  # contact attempts before the closure
    link_lifetime: float  # how long a private link works after the closing

    @classmethod
    def from_settings(cls) -> WaitingPeriod:
        return cls(
            interval=settings.TICKET_REMINDER_INTERVAL_DAYS * DAY,
            window=settings.TICKET_AUTOCLOSE_DAYS * DAY,
            attempts=settings.TICKET_CONTACT_ATTEMPTS,
            link_lifetime=settings.TICKET_LINK_DAYS_AFTER_CLOSE * DAY,
        )


class Engineer(NamedTuple):
    pk: int
    name: str


class Term(NamedTuple):
    """An entitlement valid from ``starts`` until ``ends`` (timestamps)."""

    pk: int
    starts: float
    ends: float


@dataclass(frozen=True)
class Catalogue:
    """What the plan refers to in the database: primary keys by code, offerings, engineers."""

    products: dict[str, int]
    offerings: dict[str, Offering]
    teams: dict[str, int]
    engineers: dict[str, list[Engineer]]
    versions: list[tuple[float, str]]  # (released, version), oldest first


@dataclass(slots=True)
class Customer:
    pk: int
    team: str
    language: str
    profile: str
    product: str
    email: str
    plan: list[Term] = field(default_factory=list)
    trial: Term | None = None


@dataclass(slots=True)
class TicketPlan:
    """What the first pass decides for one ticket: enough to count its messages."""

    created: float
    customer: int
    status: str
    resolution: str = ""
    attempts: int = 0
    responded: bool = True
    proposal: bool = False
    extra: int = 0


def skip_weekend(at: float) -> float:
    """Move a due time off Saturday and Sunday (an approximation of the team calendar)."""
    weekday = time.gmtime(at).tm_wday
    if weekday == 5:
        return at + 2 * DAY
    if weekday == 6:
        return at + DAY
    return at


@dataclass(slots=True)
class Line:
    """One message of a ticket's timeline; ``kind`` is a message kind or a closure proposal."""

    at: float
    kind: str
    via: str
    author: int | None
    awaits: bool
    body: str


@dataclass(slots=True)
class Draft:
    """One ticket while its timeline is decided."""

    pk: int
    ticket_id: str
    created: float
    entitlement: int
    credit: Row | None  # a credit bought for this request, used up by it
    kind: str
    product: str
    category: str
    channel: str
    due: float
    callback_due: float | None
    engineer: Engineer | None
    language: str
    fill: dict[str, Any]
    subject: str
    lines: list[Line]
    closed_at: float | None = None
    closing_actor: int | None = None
    close_detail: str = ""
    attempts: int = 0
    first_attempt: float | None = None
    last_attempt: float | None = None
    next_action: float | None = None
    proposed: float | None = None
    reply_draw: int = 0
