"""The support desk's own admin pages: the call-back queue, the dashboard and a ticket's files.

The queue and the dashboard are wrapped with ``admin.site.admin_view`` in ``portal.urls``
(staff only; anyone else is sent to sign in) and need ``tickets.view_ticket`` on top; logging a
call needs ``tickets.change_ticket``. Every number comes from aggregate SQL: the pages run the
same queries whether a team has five tickets or fifty thousand. A ticket's files are served at
the ticket page's own admin URL, which checks who may see them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from entitlements import arrangements
from portal.core.errors import ApplicationError
from tickets import desk_selectors
from tickets import services as ticket_services

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest

# --- The call-back queue ----------------------------------------------------------------------


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _queue_url(team_code: str) -> str:
    return f"{reverse('desk-callbacks')}?{urlencode({'team': team_code})}"


def _reached(request: AuthenticatedHttpRequest) -> bool | None:
    """Whether the call form says the customer was reached; None, with the error shown, when it
    says neither."""
    outcome = request.POST.get("outcome")
    if outcome not in ("reached", "not-reached"):
        messages.error(request, _("Choose whether the customer was reached."))
        return None
    return outcome == "reached"


def _log_call(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "tickets.change_ticket")
    reached = _reached(request)
    if reached is None:
        return HttpResponseRedirect(_queue_url(request.POST.get("team", "")))
    ticket = desk_selectors.callback_ticket(pk=request.POST.get("ticket"))
    if ticket is None:
        raise Http404
    team_code = ticket.team.code
    if not desk_selectors.callback_still_due(ticket=ticket):
        # Someone else logged it first (or the ticket closed): never log the call twice.
        messages.warning(
            request, _("The call-back for %(id)s is no longer due.") % {"id": ticket.ticket_id}
        )
        return HttpResponseRedirect(_queue_url(team_code))
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


def _log_arrangement_call(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record a call that arranges a Setup or Restore session (no request exists yet)."""
    _require(request, "tickets.change_ticket")
    reached = _reached(request)
    if reached is None:
        return HttpResponseRedirect(_queue_url(request.POST.get("team", "")))
    call = desk_selectors.arrangement_call(pk=request.POST.get("task"))
    if call is None:
        raise Http404
    team_code = call.team.code
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


@require_http_methods(["GET", "POST"])
def callbacks(request: AuthenticatedHttpRequest) -> HttpResponse:
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
    teams = desk_selectors.callback_teams()
    by_code = {team.code: team for team in teams}
    code = request.GET.get("team") or desk_selectors.viewer_team_code(user=request.user)
    team = by_code.get(code) or (teams[0] if teams else None)
    rows, task_rows = [], []
    if team is not None:
        task_rows = desk_selectors.arrangement_rows(team=team, now=now)
        rows = desk_selectors.callback_rows(team=team, now=now)
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


@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """Open tickets, first-response targets, the backlog trend and the longest waits."""
    _require(request, "tickets.view_ticket")
    now = timezone.now()
    teams = desk_selectors.dashboard_teams()
    open_rows = desk_selectors.open_by_team_and_status(teams=teams)
    backlog = desk_selectors.backlog(teams=teams, now=now)
    context = {
        **admin.site.each_context(request),
        "title": _("Support dashboard"),
        "now": now,
        "days": desk_selectors.DASHBOARD_DAYS,
        "statuses": [_("new"), _("open"), _("waiting for the customer")],
        "open_rows": open_rows,
        "open_totals": [
            sum(row["cells"][index] for row in open_rows)
            for index in range(len(desk_selectors.OPEN_STATUSES))
        ],
        "open_total": sum(row["total"] for row in open_rows),
        "first_response": desk_selectors.first_response(teams=teams, now=now),
        "backlog": backlog,
        "oldest_waiting": desk_selectors.oldest_waiting(),
        "time_zone": timezone.get_current_timezone_name(),
    }
    return render(request, "admin/desk/dashboard.html", context)
