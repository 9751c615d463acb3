"""The cheaper ways the customer pages and the queue are read: same output, nothing written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import formats, timezone, translation

from portal.core.transactions import atomic_writes
from tests.factories import StaffFactory
from tickets import display, links
from tickets.admin import short_time
from tickets.models import AccessLink, Ticket

MOMENTS = [
    datetime(2026, month, 3 + month, 2 * month - 1, 4 * month, tzinfo=UTC) for month in range(1, 13)
]
WRITES = ("INSERT", "UPDATE", "DELETE")


def writes(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith(WRITES)]


class TestTransactions:
    def test_a_read_runs_without_a_transaction_and_a_write_in_one(self, db, rf: RequestFactory):
        depth = {}

        @atomic_writes
        def view(request):
            depth[request.method] = len(connection.atomic_blocks)
            return HttpResponse()

        before = len(connection.atomic_blocks)
        view(rf.get("/"))
        view(rf.post("/"))

        assert depth == {"GET": before, "POST": before + 1}
        assert view._non_atomic_requests == {"default"}

    @pytest.mark.parametrize(
        "path", ["/tickets/", "/tickets/NS-2026-000001/", "/t/token/", "/admin/tickets/ticket/"]
    )
    def test_the_read_pages_leave_atomic_requests_to_their_writes(self, path):
        assert resolve(path).func._non_atomic_requests == {"default"}


class TestPrivateLink:
    def test_opening_a_link_writes_nothing(self, client, open_ticket):
        token = links.link_issue(ticket=open_ticket)

        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/t/{token}/")

        assert response.status_code == 200
        assert writes(captured) == []
        assert AccessLink.objects.filter(ticket=open_ticket).latest("pk").last_used_at is None

    def test_an_action_through_a_link_is_recorded(self, client, open_ticket):
        token = links.link_issue(ticket=open_ticket)

        client.post(f"/t/{token}/", {"action": "comment", "body": "Still failing."})

        assert AccessLink.objects.filter(ticket=open_ticket).latest("pk").last_used_at is not None


class TestDates:
    @pytest.mark.parametrize("language", ["en", "de"])
    @pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin"])
    def test_a_moment_reads_as_the_template_filters_wrote_it(self, language, zone):
        template = Template(
            "{% load tz %}{% timezone zone %}{{ v|date:'c' }}|"
            "{{ v|date:'DATETIME_FORMAT' }} {{ v|date:'T' }}{% endtimezone %}"
        )
        with translation.override(language):
            for value in MOMENTS:
                moment = display.moment(value, zone)
                rendered = template.render(Context({"v": value, "zone": zone}))
                assert f"{moment.iso}|{moment.text}" == rendered

    @pytest.mark.parametrize("language", ["en", "de"])
    def test_the_queue_times_read_as_the_date_format(self, language):
        with translation.override(language):
            for value in MOMENTS:
                expected = formats.date_format(timezone.localtime(value), "M j, H:i")
                assert short_time(value) == expected


class TestQueue:
    @pytest.fixture
    def staff_client(self, db):
        client = Client()
        client.force_login(StaffFactory(email="lead@novadesk.test", is_superuser=True))
        return client

    def test_rows_link_to_the_ticket_with_the_queue_filters(self, staff_client, open_ticket):
        response = staff_client.get("/admin/tickets/ticket/?assigned=all")

        change = reverse("admin:tickets_ticket_change", args=[open_ticket.pk])
        assert f'href="{change}?_changelist_filters=assigned%3Dall"' in response.text

    def test_the_row_checkbox_is_the_admins_own(self, open_ticket):
        ticket_admin = admin.site._registry[Ticket]

        ours = ticket_admin.action_checkbox(open_ticket)

        assert ours == admin.ModelAdmin.action_checkbox(ticket_admin, open_ticket)

    def test_the_queue_opens_no_server_side_cursor(self, staff_client, open_ticket, us_engineer):
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get("/admin/tickets/ticket/?assigned=all")

        assert response.status_code == 200
        assert not [q for q in captured.captured_queries if "DECLARE" in q["sql"]]
        assert f"{us_engineer} (" in response.text  # the engineers of the action bar


@override_settings(SESSION_ENGINE="django.contrib.sessions.backends.cached_db")
def test_signing_out_ends_a_cached_session(client, premium_customer, settings):
    client.force_login(premium_customer)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get("/tickets/").status_code == 200

    client.post(reverse("account_logout"))

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = replay.get("/tickets/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
