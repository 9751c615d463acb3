"""When the satisfaction invitation goes out: after an answered closure, later than the closure
mail, and never once the request is reopened."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from portal.core import services as outbox
from portal.core import tasks as outbox_tasks
from portal.core.models import OutboundEmail
from surveys import selectors
from surveys.models import Invitation, Response, Survey
from tests.surveys.conftest import survey_mails, survey_token
from tickets import services
from tickets.models import Resolution

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

DELAY_MINUTES = 45


@pytest.fixture(autouse=True)
def delay(settings) -> timedelta:
    settings.SURVEY_INVITATION_DELAY_MINUTES = DELAY_MINUTES
    return timedelta(minutes=DELAY_MINUTES)


@pytest.fixture
def delivered_at_once(monkeypatch):
    """Handing a row to the workers delivers it there and then, as a worker would."""
    monkeypatch.setattr(
        outbox_tasks.deliver_email,
        "apply_async",
        lambda args, **kwargs: outbox.email_deliver(email_id=args[0]),
    )


def answer(ticket, engineer) -> None:
    services.ticket_reply(
        ticket=ticket, engineer=engineer, body="Please run the job again.", awaits_customer=False
    )


def closure_mail(ticket) -> OutboundEmail:
    return OutboundEmail.objects.get(tag="ticket_closed", subject__contains=ticket.ticket_id)


def deliver_everything_due() -> None:
    """Run the outbox delivery the way the workers and the sweep do: every unsent row."""
    outbox.email_requeue_stuck()
    for email_id in OutboundEmail.objects.unsent().values_list("pk", flat=True):
        outbox.email_deliver(email_id=email_id)


def sent_survey_mails() -> list:
    return [message for message in mail.outbox if "/surveys/r/" in message.body]


def page(client, token: str):
    return client.get(reverse("surveys:respond", kwargs={"token": token}))


class TestOnlyAnsweredClosuresInvite:
    def test_a_request_support_never_answered_is_not_invited_when_the_customer_closes_it(
        self, open_ticket
    ):
        services.ticket_close_by_customer(ticket=open_ticket)

        assert not Invitation.objects.exists()
        assert not survey_mails().exists()

    def test_resolving_without_an_answer_invites_nobody(self, open_ticket, us_engineer):
        services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)

        assert not Invitation.objects.exists()
        assert not survey_mails().exists()

    def test_notes_unanswered_calls_and_automatic_reminders_are_no_answer(
        self, open_ticket, us_engineer, frozen_monday
    ):
        # Given a request with an internal note and a call that did not reach the customer
        services.ticket_note(ticket=open_ticket, engineer=us_engineer, body="Looks like VSS.")
        services.ticket_log_call(ticket=open_ticket, engineer=us_engineer, reached=False)
        # When the sweep reminds the customer and finally closes the request
        for _day in range(12):
            frozen_monday.shift(timedelta(days=1))
            services.tickets_sweep()

        # Then it closed by itself, and nobody is asked to rate support that never answered
        open_ticket.refresh_from_db()
        assert open_ticket.resolution == Resolution.AUTO_CLOSED
        assert open_ticket.messages.filter(kind="system").exists()
        assert not Invitation.objects.exists()
        assert not survey_mails().exists()

    def test_a_customer_closing_an_answered_request_is_invited(self, open_ticket, us_engineer):
        answer(open_ticket, us_engineer)

        services.ticket_close_by_customer(ticket=open_ticket)

        assert Invitation.objects.get().ticket == open_ticket
        assert survey_mails().count() == 1

    def test_a_call_that_reached_the_customer_is_an_answer(self, open_ticket, us_engineer):
        services.ticket_log_call(ticket=open_ticket, engineer=us_engineer, reached=True)

        services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)

        assert Invitation.objects.get().ticket == open_ticket


class TestTheInvitationFollowsTheClosureMail:
    def test_the_invitation_is_due_the_delay_after_the_closure_mail(
        self, open_ticket, us_engineer, delay
    ):
        answer(open_ticket, us_engineer)

        ticket = services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)

        closed_mail, survey_mail = closure_mail(ticket), survey_mails().get()
        invitation = Invitation.objects.get()
        assert survey_mail.next_attempt_at >= closed_mail.next_attempt_at + delay
        assert invitation.sent_at == survey_mail.next_attempt_at
        assert invitation.expires_at == invitation.sent_at + timedelta(days=30)

    def test_the_delay_comes_from_the_setting(self, open_ticket, us_engineer, settings):
        settings.SURVEY_INVITATION_DELAY_MINUTES = 180
        answer(open_ticket, us_engineer)

        ticket = services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)

        assert survey_mails().get().next_attempt_at >= closure_mail(
            ticket
        ).next_attempt_at + timedelta(minutes=180)

    def test_the_publish_on_commit_sends_the_closure_mail_but_not_the_invitation(
        self,
        open_ticket,
        us_engineer,
        delay,
        frozen_monday,
        settings,
        delivered_at_once,
        django_capture_on_commit_callbacks,
    ):
        answer(open_ticket, us_engineer)
        mail.outbox = []

        # When the closure commits and its mails are handed to the workers
        with django_capture_on_commit_callbacks(execute=True):
            ticket = services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)

        # Then the closure mail went out, the invitation waits for its time
        assert closure_mail(ticket).status == OutboundEmail.Status.SENT
        assert [m.subject for m in mail.outbox] == [closure_mail(ticket).subject]
        assert survey_mails().get().status == OutboundEmail.Status.PENDING
        # And the sweep does not send it early either
        frozen_monday.shift(delay - timedelta(minutes=1))
        outbox.email_requeue_stuck()
        assert sent_survey_mails() == []
        # Until its time has come
        frozen_monday.shift(timedelta(minutes=1, seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS))
        assert outbox.email_requeue_stuck() == 1
        assert survey_mails().get().status == OutboundEmail.Status.SENT
        assert len(sent_survey_mails()) == 1

    def test_the_sweeps_closure_invites_after_the_closure_mail_too(
        self, open_ticket, us_engineer, frozen_monday, delay
    ):
        services.ticket_reply(
            ticket=open_ticket, engineer=us_engineer, body="Which version?", awaits_customer=True
        )
        for _day in range(12):
            frozen_monday.shift(timedelta(days=1))
            services.tickets_sweep()

        open_ticket.refresh_from_db()
        assert open_ticket.resolution == Resolution.AUTO_CLOSED
        survey_mail = survey_mails().get()
        assert survey_mail.next_attempt_at >= closure_mail(open_ticket).next_attempt_at + delay


class TestReopening:
    @pytest.fixture
    def resolved(self, open_ticket, us_engineer):
        answer(open_ticket, us_engineer)
        services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)
        return open_ticket

    def test_reopening_withdraws_the_invitation_and_its_mail_never_goes_out(
        self, resolved, frozen_monday, delay, settings, client
    ):
        token = survey_token(survey_mails().get())

        # When the customer reopens before the invitation went out
        frozen_monday.shift(timedelta(minutes=10))
        services.ticket_reopen(ticket=resolved, comment="It fails again.")

        # Then the invitation is withdrawn and its mail is no longer in the outbox
        invitation = Invitation.objects.get()
        assert invitation.withdrawn_at is not None
        assert not survey_mails().filter(status__in=["pending", "sending"]).exists()
        # And however long the outbox delivery runs, it never sends it
        mail.outbox = []
        frozen_monday.shift(delay + timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS + 1))
        deliver_everything_due()
        frozen_monday.shift(timedelta(days=1))
        deliver_everything_due()
        assert sent_survey_mails() == []
        # And its page says the request was reopened and asks for nothing
        response = page(client, token)
        text = response.content.decode()
        assert "was reopened" in text
        assert "No answer is needed" in text
        assert "<form" not in text.split('class="survey-page"')[1]

    def test_a_withdrawn_invitation_cannot_be_answered(self, resolved, client):
        token = survey_token(survey_mails().get())
        services.ticket_reopen(ticket=resolved, comment="It fails again.")
        rating = Survey.objects.get(code=Survey.SATISFACTION).questions.get(kind="rating")

        response = client.post(
            reverse("surveys:respond", kwargs={"token": token}), {f"q{rating.pk}": "5"}
        )

        assert "was reopened" in response.content.decode()
        assert not Response.objects.exists()
        assert Invitation.objects.get().answered_at is None

    def test_an_invitation_already_sent_is_withdrawn_and_its_page_says_so(
        self, resolved, frozen_monday, delay, settings, client
    ):
        frozen_monday.shift(delay + timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS + 1))
        deliver_everything_due()
        assert len(sent_survey_mails()) == 1
        token = survey_token(survey_mails().get())

        services.ticket_reopen(ticket=resolved, comment="It fails again.")

        assert Invitation.objects.get().withdrawn_at is not None
        assert survey_mails().get().status == OutboundEmail.Status.SENT
        assert "was reopened" in page(client, token).content.decode()

    def test_an_answered_invitation_is_kept_and_its_page_no_longer_says_closed(
        self, resolved, client
    ):
        token = survey_token(survey_mails().get())
        invitation = Invitation.objects.get()
        rating = invitation.survey.questions.get(kind="rating")
        client.post(reverse("surveys:respond", kwargs={"token": token}), {f"q{rating.pk}": "4"})

        services.ticket_reopen(ticket=resolved, comment="It fails again.")

        invitation.refresh_from_db()
        assert invitation.withdrawn_at is None
        assert invitation.response.rating == 4
        text = page(client, token).content.decode()
        assert "Your request is closed." not in text
        assert "was reopened" in text

    def test_closing_again_invites_again_with_a_new_mail(
        self, resolved, us_engineer, frozen_monday, delay
    ):
        services.ticket_reopen(ticket=resolved, comment="It fails again.")
        frozen_monday.shift(timedelta(hours=2))

        services.ticket_resolve(ticket=resolved, engineer=us_engineer)

        first, second = Invitation.objects.order_by("closed_at")
        assert first.withdrawn_at is not None
        assert second.withdrawn_at is None
        assert second.closed_at > first.closed_at
        pending = survey_mails().get(status="pending")
        assert pending.next_attempt_at >= closure_mail_latest(resolved).next_attempt_at + delay
        assert selectors.token_hash(survey_token(pending)) == second.token_hash

    def test_withdrawn_invitations_do_not_count_in_the_report(self, resolved, delay):
        invitation = Invitation.objects.get()
        services.ticket_reopen(ticket=resolved, comment="It fails again.")

        totals = selectors.report_totals(
            survey=invitation.survey,
            since=invitation.sent_at - timedelta(days=1),
            until=invitation.sent_at + timedelta(days=1),
        )

        assert totals.invited == 0


def closure_mail_latest(ticket) -> OutboundEmail:
    return (
        OutboundEmail.objects.filter(tag="ticket_closed", subject__contains=ticket.ticket_id)
        .order_by("pk")
        .last()
    )
