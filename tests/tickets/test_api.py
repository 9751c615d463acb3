"""The tickets REST API under /api/v1/: contracts customers' tools and support's tools use."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from tests.factories import StaffFactory, UserFactory, grant
from tickets import apis, services
from tickets.models import Attachment, Message, Resolution, Status, Ticket
from tickets.serializers import TicketDetailSerializer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

TICKETS_URL = "/api/v1/tickets/"
# Counted inside the test's transaction, so the request's transaction and the service's are
# both savepoints: 4 of these are SAVEPOINT and RELEASE. It was 27 before the submission
# stopped re-reading what it wrote and taking a savepoint for the credit; 20 since the mail's
# reply address has a token of its own.
SUBMISSION_QUERIES = 20


def ticket_url(ticket_id: str, action: str = "") -> str:
    return f"{TICKETS_URL}{ticket_id}/{action + '/' if action else ''}"


def staff_url(ticket_id: str, action: str) -> str:
    return f"/api/v1/staff/tickets/{ticket_id}/{action}/"


def new_request(**overrides) -> dict:
    return {
        "product": "professional",
        "version": "21.2",
        "category": "technical",
        "subject": "Backup job fails with error 0x80070005",
        "description": "Since the update the nightly job fails.",
        **overrides,
    }


def post_json(client: Client, url: str, data: dict | None = None, **kwargs):
    return client.post(url, data or {}, content_type="application/json", **kwargs)


def premium_client_view(ticket: Ticket) -> dict:
    """The ticket as the detail endpoint reads it from the database."""
    return TicketDetailSerializer(apis._ticket_detail(ticket.pk)).data


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def premium_client(premium_customer) -> Client:
    return signed_in(premium_customer)


@pytest.fixture
def staff_client(us_engineer) -> Client:
    return signed_in(us_engineer)


class TestCreate:
    def test_a_request_is_opened_with_its_id_entitlement_and_due_time(
        self, premium_client, us_engineer
    ):
        response = post_json(premium_client, TICKETS_URL, new_request())

        assert response.status_code == 201
        body = response.json()
        assert re.fullmatch(r"NS-2026-\d{6}", body["ticket_id"])
        assert body["status"] == Status.OPEN
        assert body["entitlement"] == "premium"
        assert body["first_response_due"] == "2026-11-23T17:00:00-08:00"
        assert datetime.fromisoformat(body["first_response_due"]).utcoffset() is not None
        assert body["product"] == "professional"
        assert body["team"] == "us"
        assert response.headers["Location"] == ticket_url(body["ticket_id"])
        [message] = body["messages"]
        assert message["kind"] == "customer"
        assert message["via"] == "api"
        assert message["body"] == "Since the update the nightly job fails."
        ticket = Ticket.objects.get(ticket_id=body["ticket_id"])
        assert ticket.assignee == us_engineer
        assert ticket.messages.get().via == Message.Via.API

    def test_without_support_it_is_refused_with_what_to_buy(self, releases):
        client = signed_in(UserFactory(country="US"))

        response = post_json(client, TICKETS_URL, new_request())

        assert response.status_code == 403
        body = response.json()
        assert body["reason"]
        assert body["reason_code"] == "no-entitlement"
        assert "premium" in body["purchase_options"]
        assert not Ticket.objects.exists()

    def test_every_field_at_fault_is_named(self, premium_client):
        data = new_request(category="billing")
        del data["subject"]

        response = post_json(premium_client, TICKETS_URL, data)

        assert response.status_code == 400
        assert set(response.json()) == {"subject", "category"}
        assert not Ticket.objects.exists()

    def test_an_unknown_product_and_a_bad_version_are_named(self, premium_client):
        response = post_json(
            premium_client, TICKETS_URL, new_request(product="no-such", version="latest")
        )

        assert response.status_code == 400
        assert set(response.json()) == {"product", "version"}

    def test_a_call_back_without_a_phone_number_names_the_phone(self, premium_client):
        response = post_json(premium_client, TICKETS_URL, new_request(channel="phone"))

        assert response.status_code == 400
        assert list(response.json()) == ["phone"]

    def test_a_remote_id_outside_setup_and_restore_names_the_field(self, premium_client):
        response = post_json(premium_client, TICKETS_URL, new_request(remote_id="123 456 789"))

        assert response.status_code == 400
        assert list(response.json()) == ["remote_id"]

    def test_multipart_with_a_log_file(self, premium_client):
        log = SimpleUploadedFile("backup.log", b"2026-11-23 17:00 error 5\n", "text/plain")

        response = premium_client.post(TICKETS_URL, {**new_request(), "files": [log]})

        assert response.status_code == 201
        body = response.json()
        [attachment] = body["messages"][0]["attachments"]
        stored = Attachment.objects.get()
        assert attachment["name"] == "backup.log"
        assert attachment["content_type"] == "text/plain"
        assert attachment["size"] == len(b"2026-11-23 17:00 error 5\n")
        assert attachment["download_url"] == f"/tickets/{body['ticket_id']}/files/{stored.pk}/"
        assert stored.message.ticket.ticket_id == body["ticket_id"]

    def test_a_file_of_a_refused_type_names_the_files(self, premium_client):
        program = SimpleUploadedFile("setup.exe", b"MZ\x90\x00 a program", "application/x-exe")

        response = premium_client.post(TICKETS_URL, {**new_request(), "files": [program]})

        assert response.status_code == 400
        assert list(response.json()) == ["files"]
        assert not Ticket.objects.exists()

    def test_a_password_in_the_description_is_masked(self, premium_client):
        response = post_json(
            premium_client,
            TICKETS_URL,
            new_request(description="Server login admin, password: hunter2"),
        )

        assert response.status_code == 201
        stored = Ticket.objects.get().messages.get().body
        assert "hunter2" not in stored
        assert "password: ********" in stored
        assert "hunter2" not in response.content.decode()

    def test_a_submission_runs_a_fixed_short_list_of_queries(
        self, client, premium_customer, us_engineer
    ):
        """Token, product, number, team, releases, entitlements, calendar, credit event,
        engineer, ticket, message, both audit entries in one INSERT, link, reply token, mail;
        the answer is built from the rows just written, not read back."""
        token = Token.objects.create(user=premium_customer)
        auth = {"Authorization": f"Token {token.key}"}
        post_json(client, TICKETS_URL, new_request(), headers=auth)

        with CaptureQueriesContext(connection) as captured:
            response = post_json(client, TICKETS_URL, new_request(), headers=auth)

        assert response.status_code == 201
        assert len(captured) == SUBMISSION_QUERIES
        ticket = Ticket.objects.get(ticket_id=response.json()["ticket_id"])
        assert response.json() == premium_client_view(ticket)
        assert list(ticket.events.order_by("at", "pk").values_list("action", "to_status")) == [
            ("created", Status.NEW),
            ("assigned automatically", Status.OPEN),
        ]


class TestRead:
    def test_the_list_holds_only_own_tickets_newest_activity_first(
        self, premium_client, premium_customer, open_ticket, frozen_monday
    ):
        frozen_monday.shift(60)
        second = services.ticket_create(
            customer=premium_customer, **new_request(subject="Second")
        ).ticket
        frozen_monday.shift(60)
        services.ticket_customer_message(ticket=open_ticket, body="Still failing.")
        other = UserFactory(email="mallory@example.com")

        response = premium_client.get(TICKETS_URL)

        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 2
        assert [t["ticket_id"] for t in body["results"]] == [
            open_ticket.ticket_id,
            second.ticket_id,
        ]
        assert signed_in(other).get(TICKETS_URL).json()["results"] == []

    def test_the_list_is_paginated(self, premium_client, premium_customer):
        for number in range(3):
            services.ticket_create(customer=premium_customer, **new_request(subject=f"#{number}"))

        body = premium_client.get(TICKETS_URL, {"page_size": 2, "page": 2}).json()

        assert body["count"] == 3
        assert len(body["results"]) == 1
        assert body["next"] is None
        assert body["previous"]

    def test_detail_shows_the_conversation_but_never_internal_notes(
        self, premium_client, open_ticket, us_engineer
    ):
        services.ticket_note(ticket=open_ticket, engineer=us_engineer, body="Customer is VIP-ish")
        services.ticket_reply(
            ticket=open_ticket,
            engineer=us_engineer,
            body="Please send the log.",
            awaits_customer=True,
        )

        response = premium_client.get(ticket_url(open_ticket.ticket_id))

        assert response.status_code == 200
        body = response.json()
        assert body["ticket_id"] == open_ticket.ticket_id
        assert body["status"] == Status.WAITING
        assert [m["kind"] for m in body["messages"]] == ["customer", "engineer"]
        assert body["messages"][1]["awaits_customer"] is True
        assert "VIP" not in response.content.decode()
        assert "note" not in {m["kind"] for m in body["messages"]}


class TestConversation:
    def test_the_customer_writes_and_a_waiting_ticket_opens(
        self, premium_client, open_ticket, us_engineer
    ):
        services.ticket_reply(
            ticket=open_ticket, engineer=us_engineer, body="Which version?", awaits_customer=True
        )

        response = post_json(
            premium_client, ticket_url(open_ticket.ticket_id, "messages"), {"body": "21.2"}
        )

        assert response.status_code == 201
        assert response.json()["kind"] == "customer"
        assert response.json()["body"] == "21.2"
        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.OPEN
        assert open_ticket.contact_attempts == 0

    def test_a_message_with_a_file(self, premium_client, open_ticket):
        log = SimpleUploadedFile("job.log", b"error 5\n", "text/plain")

        response = premium_client.post(
            ticket_url(open_ticket.ticket_id, "messages"), {"body": "Here it is", "files": [log]}
        )

        assert response.status_code == 201
        [attachment] = response.json()["attachments"]
        assert attachment["name"] == "job.log"
        assert attachment["download_url"].startswith(f"/tickets/{open_ticket.ticket_id}/files/")

    def test_an_empty_message_names_the_body(self, premium_client, open_ticket):
        response = post_json(
            premium_client, ticket_url(open_ticket.ticket_id, "messages"), {"body": "  "}
        )

        assert response.status_code == 400
        assert list(response.json()) == ["body"]

    def test_close_then_reopen_with_a_comment(self, premium_client, open_ticket):
        closed = premium_client.post(ticket_url(open_ticket.ticket_id, "close"))

        assert closed.status_code == 200
        assert closed.json()["status"] == Status.CLOSED
        assert closed.json()["resolution"] == Resolution.CUSTOMER_CLOSED

        again = premium_client.post(ticket_url(open_ticket.ticket_id, "close"))
        assert again.status_code == 400
        assert again.json()["code"] == "invalid-transition"
        assert again.json()["detail"]

        written = post_json(
            premium_client, ticket_url(open_ticket.ticket_id, "messages"), {"body": "Hello?"}
        )
        assert written.status_code == 400
        assert written.json()["code"] == "closed"

        no_comment = post_json(premium_client, ticket_url(open_ticket.ticket_id, "reopen"), {})
        assert no_comment.status_code == 400
        assert list(no_comment.json()) == ["comment"]

        reopened = post_json(
            premium_client,
            ticket_url(open_ticket.ticket_id, "reopen"),
            {"comment": "It fails again."},
        )
        assert reopened.status_code == 200
        assert reopened.json()["status"] == Status.OPEN
        assert reopened.json()["resolution"] == ""
        assert reopened.json()["messages"][-1]["body"] == "It fails again."


class TestStaff:
    def test_a_reply_that_asks_the_customer_starts_waiting(self, staff_client, open_ticket):
        response = post_json(
            staff_client,
            staff_url(open_ticket.ticket_id, "replies"),
            {"body": "Please send the job log.", "awaits_customer": True},
        )

        assert response.status_code == 201
        body = response.json()
        assert body["message"]["kind"] == "engineer"
        assert body["message"]["awaits_customer"] is True
        assert body["ticket"]["status"] == Status.WAITING
        assert body["ticket"]["contact_attempts"] == 1
        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.WAITING
        assert open_ticket.contact_attempts == 1
        assert open_ticket.first_responded_at is not None

    def test_a_plain_reply_keeps_the_ticket_open(self, staff_client, open_ticket):
        response = post_json(
            staff_client, staff_url(open_ticket.ticket_id, "replies"), {"body": "On it."}
        )

        assert response.status_code == 201
        assert response.json()["ticket"]["status"] == Status.OPEN
        assert response.json()["ticket"]["contact_attempts"] == 0

    def test_an_unanswered_call_is_counted(self, staff_client, open_ticket):
        response = post_json(
            staff_client,
            staff_url(open_ticket.ticket_id, "call-attempts"),
            {"reached": False, "note": "Voicemail"},
        )

        assert response.status_code == 201
        body = response.json()
        assert body["message"]["kind"] == "call"
        assert body["ticket"]["contact_attempts"] == 1
        assert body["ticket"]["status"] == Status.WAITING
        open_ticket.refresh_from_db()
        assert open_ticket.contact_attempts == 1

    def test_a_call_needs_to_say_whether_it_reached(self, staff_client, open_ticket):
        response = post_json(staff_client, staff_url(open_ticket.ticket_id, "call-attempts"), {})

        assert response.status_code == 400
        assert list(response.json()) == ["reached"]

    def test_a_reply_to_a_closed_ticket_is_refused(self, staff_client, open_ticket):
        services.ticket_close_by_customer(ticket=open_ticket)

        response = post_json(
            staff_client, staff_url(open_ticket.ticket_id, "replies"), {"body": "Hi"}
        )

        assert response.status_code == 400
        assert response.json()["code"] == "invalid-transition"

    @pytest.mark.parametrize("action", ["replies", "call-attempts"])
    def test_the_owner_who_is_not_staff_is_refused(self, premium_client, open_ticket, action):
        response = post_json(
            premium_client,
            staff_url(open_ticket.ticket_id, action),
            {"body": "I answer myself", "awaits_customer": True, "reached": False},
        )

        assert response.status_code == 404
        open_ticket.refresh_from_db()
        assert open_ticket.contact_attempts == 0
        assert not open_ticket.messages.exclude(kind=Message.Kind.CUSTOMER).exists()

    def test_staff_see_only_their_own_tickets_on_customer_endpoints(self, open_ticket):
        client = signed_in(StaffFactory())

        assert client.get(ticket_url(open_ticket.ticket_id)).status_code == 404


class TestTokens:
    def test_token_authentication_works(self, client, premium_customer, open_ticket):
        token = Token.objects.create(user=premium_customer)
        auth = {"Authorization": f"Token {token.key}"}

        listed = client.get(TICKETS_URL, headers=auth)
        created = post_json(client, TICKETS_URL, new_request(), headers=auth)

        assert listed.status_code == 200
        assert [t["ticket_id"] for t in listed.json()["results"]] == [open_ticket.ticket_id]
        assert created.status_code == 201

    def test_a_bad_token_is_refused(self, client, open_ticket):
        response = client.get(TICKETS_URL, headers={"Authorization": "Token not-a-token"})

        assert response.status_code in (401, 403)


class TestThrottling:
    def test_submissions_over_the_rate_get_429(self, settings, premium_client):
        settings.TICKET_RATE_SUBMIT = "2/h"

        first = post_json(premium_client, TICKETS_URL, new_request())
        second = post_json(premium_client, TICKETS_URL, new_request())
        third = post_json(premium_client, TICKETS_URL, new_request())

        assert (first.status_code, second.status_code) == (201, 201)
        assert third.status_code == 429
        assert "too many" in third.json()["detail"]
        assert int(third.headers["Retry-After"]) > 0
        assert Ticket.objects.count() == 2
        # Reading is never throttled.
        assert premium_client.get(TICKETS_URL).status_code == 200

    def test_the_rate_is_per_account(self, settings, premium_client, premium_customer):
        settings.TICKET_RATE_SUBMIT = "1/h"
        other = UserFactory(email="other@example.com", country="US")
        grant(other, "premium")

        assert post_json(premium_client, TICKETS_URL, new_request()).status_code == 201
        assert post_json(premium_client, TICKETS_URL, new_request()).status_code == 429
        assert post_json(signed_in(other), TICKETS_URL, new_request()).status_code == 201

    def test_messages_over_the_rate_get_429(self, settings, premium_client, open_ticket):
        settings.TICKET_RATE_COMMENT = "1/m"
        url = ticket_url(open_ticket.ticket_id, "messages")

        assert post_json(premium_client, url, {"body": "One"}).status_code == 201
        response = post_json(premium_client, url, {"body": "Two"})

        assert response.status_code == 429
        assert "too many messages" in response.json()["detail"]


def test_every_endpoint_is_in_the_schema(client):
    response = client.get("/api/schema/", headers={"Accept": "application/json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/v1/tickets/": {"get", "post"},
        "/api/v1/tickets/{ticket_id}/": {"get"},
        "/api/v1/tickets/{ticket_id}/messages/": {"post"},
        "/api/v1/tickets/{ticket_id}/close/": {"post"},
        "/api/v1/tickets/{ticket_id}/reopen/": {"post"},
        "/api/v1/staff/tickets/{ticket_id}/replies/": {"post"},
        "/api/v1/staff/tickets/{ticket_id}/call-attempts/": {"post"},
    }
    for url, methods in expected.items():
        assert url in paths
        assert methods <= set(paths[url])
        for method in methods:
            operation = paths[url][method]
            assert operation["summary"]
            assert {"200", "201"} & set(operation["responses"])
    create = paths["/api/v1/tickets/"]["post"]
    assert {"application/json", "multipart/form-data"} <= set(create["requestBody"]["content"])
    assert {"201", "400", "403", "429"} <= set(create["responses"])
    assert "404" in paths["/api/v1/tickets/{ticket_id}/"]["get"]["responses"]
    assert "requestBody" in paths["/api/v1/tickets/{ticket_id}/reopen/"]["post"]
