"""Reads of the support desk: the queue, a ticket's page, the call-back queue and the dashboard.

Each reads in a fixed number of queries, whatever the number of tickets or the length of a
conversation. The dashboard's numbers come from aggregate SQL: the same queries whether a team
has five tickets or fifty thousand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.expressions import Window
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from entitlements import selectors as entitlement_selectors
from entitlements.models import ArrangementCall, SupportKind
from portal.core.charts import line_chart
from teams.models import Team
from tickets import services
from tickets.desk import (
    ENTITLEMENT_STATES,
    ThreadEntry,
    callback_target,
    customer_local_time,
    first_response_target,
    staff_status,
    support_kind_label,
)
from tickets.models import (
    OPEN_STATUSES,
    Attachment,
    EngineerProfile,
    Message,
    Resolution,
    Status,
    Ticket,
    TicketEvent,
)

if TYPE_CHECKING:
    from portal.accounts.models import User

# --- The queue --------------------------------------------------------------------------------


def awaiting_first_response(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return queryset.filter(first_response_due__isnull=False, first_responded_at__isnull=True).open()


def is_engineer(*, user: User) -> bool:
    """Whether this account answers tickets (it has an engineer profile)."""
    return EngineerProfile.objects.filter(user=user).exists()


# --- A ticket's page --------------------------------------------------------------------------


@dataclass(frozen=True)
class PageLinks:
    """Where a ticket's page links to, as the admin spells its addresses."""

    ticket: Callable[[Ticket], str]
    attachment: Callable[[Attachment], str]
    customer: str


