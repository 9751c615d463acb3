"""Writes of the teams app, and business-time arithmetic for other apps."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portal.core.errors import ApplicationError
from teams.calendar import Interval
from teams.models import Closure, OpeningHours, Team, Weekday
from teams.selectors import team_calendar


def add_business_time(
    *,
    team: Team,
    start: dt.datetime,
    duration: dt.timedelta | None = None,
    business_days: int | None = None,
) -> dt.datetime:
    """Return when ``duration`` or ``business_days`` of the team's business time has passed.

    Give exactly one of the two. One business day is ``team.business_day_hours`` of business
    time (8 by default), not "the same time on the next open day". ``start`` must be
    timezone-aware; the result is in the team's time zone.
    """
    if (duration is None) == (business_days is None):
        raise ValueError("Give exactly one of duration and business_days")
    calendar = team_calendar(team=team)
    if business_days is not None:
        return calendar.add_business_days(start, business_days)
    return calendar.add(start, duration)


def closure_add(*, team: Team, date: dt.date, reason: str) -> Closure:
    """Close the team for a whole day besides public holidays."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Give a reason for the closure."), code="reason_missing")
    try:
        with transaction.atomic():
            return Closure.objects.create(team=team, date=date, reason=reason)
    except IntegrityError as exc:
        raise ApplicationError(
            _("%(team)s is already closed on %(date)s.") % {"team": team, "date": date.isoformat()},
            code="closure_exists",
        ) from exc


def opening_hours_set(*, team: Team, weekday: int, intervals: list[Interval]) -> list[OpeningHours]:
    """Replace the team's opening hours on one weekday; an empty list closes that weekday."""
    if weekday not in Weekday.values:
        raise ApplicationError(
            _("The weekday must be 0 (Monday) to 6 (Sunday), not %(weekday)s.")
            % {"weekday": weekday},
            code="weekday_invalid",
        )
    ordered = opening_intervals_check(intervals=intervals)
    with transaction.atomic():
        # Lock the team so two editors of the same day do not interleave delete and insert.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        OpeningHours.objects.filter(team=team, weekday=weekday).delete()
        return OpeningHours.objects.bulk_create(
            OpeningHours(team=team, weekday=weekday, opens=opens, closes=closes)
            for opens, closes in ordered
        )


def opening_intervals_check(*, intervals: list[Interval]) -> list[Interval]:
    """Return one day's intervals sorted; refuse an empty interval or two that overlap.

    Intervals that only touch (09:00-12:00 and 12:00-17:00) are allowed.
    """
    ordered = sorted(intervals)
    for opens, closes in ordered:
        if closes <= opens:
            raise ApplicationError(
                _("The closing time %(closes)s is not after the opening time %(opens)s.")
                % {"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"},
                code="interval_empty",
            )
    for (opens, closes), (next_opens, next_closes) in pairwise(ordered):
        if next_opens < closes:
            raise ApplicationError(
                _("The opening hours %(first)s and %(second)s overlap.")
                % {
                    "first": f"{opens:%H:%M}-{closes:%H:%M}",
                    "second": f"{next_opens:%H:%M}-{next_closes:%H:%M}",
                },
                code="intervals_overlap",
            )
    return ordered
