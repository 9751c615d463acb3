"""The satisfaction invitation: one per closure, through the outbox, with five one-click ratings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.core.models import OutboundEmail
from surveys import selectors
from surveys import services as survey_services
from surveys.models import Invitation, Survey
from tests.factories import UserFactory, grant
from tests.surveys.conftest import rating_links, survey_mails, survey_token
from tickets import services
from tickets.models import Resolution, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]


def answer(ticket, engineer) -> None:
    services.ticket_reply(
        ticket=ticket, engineer=engineer, body="Please run the job again.", awaits_customer=False
    )


@pytest.fixture
def answered(open_ticket, us_engineer):
    """An open ticket support has answered: its closure asks the customer to rate support."""
    answer(open_ticket, us_engineer)
    return open_ticket


class TestClosingInvites:
    def test_closing_a_ticket_creates_one_invitation_and_one_mail_with_five_ratings(
        self, answered, us_engineer
    ):
        # Given an open ticket handled by an engineer
        # When support resolves it
        ticket = services.ticket_resolve(ticket=answered, engineer=us_engineer)

        # Then exactly one invitation and one survey mail exist for that closure
        invitation = Invitation.objects.get()
        assert invitation.ticket == ticket
        assert invitation.closed_at == ticket.closed_at
        assert invitation.survey.code == Survey.SATISFACTION
        assert invitation.customer == ticket.customer
        mail = survey_mails().get()
        assert mail.to == ticket.customer.email
        assert ticket.ticket_id in mail.subject
        # And the body has five rating links, 1 to 5, all for this one invitation
        links = rating_links(mail)
        assert [rating for _token, rating in links] == [1, 2, 3, 4, 5]
        tokens = {token for token, _rating in links}
        assert len(tokens) == 1
        assert selectors.invitation_for_token(token=tokens.pop()) == invitation

    def test_the_invitation_keeps_who_handled_the_request(self, answered, us_engineer):
        services.ticket_resolve(ticket=answered, engineer=us_engineer)

        invitation = Invitation.objects.get()
        assert invitation.engineer == us_engineer
        assert invitation.team == answered.team
        assert invitation.product == answered.product
        assert invitation.support_kind == "premium"

    def test_only_a_hash_of_the_token_is_stored_and_the_link_expires_in_30_days(
        self, answered, us_engineer
    ):
        ticket = services.ticket_resolve(ticket=answered, engineer=us_engineer)

        token = survey_token(survey_mails().get())
        invitation = Invitation.objects.get()
        assert len(token) >= 43  # 32 random bytes, URL-safe base64
        assert invitation.token_hash == selectors.token_hash(token)
        assert token not in invitation.token_hash
        assert invitation.sent_at > ticket.closed_at
        assert invitation.expires_at == invitation.sent_at + timedelta(days=30)

    def test_the_validity_comes_from_the_setting(self, answered, us_engineer, settings):
        settings.SURVEY_INVITATION_DAYS = 7

        ticket = services.ticket_resolve(ticket=answered, engineer=us_engineer)

        invitation = Invitation.objects.get(ticket=ticket)
        assert invitation.expires_at == invitation.sent_at + timedelta(days=7)
        assert "7 days" in survey_mails().get().body_text

    def test_the_mail_speaks_the_language_of_the_ticket(self, releases, us_engineer):
        customer = UserFactory(email="greta@example.de", name="Greta", language="de")
        grant(customer, "premium")
        ticket = services.ticket_create(
            customer=customer,
            product="professional",
            version="21.2",
            category="technical",
            subject="Sicherung schlägt fehl",
            description="Jede Nacht.",
            language="de",
        ).ticket
        answer(ticket, us_engineer)

        services.ticket_close_by_customer(ticket=ticket)

        mail = survey_mails().get()
        assert mail.language == "de"
        assert Invitation.objects.get().language == "de"
        assert len(rating_links(mail)) == 5

    def test_the_customer_closing_an_answered_request_is_invited_too(self, answered):
        services.ticket_close_by_customer(ticket=answered)

        assert Invitation.objects.count() == 1
        assert survey_mails().count() == 1

    def test_a_cancelled_ticket_is_not_invited(self, answered, us_engineer):
        services.ticket_cancel_as_mistake(ticket=answered, staff=us_engineer, reason="Test")

        assert not Invitation.objects.exists()
        assert not survey_mails().exists()

    def test_reopening_and_closing_again_invites_a_second_time(
        self, answered, us_engineer, frozen_monday
    ):
        # Given a resolved ticket the customer reopened
        services.ticket_resolve(ticket=answered, engineer=us_engineer)
        frozen_monday.shift(timedelta(days=1))
        services.ticket_reopen(ticket=answered, comment="It fails again.")
        frozen_monday.shift(timedelta(days=1))

        # When support resolves it again
        services.ticket_resolve(ticket=answered, engineer=us_engineer)

        # Then each closure has its own invitation and token; the first one's mail, still
        # unsent when the request was reopened, was taken back
        invitations = list(Invitation.objects.order_by("closed_at"))
        assert len(invitations) == 2
        assert invitations[0].closed_at < invitations[1].closed_at
        assert invitations[0].withdrawn_at is not None
        assert invitations[0].token_hash != invitations[1].token_hash
        mail = survey_mails().get()
        assert selectors.token_hash(survey_token(mail)) == invitations[1].token_hash

    def test_the_same_closure_is_never_invited_twice(self, answered, us_engineer):
        ticket = services.ticket_resolve(ticket=answered, engineer=us_engineer)

        again = survey_services.satisfaction_invite(tickets=[ticket], closed_at=ticket.closed_at)

        assert again == 0
        assert Invitation.objects.count() == 1
        assert survey_mails().count() == 1

    def test_an_inactive_satisfaction_survey_sends_nothing(self, answered, us_engineer):
        Survey.objects.filter(code=Survey.SATISFACTION).update(is_active=False)

        services.ticket_resolve(ticket=answered, engineer=us_engineer)

        assert not Invitation.objects.exists()
        assert Ticket.objects.get(pk=answered.pk).is_closed

    def test_the_satisfaction_survey_comes_back_when_the_tables_were_emptied(
        self, answered, us_engineer
    ):
        Survey.objects.all().delete()

        services.ticket_resolve(ticket=answered, engineer=us_engineer)

        survey = Survey.objects.get(code=Survey.SATISFACTION)
        assert [q.kind for q in survey.questions.all()] == ["rating", "text"]
        assert Invitation.objects.get().survey == survey


class TestSweepInvites:
    def test_the_sweeps_auto_closure_invites_every_closed_ticket(
        self, premium_customer, us_engineer, frozen_monday
    ):
        # Given three tickets whose contact attempts all went unanswered
        day0 = timezone.now()
        tickets = []
        for number in range(3):
            ticket = services.ticket_create(
                customer=premium_customer,
                product="professional",
                version="21.2",
                category="technical",
                subject=f"Backup fails {number}",
                description="It fails.",
            ).ticket
            services.ticket_reply(
                ticket=ticket, engineer=us_engineer, body="Which version?", awaits_customer=True
            )
            tickets.append(ticket)
        # When the sweep runs on the reminder days and on day ten
        for day in (4, 8, 10):
            frozen_monday.move_to(day0 + timedelta(days=day))
            services.tickets_sweep()

        # Then every ticket closed automatically, and each closure has one invitation and mail
        closed = Ticket.objects.filter(resolution=Resolution.AUTO_CLOSED)
        assert closed.count() == 3
        invitations = Invitation.objects.all()
        assert sorted(i.ticket_id for i in invitations) == sorted(t.pk for t in tickets)
        assert {i.closed_at for i in invitations} == {closed.first().closed_at}
        assert survey_mails().count() == 3
        assert all(len(rating_links(mail)) == 5 for mail in survey_mails())

    def test_a_batch_is_invited_with_one_insert_of_invitations_and_one_of_mails(
        self, premium_customer, us_engineer, django_assert_max_num_queries
    ):
        tickets = [
            services.ticket_create(
                customer=premium_customer,
                product="professional",
                version="21.2",
                category="technical",
                subject=f"Backup fails {number}",
                description="It fails.",
            ).ticket
            for number in range(5)
        ]
        for ticket in tickets:
            answer(ticket, us_engineer)
        now = timezone.now()
        Ticket.objects.update(status="closed", resolution=Resolution.AUTO_CLOSED, closed_at=now)
        batch = list(Ticket.objects.select_related("customer"))

        # One query for the survey, one for which tickets were answered and not yet invited,
        # one INSERT each.
        with django_assert_max_num_queries(4):
            count = survey_services.satisfaction_invite(tickets=batch, closed_at=now)

        assert count == len(tickets)
        assert Invitation.objects.count() == 5
        assert OutboundEmail.objects.filter(tag="survey_satisfaction").count() == 5
