"""Who opens the survey report, and which teams' rows they see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from portal.accounts import roles
from teams.models import Team
from tests.factories import StaffFactory
from tests.surveys.factories import InvitationFactory, ResponseFactory
from tickets.models import EngineerProfile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

REPORT = "/admin/surveys/survey/report/"
RESPONSES = "/admin/surveys/response/"
US_COMMENT = "The US desk never called back."
DE_COMMENT = "Der Rückruf kam nie."


def staff_in(group: str, **extra):
    user = StaffFactory(**extra)
    user.groups.add(Group.objects.get(name=group))
    return user


def lead_of(team: str | None, *, profile: bool = True, **extra):
    lead = staff_in(roles.SUPPORT_LEAD, **extra)
    if team and profile:
        EngineerProfile.objects.create(user=lead, team=Team.objects.get(code=team))
    return lead


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


class TestSupportLeads:
    def test_a_support_lead_opens_the_report_of_their_own_team(self, client, both_teams):
        client.force_login(lead_of("de"))

        response = client.get(REPORT)

        assert response.status_code == 200
        page = response.content.decode()
        assert "Bob Berger" in page
        assert DE_COMMENT in page
        assert "Alice Anders" not in page
        assert US_COMMENT not in page
        assert response.context["totals"].invited == 1

    def test_choosing_another_team_in_the_filter_still_shows_only_their_own(
        self, client, both_teams
    ):
        client.force_login(lead_of("de"))

        response = client.get(REPORT, {"team": both_teams["us"].pk})

        page = response.content.decode()
        assert response.status_code == 200
        assert "Alice Anders" not in page
        assert US_COMMENT not in page
        assert "Bob Berger" in page

    def test_a_lead_without_an_engineer_profile_leads_their_support_team(self, client, both_teams):
        client.force_login(lead_of("us", profile=False, support_team_override="us"))

        page = client.get(REPORT).content.decode()

        assert "Alice Anders" in page
        assert "Bob Berger" not in page

    def test_a_lead_without_a_team_is_told_so_instead_of_refused(self, client, both_teams):
        client.force_login(lead_of(None))

        response = client.get(REPORT)

        assert response.status_code == 200
        page = response.content.decode()
        assert "not assigned to a support team" in page
        assert "Alice Anders" not in page and "Bob Berger" not in page
        assert US_COMMENT not in page and DE_COMMENT not in page

    def test_the_survey_list_links_a_lead_to_the_report(self, client, both_teams):
        client.force_login(lead_of("de"))

        page = client.get(reverse("admin:surveys_survey_changelist"))

        assert page.status_code == 200
        assert f'href="{REPORT}"' in page.content.decode()

    def test_the_responses_list_shows_a_lead_only_their_teams_answers(self, client, both_teams):
        client.force_login(lead_of("de"))

        response = client.get(RESPONSES)

        assert response.status_code == 200
        assert [r.comment for r in response.context["cl"].result_list] == [DE_COMMENT]


class TestOtherRoles:
    def test_an_engineer_sees_their_teams_figures_but_no_single_answers(self, client, both_teams):
        engineer = staff_in(roles.SUPPORT_ENGINEER)
        EngineerProfile.objects.create(user=engineer, team=both_teams["us"])
        client.force_login(engineer)

        response = client.get(REPORT)

        page = response.content.decode()
        assert response.status_code == 200
        assert "Alice Anders" in page and US_COMMENT in page
        assert "Bob Berger" not in page and DE_COMMENT not in page
        assert client.get(RESPONSES).status_code == 403

    @pytest.mark.parametrize("who", ["product team", "superuser"])
    def test_the_product_team_and_superusers_see_every_team(self, client, both_teams, who):
        user = (
            staff_in(roles.PRODUCT_TEAM)
            if who == "product team"
            else StaffFactory(is_superuser=True)
        )
        client.force_login(user)

        response = client.get(REPORT)

        page = response.content.decode()
        assert response.status_code == 200
        assert "Alice Anders" in page and "Bob Berger" in page
        assert US_COMMENT in page and DE_COMMENT in page
        assert [len(client.get(RESPONSES).context["cl"].result_list)] == [2]

    def test_a_lead_in_the_product_team_sees_every_team(self, client, both_teams):
        lead = lead_of("de")
        lead.groups.add(Group.objects.get(name=roles.PRODUCT_TEAM))
        client.force_login(lead)

        page = client.get(REPORT).content.decode()

        assert "Alice Anders" in page and "Bob Berger" in page
