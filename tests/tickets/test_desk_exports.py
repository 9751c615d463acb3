"""The support queue's CSV download: the rows on screen (filters, search, order), in the
engineer's language and time zone, safe to open in a spreadsheet, read in one query."""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.accounts.middleware import STAFF_TIME_ZONE
from tests.factories import UserFactory
from tickets.desk_exports import safe_cell
from tickets.models import Priority, Status, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

CHANGELIST = "/admin/tickets/ticket/"


def export_url() -> str:
    return reverse("admin:tickets_ticket_export")


def copy_ticket(template: Ticket, **changes) -> Ticket:
    """A copy of ``template`` with its own ID, saved with ``changes``."""
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


def download(client, query: str) -> list[list[str]]:
    response = client.get(f"{export_url()}?{query}")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def queue_ids(client, query: str) -> list[str]:
    response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    return re.findall(r'class="field-ticket_id"><a [^>]*>([^<]+)</a>', response.content.decode())


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
def tickets(open_ticket, us_engineer):
    now = timezone.now()
    olga = UserFactory(email="olga@example.org", name="Olga Other")
    return {
        "open": open_ticket,
        "urgent": copy_ticket(
            open_ticket,
            customer=olga,
            subject="Urgent restore",
            priority=Priority.URGENT,
            assignee=us_engineer,
            first_response_due=now + timedelta(hours=3),
        ),
        "later": copy_ticket(
            open_ticket, subject="Restore later", first_response_due=now + timedelta(hours=5)
        ),
        "closed": copy_ticket(open_ticket, subject="Restore done", status=Status.CLOSED),
    }


class TestQueueExport:
    @pytest.mark.parametrize(
        "query",
        [
            "assigned=all",
            "assigned=all&status__exact=unclosed",
            "assigned=all&q=restore",
            "assigned=me&status__exact=unclosed",
            "assigned=all&o=2",
        ],
    )
    def test_the_export_has_the_queues_rows_in_its_order(self, engineer_client, tickets, query):
        rows = download(engineer_client, query)
        assert [row[0] for row in rows[1:]] == queue_ids(engineer_client, query)

    def test_the_columns_as_the_queue_shows_them(self, engineer_client, tickets, us_engineer):
        rows = download(engineer_client, "assigned=all&q=Urgent")
        assert rows[0] == [
            "ticket ID",
            "subject",
            "status",
            "priority",
            "first response due",
            "customer e-mail",
            "product",
            "version",
            "support kind",
            "team",
            "assigned to",
            "last activity",
        ]
        ticket = tickets["urgent"]
        (row,) = rows[1:]
        assert row[0] == ticket.ticket_id
        assert row[1] == "Urgent restore"
        assert row[3] == "urgent"
        assert row[5] == "olga@example.org"
        assert row[7] == ticket.version
        assert row[9] == ticket.team.code.upper()
        assert row[10] == str(us_engineer)
        assert row[4] == f"{timezone.localtime(ticket.first_response_due):%Y-%m-%d %H:%M}"

    def test_in_the_engineers_language_and_time_zone(self, engineer_client, tickets, us_engineer):
        us_engineer.language = "de"
        us_engineer.save(update_fields=["language"])
        session = engineer_client.session
        session[STAFF_TIME_ZONE] = "America/Los_Angeles"
        session.save()
        rows = download(engineer_client, "assigned=all&q=Urgent")
        assert rows[0][0] == "Ticket-ID" and rows[0][1] == "Betreff"
        due = tickets["urgent"].first_response_due.astimezone(timezone.get_fixed_timezone(-8 * 60))
        assert rows[1][4] == f"{due:%Y-%m-%d %H:%M}"  # 3 hours after 09:00 in Los Angeles
        assert rows[1][4].endswith("12:00")

    def test_a_formula_in_a_subject_comes_out_as_text(self, engineer_client, open_ticket):
        copy_ticket(open_ticket, subject="=cmd|' /C calc'!A0")
        rows = download(engineer_client, "assigned=all&q=calc")
        assert [row[1] for row in rows[1:]] == ["'=cmd|' /C calc'!A0"]

    @pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
    def test_every_formula_start_is_escaped(self, start):
        assert safe_cell(f"{start}1+1") == f"'{start}1+1"
        assert safe_cell("1+1") == "1+1"

    def test_the_queue_links_to_the_export_with_its_filters(self, engineer_client, tickets):
        response = engineer_client.get(f"{CHANGELIST}?assigned=all&q=restore")
        assert f'href="{export_url()}?assigned=all&amp;q=restore"' in response.content.decode()

    def test_a_customer_may_not_download_it(self, client, customer, tickets):
        client.force_login(customer)
        response = client.get(f"{export_url()}?assigned=all")
        assert response.status_code == 302
        assert "/login/" in response["Location"]

    def test_staff_without_the_view_permission_may_not(self, client, tickets):
        from tests.factories import StaffFactory

        client.force_login(StaffFactory(email="nobody@novadesk.test"))
        assert client.get(f"{export_url()}?assigned=all").status_code == 403


def export_queries(client) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        rows = download(client, "assigned=all")
    return len(rows) - 1, [query["sql"] for query in queries.captured_queries]


class TestExportQueryBudget:
    def test_one_query_for_the_rows_whatever_their_number(
        self, engineer_client, open_ticket, django_assert_max_num_queries
    ):
        for number in range(4):
            copy_ticket(open_ticket, subject=f"Request {number}")
        download(engineer_client, "assigned=all")  # warm caches (content types, sessions)
        few, few_queries = export_queries(engineer_client)
        assert few == 5
        for number in range(55):
            copy_ticket(open_ticket, subject=f"More {number}")
        many, many_queries = export_queries(engineer_client)
        assert many == 60  # more than a page of the queue: no row limit
        assert len(many_queries) == len(few_queries)
        row_queries = [
            sql
            for sql in many_queries
            if '"tickets_ticket"."subject"' in sql and "COUNT" not in sql
        ]
        assert len(row_queries) == 1