def desk_thread(*, ticket: Ticket, links: PageLinks) -> list[ThreadEntry]:
    """The whole conversation, internal notes included, oldest first, with its files."""
    messages = (
        Message.objects.filter(ticket=ticket)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    return [
        ThreadEntry(
            message=message,
            label=str(ThreadEntry.LABELS.get(message.kind, message.kind)),
            files=[
                {
                    "name": attachment.name,
                    "size": attachment.size,
                    "url": links.attachment(attachment),
                }
                for attachment in message.attachments.all()
            ],
        )
        for message in messages
    ]


def ticket_history(*, ticket: Ticket) -> list[dict]:
    """The ticket's changes of status, oldest first, with the statuses as support says them."""
    return [
        {
            "event": event,
            "from": staff_status(event.from_status) if event.from_status else "-",
            "to": staff_status(event.to_status),
        }
        for event in TicketEvent.objects.filter(ticket=ticket)
        .select_related("actor")
        .order_by("at", "pk")
    ]


def customer_support(*, ticket: Ticket, now: datetime) -> list[dict]:
    """Every support the ticket's customer has, where it stands and which this request uses."""
    return [
        {
            "state": (state := entitlement_selectors.entitlement_state(entitlement, at=now)),
            "label": str(ENTITLEMENT_STATES.get(state.status, state.status)),
            "this_request": entitlement.pk == ticket.entitlement_id,
            "order": entitlement.order_item.order.reference if entitlement.order_item else "",
        }
        for entitlement in entitlement_selectors.customer_entitlements(
            customer=ticket.customer
        ).select_related("order_item__order")
    ]


OTHER_REQUESTS_SHOWN = 10


def other_requests(*, ticket: Ticket, links: PageLinks) -> dict:
    """The customer's other requests, open ones first, then the most recently active closed
    ones: up to ``OTHER_REQUESTS_SHOWN``, how many more there are and where the queue lists
    them all. One query, however many requests the customer has."""
    found = list(
        Ticket.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .annotate(
            closed_last=Case(
                When(status=Status.CLOSED, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            # Counted over the whole selection, before the limit: no second query for "more".
            all_count=Window(Count("pk")),
        )
        .only("pk", "ticket_id", "subject", "status", "last_activity_at")
        .order_by("closed_last", "-last_activity_at", "-pk")[:OTHER_REQUESTS_SHOWN]
    )
    total = found[0].all_count if found else 0
    email = ticket.customer.email
    return {
        "rows": [
            {
                "ticket": other,
                "url": links.ticket(other),
                "status_label": staff_status(other.status),
            }
            for other in found
        ],
        "more": max(total - len(found), 0),
        "queue_url": f"{reverse('admin:tickets_ticket_changelist')}?{urlencode({'q': email})}",
    }


def customer_partner(*, ticket: Ticket) -> dict | None:
    """The partner organisation the customer acts for, its level and their role; None if none."""
    # Imported here: partners sit above tickets (they open requests).
    from partners import selectors as partner_selectors
    from partners.models import MemberRole

    membership = partner_selectors.membership_for(user=ticket.customer)
    if membership is None:
        return None
    return {
        "organisation": membership.organisation.name,
        "level": membership.organisation.level.name,
        "role": membership.get_role_display(),
        "is_technical": membership.role == MemberRole.TECHNICAL,
    }


def ticket_page(*, ticket: Ticket, user: User, links: PageLinks) -> dict:
    """Everything a ticket's page shows besides its forms, read in a fixed number of queries."""
    now = timezone.now()
    thread = desk_thread(ticket=ticket, links=links)
    events = ticket_history(ticket=ticket)
    entitlements = customer_support(ticket=ticket, now=now)
    others = other_requests(ticket=ticket, links=links)
    partner = customer_partner(ticket=ticket)
    # A late reply by e-mail opens a new request that follows the closed one: both ways.
    followed_by = Ticket.objects.filter(follows=ticket).only("pk", "ticket_id", "subject")
    return {
        "now": now,
        "follows": (
            {"ticket": ticket.follows, "url": links.ticket(ticket.follows)}
            if ticket.follows is not None
            else None
        ),
        "followed_by": [
            {"ticket": later, "url": links.ticket(later)}
            for later in followed_by.order_by("created_at", "pk")
        ],
        "thread": thread,
        "events": events,
        "entitlements": entitlements,
        "other_requests": others,
        "partner": partner,
        "first_response": first_response_target(ticket, now),
        "callback": callback_target(ticket, now),
        "status_label": staff_status(ticket.status),
        "support_kind": support_kind_label(ticket.entitlement_kind),
        "is_open": ticket.is_open,
        "is_mine": ticket.assignee_id == user.pk,
        "customer_url": links.customer,
        "solved_by": (
            {"article": ticket.solved_by, "url": services.article_public_url(ticket.solved_by)}
            if ticket.solved_by is not None
            else None
        ),
    }


# --- The call-back queue ----------------------------------------------------------------------

CALLBACK_DUE = Q(callback_due__isnull=False, callback_done_at__isnull=True) & ~Q(
    status=Status.CLOSED
)


def viewer_team_code(*, user: User) -> str | None:
    """The code of the team this engineer works in, if they have a profile."""
    return EngineerProfile.objects.filter(user=user).values_list("team__code", flat=True).first()


def callback_ticket(*, pk: int | str | None) -> Ticket | None:
    """The ticket a call is logged for, with its team; None when there is none."""
    return Ticket.objects.select_related("team").filter(pk=pk).first()


def arrangement_call(*, pk: int | str | None) -> ArrangementCall | None:
    """A call to arrange a session, with its team and customer; None when there is none."""
    return ArrangementCall.objects.select_related("team", "customer").filter(pk=pk).first()


def callback_still_due(*, ticket: Ticket) -> bool:
    """Whether the ticket's call-back still waits (nobody logged it, the ticket is not closed)."""
    return Ticket.objects.filter(CALLBACK_DUE, pk=ticket.pk).exists()


def callback_teams() -> list[Team]:
    """Every team by code, each with ``due_count``: its due call-backs and calls to arrange."""
    teams = list(
        Team.objects.annotate(
            due_count=Count(
                "tickets",
                filter=Q(
                    tickets__callback_due__isnull=False,
                    tickets__callback_done_at__isnull=True,
                )
                & ~Q(tickets__status=Status.CLOSED),
            )
        ).order_by("code")
    )
    # Counted apart from the tickets: two counts over two joins in one query would multiply.
    arrangement_counts = dict(
        ArrangementCall.objects.due()
        .order_by()
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    for each in teams:
        each.due_count += arrangement_counts.get(each.pk, 0)
    return teams


def callback_rows(*, team: Team, now: datetime) -> list[dict]:
    """The team's due call-backs, the earliest due first, in the team's and customer's time."""
    tickets = (
        Ticket.objects.filter(CALLBACK_DUE, team=team)
        .select_related("customer", "assignee")
        .order_by("callback_due", "pk")
    )
    team_zone = ZoneInfo(team.time_zone)
    return [
        {
            "ticket": ticket,
            "phone": ticket.phone or (str(ticket.customer.phone or "")),
            "local": customer_local_time(
                country=str(ticket.customer.country or ""), team=team, now=now
            ),
            # Shown as they are (the template turns local-time conversion off).
            "due_local": ticket.callback_due.astimezone(team_zone),
            "last_attempt_local": ticket.last_attempt_at.astimezone(team_zone)
            if ticket.last_attempt_at
            else None,
            "overdue": ticket.callback_due < now,
            "url": reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        }
        for ticket in tickets
    ]


def arrangement_rows(*, team: Team, now: datetime) -> list[dict]:
    """The team's calls to arrange a Setup or Restore session, the earliest due first."""
    team_zone = ZoneInfo(team.time_zone)
    calls = (
        ArrangementCall.objects.due()
        .filter(team=team)
        .select_related("customer", "entitlement__product")
    )
    return [
        {
            "task": call,
            "phone": str(call.customer.phone or ""),
            "local": customer_local_time(
                country=str(call.customer.country or ""), team=team, now=now
            ),
            "due_local": call.due_at.astimezone(team_zone),
            "last_attempt_local": call.last_attempt_at.astimezone(team_zone)
            if call.last_attempt_at
            else None,
            "overdue": call.due_at < now,
            "url": reverse("admin:entitlements_entitlement_change", args=[call.entitlement_id]),
        }
        for call in calls
    ]


# --- The dashboard ----------------------------------------------------------------------------

DASHBOARD_DAYS = 30


def dashboard_teams() -> list[Team]:
    """Every team, by code: the rows of the dashboard's tables."""
    return list(Team.objects.order_by("code"))


def open_by_team_and_status(*, teams: list[Team]) -> list[dict]:
    """Per team, its unclosed tickets in each of ``OPEN_STATUSES`` and in all, and how many of
    them are escalated (their first-response target was missed)."""
    counts: dict[tuple[int, str], int] = {}
    escalated: dict[int, int] = {}
    for row in (
        Ticket.objects.open()
        .values("team_id", "status")
        .annotate(n=Count("pk"), escalated=Count("pk", filter=Q(escalated_at__isnull=False)))
        .order_by()
    ):
        counts[row["team_id"], row["status"]] = row["n"]
        escalated[row["team_id"]] = escalated.get(row["team_id"], 0) + row["escalated"]
    rows = []
    for team in teams:
        cells = [counts.get((team.pk, status), 0) for status in OPEN_STATUSES]
        rows.append(
            {
                "team": team,
                "cells": cells,
                "total": sum(cells),
                "escalated": escalated.get(team.pk, 0),
            }
        )
    return rows


def first_response(*, teams: list[Team], now: datetime) -> list[dict]:
    """Per team and support kind, tickets created in the window with a first-response target.

    Met: answered by the due time. Missed: answered late, or still unanswered after the due
    time (a ticket closed before its due time without an answer is neither). Pending: not
    answered and not yet due. Tickets cancelled as opened by mistake are left out.
    """
    unanswered = Q(first_responded_at__isnull=True)
    met = Q(first_responded_at__isnull=False, first_responded_at__lte=F("first_response_due"))
    late = Q(first_responded_at__gt=F("first_response_due"))
    overdue = (
        unanswered
        & Q(first_response_due__lt=now)
        & (Q(closed_at__isnull=True) | Q(closed_at__gt=F("first_response_due")))
    )
    pending = unanswered & Q(first_response_due__gte=now, closed_at__isnull=True)
    rows = (
        Ticket.objects.filter(
            created_at__gte=now - timedelta(days=DASHBOARD_DAYS),
            created_at__lte=now,
            first_response_due__isnull=False,
        )
        .exclude(resolution=Resolution.CANCELLED)
        .values("team_id", "entitlement_kind")
        .annotate(
            total=Count("pk"),
            met=Count("pk", filter=met),
            late=Count("pk", filter=late),
            overdue=Count("pk", filter=overdue),
            pending=Count("pk", filter=pending),
        )
        .order_by("team_id", "entitlement_kind")
    )
    names = {team.pk: team for team in teams}
    kinds = dict(SupportKind.choices)
    result = []
    for row in rows:  # one row per team and kind: a handful, whatever the volume
        missed = row["late"] + row["overdue"]
        decided = row["met"] + missed
        result.append(
            {
                "team": names.get(row["team_id"]),
                "kind": kinds.get(row["entitlement_kind"], row["entitlement_kind"] or "-"),
                "total": row["total"],
                "met": row["met"],
                "missed": missed,
                "late": row["late"],
                "overdue": row["overdue"],
                "pending": row["pending"],
                "share": round(100 * row["met"] / decided) if decided else None,
            }
        )
    return result


def backlog_days(now: datetime) -> list[tuple[date, datetime]]:
    """The last ``DASHBOARD_DAYS`` days (today included) and the moment each is counted at:
    the end of the day in the current time zone, and now for today."""
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now)
    days = []
    for offset in range(DASHBOARD_DAYS - 1, -1, -1):
        day = today - timedelta(days=offset)
        end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        days.append((day, min(end, now)))
    return days


def backlog(*, teams: list[Team], now: datetime) -> dict:
    """Tickets open at the end of each day, per team, in one aggregate query.

    Open at a moment: created before it and not closed before it. A reopened ticket has no
    closing time any more, so it counts as open since it was created.
    """
    days = backlog_days(now)
    first_end = days[0][1]
    counts = {
        f"d{index}": Count(
            "pk",
            filter=Q(created_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end)),
        )
        for index, (_day, end) in enumerate(days)
    }
    rows = {
        row["team_id"]: row
        for row in Ticket.objects.filter(created_at__lt=now)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=first_end))
        .values("team_id")
        .annotate(**counts)
        .order_by()
    }
    series: dict[str, list[int]] = {}
    for team in teams:
        row: Mapping[str, Any] = rows.get(team.pk, {})
        series[str(team.display_name)] = [row.get(f"d{index}", 0) for index in range(len(days))]
    labels = [day.strftime("%d %b") for day, _end in days]
    table = [
        {
            "label": label,
            "values": [values[index] for values in series.values()],
            "total": sum(values[index] for values in series.values()),
        }
        for index, label in enumerate(labels)
    ]
    chart = line_chart(
        title=_("Open tickets at the end of each day"), x_labels=labels, series=series
    )
    return {"series": series, "table": table, "chart": chart}


def oldest_waiting(limit: int = 10) -> list[Ticket]:
    """Tickets waiting for the customer the longest: since the first unanswered contact."""
    return list(
        Ticket.objects.filter(status=Status.WAITING)
        .select_related("customer", "team", "assignee")
        .order_by(
            F("first_attempt_at").asc(nulls_last=True),
            F("last_attempt_at").asc(nulls_last=True),
            "pk",
        )[:limit]
    )
