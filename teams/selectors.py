"""Reads of the teams app: teams and their business calendars."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone

from teams.calendar import BusinessCalendar, ClosedDates, Interval
from teams.models import Closure, OpeningHours, Team

if TYPE_CHECKING:
    from portal.accounts.models import User


def team_by_code(*, code: str) -> Team:
    """Return the team with ``code`` ("us" or "de"); raise ``Team.DoesNotExist`` if none."""
    return Team.objects.get(code=code)


def team_for_user(*, user: User) -> Team:
    """Return the team that serves ``user`` (staff override, else country and language)."""
    return team_by_code(code=user.support_team)


def team_calendar(*, team: Team) -> BusinessCalendar:
    """Build the team's business calendar in at most two queries (none if prefetched).

    Prefetch ``opening_hours`` and ``closures`` on a batch of teams to build several
    calendars without a query each.
    """
    prefetched = getattr(team, "_prefetched_objects_cache", {})
    if "opening_hours" in prefetched:
        hours = [(row.weekday, row.opens, row.closes) for row in team.opening_hours.all()]
    else:
        hours = list(
            OpeningHours.objects.filter(team=team).values_list("weekday", "opens", "closes")
        )
    if "closures" in prefetched:
        closed = frozenset(row.date for row in team.closures.all())
    else:
        closed = frozenset(Closure.objects.filter(team=team).values_list("date", flat=True))
    weekly: dict[int, list[Interval]] = {}
    for weekday, opens, closes in hours:
        weekly.setdefault(weekday, []).append((opens, closes))
    return BusinessCalendar(
        time_zone=ZoneInfo(team.time_zone),
        weekly={weekday: tuple(intervals) for weekday, intervals in weekly.items()},
        closed_dates=ClosedDates(
            country=team.holiday_country,
            subdivision=team.holiday_subdivision or None,
            extra=closed,
        ),
        # Whole seconds: a Decimal such as 7.5 hours is exact in seconds.
        business_day=timedelta(seconds=int(team.business_day_hours * 3600)),
        name=f"Team {team.code!r}",
    )


def team_day(*, team: Team, at: datetime | None = None) -> date:
    """Return the day ``at`` (default: now) falls on in the team's calendar (its time zone)."""
    return (at or timezone.now()).astimezone(ZoneInfo(team.time_zone)).date()
