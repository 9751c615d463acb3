"""Surveys sent by staff to an audience: one invitation and one mail per matching customer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from portal.core.errors import ApplicationError
from portal.core.models import OutboundEmail
from surveys import services
from surveys.models import Invitation, Question, Survey, SurveyRun
from tests.factories import StaffFactory, UserFactory, grant
from tests.surveys.conftest import survey_token
from tickets import services as ticket_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]


@pytest.fixture
def yearly(db) -> Survey:
    survey = Survey.objects.create(code="yearly-2026", title="Yearly customer survey 2026")
    Question.objects.create(
        survey=survey, position=1, kind="rating", text="How do you like NovaBACKUP overall?"
    )
    Question.objects.create(
        survey=survey,
        position=2,
        kind="choice",
        text="Which product do you use most?",
        options="Professional\nBusiness Essentials\nxSP",
    )
    Question.objects.create(
        survey=survey, position=3, kind="text", text="What should we do better?", required=False
    )
    return survey


def invited(run: SurveyRun) -> set[str]:
    return set(run.invitations.values_list("customer__email", flat=True))


class TestAudiences:
    def test_customers_with_an_active_plan_of_a_kind(self, releases, yearly):
        # Given customers with Premium (one with two plans), xSP, and an expired Premium
        premium = UserFactory(email="premium@example.com")
        grant(premium, "premium")
        grant(premium, "premium", product="business-essentials")
        UserFactory(email="nothing@example.com")
        lapsed = UserFactory(email="lapsed@example.com")
        grant(lapsed, "premium", starts_at=timezone.now() - timedelta(days=800))
        xsp = UserFactory(email="xsp@example.com")
        grant(xsp, "xsp", product="xsp")

        # When staff send the survey to customers with an active Premium plan
        run = services.survey_send(survey=yearly, audience="plan", support_kind="premium")

        # Then each matching customer is invited once, with one mail
        assert invited(run) == {"premium@example.com"}
        assert run.invited == 1
        mail = OutboundEmail.objects.get(tag="survey_invitation")
        assert mail.to == "premium@example.com"
        assert "Yearly customer survey 2026" in mail.subject
        token = survey_token(mail)
        assert Invitation.objects.get().token_hash != token

    def test_customers_with_a_request_closed_in_the_last_days(
        self, premium_customer, us_engineer, yearly, frozen_monday
    ):
        ticket = ticket_services.ticket_create(
            customer=premium_customer,
            product="professional",
            version="21.2",
            category="technical",
            subject="Backup fails",
            description="It fails.",
        ).ticket
        ticket_services.ticket_resolve(ticket=ticket, engineer=us_engineer)
        frozen_monday.shift(timedelta(days=10))

        recent = services.survey_send(survey=yearly, audience="recent-closure", days=14)
        too_short = services.survey_send(survey=yearly, audience="recent-closure", days=7)

        assert invited(recent) == {premium_customer.email}
        assert invited(too_short) == set()

    def test_all_customers_with_release_notifications(self, db, yearly):
        UserFactory(email="news@example.com", release_notifications=True)
        UserFactory(email="quiet@example.com", release_notifications=False)
        UserFactory(email="gone@example.com", release_notifications=True, is_active=False)
        StaffFactory(email="staff@novadesk.test", release_notifications=True)

        run = services.survey_send(survey=yearly, audience="release-notifications")

        assert invited(run) == {"news@example.com"}
        assert OutboundEmail.objects.filter(tag="survey_invitation").count() == 1

    def test_each_send_is_a_run_of_its_own_with_one_invitation_per_customer(self, db, yearly):
        for number in range(3):
            UserFactory(email=f"reader{number}@example.com", release_notifications=True)

        first = services.survey_send(survey=yearly, audience="release-notifications")
        second = services.survey_send(survey=yearly, audience="release-notifications")

        assert first.invited == second.invited == 3
        assert Invitation.objects.filter(run=first).count() == 3
        assert Invitation.objects.count() == 6
        assert OutboundEmail.objects.filter(tag="survey_invitation").count() == 6

    def test_mails_go_out_in_each_customers_language(self, db, yearly):
        UserFactory(email="de@example.com", language="de", release_notifications=True)

        services.survey_send(survey=yearly, audience="release-notifications")

        assert OutboundEmail.objects.get(tag="survey_invitation").language == "de"
        assert Invitation.objects.get().language == "de"


class TestRefusals:
    def test_the_satisfaction_survey_is_not_sent_to_an_audience(self, db):
        survey = Survey.objects.get(code=Survey.SATISFACTION)

        with pytest.raises(ApplicationError) as refused:
            services.survey_send(survey=survey, audience="release-notifications")

        assert refused.value.code == "satisfaction-survey"
        assert not SurveyRun.objects.exists()

    def test_a_plan_audience_needs_its_kind(self, yearly):
        with pytest.raises(ApplicationError) as refused:
            services.survey_send(survey=yearly, audience="plan")

        assert refused.value.code == "kind-required"

    def test_an_inactive_survey_is_not_sent(self, yearly):
        yearly.is_active = False
        yearly.save()

        with pytest.raises(ApplicationError):
            services.survey_send(survey=yearly, audience="release-notifications")


class TestAdminSend:
    def test_staff_send_a_survey_from_its_admin_page(self, staff_client, yearly):
        UserFactory(email="news@example.com", release_notifications=True)
        send_url = reverse("admin:surveys_survey_send", args=[yearly.pk])

        page = staff_client.get(send_url)
        response = staff_client.post(send_url, {"audience": "release-notifications"})

        assert page.status_code == 200
        assert response.status_code == 302
        run = SurveyRun.objects.get()
        assert invited(run) == {"news@example.com"}
        assert run.created_by.email == "lead@novadesk.test"

    def test_the_form_asks_for_the_kind_of_plan(self, staff_client, yearly):
        response = staff_client.post(
            reverse("admin:surveys_survey_send", args=[yearly.pk]), {"audience": "plan"}
        )

        assert response.status_code == 200
        assert "Choose the kind of plan." in response.content.decode()
        assert not SurveyRun.objects.exists()

    def test_the_changelist_action_leads_to_the_send_page(self, staff_client, yearly):
        response = staff_client.post(
            reverse("admin:surveys_survey_changelist"),
            {"action": "send_to_audience", "_selected_action": [yearly.pk]},
        )

        assert response.status_code == 302
        assert response["Location"] == reverse("admin:surveys_survey_send", args=[yearly.pk])

    def test_staff_without_the_permission_cannot_send(self, client, yearly):
        staff = StaffFactory()
        staff.user_permissions.add(Permission.objects.get(codename="view_survey"))
        client.force_login(staff)

        response = client.post(
            reverse("admin:surveys_survey_send", args=[yearly.pk]),
            {"audience": "release-notifications"},
        )

        assert response.status_code == 403
        assert not SurveyRun.objects.exists()
