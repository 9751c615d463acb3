"""Teams in the database: the default teams, reads, writes and the admin."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from portal.core.errors import ApplicationError
from teams.models import Closure, OpeningHours, Team
from teams.selectors import team_by_code, team_calendar, team_for_user
from teams.services import closure_add, opening_hours_set
from tests.factories import StaffFactory, UserFactory
from tests.teams.factories import ClosureFactory, OpeningHoursFactory, TeamFactory

pytestmark = pytest.mark.django_db

NINE_TO_FIVE = [(weekday, time(9), time(17)) for weekday in range(5)]


class TestDefaultTeams:
    @pytest.mark.parametrize(
        ("code", "time_zone", "country", "subdivision"),
        [
            ("us", "America/Los_Angeles", "US", "CA"),
            ("de", "Europe/Berlin", "DE", "HH"),
        ],
    )
    def test_the_migration_created_the_team(self, code, time_zone, country, subdivision):
        team = Team.objects.get(code=code)

        assert team.time_zone == time_zone
        assert (team.holiday_country, team.holiday_subdivision) == (country, subdivision)
        assert team.business_day_hours == Decimal(8)

    @pytest.mark.parametrize("code", ["us", "de"])
    def test_the_team_is_open_monday_to_friday_nine_to_five(self, code):
        hours = OpeningHours.objects.filter(team__code=code).order_by("weekday", "opens")

        assert list(hours.values_list("weekday", "opens", "closes")) == NINE_TO_FIVE

    def test_there_are_exactly_two_teams(self):
        assert sorted(Team.objects.values_list("code", flat=True)) == ["de", "us"]
        assert str(Team.objects.get(code="de")) == "Germany team"


class TestSelectors:
    def test_a_german_customer_is_served_by_the_german_team(self):
        customer = UserFactory(country="DE", language="de")

        assert team_for_user(user=customer).code == "de"

    def test_a_californian_customer_is_served_by_the_us_team(self):
        customer = UserFactory(country="US", language="en")

        assert team_for_user(user=customer).code == "us"

    def test_an_unknown_code_raises(self):
        with pytest.raises(Team.DoesNotExist):
            team_by_code(code="fr")

    def test_team_calendar_uses_at_most_two_queries(self, django_assert_max_num_queries):
        team = team_by_code(code="de")
        ClosureFactory(team=team, date=date(2026, 6, 15))
        opening_hours_set(team=team, weekday=5, intervals=[(time(10), time(12))])

        with django_assert_max_num_queries(2):
            calendar = team_calendar(team=team)

        assert calendar.weekly[5] == ((time(10), time(12)),)
        assert date(2026, 6, 15) in calendar.closed_dates
        assert date(2026, 10, 3) in calendar.closed_dates

    def test_team_calendar_of_prefetched_teams_needs_no_query(self, django_assert_num_queries):
        teams = list(Team.objects.prefetch_related("opening_hours", "closures"))

        with django_assert_num_queries(0):
            calendars = [team_calendar(team=team) for team in teams]

        assert [calendar.business_day for calendar in calendars] == [timedelta(hours=8)] * 2

    def test_fractional_business_day_hours_become_exact_time(self):
        team = TeamFactory(business_day_hours=Decimal("7.5"))
        OpeningHoursFactory(team=team)

        assert team_calendar(team=team).business_day == timedelta(hours=7, minutes=30)


class TestOpeningHoursSet:
    def test_it_replaces_the_weekday(self):
        team = team_by_code(code="us")

        opening_hours_set(
            team=team, weekday=0, intervals=[(time(13), time(17)), (time(8), time(12))]
        )

        rows = OpeningHours.objects.filter(team=team, weekday=0).order_by("opens")
        assert list(rows.values_list("opens", "closes")) == [
            (time(8), time(12)),
            (time(13), time(17)),
        ]
        assert OpeningHours.objects.filter(team=team, weekday=1).count() == 1

    def test_an_empty_list_closes_the_weekday(self):
        team = team_by_code(code="us")

        opening_hours_set(team=team, weekday=4, intervals=[])

        assert not OpeningHours.objects.filter(team=team, weekday=4).exists()

    def test_overlapping_intervals_are_refused_with_a_clear_message(self):
        team = team_by_code(code="de")

        with pytest.raises(ApplicationError) as caught:
            opening_hours_set(
                team=team, weekday=0, intervals=[(time(9), time(13)), (time(12), time(17))]
            )

        assert caught.value.message == "The opening hours 09:00-13:00 and 12:00-17:00 overlap."
        assert caught.value.code == "intervals_overlap"
        assert OpeningHours.objects.filter(team=team, weekday=0).count() == 1

    def test_closing_before_opening_is_refused(self):
        with pytest.raises(ApplicationError, match="closing time 09:00 is not after the opening"):
            opening_hours_set(
                team=team_by_code(code="de"), weekday=0, intervals=[(time(17), time(9))]
            )

    def test_a_weekday_out_of_range_is_refused(self):
        with pytest.raises(ApplicationError, match="0 \\(Monday\\) to 6 \\(Sunday\\)"):
            opening_hours_set(team=team_by_code(code="de"), weekday=7, intervals=[])

    def test_the_database_refuses_closing_before_opening_too(self):
        team = team_by_code(code="de")

        with pytest.raises(IntegrityError), transaction.atomic():
            OpeningHours.objects.create(team=team, weekday=6, opens=time(17), closes=time(9))


class TestClosureAdd:
    def test_it_closes_the_day(self):
        team = team_by_code(code="us")

        closure = closure_add(team=team, date=date(2026, 12, 24), reason=" Christmas Eve ")

        assert closure.reason == "Christmas Eve"
        assert date(2026, 12, 24) in team_calendar(team=team).closed_dates

    def test_the_same_day_twice_is_refused(self):
        team = team_by_code(code="us")
        closure_add(team=team, date=date(2026, 12, 24), reason="Christmas Eve")

        with pytest.raises(ApplicationError, match="already closed on 2026-12-24"):
            closure_add(team=team, date=date(2026, 12, 24), reason="Again")

        assert Closure.objects.filter(team=team).count() == 1

    def test_a_reason_is_required(self):
        with pytest.raises(ApplicationError, match="reason"):
            closure_add(team=team_by_code(code="us"), date=date(2026, 12, 24), reason="  ")


class TestTeamValidation:
    def test_an_unknown_time_zone_is_refused(self):
        team = TeamFactory.build(time_zone="Europe/Hamburg")

        with pytest.raises(ValidationError) as caught:
            team.full_clean()

        assert "time_zone" in caught.value.message_dict

    def test_an_unknown_subdivision_is_refused(self):
        team = TeamFactory.build(holiday_country="de", holiday_subdivision="xx")

        with pytest.raises(ValidationError) as caught:
            team.full_clean()

        assert "holiday_subdivision" in caught.value.message_dict

    def test_codes_are_upper_cased(self):
        team = TeamFactory.build(holiday_country="us", holiday_subdivision="ca", time_zone="UTC")

        team.full_clean()

        assert (team.holiday_country, team.holiday_subdivision) == ("US", "CA")


class TestAdmin:
    @pytest.fixture
    def staff_client(self, client):
        client.force_login(StaffFactory(is_superuser=True))
        return client

    def test_the_team_list_shows_both_teams(self, staff_client):
        response = staff_client.get(reverse("admin:teams_team_changelist"))

        assert response.status_code == 200
        assert b"America/Los_Angeles" in response.content
        assert b"Europe/Berlin" in response.content

    def test_the_team_page_shows_hours_and_closures(self, staff_client):
        team = team_by_code(code="de")
        ClosureFactory(team=team, reason="Sommerfest")

        response = staff_client.get(reverse("admin:teams_team_change", args=[team.pk]))

        assert response.status_code == 200
        assert b"Sommerfest" in response.content
        assert b"opening_hours-TOTAL_FORMS" in response.content

    def test_the_closure_list_filters_by_team(self, staff_client):
        ClosureFactory(team=team_by_code(code="de"), reason="Sommerfest")
        ClosureFactory(team=team_by_code(code="us"), reason="Picnic")

        response = staff_client.get(
            reverse("admin:teams_closure_changelist"),
            {"team__id__exact": team_by_code(code="us").pk},
        )

        assert response.status_code == 200
        assert b"Picnic" in response.content
        assert b"Sommerfest" not in response.content

    def test_overlapping_hours_are_refused_in_the_admin(self, staff_client):
        team = TeamFactory(time_zone="UTC", holiday_country="DE", holiday_subdivision="")
        data = {
            "code": team.code,
            "name": team.name,
            "time_zone": "UTC",
            "holiday_country": "DE",
            "holiday_subdivision": "",
            "business_day_hours": "8",
            "opening_hours-TOTAL_FORMS": "2",
            "opening_hours-INITIAL_FORMS": "0",
            "opening_hours-0-weekday": "0",
            "opening_hours-0-opens": "09:00",
            "opening_hours-0-closes": "13:00",
            "opening_hours-1-weekday": "0",
            "opening_hours-1-opens": "12:00",
            "opening_hours-1-closes": "17:00",
            "closures-TOTAL_FORMS": "0",
            "closures-INITIAL_FORMS": "0",
        }

        response = staff_client.post(reverse("admin:teams_team_change", args=[team.pk]), data)

        assert response.status_code == 200
        assert b"09:00-13:00 and 12:00-17:00 overlap" in response.content
        assert not OpeningHours.objects.filter(team=team).exists()
