"""The survey report: averages and response rates per engineer, team, product, kind and month."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from entitlements.models import Product
from surveys import selectors
from surveys.models import Survey
from teams.models import Team
from tests.factories import StaffFactory, UserFactory
from tests.surveys.factories import InvitationFactory, ResponseFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

REPORT = "/admin/surveys/survey/report/"
SINCE = datetime(2026, 1, 1, tzinfo=UTC)
UNTIL = datetime(2026, 12, 1, tzinfo=UTC)


def on(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=UTC)


@pytest.fixture
def ratings(releases):
    """Alice (US team) rated 5, 4 and 3 with one unanswered; Bob (DE team) 2 and 1, one unanswered.

    October: Alice 5 and one unanswered, Bob 2. November: Alice 4 and 3, Bob 1 and one unanswered.
    """
    alice = StaffFactory(email="alice@novadesk.test", name="Alice Anders")
    bob = StaffFactory(email="bob@novadesk.test", name="Bob Berger")
    us, de = Team.objects.get(code="us"), Team.objects.get(code="de")
    professional = Product.objects.get(code="professional")
    server = Product.objects.get(code="server")

    def invite(engineer, team, when, rating=None, comment="", product=professional, kind="premium"):
        invitation = InvitationFactory(
            engineer=engineer, team=team, product=product, support_kind=kind, sent_at=when
        )
        if rating is not None:
            ResponseFactory(invitation=invitation, rating=rating, comment=comment)
        return invitation

    invite(alice, us, on(10, 5), 5)
    invite(alice, us, on(10, 20))
    invite(alice, us, on(11, 2), 4, product=server)
    invite(alice, us, on(11, 10), 3, kind="per-incident")
    invite(bob, de, on(10, 21), 2, "Nobody called back.")
    invite(bob, de, on(11, 12), 1, "Still broken, and closed without asking me.")
    invite(bob, de, on(11, 20))
    return {"alice": alice, "bob": bob, "us": us, "de": de}


def rows(grouping: str, **scope) -> dict[str, selectors.ReportRow]:
    survey = Survey.objects.get(code=Survey.SATISFACTION)
    return {
        row.label: row
        for row in selectors.report_rows(
            survey=survey, grouping=grouping, since=SINCE, until=UNTIL, **scope
        )
    }


class TestAggregates:
    def test_average_and_response_rate_per_engineer(self, ratings):
        by_engineer = rows("engineer")

        alice, bob = by_engineer["Alice Anders"], by_engineer["Bob Berger"]
        assert (alice.invited, alice.answered, alice.low) == (4, 3, 0)
        assert alice.average == pytest.approx(4.0)
        assert alice.response_rate == pytest.approx(75.0)
        assert (bob.invited, bob.answered, bob.low) == (3, 2, 2)
        assert bob.average == pytest.approx(1.5)
        assert bob.response_rate == pytest.approx(200 / 3)
        assert bob.is_low and not alice.is_low

    def test_per_team_product_and_support_kind(self, ratings):
        by_team = rows("team")
        assert by_team[ratings["us"].name].average == pytest.approx(4.0)
        assert by_team[ratings["de"].name].average == pytest.approx(1.5)

        by_product = rows("product")
        assert by_product["NovaBACKUP Server"].invited == 1
        assert by_product["NovaBACKUP Server"].average == pytest.approx(4.0)
        professional = next(r for label, r in by_product.items() if "Professional" in label)
        assert (professional.invited, professional.answered) == (6, 4)
        assert professional.average == pytest.approx((5 + 3 + 2 + 1) / 4)

        by_kind = rows("support_kind")
        assert by_kind["Per Incident Support"].average == pytest.approx(3.0)
        assert by_kind["Premium Support"].invited == 6

    def test_months_group_by_the_month_the_invitation_was_sent(self, ratings):
        by_month = rows("month")

        assert list(by_month) == ["2026-10", "2026-11"]
        october, november = by_month["2026-10"], by_month["2026-11"]
        assert (october.invited, october.answered) == (3, 2)
        assert october.average == pytest.approx(3.5)
        assert october.response_rate == pytest.approx(200 / 3)
        assert (november.invited, november.answered) == (4, 3)
        assert november.average == pytest.approx(8 / 3)
        assert november.response_rate == pytest.approx(75.0)

    def test_totals_and_the_team_filter(self, ratings):
        survey = Survey.objects.get(code=Survey.SATISFACTION)

        totals = selectors.report_totals(survey=survey, since=SINCE, until=UNTIL)
        de_only = rows("engineer", team_id=ratings["de"].pk)

        assert (totals.invited, totals.answered, totals.low) == (7, 5, 2)
        assert totals.average == pytest.approx(3.0)
        assert totals.response_rate == pytest.approx(500 / 7)
        assert list(de_only) == ["Bob Berger"]

    def test_the_period_limits_the_invitations(self, ratings):
        survey = Survey.objects.get(code=Survey.SATISFACTION)

        november = selectors.report_totals(survey=survey, since=on(11, 1), until=UNTIL)

        assert (november.invited, november.answered) == (4, 3)

    def test_low_ratings_are_flagged_newest_first_with_comment_engineer_and_team(self, ratings):
        survey = Survey.objects.get(code=Survey.SATISFACTION)

        low = list(selectors.low_ratings(survey=survey, since=SINCE, until=UNTIL))

        assert [r.rating for r in low] == [1, 2]
        assert low[0].comment == "Still broken, and closed without asking me."
        assert low[0].invitation.engineer == ratings["bob"]
        assert low[0].invitation.team == ratings["de"]
        assert all(r.is_low for r in low)


class TestReportPage:
    def test_staff_see_the_report_with_the_trend_chart_as_svg(
        self, staff_client, ratings, open_ticket
    ):
        invitation = (
            Survey.objects.get(code=Survey.SATISFACTION)
            .invitations.filter(response__rating=1)
            .get()
        )
        invitation.ticket = open_ticket
        invitation.save()

        response = staff_client.get(REPORT)

        assert response.status_code == 200
        page = response.content.decode()
        assert "<svg" in page
        assert 'id="chart-survey-trend"' in page
        assert "<script" not in page.split('id="chart-survey-trend"')[1].split("</svg>")[0]
        assert "<style" not in page
        assert "Alice Anders" in page
        assert "4.00" in page
        assert "75.0 %" in page
        assert "Still broken, and closed without asking me." in page
        assert open_ticket.ticket_id in page
        assert reverse("admin:surveys_survey_report_css") in page

    def test_the_chart_stylesheet_is_served_for_the_fixed_chart_id(self, staff_client, ratings):
        response = staff_client.get(reverse("admin:surveys_survey_report_css"))

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/css")
        assert "#chart-survey-trend" in response.content.decode()

    def test_the_report_filters_by_team_and_period(self, staff_client, ratings):
        response = staff_client.get(REPORT, {"team": ratings["us"].pk, "months": 3})

        page = response.content.decode()
        assert "Alice Anders" in page
        assert "Bob Berger" not in page

    def test_an_empty_period_renders_without_a_chart(self, staff_client, db):
        response = staff_client.get(REPORT)

        assert response.status_code == 200
        assert "No invitations in this period." in response.content.decode()

    def test_the_query_count_does_not_grow_with_the_data(self, staff_client, ratings):
        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert staff_client.get(REPORT).status_code == 200
            return len(captured)

        before = queries()
        for day in range(1, 11):
            ResponseFactory(
                invitation=InvitationFactory(sent_at=on(9, day), engineer=StaffFactory()),
                rating=1 + day % 5,
                comment=f"Comment {day}",
            )

        assert queries() == before

    def test_staff_with_only_the_view_response_permission_see_it(self, client, ratings):
        lead = StaffFactory(email="teamlead@novadesk.test")
        lead.user_permissions.add(
            Permission.objects.get(codename="view_response", content_type__app_label="surveys")
        )
        client.force_login(lead)

        assert client.get(REPORT).status_code == 200

    def test_staff_without_the_permission_are_refused(self, client, ratings):
        client.force_login(StaffFactory(email="trainee@novadesk.test"))

        assert client.get(REPORT).status_code == 403
        assert client.get(reverse("admin:surveys_survey_report_css")).status_code == 403

    def test_customers_are_refused(self, client, ratings):
        client.force_login(UserFactory(email="curious@example.com"))

        response = client.get(REPORT)

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_the_survey_changelist_links_to_the_report(self, staff_client, db):
        page = staff_client.get(reverse("admin:surveys_survey_changelist")).content.decode()

        assert f'href="{REPORT}"' in page


class TestReadOnlyAdmin:
    def test_invitations_are_found_by_ticket_id_and_email(self, staff_client, ratings, open_ticket):
        invitation = InvitationFactory(ticket=open_ticket, customer=open_ticket.customer)
        changelist = reverse("admin:surveys_invitation_changelist")

        by_ticket = staff_client.get(changelist, {"q": open_ticket.ticket_id})
        by_email = staff_client.get(changelist, {"q": open_ticket.customer.email})

        assert by_ticket.status_code == by_email.status_code == 200
        assert by_ticket.context["cl"].result_count == 1
        assert list(by_email.context["cl"].result_list) == [invitation]

    def test_responses_list_flags_low_ratings_and_cannot_be_changed(self, staff_client, ratings):
        changelist = reverse("admin:surveys_response_changelist")

        low = staff_client.get(changelist, {"low": "yes"})
        response = low.context["cl"].result_list[0]
        change = staff_client.post(
            reverse("admin:surveys_response_change", args=[response.pk]), {"rating": 5}
        )

        assert low.context["cl"].result_count == 2
        assert change.status_code == 403
        response.refresh_from_db()
        assert response.rating < 3
        assert staff_client.get(reverse("admin:surveys_invitation_add")).status_code == 403

    def test_a_survey_is_edited_with_its_questions_inline(self, staff_client, db):
        survey = Survey.objects.get(code=Survey.SATISFACTION)

        page = staff_client.get(reverse("admin:surveys_survey_change", args=[survey.pk]))

        assert page.status_code == 200
        assert "How satisfied are you with the support you received?" in page.content.decode()
