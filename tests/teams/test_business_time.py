"""Service targets in the two teams' real calendars: hours, weekends, holidays, DST."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from teams.calendar import public_holidays
from teams.selectors import team_by_code, team_calendar
from teams.services import add_business_time, closure_add, opening_hours_set

pytestmark = pytest.mark.django_db

ZONES = {"us": ZoneInfo("America/Los_Angeles"), "de": ZoneInfo("Europe/Berlin")}
THREE_HOURS = timedelta(hours=3)


def local(team_code: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZONES[team_code])


def case(team_code: str, label: str, start: tuple, expected: str, *, hours=None, days=None):
    duration = None if hours is None else timedelta(hours=hours)
    return pytest.param(team_code, start, duration, days, expected, id=f"{team_code}: {label}")


def both(label: str, start: tuple, expected: tuple[str, str], **target):
    """The same wall-clock case for both teams; ``expected`` is (us, de) in ISO form."""
    return [
        case("us", label, start, expected[0], **target),
        case("de", label, start, expected[1], **target),
    ]


COMMON = [
    *both(
        "Monday 10:00 + 3h",
        (2026, 6, 8, 10, 0),
        ("2026-06-08T13:00:00-07:00", "2026-06-08T13:00:00+02:00"),
        hours=3,
    ),
    *both(
        "Friday 15:30 + 3h",
        (2026, 6, 12, 15, 30),
        ("2026-06-15T10:30:00-07:00", "2026-06-15T10:30:00+02:00"),
        hours=3,
    ),
    *both(
        "Tuesday 20:00 + 1 business day",
        (2026, 6, 9, 20, 0),
        ("2026-06-10T17:00:00-07:00", "2026-06-10T17:00:00+02:00"),
        days=1,
    ),
    *both(
        "Monday 09:00 + 1 business day ends at closing, not the next morning",
        (2026, 6, 8, 9, 0),
        ("2026-06-08T17:00:00-07:00", "2026-06-08T17:00:00+02:00"),
        days=1,
    ),
    *both(
        "Monday 10:00 + 2 business days",
        (2026, 6, 8, 10, 0),
        ("2026-06-10T10:00:00-07:00", "2026-06-10T10:00:00+02:00"),
        days=2,
    ),
    *both(
        "Monday 17:00 + nothing is the next opening",
        (2026, 6, 8, 17, 0),
        ("2026-06-09T09:00:00-07:00", "2026-06-09T09:00:00+02:00"),
        hours=0,
    ),
    *both(
        "Monday 07:00 + 3h counts from opening",
        (2026, 6, 8, 7, 0),
        ("2026-06-08T12:00:00-07:00", "2026-06-08T12:00:00+02:00"),
        hours=3,
    ),
    *both(
        "Saturday 11:00 + 3h",
        (2026, 6, 13, 11, 0),
        ("2026-06-15T12:00:00-07:00", "2026-06-15T12:00:00+02:00"),
        hours=3,
    ),
    *both(
        "Saturday 11:00 + 1 business day",
        (2026, 6, 13, 11, 0),
        ("2026-06-15T17:00:00-07:00", "2026-06-15T17:00:00+02:00"),
        days=1,
    ),
    *both(
        "Memorial Day and Whit Monday fall on 2026-05-25",
        (2026, 5, 22, 15, 30),
        ("2026-05-26T10:30:00-07:00", "2026-05-26T10:30:00+02:00"),
        hours=3,
    ),
    *both(
        "New Year's Day 2027 is a Friday",
        (2026, 12, 31, 16, 0),
        ("2027-01-04T11:00:00-08:00", "2027-01-04T11:00:00+01:00"),
        hours=3,
    ),
]

US_HOLIDAYS = [
    case(
        "us",
        "Thanksgiving and the day after (a California holiday)",
        (2026, 11, 25, 15, 0),
        "2026-11-30T10:00:00-08:00",
        hours=3,
    ),
    case(
        "us",
        "Wednesday 20:00 before Thanksgiving + 1 business day",
        (2026, 11, 25, 20, 0),
        "2026-11-30T17:00:00-08:00",
        days=1,
    ),
    case(
        "us",
        "Independence Day observed on Friday 2026-07-03",
        (2026, 7, 2, 16, 0),
        "2026-07-06T11:00:00-07:00",
        hours=3,
    ),
    case(
        "us",
        "Christmas Day 2026 is a Friday",
        (2026, 12, 24, 16, 0),
        "2026-12-28T11:00:00-08:00",
        hours=3,
    ),
    case(
        "us",
        "Christmas 2025 closes Thursday only; the 26th is open",
        (2025, 12, 24, 16, 0),
        "2025-12-26T11:00:00-08:00",
        hours=3,
    ),
    case(
        "us",
        "New Year's Day 2028 (a Saturday) is observed on Friday 2027-12-31",
        (2027, 12, 30, 16, 0),
        "2028-01-03T11:00:00-08:00",
        hours=3,
    ),
    case(
        "de",
        "the German team works on US Thanksgiving",
        (2026, 11, 25, 15, 0),
        "2026-11-26T10:00:00+01:00",
        hours=3,
    ),
]

GERMAN_HOLIDAYS = [
    case(
        "de",
        "Karfreitag and Ostermontag 2026",
        (2026, 4, 2, 16, 0),
        "2026-04-07T11:00:00+02:00",
        hours=3,
    ),
    case(
        "de",
        "1. Mai 2026 is a Friday",
        (2026, 4, 30, 16, 0),
        "2026-05-04T11:00:00+02:00",
        hours=3,
    ),
    case(
        "de",
        "Tag der Deutschen Einheit 2025 is a Friday",
        (2025, 10, 2, 16, 0),
        "2025-10-06T11:00:00+02:00",
        hours=3,
    ),
    case(
        "de",
        "Tag der Deutschen Einheit 2026 is a Saturday and moves nowhere",
        (2026, 10, 2, 16, 0),
        "2026-10-05T11:00:00+02:00",
        hours=3,
    ),
    case(
        "de",
        "Reformationstag 2025 in Hamburg is a Friday",
        (2025, 10, 30, 16, 0),
        "2025-11-03T11:00:00+01:00",
        hours=3,
    ),
    case(
        "de",
        "Weihnachten 2025: 25th and 26th; the 24th is open",
        (2025, 12, 24, 16, 0),
        "2025-12-29T11:00:00+01:00",
        hours=3,
    ),
    case(
        "us",
        "the US team works on Reformationstag",
        (2025, 10, 30, 16, 0),
        "2025-10-31T11:00:00-07:00",
        hours=3,
    ),
]

DST_SWITCHES = [
    case(
        "us",
        "spring forward on Sunday 2026-03-08",
        (2026, 3, 6, 16, 0),
        "2026-03-09T11:00:00-07:00",
        hours=3,
    ),
    case(
        "us",
        "fall back on Sunday 2026-11-01",
        (2026, 10, 30, 16, 0),
        "2026-11-02T11:00:00-08:00",
        hours=3,
    ),
    case(
        "de",
        "Sommerzeit from Sunday 2026-03-29",
        (2026, 3, 27, 16, 0),
        "2026-03-30T11:00:00+02:00",
        hours=3,
    ),
    case(
        "de",
        "Winterzeit from Sunday 2026-10-25",
        (2026, 10, 23, 16, 0),
        "2026-10-26T11:00:00+01:00",
        hours=3,
    ),
    case(
        "us",
        "1 business day from Friday 20:00 over the spring switch",
        (2026, 3, 6, 20, 0),
        "2026-03-09T17:00:00-07:00",
        days=1,
    ),
    case(
        "de",
        "1 business day from Friday 20:00 over the autumn switch",
        (2026, 10, 23, 20, 0),
        "2026-10-26T17:00:00+01:00",
        days=1,
    ),
    case(
        "de",
        "the EU switch is not the US one: the week after 2026-03-08 in Berlin",
        (2026, 3, 6, 16, 0),
        "2026-03-09T11:00:00+01:00",
        hours=3,
    ),
]


@pytest.mark.parametrize(
    ("team_code", "start", "duration", "business_days", "expected"),
    [*COMMON, *US_HOLIDAYS, *GERMAN_HOLIDAYS, *DST_SWITCHES],
)
def test_add_business_time_in_the_team_calendar(
    team_code, start, duration, business_days, expected
):
    team = team_by_code(code=team_code)
    submitted = local(team_code, *start)

    result = add_business_time(
        team=team, start=submitted, duration=duration, business_days=business_days
    )

    assert result.isoformat() == expected
    assert result.tzinfo == ZONES[team_code]


@pytest.mark.parametrize(
    ("team_code", "start", "end"),
    [
        ("us", (2026, 3, 6, 16, 0), (2026, 3, 9, 11, 0)),
        ("us", (2026, 10, 30, 16, 0), (2026, 11, 2, 11, 0)),
        ("de", (2026, 3, 27, 16, 0), (2026, 3, 30, 11, 0)),
        ("de", (2026, 10, 23, 16, 0), (2026, 10, 26, 11, 0)),
    ],
)
def test_a_weekend_with_a_dst_switch_adds_no_business_time(team_code, start, end):
    calendar = team_calendar(team=team_by_code(code=team_code))

    between = calendar.business_time_between(local(team_code, *start), local(team_code, *end))

    assert between == THREE_HOURS


def test_a_start_in_another_time_zone_is_read_as_that_instant():
    team = team_by_code(code="de")
    # 08:00 in Los Angeles is 17:00 in Berlin: the German team has just closed.
    submitted = local("us", 2026, 6, 8, 8, 0)

    result = add_business_time(team=team, start=submitted, duration=THREE_HOURS)

    assert result.isoformat() == "2026-06-09T12:00:00+02:00"


def test_the_holidays_package_knows_the_days_the_table_relies_on():
    us, de = public_holidays("US", "CA", 2026), public_holidays("DE", "HH", 2026)

    assert {date(2026, 7, 3), date(2026, 11, 26), date(2026, 11, 27), date(2026, 12, 25)} <= us
    assert date(2027, 12, 31) in public_holidays("US", "CA", 2027)
    assert {date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 12, 26)} <= de
    assert date(2025, 10, 31) in public_holidays("DE", "HH", 2025)
    assert date(2025, 10, 31) not in public_holidays("DE", "NW", 2025)
    assert date(2025, 12, 24) not in public_holidays("DE", "HH", 2025)


def test_an_admin_closure_day_is_skipped():
    team = team_by_code(code="de")
    closure_add(team=team, date=date(2026, 6, 15), reason="Team offsite")

    result = add_business_time(
        team=team, start=local("de", 2026, 6, 12, 15, 30), duration=THREE_HOURS
    )

    assert result.isoformat() == "2026-06-16T10:30:00+02:00"


def test_a_closure_of_one_team_leaves_the_other_open():
    closure_add(team=team_by_code(code="de"), date=date(2026, 6, 15), reason="Team offsite")

    result = add_business_time(
        team=team_by_code(code="us"), start=local("us", 2026, 6, 12, 15, 30), duration=THREE_HOURS
    )

    assert result.isoformat() == "2026-06-15T10:30:00-07:00"


class TestLunchBreak:
    @pytest.fixture
    def team(self):
        team = team_by_code(code="us")
        opening_hours_set(
            team=team, weekday=0, intervals=[(time(9), time(12)), (time(13), time(17))]
        )
        return team

    def test_business_time_pauses_over_lunch(self, team):
        result = add_business_time(
            team=team, start=local("us", 2026, 6, 8, 11, 0), duration=THREE_HOURS
        )

        assert result.isoformat() == "2026-06-08T15:00:00-07:00"

    def test_a_target_used_up_at_the_break_ends_there(self, team):
        result = add_business_time(
            team=team, start=local("us", 2026, 6, 8, 10, 0), duration=timedelta(hours=2)
        )

        assert result.isoformat() == "2026-06-08T12:00:00-07:00"

    def test_a_start_during_lunch_counts_from_the_afternoon(self, team):
        result = add_business_time(
            team=team, start=local("us", 2026, 6, 8, 12, 30), duration=timedelta(0)
        )

        assert result.isoformat() == "2026-06-08T13:00:00-07:00"

    def test_a_monday_with_a_break_is_seven_hours(self, team):
        calendar = team_calendar(team=team)

        between = calendar.business_time_between(
            local("us", 2026, 6, 8, 0, 0), local("us", 2026, 6, 9, 0, 0)
        )

        assert between == timedelta(hours=7)
        assert calendar.add_business_days(local("us", 2026, 6, 8, 9, 0), 1).isoformat() == (
            "2026-06-09T10:00:00-07:00"
        )


class TestAddBusinessTimeArguments:
    def test_duration_and_business_days_together_are_refused(self):
        team = team_by_code(code="us")

        with pytest.raises(ValueError, match="exactly one"):
            add_business_time(
                team=team, start=local("us", 2026, 6, 8, 10), duration=THREE_HOURS, business_days=1
            )

    def test_neither_is_refused(self):
        with pytest.raises(ValueError, match="exactly one"):
            add_business_time(team=team_by_code(code="us"), start=local("us", 2026, 6, 8, 10))

    def test_a_naive_start_is_refused(self):
        with pytest.raises(ValueError, match="timezone-aware"):
            add_business_time(
                team=team_by_code(code="us"), start=datetime(2026, 6, 8, 10), business_days=1
            )

    def test_a_business_day_follows_the_team_setting(self):
        team = team_by_code(code="de")
        team.business_day_hours = 4

        result = add_business_time(team=team, start=local("de", 2026, 6, 8, 9, 0), business_days=3)

        assert result.isoformat() == "2026-06-09T13:00:00+02:00"
