"""Business time in one team's calendar: opening hours, holidays and closures; no database.

Opening hours are wall-clock times of the team's time zone. Each day's intervals are turned
into instants with ``zoneinfo`` and all arithmetic happens in UTC, so a night across a
daylight-saving switch adds no business time and a day of 09:00-17:00 is always eight hours.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays

ZERO = timedelta(0)
ONE_DAY = timedelta(days=1)
# No real calendar is closed for ten years in a row; past that the data must be wrong, and an
# error beats a loop that never ends.
MAX_CLOSED_DAYS = 3660

Interval = tuple[time, time]


@lru_cache(maxsize=256)
def public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """Return the public holidays (observed days included) of a country in one year."""
    table = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return frozenset(table)


@dataclass(frozen=True)
class ClosedDates:
    """The days a team is closed: a country's public holidays plus days entered by hand."""

    country: str | None = None
    subdivision: str | None = None
    extra: frozenset[date] = field(default_factory=frozenset)

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        if day in self.extra:
            return True
        if not self.country:
            return False
        return day in public_holidays(self.country, self.subdivision, day.year)


def check_intervals(intervals: list[Interval] | tuple[Interval, ...]) -> tuple[Interval, ...]:
    """Return one day's intervals sorted; raise ``ValueError`` if one is empty or two overlap.

    Intervals that touch (12:00-13:00 and 13:00-17:00) are allowed.
    """
    ordered = tuple(sorted((opens, closes) for opens, closes in intervals))
    for opens, closes in ordered:
        if closes <= opens:
            raise ValueError(f"closing time {closes:%H:%M} is not after opening time {opens:%H:%M}")
    for (_opens, closes), (next_opens, next_closes) in pairwise(ordered):
        if next_opens < closes:
            raise ValueError(
                f"{next_opens:%H:%M}-{next_closes:%H:%M} overlaps the interval ending "
                f"at {closes:%H:%M}"
            )
    return ordered


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got the naive datetime {value!r}")


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours per weekday (0 = Monday) in ``time_zone``, minus ``closed_dates``.

    ``closed_dates`` is anything that answers ``day in closed_dates``: a ``frozenset`` of
    dates or a :class:`ClosedDates`. ``business_day`` is how much business time one
    business day is; it need not match any day's opening hours.
    """

    time_zone: ZoneInfo
    weekly: Mapping[int, tuple[Interval, ...]]
    closed_dates: Container[date] = field(default_factory=frozenset)
    business_day: timedelta = timedelta(hours=8)
    name: str = "calendar"

    def __post_init__(self) -> None:
        if not isinstance(self.time_zone, ZoneInfo):
            raise TypeError(f"time_zone must be a ZoneInfo, not {type(self.time_zone).__name__}")
        if self.business_day <= ZERO:
            raise ValueError(f"business_day must be positive, got {self.business_day}")
        weekly: dict[int, tuple[Interval, ...]] = {}
        for weekday, intervals in self.weekly.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday}")
            checked = check_intervals(intervals)
            if checked:
                weekly[weekday] = checked
        # Frozen: the normalised copy replaces the caller's mapping, which they might change.
        object.__setattr__(self, "weekly", weekly)

    # -- Questions about one moment -------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """Tell whether ``at`` lies within opening hours (opening time in, closing time out)."""
        _require_aware(at, "at")
        moment = at.astimezone(UTC)
        return any(
            begin <= moment < end for begin, end in self._intervals_on(self._local_day(moment))
        )

    def next_opening(self, at: datetime) -> datetime:
        """Return ``at`` if open, else the moment the team opens next."""
        _require_aware(at, "at")
        moment = at.astimezone(UTC)
        for begin, end in self._intervals_from(self._local_day(moment)):
            if end > moment:
                return max(begin, moment).astimezone(self.time_zone)
        raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover

    # -- Arithmetic ------------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the moment when ``duration`` of business time has passed since ``start``.

        Time counts only while open; a start outside opening hours counts from the next
        opening. A zero duration gives the next opening; a duration used up exactly at a
        closing time gives that closing time, not the next morning.
        """
        _require_aware(start, "start")
        if not isinstance(duration, timedelta):
            raise TypeError(f"duration must be a timedelta, not {type(duration).__name__}")
        if duration < ZERO:
            raise ValueError(f"duration must not be negative, got {duration}")
        if duration == ZERO:
            return self.next_opening(start)
        moment = start.astimezone(UTC)
        remaining = duration
        for begin, end in self._intervals_from(self._local_day(moment)):
            if end <= moment:
                continue
            counted_from = max(begin, moment)
            available = end - counted_from
            if remaining <= available:
                return (counted_from + remaining).astimezone(self.time_zone)
            remaining -= available
        raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """Return ``add(start, days * business_day)``."""
        if isinstance(days, bool) or not isinstance(days, int):
            raise TypeError(f"days must be an int, not {type(days).__name__}")
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        return self.add(start, days * self.business_day)

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the business time from ``start`` to ``end``; negative if ``end`` is earlier."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        low, high = start.astimezone(UTC), end.astimezone(UTC)
        if high < low:
            return -self.business_time_between(end, start)
        total = ZERO
        day, last = self._local_day(low), self._local_day(high)
        while day <= last:
            for begin, finish in self._intervals_on(day):
                overlap = min(finish, high) - max(begin, low)
                if overlap > ZERO:
                    total += overlap
            day += ONE_DAY
        return total

    # -- Days and intervals ------------------------------------------------------------------

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.time_zone).date()

    def _intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """Return the day's opening intervals as sorted, disjoint UTC instants; none if closed."""
        local = self.weekly.get(day.weekday())
        if not local or day in self.closed_dates:
            return []
        intervals: list[tuple[datetime, datetime]] = []
        for opens, closes in local:
            # A wall-clock time skipped by a spring-forward switch lands after it, which can
            # make intervals on that day overlap in real time; they are merged below.
            begin = datetime.combine(day, opens, tzinfo=self.time_zone).astimezone(UTC)
            end = datetime.combine(day, closes, tzinfo=self.time_zone).astimezone(UTC)
            if end > begin:
                intervals.append((begin, end))
        intervals.sort()
        merged = intervals[:1]
        for begin, end in intervals[1:]:
            last_begin, last_end = merged[-1]
            if begin <= last_end:
                merged[-1] = (last_begin, max(last_end, end))
            else:
                merged.append((begin, end))
        return merged

    def _intervals_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """Yield opening intervals in order, from ``day`` on, forever."""
        if not self.weekly:
            raise ValueError(f"{self.name} has no opening hours")
        closed_in_a_row = 0
        while True:
            intervals = self._intervals_on(day)
            if intervals:
                closed_in_a_row = 0
                yield from intervals
            else:
                closed_in_a_row += 1
                if closed_in_a_row > MAX_CLOSED_DAYS:
                    raise ValueError(f"{self.name} is closed for more than {MAX_CLOSED_DAYS} days")
            day += ONE_DAY
