"""The contact route: business hours, the sales form, the verification resend, no dead links."""

from __future__ import annotations

import re
from datetime import time

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from portal.core.models import OutboundEmail
from teams.models import OpeningHours, Team
from tests.factories import UserFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

VALID = {
    "name": "Lena Lizenz",
    "email": "lena@example.org",
    "topic": "licensing",
    "message": "We need 40 seats of NovaBACKUP Business Essentials.",
    "website": "",
}


@pytest.fixture(autouse=True)
def _rates(settings):
    settings.SALES_EMAIL = "sales@novadesk.test"
    settings.CONTACT_RATE_SUBMIT = "3/h"
    settings.VERIFICATION_RESEND_RATE = "2/h"


def test_page_lists_each_teams_hours_in_its_zone(client):
    us, de = Team.objects.get(code="us"), Team.objects.get(code="de")
    OpeningHours.objects.filter(team=de).delete()
    OpeningHours.objects.create(team=de, weekday=2, opens=time(8, 30), closes=time(12, 15))

    response = client.get("/contact/")

    assert response.status_code == 200
    page = response.content.decode()
    assert us.name in page and de.name in page
    assert us.time_zone in page and de.time_zone in page
    assert "08:30-12:15" in page
    us_hours = OpeningHours.objects.filter(team=us).first()
    assert f"{us_hours.opens:%H:%M}-{us_hours.closes:%H:%M}" in page
    assert "sales@novadesk.test" in page


def test_form_sends_one_mail_to_sales_and_no_ticket(client):
    response = client.post("/contact/", VALID)

    assert response.status_code == 302
    assert response["Location"] == reverse("contact:sent")
    mail = OutboundEmail.objects.get()
    assert mail.to == "sales@novadesk.test"
    assert mail.reply_to == "lena@example.org"
    assert VALID["message"] in mail.body_text
    assert "Licensing" in mail.subject
    assert not Ticket.objects.exists()
    assert not OutboundEmail.objects.filter(to="lena@example.org").exists()
    assert client.get(response["Location"]).status_code == 200


def test_bad_input_gets_field_errors(client):
    response = client.post("/contact/", {**VALID, "email": "not-an-address", "topic": "x"})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"email", "topic"}
    assert 'id="id_email_error"' in response.content.decode()
    assert not OutboundEmail.objects.exists()


def test_form_is_rate_limited_per_client_address(client):
    for _ in range(3):
        assert client.post("/contact/", VALID).status_code == 302

    response = client.post("/contact/", VALID)

    assert response.status_code == 429
    assert OutboundEmail.objects.count() == 3


def test_honeypot_sends_nothing(client):
    response = client.post("/contact/", {**VALID, "website": "http://spam.example"})

    assert response.status_code == 302
    assert not OutboundEmail.objects.exists()


def test_page_in_german(client):
    response = client.get("/contact/", HTTP_ACCEPT_LANGUAGE="de")

    page = response.content.decode()
    assert "Kontakt zu NovaBACKUP" in page
    assert "Partnerprogramm" in page
    assert "Geschäftszeiten unserer Support-Teams" in page


def _unverified(email: str = "new@example.org"):
    user = UserFactory(email=email, verified=False)
    EmailAddress.objects.create(user=user, email=email, verified=False, primary=True)
    return user


def test_verification_page_offers_resend_which_sends_a_new_mail(client):
    _unverified()
    page = client.get(reverse("account_email_verification_sent")).content.decode()
    assert reverse("contact:verification-resend") in page

    response = client.post(reverse("contact:verification-resend"), {"email": "NEW@example.org"})

    assert response.status_code == 302
    mail = OutboundEmail.objects.get()
    assert mail.to == "new@example.org"
    assert "/accounts/confirm-email/" in mail.body_text


def test_resend_does_not_mail_verified_or_unknown_addresses(client):
    UserFactory(email="done@example.com")

    for email in ("done@example.com", "nobody@example.org"):
        assert (
            client.post(reverse("contact:verification-resend"), {"email": email}).status_code == 302
        )

    assert not OutboundEmail.objects.exists()


def test_resend_is_rate_limited(client):
    _unverified()
    url = reverse("contact:verification-resend")
    for _ in range(2):
        client.post(url, {"email": "new@example.org"})

    response = client.post(url, {"email": "new@example.org"})

    assert response.status_code == 429
    assert OutboundEmail.objects.count() == 2


LINK = re.compile(r'href="(/[^"#]*)')


def _assert_internal_links_answer(client, page: str) -> None:
    links = set(LINK.findall(page)) - {"/static/"}
    assert "/help/" in links and reverse("contact:page") in links
    for link in sorted(links):
        if link.startswith("/static/"):
            continue
        status = client.get(link).status_code
        assert status in (200, 302), (link, status)
        if status == 302:
            assert client.get(link)["Location"].startswith(reverse("account_login")), link


def test_home_page_links_all_answer(client):
    response = client.get("/")

    assert response.status_code == 200
    _assert_internal_links_answer(client, response.content.decode())


def test_refusal_links_all_answer(customer_client, releases):
    response = customer_client.post(
        reverse("tickets:new"),
        {
            "product": "professional",
            "version": "21.2",
            "category": "technical",
            "channel": "online",
            "language": "en",
            "check": "1",
        },
    )

    assert not response.context["decision"].allowed
    page = response.content.decode()
    assert 'href="/help/"' in page
    _assert_internal_links_answer(customer_client, page)
