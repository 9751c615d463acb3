"""What the customer pages show of a ticket, formatted once in Python.

The pages used to switch the time zone and run three ``date`` filters per date in the template,
which was most of their rendering time. These give the same text: each date in the time zone of
the team that answers the request, in the active language's ``DATETIME_FORMAT``, followed by the
zone's abbreviation; and its ISO form for the ``datetime`` attribute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import dateformat, formats, timezone
from django.utils.text import capfirst

from tickets.models import Status, Ticket

# The class of the status badge (templates/tickets/_status.html says the same).
STATUS_CLASSES: dict[str, str] = {
    Status.WAITING: "status-info",
    Status.CLOSED: "status-closed",
    Status.OPEN: "status-ok",
}


@dataclass(frozen=True, slots=True)
class Moment:
    """A date as the customer pages show it."""

    iso: str  # for <time datetime="…">
    text: str  # e.g. "Nov. 22, 2026, 1:30 p.m. CET"


def moment(value: datetime | None, zone: str) -> Moment | None:
    """``value`` in the time zone ``zone``, or None when there is no date."""
    if value is None:
        return None
    local = timezone.localtime(value, ZoneInfo(zone))
    # One pass of the formatter for the date and the zone's abbreviation ("T").
    text = dateformat.format(local, f"{formats.get_format('DATETIME_FORMAT')} T")
    return Moment(iso=local.isoformat(), text=text)


def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "status-new")


def status_label(ticket: Ticket) -> str:
    return capfirst(ticket.get_status_display())


@dataclass(frozen=True, slots=True)
class TicketRow:
    """One line of "My requests"."""

    ticket_id: str
    url: str
    subject: str
    product: str
    status_class: str
    status_label: str
    last_activity: Moment
    first_response_due: Moment | None
    answered: bool


def ticket_rows(tickets: Iterable[Ticket], *, url_prefix: str) -> list[TicketRow]:
    """The rows of "My requests"; ``url_prefix`` is the address of the list (``/tickets/``)."""
    return [
        TicketRow(
            ticket_id=ticket.ticket_id,
            url=f"{url_prefix}{ticket.ticket_id}/",
            subject=ticket.subject,
            product=f"{ticket.product.name} {ticket.version}",
            status_class=status_class(ticket.status),
            status_label=status_label(ticket),
            last_activity=moment(ticket.last_activity_at, ticket.team.time_zone),
            first_response_due=moment(ticket.first_response_due, ticket.team.time_zone),
            answered=ticket.first_responded_at is not None,
        )
        for ticket in tickets
    ]
