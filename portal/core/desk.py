"""The support desk's own admin pages: the call-back queue and the dashboard.

Both are wrapped with ``admin.site.admin_view`` in ``portal.urls`` (staff only; anyone else is
sent to sign in) and need ``tickets.view_ticket`` on top; logging a call needs
``tickets.change_ticket``. Every number comes from aggregate SQL: the pages run the same
queries whether a team has five tickets or fifty thousand.

``admin_login`` replaces the admin's own sign-in form by the portal's (allauth), so staff
sign-ins are throttled (``ACCOUNT_RATE_LIMITS["login_failed"]``) and need a verified address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from entitlements import arrangements
from entitlements.models import ArrangementCall, SupportKind
from portal.core.charts import line_chart
from portal.core.errors import ApplicationError
from teams.models import Team
from tickets import services as ticket_services
from tickets.models import EngineerProfile, Resolution, Status, Ticket

# --- Sign-in ----------------------------------------------------------------------------------


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """Send the admin's sign-in to the portal's, keeping where to go afterwards.

    A signed-in user without access to the admin gets a page saying so: sending them to the
    portal's sign-in would bounce straight back here (allauth redirects signed-in users).
    """
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return HttpResponseRedirect(next_url)
        context = {
            **admin.site.each_context(request),
            "title": _("No access to the support desk"),
            "logout_url": reverse("account_logout"),
        }
        return render(request, "admin/desk/no_access.html", context, status=403)
    return HttpResponseRedirect(
        f"{reverse('account_login')}?{urlencode({'next': next_url}, safe='/')}"
    )


# --- Time zones -------------------------------------------------------------------------------

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


# --- The call-back queue ----------------------------------------------------------------------

CALLBACK_DUE = Q(callback_due__isnull=False, callback_done_at__isnull=True) & ~Q(
    status=Status.CLOSED
)


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _viewer_team_code(request: HttpRequest) -> str | None:
    return (
        EngineerProfile.objects.filter(user=request.user)
        .values_list("team__code", flat=True)
        .first()
    )


def _queue_url(team_code: str) -> str:
    return f"{reverse('desk-callbacks')}?{urlencode({'team': team_code})}"


def _log_call(request: HttpRequest) -> HttpResponse:
    _require(request, "tickets.change_ticket")
    team_code = request.POST.get("team", "")
    outcome = request.POST.get("outcome")
    if outcome not in ("reached", "not-reached"):
        messages.error(request, _("Choose whether the customer was reached."))
        return HttpResponseRedirect(_queue_url(team_code))
    ticket = get_object_or_404(Ticket.objects.select_related("team"), pk=request.POST.get("ticket"))
    team_code = ticket.team.code
    if not Ticket.objects.filter(CALLBACK_DUE, pk=ticket.pk).exists():
        # Someone else logged it first (or the ticket closed): never log the call twice.
        messages.warning(
            request, _("The call-back for %(id)s is no longer due.") % {"id": ticket.ticket_id}
        )
        return HttpResponseRedirect(_queue_url(team_code))
    reached = outcome == "reached"
    try:
        ticket_services.ticket_log_call(
            ticket=ticket,
            engineer=request.user,
            reached=reached,
            note=request.POST.get("note", "")[:2000],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if reached:
            text = _("%(id)s: call-back done, the customer was reached.")
        else:
            text = _("%(id)s: not reached; counted as a contact attempt and the customer was told.")
        messages.success(request, text % {"id": ticket.ticket_id})
    return HttpResponseRedirect(_queue_url(team_code))


def _log_arrangement_call(request: HttpRequest) -> HttpResponse:
    """Record a call that arranges a Setup or Restore session (no request exists yet)."""
    _require(request, "tickets.change_ticket")
    team_code = request.POST.get("team", "")
    outcome = request.POST.get("outcome")
    if outcome not in ("reached", "not-reached"):
        messages.error(request, _("Choose whether the customer was reached."))
        return HttpResponseRedirect(_queue_url(team_code))
    call = get_object_or_404(
        ArrangementCall.objects.select_related("team", "customer"), pk=request.POST.get("task")
    )
    team_code = call.team.code
    reached = outcome == "reached"
    try:
        arrangements.arrangement_call_log(
            call=call,
            engineer=request.user,
            reached=reached,
            note=request.POST.get("note", "")[:2000],
        )
    except ApplicationError:
        # Someone else recorded it first, or the purchase was revoked: never record it twice.
        messages.warning(
            request,
            _("The call to %(customer)s is no longer due.") % {"customer": call.customer},
        )
        return HttpResponseRedirect(_queue_url(team_code))
    if reached:
        text = _("%(customer)s: call done, the session is arranged.")
    else:
        text = _("%(customer)s: not reached; the call stays in the queue.")
    messages.success(request, text % {"customer": call.customer})
    return HttpResponseRedirect(_queue_url(team_code))


def _arrangement_rows(team: Team, now: datetime) -> list[dict]:
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


@require_http_methods(["GET", "POST"])
def callbacks(request: HttpRequest) -> HttpResponse:
    """Due call-backs of one team, the most urgent first, with buttons to log the call.

    Below the requests' call-backs: the calls that arrange Setup and Restore sessions bought
    before any request was sent.
    """
    _require(request, "tickets.view_ticket")
    if request.method == "POST":
        if "task" in request.POST:
            return _log_arrangement_call(request)
        return _log_call(request)

    now = timezone.now()
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
    by_code = {team.code: team for team in teams}
    code = request.GET.get("team") or _viewer_team_code(request)
    team = by_code.get(code) or (teams[0] if teams else None)
    rows, task_rows = [], []
    if team is not None:
        task_rows = _arrangement_rows(team, now)
        tickets = (
            Ticket.objects.filter(CALLBACK_DUE, team=team)
            .select_related("customer", "assignee")
            .order_by("callback_due", "pk")
        )
        team_zone = ZoneInfo(team.time_zone)
        for ticket in tickets:
            rows.append(
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
            )
    context = {
        **admin.site.each_context(request),
        "title": _("Call-back queue"),
        "teams": teams,
        "team": team,
        "rows": rows,
        "task_rows": task_rows,
        "now": now,
        "can_log_calls": request.user.has_perm("tickets.change_ticket"),
    }
    return render(request, "admin/desk/callbacks.html", context)


# --- The dashboard ----------------------------------------------------------------------------

DASHBOARD_DAYS = 30
OPEN_STATUSES = [Status.NEW, Status.OPEN, Status.WAITING]


def _open_by_team_and_status(teams: list[Team]) -> list[dict]:
    counts = {
        (row["team_id"], row["status"]): row["n"]
        for row in Ticket.objects.exclude(status=Status.CLOSED)
        .values("team_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = []
    for team in teams:
        cells = [counts.get((team.pk, status), 0) for status in OPEN_STATUSES]
        rows.append({"team": team, "cells": cells, "total": sum(cells)})
    return rows


def _first_response(teams: list[Team], now: datetime) -> list[dict]:
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


def backlog_days(now: datetime) -> list[tuple[datetime, datetime]]:
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


def _backlog(teams: list[Team], now: datetime) -> dict:
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
    series = {}
    for team in teams:
        row = rows.get(team.pk, {})
        series[team.name] = [row.get(f"d{index}", 0) for index in range(len(days))]
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


def _oldest_waiting(limit: int = 10) -> list[Ticket]:
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


@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """Open tickets, first-response targets, the backlog trend and the longest waits."""
    _require(request, "tickets.view_ticket")
    now = timezone.now()
    teams = list(Team.objects.order_by("code"))
    open_rows = _open_by_team_and_status(teams)
    backlog = _backlog(teams, now)
    context = {
        **admin.site.each_context(request),
        "title": _("Support dashboard"),
        "now": now,
        "days": DASHBOARD_DAYS,
        "statuses": [_("new"), _("open"), _("waiting for the customer")],
        "open_rows": open_rows,
        "open_totals": [
            sum(row["cells"][index] for row in open_rows) for index in range(len(OPEN_STATUSES))
        ],
        "open_total": sum(row["total"] for row in open_rows),
        "first_response": _first_response(teams, now),
        "backlog": backlog,
        "oldest_waiting": _oldest_waiting(),
        "time_zone": timezone.get_current_timezone_name(),
    }
    return render(request, "admin/desk/dashboard.html", context)
