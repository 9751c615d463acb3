"""The survey report for each role: engineers and leads see their own team, administrators all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from portal.accounts import roles
from surveys import selectors
from teams.models import Team
from tests.factories import StaffFactory
from tests.surveys.factories import InvitationFactory, ResponseFactory
from tickets.models import EngineerProfile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

REPORT = "/admin/surveys/survey/report/"
US_COMMENT = "The US desk never called back."
DE_COMMENT = "Der Rückruf kam nie."


def member_of(group: str, team: str | None = None, *, profile: bool = True, **extra):
    user = StaffFactory(**extra)
    user.groups.add(Group.objects.get(name=group))
    if team and profile:
        EngineerProfile.objects.create(user=user, team=Team.objects.get(code=team))
    return user


@pytest.fixture
def both_teams(releases):
    """A low rating for each team, from an engineer of that team."""
    when = timezone.now() - timedelta(days=3)
    alice = StaffFactory(email="alice@novadesk.test", name="Alice Anders")
    bob = StaffFactory(email="bob@novadesk.test", name="Bob Berger")
    for engineer, code, comment in ((alice, "us", US_COMMENT), (bob, "de", DE_COMMENT)):
        ResponseFactory(
            invitation=InvitationFactory(
                engineer=engineer, team=Team.objects.get(code=code), sent_at=when
            ),
            rating=1,
            comment=comment,
        )
    return {"us": Team.objects.get(code="us"), "de": Team.objects.get(code="de")}


def report(client, user, **params) -> tuple[int, str]:
    client.force_login(user)
    response = client.get(REPORT, params)
    return response.status_code, response.content.decode()


class TestEngineers:
    def test_an_engineer_sees_their_own_teams_figures(self, client, both_teams):
        status, page = report(client, member_of(roles.SUPPORT_ENGINEER, "us"))

        assert status == 200
        assert "Alice Anders" in page and US_COMMENT in page
        assert "Bob Berger" not in page and DE_COMMENT not in page

    def test_choosing_another_team_still_shows_their_own(self, client, both_teams):
        engineer = member_of(roles.SUPPORT_ENGINEER, "de")

        status, page = report(client, engineer, team=both_teams["us"].pk)

        assert status == 200
        assert "Bob Berger" in page
        assert "Alice Anders" not in page and US_COMMENT not in page

    def test_an_engineer_without_a_profile_sees_their_support_team(self, client, both_teams):
        engineer = member_of(
            roles.SUPPORT_ENGINEER, "de", profile=False, support_team_override="de"
        )

        _status, page = report(client, engineer)

        assert "Bob Berger" in page and "Alice Anders" not in page

    def test_an_engineer_without_a_team_is_told_so(self, client, both_teams):
        status, page = report(client, member_of(roles.SUPPORT_ENGINEER))

        assert status == 200
        assert "not assigned to a support team" in page
        assert US_COMMENT not in page and DE_COMMENT not in page

    def test_the_report_does_not_lead_an_engineer_to_the_survey_list(self, client, both_teams):
        engineer = member_of(roles.SUPPORT_ENGINEER, "us")

        _status, page = report(client, engineer)

        assert f'href="{reverse("admin:surveys_survey_changelist")}"' not in page
        assert client.get(reverse("admin:surveys_survey_changelist")).status_code == 403
        assert client.get(reverse("admin:surveys_survey_report_css")).status_code == 200

    def test_an_engineer_still_reads_no_single_answers(self, client, both_teams):
        client.force_login(member_of(roles.SUPPORT_ENGINEER, "us"))

        assert client.get(reverse("admin:surveys_response_changelist")).status_code == 403


class TestLeads:
    def test_a_lead_sees_their_own_teams_figures(self, client, both_teams):
        status, page = report(client, member_of(roles.SUPPORT_LEAD, "de"))

        assert status == 200
        assert "Bob Berger" in page and DE_COMMENT in page
        assert "Alice Anders" not in page and US_COMMENT not in page

    def test_a_lead_is_led_from_the_report_to_the_survey_list(self, client, both_teams):
        _status, page = report(client, member_of(roles.SUPPORT_LEAD, "de"))

        assert f'href="{reverse("admin:surveys_survey_changelist")}"' in page


class TestEveryTeam:
    def test_a_superuser_sees_every_team(self, client, both_teams):
        status, page = report(client, StaffFactory(is_superuser=True))

        assert status == 200
        assert "Alice Anders" in page and "Bob Berger" in page

    def test_a_superuser_who_leads_a_team_still_sees_every_team(self, client, both_teams):
        admin = member_of(roles.SUPPORT_LEAD, "de", is_superuser=True)

        _status, page = report(client, admin)

        assert "Alice Anders" in page and "Bob Berger" in page

    def test_the_product_team_sees_every_team(self, client, both_teams):
        _status, page = report(client, member_of(roles.PRODUCT_TEAM))

        assert "Alice Anders" in page and "Bob Berger" in page


class TestRefused:
    @pytest.mark.parametrize("group", [roles.SALES, None])
    def test_staff_who_neither_read_answers_nor_answer_tickets_are_refused(
        self, client, both_teams, group
    ):
        user = member_of(group) if group else StaffFactory()

        status, page = report(client, user)

        assert status == 403
        assert US_COMMENT not in page and DE_COMMENT not in page

    def test_an_inactive_engineer_may_not_open_it(self, both_teams):
        engineer = member_of(roles.SUPPORT_ENGINEER, "us", is_active=False)

        assert selectors.report_may_open(user=engineer) is False


class TestTeamNames:
    def test_the_report_names_the_teams_in_german(self, client, both_teams):
        user = StaffFactory(is_superuser=True, language="de")

        _status, page = report(client, user)

        assert "Team in Deutschland" in page and "Team in den USA" in page
        assert "Germany team" not in page
