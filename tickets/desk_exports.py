"""The support queue as a spreadsheet: the rows an engineer has on screen, as CSV.

The download keeps the queue's filters, search and order, and has no row limit: the rows are
read in chunks from one query and written out as they come, so a large queue costs no more
memory than a small one. Dates are in the engineer's time zone and the texts in their language.
Cells a spreadsheet would run as a formula get a leading apostrophe.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tickets.desk import staff_status, support_kind_label
from tickets.models import Priority, Ticket

# How many rows are fetched from the database at a time.
CHUNK_SIZE = 2000
# What a spreadsheet takes for the start of a formula (or of a command, for the older ones).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADERS = (
    _("ticket ID"),
    _("subject"),
    _("status"),
    _("priority"),
    _("first response due"),
    _("customer e-mail"),
    _("product"),
    _("version"),
    _("support kind"),
    _("team"),
    _("assigned to"),
    _("last activity"),
)
FIELDS = (
    "ticket_id",
    "subject",
    "status",
    "priority",
    "first_response_due",
    "customer__email",
    "product__name",
    "version",
    "entitlement_kind",
    "team__code",
    "assignee__name",
    "assignee__email",
    "last_activity_at",
)


def safe_cell(value: str) -> str:
    """``value``, with an apostrophe first if a spreadsheet would read it as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _local(value: datetime | None, tz: tzinfo) -> str:
    return "" if value is None else f"{timezone.localtime(value, tz):%Y-%m-%d %H:%M}"


def _cells(row: tuple[Any, ...], tz: tzinfo) -> list[str]:
    """One ticket's cells, as the queue's columns show them."""
    (ticket_id, subject, status, priority, due, email, product, version, kind) = row[:9]
    (team, assignee_name, assignee_email, last_activity) = row[9:]
    return [
        ticket_id,
        subject,
        staff_status(status),
        str(Priority(priority).label),
        _local(due, tz),
        email,
        product.removeprefix("NovaBACKUP "),
        version,
        support_kind_label(kind),
        team.upper(),
        assignee_name or assignee_email or gettext("unassigned"),
        _local(last_activity, tz),
    ]


class _Echo:
    """A file that hands back what is written to it, for ``csv.writer`` to stream through."""

    def write(self, value: str) -> str:
        return value


def queue_csv_lines(queryset: QuerySet[Ticket], *, language: str, tz: tzinfo) -> Iterator[str]:
    """The CSV text of the queue's rows, a line at a time: the headers, then one per ticket."""
    writer = csv.writer(_Echo())
    with translation.override(language):
        yield writer.writerow([str(header) for header in HEADERS])
        rows: Iterable[tuple[Any, ...]] = queryset.values_list(*FIELDS).iterator(
            chunk_size=CHUNK_SIZE
        )
        for row in rows:
            yield writer.writerow([safe_cell(str(cell)) for cell in _cells(row, tz)])


def queue_csv_response(queryset: QuerySet[Ticket]) -> StreamingHttpResponse:
    """A download of the queue's rows, in the current language and time zone."""
    tz = timezone.get_current_timezone()
    lines = queue_csv_lines(queryset, language=translation.get_language() or "en", tz=tz)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"support-queue-{timezone.localdate(timezone=tz):%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
