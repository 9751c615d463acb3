"""Reads for the contact page: each team's weekly hours and when it next opens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from teams.models import Team, Weekday
from teams.selectors import team_calendar


@dataclass(frozen=True)
class DayHours:
    weekday: str
    intervals: tuple[str, ...]


@dataclass(frozen=True)
class TeamHours:
    name: str
    time_zone: str
    days: tuple[DayHours, ...]
    is_open: bool
    next_opening: datetime


def team_hours_list(*, at: datetime | None = None) -> list[TeamHours]:
    """Return every team's weekly hours (local times of its zone) and its next opening."""
    moment = at or timezone.now()
    teams = Team.objects.prefetch_related("opening_hours", "closures")
    result = []
    for team in teams:
        calendar = team_calendar(team=team)
        days = tuple(
            DayHours(
                weekday=str(Weekday(weekday).label),
                intervals=tuple(f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in intervals),
            )
            for weekday, intervals in sorted(calendar.weekly.items())
        )
        result.append(
            TeamHours(
                name=team.name,
                time_zone=team.time_zone,
                days=days,
                is_open=calendar.is_open(moment),
                next_opening=calendar.next_opening(moment),
            )
        )
    return result
