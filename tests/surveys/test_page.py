"""The survey page behind the link: a GET only shows, a POST records, twice updates."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from portal.core.models import OutboundEmail
from surveys.models import Answer, Invitation, Response
from tests.surveys.conftest import survey_mails, survey_token
from tickets import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]


@pytest.fixture
def closed(open_ticket, us_engineer):
    """An answered and resolved ticket, its invitation and the token from the survey mail."""
    services.ticket_reply(
        ticket=open_ticket, engineer=us_engineer, body="Fixed in 21.3.", awaits_customer=False
    )
    ticket = services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)
    return ticket, Invitation.objects.get(ticket=ticket), survey_token(survey_mails().get())


def url(token: str) -> str:
    return reverse("surveys:respond", kwargs={"token": token})


def questions(invitation: Invitation) -> tuple[str, str]:
    rating, comment = invitation.survey.questions.all()
    return f"q{rating.pk}", f"q{comment.pk}"


class TestShowing:
    def test_a_rating_link_shows_the_form_with_that_rating_chosen_and_records_nothing(
        self, client, closed
    ):
        ticket, invitation, token = closed
        rating_field, _comment_field = questions(invitation)

        # When a mail scanner (or the customer) follows the "4" link
        response = client.get(url(token), {"rating": 4})

        # Then the page shows the survey with 4 chosen, and nothing is recorded
        assert response.status_code == 200
        page = response.content.decode()
        assert "How satisfied are you with the support you received?" in page
        assert ticket.ticket_id in page
        assert f'name="{rating_field}" value="4"' in page
        checked = [part for part in page.split("<input") if "checked" in part.split(">")[0]]
        assert len(checked) == 1
        assert 'value="4"' in checked[0]
        assert not Response.objects.exists()
        invitation.refresh_from_db()
        assert invitation.answered_at is None

    def test_every_rating_link_is_only_a_view(self, client, closed):
        _ticket, _invitation, token = closed

        for rating in range(1, 6):
            assert client.get(url(token), {"rating": rating}).status_code == 200
        client.head(url(token), {"rating": 1})

        assert not Response.objects.exists()
        assert not Answer.objects.exists()

    def test_a_nonsense_rating_in_the_link_preselects_nothing(self, client, closed):
        _ticket, _invitation, token = closed

        page = client.get(url(token), {"rating": "9"}).content.decode()

        assert "checked" not in page

    def test_the_page_is_not_indexed(self, client, closed):
        page = client.get(url(closed[2])).content.decode()

        assert '<meta name="robots" content="noindex, nofollow">' in page


class TestAnswering:
    def test_a_post_records_the_rating_and_the_comment(self, client, closed):
        _ticket, invitation, token = closed
        rating_field, comment_field = questions(invitation)

        # When the customer sends the form
        response = client.post(url(token), {rating_field: "2", comment_field: "Took too long."})

        # Then the answer is recorded and the thank-you page follows
        assert response.status_code == 302
        assert response["Location"] == reverse("surveys:thanks", kwargs={"token": token})
        recorded = Response.objects.get()
        assert recorded.invitation == invitation
        assert recorded.rating == 2
        assert recorded.comment == "Took too long."
        assert {str(a.value) for a in recorded.answers.all()} == {"2", "Took too long."}
        invitation.refresh_from_db()
        assert invitation.answered_at is not None
        thanks = client.get(response["Location"])
        assert thanks.status_code == 200
        assert "Thank you" in thanks.content.decode()

    def test_the_comment_is_optional(self, client, closed):
        _ticket, invitation, token = closed
        rating_field, _comment_field = questions(invitation)

        client.post(url(token), {rating_field: "5"})

        recorded = Response.objects.get()
        assert (recorded.rating, recorded.comment) == (5, "")
        assert recorded.answers.count() == 1

    def test_a_post_without_a_rating_records_nothing_and_says_why(self, client, closed):
        _ticket, invitation, token = closed
        _rating_field, comment_field = questions(invitation)

        response = client.post(url(token), {comment_field: "No rating"})

        assert response.status_code == 400
        assert "Please choose a rating." in response.content.decode()
        assert not Response.objects.exists()

    def test_a_second_post_updates_the_one_response(self, client, closed, frozen_monday):
        _ticket, invitation, token = closed
        rating_field, comment_field = questions(invitation)
        client.post(url(token), {rating_field: "2", comment_field: "Slow."})
        first = Response.objects.get()
        frozen_monday.shift(timedelta(hours=3))

        # When the customer changes their mind
        client.post(url(token), {rating_field: "4", comment_field: "Solved after all."})

        # Then there is still one response, with the new answers
        recorded = Response.objects.get()
        assert recorded.pk == first.pk
        assert (recorded.rating, recorded.comment) == (4, "Solved after all.")
        assert recorded.updated_at > recorded.submitted_at
        assert recorded.answers.count() == 2
        assert Answer.objects.count() == 2

    def test_the_page_shows_an_earlier_answer(self, client, closed):
        _ticket, invitation, token = closed
        rating_field, comment_field = questions(invitation)
        client.post(url(token), {rating_field: "3", comment_field: "Okay."})

        page = client.get(url(token)).content.decode()

        assert "You have already answered." in page
        assert "Okay." in page
        checked = [part for part in page.split("<input") if "checked" in part.split(">")[0]]
        assert len(checked) == 1
        assert 'value="3"' in checked[0]


class TestInvalidLinks:
    def test_an_expired_link_is_not_found_and_records_nothing(self, client, closed, frozen_monday):
        _ticket, invitation, token = closed
        rating_field, _comment_field = questions(invitation)
        frozen_monday.move_to(invitation.expires_at + timedelta(seconds=1))

        shown = client.get(url(token), {"rating": 5})
        posted = client.post(url(token), {rating_field: "5"})

        assert shown.status_code == 404
        assert "This survey link is not valid any more" in shown.content.decode()
        assert posted.status_code == 404
        assert not Response.objects.exists()

    def test_the_link_still_works_on_its_last_day(self, client, closed, frozen_monday):
        _ticket, invitation, token = closed
        rating_field, _comment_field = questions(invitation)
        frozen_monday.move_to(invitation.expires_at - timedelta(hours=1))

        assert client.post(url(token), {rating_field: "5"}).status_code == 302
        assert Response.objects.get().rating == 5

    @pytest.mark.parametrize("token", ["not-a-token", "x" * 43, "y" * 300])
    def test_an_unknown_token_is_not_found(self, client, closed, token):
        _ticket, invitation, _token = closed
        rating_field, _comment_field = questions(invitation)

        assert client.get(url(token), {"rating": 5}).status_code == 404
        assert client.post(url(token), {rating_field: "5"}).status_code == 404
        assert not Response.objects.exists()

    def test_another_invitations_token_cannot_answer_this_one(
        self, client, closed, premium_customer, us_engineer
    ):
        # Given two closed tickets, each with its own invitation
        _ticket, first, first_token = closed
        other = services.ticket_create(
            customer=premium_customer,
            product="professional",
            version="21.2",
            category="technical",
            subject="Another problem",
            description="Another one.",
        ).ticket
        services.ticket_reply(
            ticket=other, engineer=us_engineer, body="Try again.", awaits_customer=False
        )
        services.ticket_resolve(ticket=other, engineer=us_engineer)
        second = Invitation.objects.get(ticket=other)
        rating_field, _comment = questions(first)

        # When the second invitation's token is used with the first one's form
        response = client.post(
            url(survey_token(survey_mails().last())), {rating_field: "1", "invitation": first.pk}
        )

        # Then only the second invitation is answered; the first stays untouched
        assert response.status_code == 302
        recorded = Response.objects.get()
        assert recorded.invitation == second
        first.refresh_from_db()
        assert first.answered_at is None
        assert not Response.objects.filter(invitation=first).exists()
        assert first_token != survey_token(survey_mails().last())

    def test_the_ticket_link_token_does_not_open_the_survey(self, client, closed):
        _ticket, _invitation, _token = closed
        mail = OutboundEmail.objects.filter(tag="ticket_closed").get()
        ticket_token = re.search(r"/t/([\w-]+)/", mail.body_text).group(1)

        assert client.get(url(ticket_token)).status_code == 404
