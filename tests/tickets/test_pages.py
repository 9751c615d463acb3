"""The customer pages of support requests: my requests, a new request, one request."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from entitlements.models import Product, Registration
from portal.core.models import OutboundEmail
from tests.factories import UserFactory, grant
from tickets import links, services
from tickets.models import Attachment, Message, Resolution, Status, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday", "media_root")]

# The Premium first-response target of a request sent on Monday 09:00 in Los Angeles.
PREMIUM_DUE = "Nov. 23, 2026, 5 p.m. PST"
RESUME = "/tickets/new/?resume=1"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def premium_client(client, premium_customer):
    client.force_login(premium_customer)
    return client


def text(response) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    content = response.content.decode()
    content = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    content = re.sub(r"<[^>]+>", " ", content)
    return " ".join(unescape(content).split())


def create_ticket(customer, **overrides) -> Ticket:
    fields = {
        "customer": customer,
        "product": "professional",
        "version": "21.2",
        "category": "technical",
        "subject": "Backup fails",
        "description": "It fails every night.",
        **overrides,
    }
    return services.ticket_create(**fields).ticket


def log_file(name: str = "backup.log", content: bytes = b"09:00 job started\n09:01 failed\n"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def form_data(**overrides) -> dict:
    return {
        "product": "professional",
        "version": "21.2",
        "category": "technical",
        "channel": "online",
        "phone": "",
        "subject": "Nightly backup fails",
        "description": "Since the update the nightly job fails with 0x80070005.",
        "remote_id": "",
        "language": "en",
        **overrides,
    }


def detail_url(ticket: Ticket) -> str:
    return reverse("tickets:detail", kwargs={"ticket_id": ticket.ticket_id})


def buy_links(response) -> list[str]:
    return [
        unescape(href)
        for href in re.findall(r'href="([^"]*/support/buy/[^"]*)"', response.content.decode())
    ]


class TestMyRequests:
    def test_lists_only_my_requests_latest_activity_first(
        self, premium_client, premium_customer, frozen_monday
    ):
        older = create_ticket(premium_customer, subject="Older request")
        frozen_monday.shift(60)
        newer = create_ticket(premium_customer, subject="Newer request", version="21.1")
        frozen_monday.shift(60)
        services.ticket_customer_message(ticket=older, body="Any news?")  # now the latest
        other = UserFactory(email="other@example.com")
        grant(other, "premium")
        create_ticket(other, subject="Someone else's request")

        response = premium_client.get(reverse("tickets:list"))

        page = text(response)
        assert response.status_code == 200
        assert "Someone else's request" not in page
        assert page.index(older.ticket_id) < page.index(newer.ticket_id)
        assert "NovaBACKUP Professional 21.1" in page
        assert "New" in page
        assert PREMIUM_DUE in page  # the team's local time, not UTC

    def test_filters_by_status(self, premium_client, premium_customer):
        closed = create_ticket(premium_customer, subject="Solved already")
        services.ticket_close_by_customer(ticket=closed)
        create_ticket(premium_customer, subject="Still open")

        closed_page = text(premium_client.get(reverse("tickets:list"), {"status": "closed"}))
        new_page = text(premium_client.get(reverse("tickets:list"), {"status": "new"}))
        all_page = text(premium_client.get(reverse("tickets:list"), {"status": "bogus"}))

        assert "Solved already" in closed_page
        assert "Still open" not in closed_page
        assert "Still open" in new_page
        assert "Solved already" not in new_page
        assert "Solved already" in all_page and "Still open" in all_page

    def test_is_paginated_by_25(self, premium_client, premium_customer):
        for number in range(26):
            create_ticket(premium_customer, subject=f"Request number {number:02d}")

        first = text(premium_client.get(reverse("tickets:list")))
        second = text(premium_client.get(reverse("tickets:list"), {"page": 2}))

        assert first.count("Request number") == 25
        assert "Page 1 of 2" in first
        assert second.count("Request number") == 1
        assert "Request number 00" in second

    def test_needs_a_fixed_number_of_queries(self, premium_client, premium_customer):
        create_ticket(premium_customer)
        premium_client.get(reverse("tickets:list"))  # warm up session and caches
        with CaptureQueriesContext(connection) as one:
            premium_client.get(reverse("tickets:list"))
        for _number in range(5):
            create_ticket(premium_customer)
        with CaptureQueriesContext(connection) as six:
            premium_client.get(reverse("tickets:list"))

        assert len(six) == len(one)

    def test_empty_list_invites_a_first_request(self, premium_client):
        page = text(premium_client.get(reverse("tickets:list")))

        assert "You have not sent a support request yet." in page

    def test_the_navigation_links_my_requests_for_signed_in_users(self, premium_client, client):
        home = premium_client.get("/").content.decode()

        assert 'href="/tickets/"' in home
        premium_client.logout()
        assert 'href="/tickets/"' not in client.get("/").content.decode()


class TestNewRequestForm:
    def test_registered_products_come_first_with_their_version(self, client, releases):
        customer = UserFactory()
        Registration.objects.create(
            customer=customer,
            product=Product.objects.get(code="server"),
            kind="licence",
            key="NB-SRV-1",
            version="21.1",
        )
        client.force_login(customer)

        html = client.get(reverse("tickets:new")).content.decode()

        registered = html.index('label="Your registered products"')
        others = html.index('label="Other products"')
        assert registered < html.index('value="server"') < others
        assert others < html.index('value="professional"')
        assert re.search(r'<option value="server" selected>', html)
        assert 'value="21.1"' in html
        assert 'type="file" name="attachments"' in html and "multiple" in html

    def test_the_answer_language_defaults_to_the_customers(self, client, releases):
        client.force_login(UserFactory(language="de"))

        html = client.get(reverse("tickets:new")).content.decode()

        assert re.search(r'<input type="radio" name="language" value="de"[^>]*checked', html)

    def test_product_and_category_can_be_given_in_the_address(self, premium_client):
        html = premium_client.get(
            reverse("tickets:new"), {"product": "network", "category": "restore"}
        ).content.decode()

        assert '<option value="network" selected>' in html
        assert '<option value="restore" selected>' in html

    def test_check_shows_the_support_and_the_local_due_time(self, premium_client):
        response = premium_client.post(
            reverse("tickets:new"), form_data(subject="", description="", check="1")
        )

        page = text(response)
        assert response.status_code == 200
        assert "Your Premium Support for NovaBACKUP Professional covers this request." in page
        assert PREMIUM_DUE in page
        assert "This field is required" not in page  # checking needs no subject yet
        assert not Ticket.objects.exists()

    def test_check_names_what_is_missing_for_the_decision(self, premium_client):
        page = text(premium_client.post(reverse("tickets:new"), form_data(version="", check="1")))

        assert "This field is required" in page
        assert "covers this request" not in page

    def test_a_refused_customer_sees_the_reason_and_buy_links(self, client, releases):
        customer = UserFactory()
        client.force_login(customer)

        response = client.post(reverse("tickets:new"), form_data(check="1"))

        page = text(response)
        assert "Your support does not cover this request" in page
        assert "You hold no support for NovaBACKUP Professional" in page
        hrefs = buy_links(response)
        assert hrefs, "no buy links"
        per_incident = next(h for h in hrefs if h.endswith("#offering-per-incident"))
        query = parse_qs(urlsplit(per_incident).query)
        assert urlsplit(per_incident).path == "/support/buy/"
        assert query == {"product": ["professional"], "category": ["technical"], "next": [RESUME]}
        assert "Buy Per Incident Support" in page
        assert client.session["ticket_draft"]["subject"] == "Nightly backup fails"

    def test_the_draft_is_restored_after_buying(self, client, releases):
        customer = UserFactory(country="US")
        client.force_login(customer)
        client.post(
            reverse("tickets:new"),
            form_data(subject="Restore of drive D", category="setup", remote_id="123 456 789"),
        )
        grant(customer, "per-incident")

        response = client.get(RESUME)

        html = response.content.decode()
        assert 'value="Restore of drive D"' in html
        assert 'value="123 456 789"' in html
        assert "Since the update the nightly job fails with 0x80070005." in html
        assert '<option value="setup" selected>' in html
        page = text(response)
        assert "Welcome back" in page
        assert "Your Per Incident Support for NovaBACKUP Professional covers this request." in page

    def test_without_a_draft_resume_shows_a_fresh_form(self, premium_client):
        page = text(premium_client.get(RESUME))

        assert "Welcome back" not in page
        assert "New support request" in page


class TestSendingARequest:
    def test_creates_the_ticket_with_its_files_and_shows_it(self, premium_client, us_engineer):
        data = form_data(attachments=[log_file(), log_file("setup.txt", b"setup ok")])

        response = premium_client.post(reverse("tickets:new"), data, follow=True)

        ticket = Ticket.objects.get()
        assert response.redirect_chain == [(detail_url(ticket), 302)]
        page = text(response)
        assert f"Your request has the ticket ID {ticket.ticket_id}" in page
        assert "Nightly backup fails" in page
        names = sorted(Attachment.objects.values_list("name", flat=True))
        assert names == ["backup.log", "setup.txt"]
        assert "backup.log" in page
        assert ticket.entitlement_kind == "premium"
        assert OutboundEmail.objects.filter(tag="ticket_created").count() == 1

    def test_the_draft_is_forgotten_once_sent(self, client, releases):
        customer = UserFactory(country="US")
        client.force_login(customer)
        client.post(reverse("tickets:new"), form_data())  # refused: the draft is kept
        assert "ticket_draft" in client.session
        grant(customer, "per-incident")

        response = client.post(reverse("tickets:new"), form_data())

        assert response.status_code == 302
        assert "ticket_draft" not in client.session

    def test_a_refusal_on_sending_shows_the_reason_and_keeps_the_draft(self, client, releases):
        customer = UserFactory()
        client.force_login(customer)

        response = client.post(reverse("tickets:new"), form_data(category="restore"))

        page = text(response)
        assert response.status_code == 200
        assert "Your support does not cover this request" in page
        assert any("category=restore" in href for href in buy_links(response))
        assert client.session["ticket_draft"]["category"] == "restore"
        assert not Ticket.objects.exists()

    def test_a_rule_the_service_refuses_is_a_form_error(self, premium_client):
        data = form_data(attachments=[SimpleUploadedFile("tool.exe", b"MZ\x90\x00")])

        response = premium_client.post(reverse("tickets:new"), data)

        assert "Files of this type cannot be attached: tool.exe" in text(response)
        assert 'id="id_attachments_error"' in response.content.decode()
        assert not Ticket.objects.exists()

    def test_a_call_back_needs_a_phone_number(self, premium_client):
        page = text(premium_client.post(reverse("tickets:new"), form_data(channel="phone")))

        assert "Enter the phone number we should call back." in page
        assert not Ticket.objects.exists()

    def test_a_remote_id_only_for_setup_and_restore(self, premium_client):
        page = text(premium_client.post(reverse("tickets:new"), form_data(remote_id="123456")))

        assert "only needed for setup and restore requests" in page
        assert not Ticket.objects.exists()

    def test_submissions_are_rate_limited_per_user(self, premium_client, settings):
        settings.TICKET_RATE_SUBMIT = "2/h"
        url = reverse("tickets:new")

        premium_client.post(url, form_data(check="1"))  # checking is not counted
        first = premium_client.post(url, form_data())
        second = premium_client.post(url, form_data())
        third = premium_client.post(url, form_data())

        assert (first.status_code, second.status_code) == (302, 302)
        assert third.status_code == 429
        assert "Too many requests" in text(third)
        assert Ticket.objects.count() == 2


class TestTicketPage:
    def test_shows_the_conversation_but_never_an_internal_note(
        self, premium_client, open_ticket, us_engineer
    ):
        services.ticket_reply(
            ticket=open_ticket, engineer=us_engineer, body="Which Windows?", awaits_customer=True
        )
        services.ticket_note(ticket=open_ticket, engineer=us_engineer, body="SECRET known issue")
        services.ticket_log_call(ticket=open_ticket, engineer=us_engineer, reached=False)
        Message.objects.create(
            ticket=open_ticket,
            kind=Message.Kind.SYSTEM,
            via=Message.Via.SYSTEM,
            body="Automatic reminder: we are waiting for your reply.",
        )

        response = premium_client.get(detail_url(open_ticket))

        page = text(response)
        assert "SECRET" not in page
        thread = [
            "Since the update the nightly job fails.",
            "Which Windows?",
            "We tried to call you but could not reach you.",
            "Automatic reminder",
        ]
        assert [page.index(part) for part in thread] == sorted(page.index(p) for p in thread)
        assert f"{us_engineer.get_short_name()}, NovaBACKUP Support" in page
        assert "Premium Support" in page
        assert "Waiting for your reply" in page
        assert PREMIUM_DUE in page

    def test_attachments_have_download_links(self, premium_client, premium_customer):
        ticket = create_ticket(premium_customer, files=[log_file()])
        attachment = Attachment.objects.get()

        html = premium_client.get(detail_url(ticket)).content.decode()

        url = reverse(
            "tickets:attachment",
            kwargs={"ticket_id": ticket.ticket_id, "attachment_id": attachment.pk},
        )
        assert f'href="{url}"' in html

    def test_a_comment_with_a_file_is_added(self, premium_client, open_ticket):
        response = premium_client.post(
            detail_url(open_ticket),
            {"action": "comment", "body": "Windows 11, see the log.", "files": [log_file()]},
            follow=True,
        )

        message = open_ticket.messages.order_by("pk").last()
        assert message.body == "Windows 11, see the log."
        assert message.via == Message.Via.WEB
        assert message.attachments.get().name == "backup.log"
        assert "Your message was added" in text(response)

    def test_a_password_typed_into_a_comment_is_stored_masked(self, premium_client, open_ticket):
        response = premium_client.post(
            detail_url(open_ticket),
            {"action": "comment", "body": "The admin password: hunter2 in case you need it"},
            follow=True,
        )

        body = open_ticket.messages.order_by("pk").last().body
        assert "hunter2" not in body
        assert "password: ********" in body
        assert "hunter2" not in text(response)

    def test_a_refused_file_is_shown_at_the_file_field_and_the_text_kept(
        self, premium_client, open_ticket
    ):
        fake = SimpleUploadedFile("photo.png", b"not really a png", content_type="image/png")

        response = premium_client.post(
            detail_url(open_ticket), {"action": "comment", "body": "See photo", "files": [fake]}
        )

        html = response.content.decode()
        assert re.search(r'id="id_files_error".*photo.png does not contain what its name', html)
        assert "See photo</textarea>" in html
        assert open_ticket.messages.count() == 1

    def test_an_empty_comment_is_refused(self, premium_client, open_ticket):
        response = premium_client.post(detail_url(open_ticket), {"action": "comment", "body": ""})

        assert response.status_code == 200
        assert "This field is required" in text(response)
        assert open_ticket.messages.count() == 1

    def test_close_then_reopen_with_a_required_comment(self, premium_client, open_ticket):
        url = detail_url(open_ticket)

        closed = premium_client.post(url, {"action": "close"}, follow=True)
        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.CLOSED
        assert open_ticket.resolution == Resolution.CUSTOMER_CLOSED
        page = text(closed)
        assert "A new problem needs a new request" in page
        assert "Write to support" not in page

        refused = premium_client.post(url, {"action": "reopen", "comment": "  "})
        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.CLOSED
        assert "This field is required" in text(refused)

        premium_client.post(url, {"action": "reopen", "comment": "The error is back."})
        open_ticket.refresh_from_db()
        assert open_ticket.status in (Status.NEW, Status.OPEN)
        assert open_ticket.messages.order_by("pk").last().body == "The error is back."

    def test_a_closed_request_takes_no_comment(self, premium_client, open_ticket):
        services.ticket_close_by_customer(ticket=open_ticket)

        response = premium_client.post(
            detail_url(open_ticket), {"action": "comment", "body": "Hello?"}
        )

        assert "is closed. Reopen it with a comment" in text(response)
        assert open_ticket.messages.count() == 1

    def test_agree_to_a_proposed_closure(self, premium_client, open_ticket, us_engineer):
        assert "Agree to close" not in text(premium_client.get(detail_url(open_ticket)))
        services.ticket_propose_unresolved_closure(
            ticket=open_ticket, engineer=us_engineer, explanation="A Windows bug we cannot fix."
        )

        page = text(premium_client.get(detail_url(open_ticket)))
        assert "Support proposes to close this request" in page
        assert "A Windows bug we cannot fix." in page
        premium_client.post(detail_url(open_ticket), {"action": "agree"})

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.CLOSED
        assert open_ticket.resolution == Resolution.CANNOT_RESOLVE
        assert "Agree to close" not in text(premium_client.get(detail_url(open_ticket)))

    def test_agreeing_without_a_proposal_is_refused(self, premium_client, open_ticket):
        response = premium_client.post(detail_url(open_ticket), {"action": "agree"}, follow=True)

        assert "Support has not proposed to close this request." in text(response)
        open_ticket.refresh_from_db()
        assert open_ticket.status != Status.CLOSED

    def test_needs_a_fixed_number_of_queries(self, premium_client, open_ticket, us_engineer):
        url = detail_url(open_ticket)
        premium_client.get(url)
        with CaptureQueriesContext(connection) as short:
            premium_client.get(url)
        for number in range(3):
            services.ticket_customer_message(
                ticket=open_ticket, body=f"Log {number}", files=[log_file(f"log{number}.log")]
            )
            services.ticket_reply(
                ticket=open_ticket, engineer=us_engineer, body="Thanks", awaits_customer=False
            )
        with CaptureQueriesContext(connection) as long:
            premium_client.get(url)

        assert len(long) == len(short)

    def test_an_unknown_action_is_a_bad_request(self, premium_client, open_ticket):
        response = premium_client.post(detail_url(open_ticket), {"action": "delete"})

        assert response.status_code == 400

    def test_comments_are_rate_limited(self, premium_client, open_ticket, settings):
        settings.TICKET_RATE_COMMENT = "2/h"
        url = detail_url(open_ticket)

        statuses = [
            premium_client.post(url, {"action": "comment", "body": f"Note {n}"}).status_code
            for n in range(3)
        ]

        assert statuses == [302, 302, 429]
        assert open_ticket.messages.count() == 3


class TestLinkPage:
    def test_shows_the_ticket_without_signing_in(self, client, open_ticket, us_engineer):
        services.ticket_note(ticket=open_ticket, engineer=us_engineer, body="SECRET note")
        token = links.link_issue(ticket=open_ticket)

        response = client.get(reverse("ticket_links:detail", kwargs={"token": token}))

        page = text(response)
        assert response.status_code == 200
        assert open_ticket.ticket_id in page
        assert "Since the update the nightly job fails." in page
        assert "SECRET" not in page
        assert "Sign in" in page
        assert "My requests" not in page
        assert "/tickets/" not in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert response["Cache-Control"] == "private, no-store"

    def test_comment_close_and_reopen_through_the_link(self, client, open_ticket):
        token = links.link_issue(ticket=open_ticket)
        url = reverse("ticket_links:detail", kwargs={"token": token})

        assert client.post(url, {"action": "comment", "body": "Via the link"}).status_code == 302
        message = open_ticket.messages.order_by("pk").last()
        assert (message.body, message.via) == ("Via the link", Message.Via.LINK)
        assert message.author == open_ticket.customer

        client.post(url, {"action": "close"})
        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.CLOSED
        client.post(url, {"action": "reopen", "comment": "Back again"})
        open_ticket.refresh_from_db()
        assert open_ticket.status != Status.CLOSED
        assert "_auth_user_id" not in client.session

    def test_link_access_is_rate_limited_per_address(self, client, open_ticket, settings):
        settings.TICKET_RATE_LINK = "2/h"
        token = links.link_issue(ticket=open_ticket)
        url = reverse("ticket_links:detail", kwargs={"token": token})

        statuses = [client.get(url).status_code for _n in range(2)]
        statuses.append(client.get("/t/not-a-valid-token/").status_code)

        assert statuses == [200, 200, 429]

    def test_link_comments_are_rate_limited(self, client, open_ticket, settings):
        settings.TICKET_RATE_COMMENT = "1/h"
        token = links.link_issue(ticket=open_ticket)
        url = reverse("ticket_links:detail", kwargs={"token": token})

        first = client.post(url, {"action": "comment", "body": "One"})
        second = client.post(url, {"action": "comment", "body": "Two"})

        assert (first.status_code, second.status_code) == (302, 429)
        assert open_ticket.messages.count() == 2
