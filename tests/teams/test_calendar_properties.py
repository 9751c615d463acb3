"""Properties of business-time arithmetic, for random starts, durations and opening hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from teams.calendar import BusinessCalendar, ClosedDates

OFFICE = ((time(9), time(17)),)
TEAM_CALENDARS = [
    BusinessCalendar(
        time_zone=ZoneInfo("America/Los_Angeles"),
        weekly=dict.fromkeys(range(5), OFFICE),
        closed_dates=ClosedDates(country="US", subdivision="CA"),
        name="us",
    ),
    BusinessCalendar(
        time_zone=ZoneInfo("Europe/Berlin"),
        weekly=dict.fromkeys(range(5), OFFICE),
        closed_dates=ClosedDates(
            country="DE", subdivision="HH", extra=frozenset({date(2027, 6, 7)})
        ),
        name="de",
    ),
]
ZONES = [
    ZoneInfo("America/Los_Angeles"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("Australia/Lord_Howe"),
]
TEAM_CALENDAR_CHOICE = st.sampled_from(TEAM_CALENDARS)
ONE_MICROSECOND = timedelta(microseconds=1)
# Hypothesis' deadline would count the first load of a year's holidays against an example.
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None)

durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=100))
positive_durations = st.timedeltas(min_value=ONE_MICROSECOND, max_value=timedelta(hours=100))


@st.composite
def calendar_and_start(draw, calendars=TEAM_CALENDAR_CHOICE):
    """A calendar and an aware start in 2025-2028, in its own zone or in another one."""
    calendar = draw(calendars)
    zone = draw(st.sampled_from([calendar.time_zone, UTC, ZoneInfo("Asia/Tokyo")]))
    naive = draw(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31)))
    return calendar, naive.replace(tzinfo=zone)


@st.composite
def random_calendars(draw):
    """Up to three intervals a weekday on a quarter-hour grid, DST hours included."""
    weekly = {}
    for weekday in range(7):
        marks = draw(st.lists(st.integers(0, 95), min_size=0, max_size=6, unique=True))
        marks.sort()
        intervals = [
            (time(*divmod(a * 15, 60)), time(*divmod(b * 15, 60)))
            for a, b in zip(marks[::2], marks[1::2], strict=False)
        ]
        if intervals:
            weekly[weekday] = tuple(intervals)
    if not weekly:
        weekly[draw(st.integers(0, 6))] = ((time(2), time(3, 30)),)
    closed = draw(st.frozensets(st.dates(date(2025, 1, 1), date(2028, 12, 31)), max_size=30))
    return BusinessCalendar(
        time_zone=draw(st.sampled_from(ZONES)), weekly=weekly, closed_dates=closed
    )


def utc(moment: datetime) -> datetime:
    # Aware datetimes sharing a tzinfo compare by wall clock; UTC compares instants.
    return moment.astimezone(UTC)


class TestTeamCalendars:
    @PROPERTY_SETTINGS
    @given(case=calendar_and_start(), duration=durations)
    def test_the_result_is_never_before_the_start(self, case, duration):
        calendar, start = case

        result = calendar.add(start, duration)

        assert utc(result) >= utc(start)
        assert result.tzinfo is calendar.time_zone

    @PROPERTY_SETTINGS
    @given(case=calendar_and_start(), duration=positive_durations)
    def test_the_result_is_in_opening_hours_or_at_closing(self, case, duration):
        calendar, start = case

        result = calendar.add(start, duration)

        assert calendar.is_open(result - ONE_MICROSECOND)

    @PROPERTY_SETTINGS
    @given(case=calendar_and_start(), first=durations, second=positive_durations)
    def test_adding_twice_is_adding_the_sum(self, case, first, second):
        calendar, start = case

        stepwise = calendar.add(calendar.add(start, first), second)

        assert utc(stepwise) == utc(calendar.add(start, first + second))

    @PROPERTY_SETTINGS
    @given(case=calendar_and_start(), duration=durations)
    def test_business_time_between_undoes_add(self, case, duration):
        calendar, start = case

        end = calendar.add(start, duration)

        assert calendar.business_time_between(start, end) == duration

    @PROPERTY_SETTINGS
    @given(case=calendar_and_start(), days=st.integers(0, 12))
    def test_business_days_are_whole_business_days_of_time(self, case, days):
        calendar, start = case

        end = calendar.add_business_days(start, days)

        assert calendar.business_time_between(start, end) == days * timedelta(hours=8)


class TestRandomCalendars:
    @PROPERTY_SETTINGS
    @given(
        case=calendar_and_start(calendars=random_calendars()),
        first=durations,
        second=positive_durations,
    )
    def test_arithmetic_holds_for_any_opening_hours(self, case, first, second):
        calendar, start = case

        middle = calendar.add(start, first)
        end = calendar.add(middle, second)

        assert utc(start) <= utc(middle) < utc(end)
        assert calendar.is_open(end - ONE_MICROSECOND)
        assert utc(end) == utc(calendar.add(start, first + second))
        assert calendar.business_time_between(start, end) == first + second
