"""The business calendar on its own, built in memory: no database, no holidays unless given."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from teams.calendar import BusinessCalendar, ClosedDates, check_intervals

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
OFFICE = ((time(9), time(17)),)
WEEKDAYS = dict.fromkeys(range(5), OFFICE)
EVERY_DAY = dict.fromkeys(range(7), OFFICE)


def office(zone: ZoneInfo = BERLIN, **kwargs) -> BusinessCalendar:
    return BusinessCalendar(time_zone=zone, weekly=kwargs.pop("weekly", WEEKDAYS), **kwargs)


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


class TestIsOpen:
    @pytest.mark.parametrize(
        ("moment", "expected"),
        [
            (berlin(2026, 6, 8, 8, 59, 59), False),
            (berlin(2026, 6, 8, 9, 0), True),
            (berlin(2026, 6, 8, 16, 59, 59, 999999), True),
            (berlin(2026, 6, 8, 17, 0), False),
            (berlin(2026, 6, 13, 12, 0), False),
            (datetime(2026, 6, 8, 7, 0, tzinfo=UTC), True),
            (datetime(2026, 6, 8, 6, 59, tzinfo=UTC), False),
        ],
    )
    def test_opening_time_is_in_and_closing_time_is_out(self, moment, expected):
        assert office().is_open(moment) is expected

    def test_a_closed_date_is_closed_all_day(self):
        calendar = office(closed_dates=frozenset({date(2026, 6, 8)}))

        assert not calendar.is_open(berlin(2026, 6, 8, 12, 0))


class TestNextOpening:
    def test_an_open_moment_is_its_own_next_opening(self):
        assert office().next_opening(berlin(2026, 6, 8, 12, 0)) == berlin(2026, 6, 8, 12, 0)

    def test_after_hours_on_friday_it_is_monday_morning(self):
        assert office().next_opening(berlin(2026, 6, 12, 17, 0)) == berlin(2026, 6, 15, 9, 0)

    def test_the_result_is_in_the_calendar_time_zone(self):
        result = office().next_opening(datetime(2026, 6, 8, 3, 0, tzinfo=UTC))

        assert result.tzinfo is BERLIN
        assert result.isoformat() == "2026-06-08T09:00:00+02:00"


class TestAdd:
    def test_zero_at_an_open_moment_is_that_moment(self):
        assert office().add(berlin(2026, 6, 8, 10, 0), timedelta(0)) == berlin(2026, 6, 8, 10)

    def test_zero_after_hours_is_the_next_opening(self):
        assert office().add(berlin(2026, 6, 8, 17, 0), timedelta(0)) == berlin(2026, 6, 9, 9)

    def test_a_duration_used_up_at_closing_ends_at_closing(self):
        assert office().add(berlin(2026, 6, 8, 14, 0), timedelta(hours=3)) == berlin(2026, 6, 8, 17)

    def test_one_microsecond_more_runs_into_the_next_day(self):
        result = office().add(berlin(2026, 6, 8, 14, 0), timedelta(hours=3, microseconds=1))

        assert result == berlin(2026, 6, 9, 9, 0, 0, 1)

    def test_a_long_closure_is_skipped(self):
        closed = frozenset(date(2026, 7, 1) + timedelta(days=n) for n in range(60))
        calendar = office(closed_dates=closed)

        result = calendar.add(berlin(2026, 6, 30, 16, 0), timedelta(hours=2))

        assert result == berlin(2026, 8, 31, 10, 0)

    def test_business_days_use_the_business_day_length(self):
        calendar = office(business_day=timedelta(hours=4))

        assert calendar.add_business_days(berlin(2026, 6, 8, 9, 0), 3) == berlin(2026, 6, 9, 13)

    @pytest.mark.parametrize("days", [-1, 1.5, True])
    def test_business_days_must_be_a_whole_non_negative_number(self, days):
        with pytest.raises((ValueError, TypeError), match="days must"):
            office().add_business_days(berlin(2026, 6, 8, 9, 0), days)

    def test_a_negative_duration_is_refused(self):
        with pytest.raises(ValueError, match="must not be negative"):
            office().add(berlin(2026, 6, 8, 9, 0), timedelta(hours=-1))


class TestDaylightSaving:
    def test_a_day_of_nine_to_five_is_eight_hours_on_the_spring_switch(self):
        calendar = office(weekly=EVERY_DAY)

        between = calendar.business_time_between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30, 0))

        assert between == timedelta(hours=8)

    def test_a_day_of_nine_to_five_is_eight_hours_on_the_autumn_switch(self):
        calendar = office(LOS_ANGELES, weekly=EVERY_DAY)
        sunday = datetime(2026, 11, 1, 9, 0, tzinfo=LOS_ANGELES)

        assert calendar.add(sunday, timedelta(hours=8)).isoformat() == "2026-11-01T17:00:00-08:00"

    def test_a_night_across_the_switch_adds_nothing(self):
        calendar = office(weekly=EVERY_DAY)

        result = calendar.add(berlin(2026, 3, 28, 16, 0), timedelta(hours=2))

        assert result.isoformat() == "2026-03-29T10:00:00+02:00"

    def test_hours_spanning_the_switch_count_real_time(self):
        # 00:00-06:00 on the night the clocks skip 02:00-03:00 is five hours of real time.
        calendar = office(weekly={6: ((time(0), time(6)),)})

        between = calendar.business_time_between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30))

        assert between == timedelta(hours=5)

    def test_hours_inside_the_skipped_hour_do_not_count_twice(self):
        calendar = office(weekly={6: ((time(2, 15), time(2, 45)), (time(3), time(4)))})

        between = calendar.business_time_between(berlin(2026, 3, 29, 0, 0), berlin(2026, 3, 30))

        assert between == timedelta(hours=1)


class TestBusinessTimeBetween:
    def test_a_working_week_is_forty_hours(self):
        between = office().business_time_between(berlin(2026, 6, 8), berlin(2026, 6, 15))

        assert between == timedelta(hours=40)

    def test_an_earlier_end_gives_a_negative_time(self):
        between = office().business_time_between(berlin(2026, 6, 8, 12), berlin(2026, 6, 8, 10))

        assert between == timedelta(hours=-2)

    def test_holidays_count_nothing(self):
        calendar = office(closed_dates=ClosedDates(country="DE", subdivision="HH"))

        between = calendar.business_time_between(berlin(2026, 12, 21), berlin(2026, 12, 28))

        # Christmas 2026 is Friday and Saturday: four working days are left.
        assert between == timedelta(hours=32)


class TestRefusals:
    @pytest.mark.parametrize(
        "call",
        [
            lambda c: c.is_open(datetime(2026, 6, 8, 10)),
            lambda c: c.next_opening(datetime(2026, 6, 8, 10)),
            lambda c: c.add(datetime(2026, 6, 8, 10), timedelta(hours=1)),
            lambda c: c.add_business_days(datetime(2026, 6, 8, 10), 1),
            lambda c: c.business_time_between(berlin(2026, 6, 8), datetime(2026, 6, 9)),
        ],
    )
    def test_naive_datetimes_are_refused(self, call):
        with pytest.raises(ValueError, match="must be timezone-aware"):
            call(office())

    def test_a_calendar_without_opening_hours_cannot_add(self):
        calendar = office(weekly={}, name="Team 'xx'")

        with pytest.raises(ValueError, match="Team 'xx' has no opening hours"):
            calendar.add(berlin(2026, 6, 8, 10), timedelta(hours=1))

    def test_a_calendar_without_opening_hours_is_never_open(self):
        calendar = office(weekly={1: ()})

        assert not calendar.is_open(berlin(2026, 6, 9, 10))
        assert calendar.business_time_between(berlin(2026, 6, 1), berlin(2026, 7, 1)) == timedelta()

    def test_a_calendar_closed_for_good_gives_up(self):
        class ClosedForever:
            def __contains__(self, day: object) -> bool:
                return True

        calendar = office(closed_dates=ClosedForever())

        with pytest.raises(ValueError, match="closed for more than"):
            calendar.add(berlin(2026, 6, 8, 10), timedelta(hours=1))

    def test_overlapping_intervals_are_refused(self):
        with pytest.raises(ValueError, match="12:00-14:00 overlaps the interval ending at 13:00"):
            check_intervals([(time(9), time(13)), (time(12), time(14))])

    def test_touching_intervals_are_fine(self):
        intervals = [(time(12), time(17)), (time(9), time(12))]

        assert check_intervals(intervals) == ((time(9), time(12)), (time(12), time(17)))

    def test_an_interval_closing_before_it_opens_is_refused(self):
        with pytest.raises(ValueError, match="is not after opening time"):
            office(weekly={0: ((time(17), time(9)),)})

    def test_a_weekday_out_of_range_is_refused(self):
        with pytest.raises(ValueError, match="weekday must be"):
            office(weekly={7: OFFICE})


def test_adding_is_fast_once_the_holiday_table_is_warm():
    calendar = office(closed_dates=ClosedDates(country="DE", subdivision="HH"))
    start = berlin(2026, 12, 23, 16, 0)
    calendar.add_business_days(start, 1)
    rounds = 1000

    began = clock.perf_counter()
    for _ in range(rounds):
        calendar.add(start, timedelta(hours=3))
        calendar.add_business_days(start, 1)
    per_call = (clock.perf_counter() - began) / (2 * rounds)

    assert per_call < 0.001
