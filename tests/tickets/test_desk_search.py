"""The support queue's search in the conversation: a ticket is found by the words of its
messages (customer messages, replies, internal notes, calls), on PostgreSQL and on SQLite, in a
fixed number of queries."""

from __future__ import annotations

import re
import secrets

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from tickets.models import Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

EVERYONE = "/admin/tickets/ticket/?assigned=all"


def copy_ticket(template: Ticket, **changes) -> Ticket:
    """A copy of ``template`` with its own ID and no messages, saved with ``changes``."""
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Ticket._meta.concrete_fields
        if not field.primary_key
    }
    fields.update(ticket_id=f"NS-T-{secrets.token_hex(4).upper()}", first_responded_at=None)
    ticket = Ticket(**fields)
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.save()
    return ticket


def found(client, term: str) -> set[str]:
    response = client.get(EVERYONE, {"q": term})
    assert response.status_code == 200
    return set(
        re.findall(r'class="field-ticket_id"><a [^>]*>([^<]+)</a>', response.content.decode())
    )


@pytest.fixture
def engineer_client(client, us_engineer):
    us_engineer.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="tickets", codename__in=["view_ticket", "change_ticket"]
        )
    )
    client.force_login(us_engineer)
    return client


@pytest.fixture
def others(open_ticket):
    """Two more tickets, each with a conversation of its own."""
    olga = UserFactory(email="olga@example.org", name="Olga Other")
    vss = copy_ticket(open_ticket, customer=olga, entitlement=None, subject="Other one")
    Message.objects.create(
        ticket=vss, kind=Message.Kind.CUSTOMER, body="The VSS writer times out at night."
    )
    Message.objects.create(
        ticket=vss, kind=Message.Kind.NOTE, body="Kundin ruft morgen wegen Schattenkopie an."
    )
    quota = copy_ticket(open_ticket, entitlement=None, subject="Another one")
    Message.objects.create(
        ticket=quota, kind=Message.Kind.ENGINEER, body="Please free some space on the NAS share."
    )
    Message.objects.create(ticket=quota, kind=Message.Kind.CALL, body="Called, quota raised.")
    return {"vss": vss, "quota": quota}


class TestSearchInMessages:
    def test_a_word_of_a_customer_message_finds_its_ticket(self, engineer_client, others):
        assert found(engineer_client, "VSS") == {others["vss"].ticket_id}
        assert found(engineer_client, "vss") == {others["vss"].ticket_id}

    def test_replies_notes_and_calls_are_searched_too(self, engineer_client, others):
        assert found(engineer_client, "NAS") == {others["quota"].ticket_id}
        assert found(engineer_client, "Schattenkopie") == {others["vss"].ticket_id}
        assert found(engineer_client, "quota") == {others["quota"].ticket_id}

    def test_the_words_of_one_message_find_its_ticket(self, engineer_client, others):
        assert found(engineer_client, "writer night") == {others["vss"].ticket_id}

    def test_a_word_only_in_another_tickets_messages_finds_only_that_ticket(
        self, engineer_client, open_ticket, others
    ):
        shown = found(engineer_client, "nightly")
        assert open_ticket.ticket_id in shown
        assert others["vss"].ticket_id not in shown and others["quota"].ticket_id not in shown
        assert found(engineer_client, "writer space") == set()
        assert found(engineer_client, "kerberos") == set()

    def test_ticket_id_subject_and_email_are_still_searched(
        self, engineer_client, open_ticket, others
    ):
        assert found(engineer_client, others["quota"].ticket_id) == {others["quota"].ticket_id}
        assert found(engineer_client, "Another") == {others["quota"].ticket_id}
        assert found(engineer_client, "olga@example.org") == {others["vss"].ticket_id}
        assert found(engineer_client, "0x80070005") == {open_ticket.ticket_id}

    def test_a_customer_cannot_search_the_queue(self, client, customer, others):
        client.force_login(customer)
        response = client.get(EVERYONE, {"q": "VSS"})
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def count_queries(client, term: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(EVERYONE, {"q": term})
    assert response.status_code == 200
    return len(queries)


def add_tickets(template: Ticket, count: int) -> None:
    for number in range(count):
        ticket = copy_ticket(template, subject=f"Request {number}")
        Message.objects.create(
            ticket=ticket, kind=Message.Kind.CUSTOMER, body=f"Restore hangs at {number} percent"
        )


class TestSearchQueryBudget:
    def test_the_same_queries_for_5_and_50_tickets_found(
        self, engineer_client, open_ticket, django_assert_max_num_queries
    ):
        add_tickets(open_ticket, 5)
        assert len(found(engineer_client, "hangs")) == 5  # also warms caches
        few = count_queries(engineer_client, "hangs")

        add_tickets(open_ticket, 45)
        with django_assert_max_num_queries(few):
            assert len(found(engineer_client, "hangs")) == 50
        print(f"queue search: {few} queries for 5 and for 50 tickets")
