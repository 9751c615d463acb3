"""Who may touch which ticket through the API: every ticket endpoint, every kind of caller.

Another customer's ticket answers exactly like a ticket that does not exist (404, same body), so
the API never tells which ticket IDs exist. Staff endpoints answer the same 404 to accounts that
are not staff. Signed-out callers are refused before anything is looked up.
"""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import StaffFactory, UserFactory
from tickets.models import Message, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

UNKNOWN_ID = "NS-2026-999999"

# (method, URL with {id}, JSON body a permitted caller could send successfully, staff only)
ENDPOINTS = [
    ("get", "/api/v1/tickets/{id}/", None, False),
    ("post", "/api/v1/tickets/{id}/messages/", {"body": "Let me in"}, False),
    ("post", "/api/v1/tickets/{id}/close/", {}, False),
    ("post", "/api/v1/tickets/{id}/reopen/", {"comment": "Reopen it"}, False),
    (
        "post",
        "/api/v1/staff/tickets/{id}/replies/",
        {"body": "Hi", "awaits_customer": True},
        True,
    ),
    ("post", "/api/v1/staff/tickets/{id}/call-attempts/", {"reached": False}, True),
]
ENDPOINT_IDS = [f"{method.upper()} {url}" for method, url, _body, _staff in ENDPOINTS]


def call(client: Client, method: str, url: str, ticket_id: str, body: dict | None, **kwargs):
    target = url.format(id=ticket_id)
    if method == "get":
        return client.get(target, **kwargs)
    return client.post(target, body or {}, content_type="application/json", **kwargs)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def snapshot(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.contact_attempts,
        Message.objects.filter(ticket=ticket).count(),
        TicketEvent.objects.filter(ticket=ticket).count(),
    )


@pytest.fixture
def intruder(db):
    return signed_in(UserFactory(email="mallory@example.com", country="US"))


@pytest.fixture
def owner_client(premium_customer) -> Client:
    return signed_in(premium_customer)


@pytest.fixture
def staff_client(us_engineer) -> Client:
    return signed_in(us_engineer)


@pytest.mark.parametrize(("method", "url", "body", "staff_only"), ENDPOINTS, ids=ENDPOINT_IDS)
class TestEveryTicketEndpoint:
    def test_another_customers_ticket_is_not_found(
        self, intruder, open_ticket, method, url, body, staff_only
    ):
        before = snapshot(open_ticket)

        response = call(intruder, method, url, open_ticket.ticket_id, body)

        assert response.status_code == 404
        assert snapshot(open_ticket) == before

    def test_it_reads_exactly_like_an_unknown_ticket(
        self, intruder, open_ticket, method, url, body, staff_only
    ):
        existing = call(intruder, method, url, open_ticket.ticket_id, body)
        unknown = call(intruder, method, url, UNKNOWN_ID, body)

        assert existing.status_code == unknown.status_code == 404
        assert existing.json() == unknown.json()
        assert set(existing.json()) == {"detail"}
        assert open_ticket.ticket_id not in existing.content.decode()

    def test_an_invalid_body_does_not_tell_either(
        self, intruder, open_ticket, method, url, body, staff_only
    ):
        """The ticket is looked up before the input is validated: no 400 for someone else's."""
        response = call(intruder, method, url, open_ticket.ticket_id, {"unexpected": "x"})

        assert response.status_code == 404

    def test_anonymous_callers_are_refused(
        self, client, open_ticket, method, url, body, staff_only
    ):
        before = snapshot(open_ticket)

        existing = call(client, method, url, open_ticket.ticket_id, body)
        unknown = call(client, method, url, UNKNOWN_ID, body)

        assert existing.status_code in (401, 403)
        assert unknown.status_code == existing.status_code
        assert existing.json() == unknown.json()
        assert snapshot(open_ticket) == before

    def test_a_bad_token_is_refused(self, client, open_ticket, method, url, body, staff_only):
        response = call(
            client, method, url, open_ticket.ticket_id, body, headers={"Authorization": "Token x"}
        )

        assert response.status_code in (401, 403)

    def test_an_unknown_ticket_is_not_found_for_those_allowed(
        self, owner_client, staff_client, open_ticket, method, url, body, staff_only
    ):
        allowed = staff_client if staff_only else owner_client

        response = call(allowed, method, url, UNKNOWN_ID, body)

        assert response.status_code == 404
        assert set(response.json()) == {"detail"}

    def test_the_rightful_caller_gets_through(
        self, owner_client, staff_client, open_ticket, method, url, body, staff_only
    ):
        allowed = staff_client if staff_only else owner_client
        if url.endswith("/reopen/"):
            call(owner_client, "post", "/api/v1/tickets/{id}/close/", open_ticket.ticket_id, {})

        response = call(allowed, method, url, open_ticket.ticket_id, body)

        assert response.status_code in (200, 201)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [(m, u, b) for m, u, b, staff_only in ENDPOINTS if staff_only],
    ids=[i for i, e in zip(ENDPOINT_IDS, ENDPOINTS, strict=True) if e[3]],
)
def test_staff_endpoints_answer_the_owner_like_an_unknown_ticket(
    owner_client, open_ticket, method, url, body
):
    own = call(owner_client, method, url, open_ticket.ticket_id, body)
    unknown = call(owner_client, method, url, UNKNOWN_ID, body)

    assert own.status_code == unknown.status_code == 404
    assert own.json() == unknown.json()


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [(m, u, b) for m, u, b, staff_only in ENDPOINTS if not staff_only],
    ids=[i for i, e in zip(ENDPOINT_IDS, ENDPOINTS, strict=True) if not e[3]],
)
def test_customer_endpoints_show_staff_only_their_own_tickets(open_ticket, method, url, body):
    staff = signed_in(StaffFactory())

    assert call(staff, method, url, open_ticket.ticket_id, body).status_code == 404


def test_the_list_shows_another_customer_nothing(intruder, open_ticket):
    response = intruder.get("/api/v1/tickets/")

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert open_ticket.ticket_id not in response.content.decode()


def test_the_list_refuses_anonymous_callers(client):
    assert client.get("/api/v1/tickets/").status_code in (401, 403)
    assert client.post("/api/v1/tickets/", {}, content_type="application/json").status_code in (
        401,
        403,
    )
