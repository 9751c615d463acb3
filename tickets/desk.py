"""How the support desk speaks of a ticket: statuses, service targets, dates and local times.

Shared by the queue, a ticket's page and the call-back queue. Nothing here reads the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from entitlements.models import SupportKind
from teams.models import Team
from tickets.models import Message, Status, Ticket

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DUE_SOON = timedelta(hours=1)
ENTITLEMENT_STATES = {
    "active": _("active"),
    "expired": _("expired"),
    "used": _("used up"),
    "revoked": _("revoked"),
    "upcoming": _("not started yet"),
}
# The statuses as support says them (the model's labels are worded for the customer).
STAFF_STATUS: dict[str, StrOrPromise] = {
    Status.NEW: _("new"),
    Status.OPEN: _("open"),
    Status.WAITING: _("waiting on customer"),
    Status.CLOSED: _("closed"),
}


def staff_status(status: str) -> str:
    return str(STAFF_STATUS.get(status, status or "-"))


def support_kind_label(code: str) -> str:
    return SupportKind.label_of(code, empty="-")


def short_time(value: datetime) -> str:
    """A compact date and time for the queue's columns, e.g. "Nov 23, 17:00".

    The same text as the date format "M j, H:i", built directly: the queue shows two per row.
    """
    local = timezone.localtime(value)
    return f"{MONTHS_3[local.month].title()} {local.day}, {local:%H:%M}"


# --- Service targets --------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A service target (first response, call-back) and where it stands at ``now``."""

    due: datetime | None
    done_at: datetime | None
    state: str  # none, pending, soon, overdue, met, missed, dropped
    now: datetime

    LABELS = {
        "none": _("no target"),
        "pending": _("due"),
        "soon": _("Due soon"),
        "overdue": _("Overdue"),
        "met": _("Met"),
        "missed": _("Missed"),
        "dropped": _("closed without a response"),
    }

    @classmethod
    def of(
        cls, due: datetime | None, done_at: datetime | None, *, closed: bool, now: datetime
    ) -> Target:
        if due is None:
            state = "none"
        elif done_at is not None:
            state = "met" if done_at <= due else "missed"
        elif closed:
            state = "dropped"
        elif due <= now:
            state = "overdue"
        elif due <= now + DUE_SOON:
            state = "soon"
        else:
            state = "pending"
        return cls(due=due, done_at=done_at, state=state, now=now)

    @property
    def label(self) -> str:
        return str(self.LABELS[self.state])

    @property
    def relative(self) -> str:
        """How far off the due time is, in words: "in 40 minutes", "2 hours ago"."""
        if self.due is None:
            return ""
        if self.due > self.now:
            return gettext("in %(time)s") % {"time": timeuntil(self.due, self.now, depth=1)}
        return gettext("%(time)s ago") % {"time": timesince(self.due, self.now, depth=1)}

    @property
    def is_alert(self) -> bool:
        return self.state in ("overdue", "soon", "missed")


def first_response_target(ticket: Ticket, now: datetime) -> Target:
    return Target.of(
        ticket.first_response_due,
        ticket.first_responded_at,
        closed=ticket.status == Status.CLOSED,
        now=now,
    )


def callback_target(ticket: Ticket, now: datetime) -> Target:
    return Target.of(
        ticket.callback_due,
        ticket.callback_done_at,
        closed=ticket.status == Status.CLOSED,
        now=now,
    )


# --- The conversation -------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreadEntry:
    """One message of the conversation as the desk shows it."""

    message: Message
    label: str
    files: list[dict]

    LABELS = {
        Message.Kind.CUSTOMER: _("Customer"),
        Message.Kind.ENGINEER: _("Support"),
        Message.Kind.NOTE: _("Internal note"),
        Message.Kind.CALL: _("Phone call"),
        Message.Kind.SYSTEM: _("Automatic message"),
    }

    @property
    def kind(self) -> str:
        return self.message.kind

    @property
    def internal(self) -> bool:
        return self.message.kind == Message.Kind.NOTE


# --- The customer's time ----------------------------------------------------------------------

# Countries that keep one time zone. Countries spanning several (US, CA, AU, BR, MX, RU...)
# are not guessed: their customers are shown in the team's time zone, and the page says so.
COUNTRY_TIME_ZONES = {
    "AE": "Asia/Dubai",
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "CH": "Europe/Zurich",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "ES": "Europe/Madrid",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "GR": "Europe/Athens",
    "HU": "Europe/Budapest",
    "IE": "Europe/Dublin",
    "IL": "Asia/Jerusalem",
    "IN": "Asia/Kolkata",
    "IT": "Europe/Rome",
    "JP": "Asia/Tokyo",
    "LI": "Europe/Vaduz",
    "LU": "Europe/Luxembourg",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "NZ": "Pacific/Auckland",
    "PL": "Europe/Warsaw",
    "PT": "Europe/Lisbon",
    "SE": "Europe/Stockholm",
    "SG": "Asia/Singapore",
    "SK": "Europe/Bratislava",
    "ZA": "Africa/Johannesburg",
}


@dataclass(frozen=True)
class LocalTime:
    at: datetime
    zone: str
    from_country: bool


def customer_local_time(*, country: str, team: Team, now: datetime) -> LocalTime:
    """The customer's time now: from their country where it has one zone, else the team's."""
    zone = COUNTRY_TIME_ZONES.get((country or "").upper())
    if zone:
        return LocalTime(at=now.astimezone(ZoneInfo(zone)), zone=zone, from_country=True)
    return LocalTime(
        at=now.astimezone(ZoneInfo(team.time_zone)), zone=team.time_zone, from_country=False
    )
