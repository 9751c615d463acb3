"""The support desk's admin pages: the call-back queue and the dashboard."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entitlements.models import Product
from entitlements.services import catalogue_load
from portal.core.models import OutboundEmail
from teams.models import Team
from tests.factories import PASSWORD, StaffFactory, UserFactory, grant
from tests.tickets.conftest import MONDAY_MORNING_LA, engineer
from tickets import desk_selectors, services
from tickets.models import Message, Resolution, Status, Ticket

pytestmark = pytest.mark.django_db

CALLBACKS = "/admin/desk/callbacks/"
DASHBOARD = "/admin/desk/dashboard/"
TICKETS_ALL = "/admin/tickets/ticket/?assigned=all"


# --- Set-up -----------------------------------------------------------------------------------


@pytest.fixture
def now():
    """Monday 23 November 2026, 17:00 UTC (09:00 in Los Angeles, 18:00 in Berlin)."""
    with time_machine.travel(MONDAY_MORNING_LA, tick=False):
        yield timezone.now()


@pytest.fixture
def catalogue(db) -> None:
    catalogue_load()


def in_group(user, group: str):
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def us_engineer(catalogue):
    return in_group(engineer("sam@novadesk.test", "us"), "Support engineer")


@pytest.fixture
def de_engineer(catalogue):
    return in_group(engineer("jonas@novadesk.test", "de"), "Support engineer")


@pytest.fixture
def us_customer(catalogue):
    customer = UserFactory(email="paula@example.com", name="Paula Premium", country="US")
    grant(customer, "premium")
    return customer


@pytest.fixture
def de_customer(catalogue):
    customer = UserFactory(email="kurt@example.de", name="Kurt Kunde", country="DE")
    grant(customer, "premium")
    return customer


def new_ticket(customer, subject: str = "Backup fails", **updates) -> Ticket:
    """A ticket opened through the service, then moved to the state a test needs."""
    ticket = services.ticket_create(
        customer=customer,
        product="professional",
        version="21.2",
        category="technical",
        subject=subject,
        description="The nightly job fails.",
        phone="+1 415 555 0100",
    ).ticket
    if updates:
        Ticket.objects.filter(pk=ticket.pk).update(**updates)
        ticket.refresh_from_db()
    return ticket


def many_tickets(count: int, *, team: Team, customer, now, offset: int = 0) -> None:
    """``count`` varied tickets written directly, for the query-count checks."""
    product = Product.objects.get(code="professional")
    statuses = [Status.NEW, Status.OPEN, Status.WAITING, Status.CLOSED]
    Ticket.objects.bulk_create(
        Ticket(
            ticket_id=f"QC-{team.code}-{offset + index:06d}",
            customer=customer,
            product=product,
            version="21.2",
            category="technical",
            subject=f"Ticket {index}",
            language="en",
            phone="+1 415 555 0100",
            status=statuses[index % 4],
            team=team,
            entitlement_kind=["premium", "per-incident"][index % 2],
            created_at=now - timedelta(days=index % 40, hours=1),
            first_response_due=now - timedelta(days=index % 40) + timedelta(hours=4),
            first_responded_at=(now - timedelta(days=index % 40)) if index % 3 else None,
            callback_due=now + timedelta(minutes=index - 20),
            closed_at=now - timedelta(days=index % 7)
            if statuses[index % 4] == Status.CLOSED
            else None,
            contact_attempts=1 if statuses[index % 4] == Status.WAITING else 0,
            first_attempt_at=now - timedelta(hours=index)
            if statuses[index % 4] == Status.WAITING
            else None,
            last_attempt_at=now - timedelta(hours=index)
            if statuses[index % 4] == Status.WAITING
            else None,
        )
        for index in range(count)
    )


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


# --- Access -----------------------------------------------------------------------------------


class TestAccess:
    @pytest.mark.parametrize("url", [CALLBACKS, DASHBOARD])
    def test_visitors_and_customers_are_sent_to_sign_in(self, client, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"/admin/login/?next={url}"

        client.force_login(UserFactory(email="paula@example.com"))
        response = client.get(url, follow=True)
        # A signed-in customer is told, never bounced between the two sign-in pages.
        assert response.status_code == 403
        assert "no access to the support desk" in response.content.decode()

    @pytest.mark.parametrize("url", [CALLBACKS, DASHBOARD])
    def test_staff_without_ticket_rights_are_refused(self, client, url):
        client.force_login(in_group(StaffFactory(), "Product team"))

        assert client.get(url).status_code == 403

    def test_the_admin_links_to_both_pages_for_engineers(self, client, us_engineer):
        client.force_login(us_engineer)

        page = client.get("/admin/").content.decode()

        assert f'href="{reverse("desk-dashboard")}"' in page
        assert f'href="{reverse("desk-callbacks")}"' in page

    def test_no_links_for_staff_without_ticket_rights(self, client):
        client.force_login(in_group(StaffFactory(), "Product team"))

        page = client.get("/admin/").content.decode()

        assert reverse("desk-dashboard") not in page


# --- The call-back queue ----------------------------------------------------------------------


@pytest.fixture
def queue(now, us_customer, de_customer, us_engineer, de_engineer):
    """Three due call-backs for the US team, one done, one closed, one for the German team."""
    tickets = {
        "later": new_ticket(us_customer, "later", callback_due=now + timedelta(hours=2)),
        "overdue": new_ticket(us_customer, "overdue", callback_due=now - timedelta(hours=1)),
        "soon": new_ticket(us_customer, "soon", callback_due=now + timedelta(minutes=30)),
        "done": new_ticket(
            us_customer,
            "done",
            callback_due=now - timedelta(hours=3),
            callback_done_at=now - timedelta(hours=2),
        ),
        "closed": new_ticket(
            us_customer,
            "closed",
            callback_due=now - timedelta(hours=5),
            status=Status.CLOSED,
            closed_at=now - timedelta(hours=4),
        ),
        "german": new_ticket(de_customer, "german", callback_due=now - timedelta(hours=6)),
        "no-call": new_ticket(us_customer, "no call-back"),
    }
    return tickets


def listed(response) -> list[str]:
    return [row["ticket"].subject for row in response.context["rows"]]


class TestCallbackQueue:
    def test_lists_the_due_call_backs_of_the_viewers_team_in_due_order(
        self, client, queue, us_engineer
    ):
        client.force_login(us_engineer)

        response = client.get(CALLBACKS)

        assert response.context["team"].code == "us"
        assert listed(response) == ["overdue", "soon", "later"]
        page = response.content.decode()
        assert page.index(queue["overdue"].ticket_id) < page.index(queue["soon"].ticket_id)
        assert reverse("admin:tickets_ticket_change", args=[queue["overdue"].pk]) in page
        assert "+1 415 555 0100" in page
        assert "overdue" in page
        assert "Done (reached)" in page
        assert "Not reached" in page

    def test_the_team_tab_selects_another_team(self, client, queue, us_engineer):
        client.force_login(us_engineer)

        response = client.get(CALLBACKS, {"team": "de"})

        assert listed(response) == ["german"]
        counts = {team.code: team.due_count for team in response.context["teams"]}
        assert counts == {"de": 1, "us": 3}

    def test_a_german_engineer_starts_on_the_german_team(self, client, queue, de_engineer):
        client.force_login(de_engineer)

        assert listed(client.get(CALLBACKS)) == ["german"]

    def test_the_customers_local_time_comes_from_their_country(self, client, queue, de_engineer):
        client.force_login(de_engineer)

        row = client.get(CALLBACKS).context["rows"][0]

        assert row["local"].zone == "Europe/Berlin"
        assert row["local"].from_country
        assert row["local"].at.strftime("%H:%M") == "18:00"

    def test_a_country_with_several_zones_falls_back_to_the_team(self, client, queue, us_engineer):
        client.force_login(us_engineer)

        row = client.get(CALLBACKS).context["rows"][0]

        assert row["local"].zone == "America/Los_Angeles"
        assert not row["local"].from_country
        assert row["local"].at.strftime("%H:%M") == "09:00"
        page = client.get(CALLBACKS).content.decode()
        assert "team&#x27;s zone" in page or "team's zone" in page

    def test_times_are_shown_in_the_zones_they_are_labelled_with(self, client, queue, us_engineer):
        client.force_login(us_engineer)

        us_page = client.get(CALLBACKS).content.decode()
        de_page = client.get(CALLBACKS, {"team": "de"}).content.decode()

        # 17:00 UTC: 09:00 in Los Angeles, 18:00 in Berlin; due times in the team's zone.
        assert "Mon 09:00" in us_page
        assert "Mon 23 Nov, 08:00" in us_page  # the overdue call-back, due at 16:00 UTC
        assert "Mon 18:00" in de_page
        assert "Mon 23 Nov, 12:00" in de_page  # due at 11:00 UTC, 12:00 in Berlin

    def test_done_logs_a_reached_call_and_leaves_the_queue(self, client, queue, us_engineer):
        client.force_login(us_engineer)
        ticket = queue["overdue"]

        response = client.post(
            CALLBACKS,
            {"ticket": ticket.pk, "team": "us", "outcome": "reached", "note": "Fixed permissions"},
        )

        assert response.status_code == 302
        assert response.url == f"{CALLBACKS}?team=us"
        ticket.refresh_from_db()
        assert ticket.callback_done_at == timezone.now()
        assert ticket.status == Status.OPEN
        assert ticket.first_responded_at == timezone.now()
        call = ticket.messages.get(kind=Message.Kind.CALL)
        assert call.author == us_engineer
        assert "Fixed permissions" in call.body
        assert ticket.events.filter(action="call reached").exists()
        assert listed(client.get(CALLBACKS)) == ["soon", "later"]

    def test_not_reached_counts_an_attempt_and_stays_in_the_queue(self, client, queue, us_engineer):
        client.force_login(us_engineer)
        ticket = queue["soon"]

        client.post(CALLBACKS, {"ticket": ticket.pk, "team": "us", "outcome": "not-reached"})

        ticket.refresh_from_db()
        assert ticket.callback_done_at is None
        assert ticket.contact_attempts == 1
        assert ticket.last_attempt_at == timezone.now()
        assert ticket.status == Status.WAITING
        assert ticket.events.filter(action="call not reached").exists()
        assert OutboundEmail.objects.filter(tag="ticket_call_attempt").count() == 1
        response = client.get(CALLBACKS)
        assert listed(response) == ["overdue", "soon", "later"]
        assert response.context["rows"][1]["ticket"].contact_attempts == 1

    def test_a_call_back_already_done_is_not_logged_twice(self, client, queue, us_engineer):
        client.force_login(us_engineer)
        ticket = queue["done"]

        response = client.post(
            CALLBACKS, {"ticket": ticket.pk, "team": "us", "outcome": "reached"}, follow=True
        )

        assert "no longer due" in response.content.decode()
        assert not ticket.messages.filter(kind=Message.Kind.CALL).exists()

    def test_view_only_staff_cannot_log_calls(self, client, queue):
        client.force_login(in_group(StaffFactory(), "Sales"))
        ticket = queue["soon"]

        assert "Done (reached)" not in client.get(CALLBACKS).content.decode()
        response = client.post(CALLBACKS, {"ticket": ticket.pk, "outcome": "reached"})

        assert response.status_code == 403
        assert not ticket.messages.filter(kind=Message.Kind.CALL).exists()

    def test_the_query_count_does_not_grow_with_the_queue(
        self, client, now, us_customer, us_engineer
    ):
        client.force_login(us_engineer)
        us = Team.objects.get(code="us")
        many_tickets(5, team=us, customer=us_customer, now=now)
        few = queries_for(client, CALLBACKS)
        many_tickets(45, team=us, customer=us_customer, now=now, offset=5)

        many = queries_for(client, CALLBACKS)

        assert len(client.get(CALLBACKS).context["rows"]) > 20
        assert many == few


# --- The dashboard ----------------------------------------------------------------------------


@pytest.fixture
def known(now, us_customer, de_customer, us_engineer):
    """A small data set whose numbers are worked out by hand (now: Mon 23 Nov, 17:00 UTC)."""
    day, hour = timedelta(days=1), timedelta(hours=1)
    us = {
        # Answered in time; now waiting for the customer since yesterday.
        "met": new_ticket(
            us_customer,
            "met",
            created_at=now - 2 * day,
            first_response_due=now - day,
            first_responded_at=now - day - hour,
            status=Status.WAITING,
            contact_attempts=1,
            first_attempt_at=now - day,
            last_attempt_at=now - day,
        ),
        # Answered late, closed yesterday.
        "late": new_ticket(
            us_customer,
            "late",
            created_at=now - 3 * day,
            first_response_due=now - 2 * day,
            first_responded_at=now - day,
            status=Status.CLOSED,
            resolution=Resolution.RESOLVED,
            closed_at=now - day + hour,
        ),
        # Unanswered and past due: missed.
        "overdue": new_ticket(
            us_customer,
            "overdue",
            created_at=now - day,
            first_response_due=now - hour,
            first_responded_at=None,
            status=Status.NEW,
        ),
        # Unanswered, not yet due.
        "pending": new_ticket(
            us_customer,
            "pending",
            created_at=now - hour,
            first_response_due=now + 5 * hour,
            first_responded_at=None,
            status=Status.NEW,
        ),
        # Before the window: neither in the targets nor in the backlog.
        "old": new_ticket(
            us_customer,
            "old",
            created_at=now - 40 * day,
            first_response_due=now - 39 * day,
            first_responded_at=None,
            status=Status.CLOSED,
            resolution=Resolution.RESOLVED,
            closed_at=now - 35 * day,
        ),
        # Cancelled as opened by mistake: left out of the targets.
        "cancelled": new_ticket(
            us_customer,
            "cancelled",
            created_at=now - 5 * day,
            first_response_due=now - 4 * day,
            first_responded_at=None,
            status=Status.CLOSED,
            resolution=Resolution.CANCELLED,
            closed_at=now - 5 * day + hour,
        ),
    }
    de = {
        # Per-incident, answered in time, waiting for the customer for eight days.
        "met": new_ticket(
            de_customer,
            "de met",
            created_at=now - 10 * day,
            first_response_due=now - 9 * day,
            first_responded_at=now - 9 * day - 2 * hour,
            entitlement_kind="per-incident",
            status=Status.WAITING,
            contact_attempts=2,
            first_attempt_at=now - 8 * day,
            last_attempt_at=now - 4 * day,
        ),
        # Closed by the customer before its due time, never answered: neither met nor missed.
        "withdrawn": new_ticket(
            de_customer,
            "de withdrawn",
            created_at=now - 4 * day,
            first_response_due=now - 3 * day,
            first_responded_at=None,
            status=Status.CLOSED,
            resolution=Resolution.CUSTOMER_CLOSED,
            closed_at=now - 3 * day - 5 * hour,
        ),
    }
    return us, de


class TestDashboard:
    def test_open_tickets_per_team_and_status(self, client, known, us_engineer):
        client.force_login(us_engineer)

        response = client.get(DASHBOARD)

        rows = {
            row["team"].code: (row["cells"], row["total"]) for row in response.context["open_rows"]
        }
        # new, open, waiting
        assert rows == {"de": ([0, 0, 1], 1), "us": ([2, 0, 1], 3)}
        assert response.context["open_totals"] == [2, 0, 2]
        assert response.context["open_total"] == 4

    def test_first_response_targets_per_team_and_kind(self, client, known, us_engineer):
        client.force_login(us_engineer)

        rows = client.get(DASHBOARD).context["first_response"]

        table = {
            (row["team"].code, str(row["kind"])): (
                row["total"],
                row["met"],
                row["late"],
                row["overdue"],
                row["missed"],
                row["pending"],
                row["share"],
            )
            for row in rows
        }
        assert table == {
            ("us", "Premium Support"): (4, 1, 1, 1, 2, 1, 33),
            ("de", "Premium Support"): (1, 0, 0, 0, 0, 0, None),
            ("de", "Per Incident Support"): (1, 1, 0, 0, 0, 0, 100),
        }

    def test_backlog_per_day(self, client, known, us_engineer):
        client.force_login(us_engineer)

        backlog = client.get(DASHBOARD).context["backlog"]

        us, de = backlog["series"]["United States team"], backlog["series"]["Germany team"]
        assert len(us) == len(de) == 30
        labels = [row["label"] for row in backlog["table"]]
        assert labels[0] == "25 Oct"
        assert labels[-1] == "23 Nov"
        # The last six days, 18 to 23 November.
        assert us[-6:] == [0, 0, 1, 2, 2, 3]
        assert de[-11:] == [1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]
        assert sum(de[:-11]) == 0
        assert sum(us[:-6]) == 0
        assert [row["total"] for row in backlog["table"]][-6:] == [1, 2, 2, 3, 3, 4]

    def test_the_chart_is_inline_svg_without_script_or_style(self, client, known, us_engineer):
        client.force_login(us_engineer)

        page = client.get(DASHBOARD).content.decode()

        start = page.index('<svg role="img"')
        svg = page[start : page.index("</svg>", start)]
        assert 'class="pygal-chart"' in svg
        assert "Open tickets at the end of each day" in svg
        assert "United States team" in svg
        assert "<script" not in svg
        assert "<style" not in svg
        assert "style=" not in svg
        assert "<?xml" not in page
        assert "desk-dashboard.css" in page

    def test_the_tickets_waiting_longest_come_first(self, client, known, us_engineer):
        client.force_login(us_engineer)
        _us, de = known

        response = client.get(DASHBOARD)

        assert [t.subject for t in response.context["oldest_waiting"]] == ["de met", "met"]
        page = response.content.decode()
        assert reverse("admin:tickets_ticket_change", args=[de["met"].pk]) in page

    def test_an_empty_desk_still_renders(self, client, catalogue):
        client.force_login(in_group(StaffFactory(), "Support engineer"))

        response = client.get(DASHBOARD)

        assert response.status_code == 200
        assert response.context["open_total"] == 0
        assert 'class="pygal-chart"' in response.content.decode()

    def test_the_query_count_does_not_grow_with_the_tickets(
        self, client, now, us_customer, de_customer, us_engineer
    ):
        client.force_login(us_engineer)
        us, de = Team.objects.get(code="us"), Team.objects.get(code="de")
        many_tickets(3, team=us, customer=us_customer, now=now)
        many_tickets(2, team=de, customer=de_customer, now=now)
        few = queries_for(client, DASHBOARD)
        many_tickets(25, team=us, customer=us_customer, now=now, offset=3)
        many_tickets(20, team=de, customer=de_customer, now=now, offset=2)

        many = queries_for(client, DASHBOARD)

        assert Ticket.objects.count() == 50
        assert many == few


def test_backlog_days_end_at_midnight_and_today_at_now(now):
    days = desk_selectors.backlog_days(now)

    assert len(days) == 30
    assert days[-1][1] == now
    assert days[-2][1].isoformat() == "2026-11-23T00:00:00+00:00"


class TestDeskTimeZone:
    """Staff see the desk's times in their own team's zone, noted in the session at sign-in."""

    def sign_in(self, client, user) -> None:
        client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    def test_a_german_engineer_sees_berlin_time(self, client, now, de_engineer, de_customer):
        ticket = new_ticket(de_customer, first_response_due=now + timedelta(hours=4))
        due = timezone.localtime(ticket.first_response_due, zoneinfo.ZoneInfo("Europe/Berlin"))
        utc = timezone.localtime(ticket.first_response_due, zoneinfo.ZoneInfo("UTC"))

        self.sign_in(client, de_engineer)
        page = client.get(TICKETS_ALL).content.decode()

        assert client.session["staff_time_zone"] == "Europe/Berlin"
        assert f"{due:%H:%M}" in page
        assert f"{utc:%b} {utc.day}, {utc:%H:%M}" not in page

    def test_a_us_engineer_sees_their_teams_time(self, client, now, us_engineer, us_customer):
        ticket = new_ticket(us_customer, first_response_due=now + timedelta(hours=4))
        zone = Team.objects.get(code="us").time_zone
        due = timezone.localtime(ticket.first_response_due, zoneinfo.ZoneInfo(zone))

        self.sign_in(client, us_engineer)
        page = client.get(TICKETS_ALL).content.decode()

        assert f"{due:%b} {due.day}, {due:%H:%M}" in page

    def test_the_zone_does_not_leak_into_other_requests(self, client, now, de_engineer):
        self.sign_in(client, de_engineer)
        client.get(TICKETS_ALL)

        assert timezone.get_current_timezone_name() == "UTC"
