"""Setup and Restore Support start with a call: buying one books it, a request under one needs a
phone number and gets a call-back due, and the desk's call-back page lists the calls to make."""

from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entitlements import arrangements
from entitlements import services as entitlement_services
from entitlements.models import ArrangementCall, Entitlement, Offering, Order, Product
from portal.core.errors import ApplicationError
from tests.factories import StaffFactory, UserFactory, grant, shop_order
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("releases", "frozen_monday")]

CALLBACKS = "/admin/desk/callbacks/"
WEBHOOK = "/webhooks/orders/"
# One business day (eight business hours) after Monday 23 November 2026, 09:00 in Los Angeles,
# the frozen now: the end of that Monday.
A_BUSINESS_DAY_LATER = "2026-11-23T17:00:00-08:00"


def la(moment) -> str:
    return moment.astimezone(ZoneInfo("America/Los_Angeles")).isoformat()


def request(customer, **overrides):
    fields = {
        "customer": customer,
        "product": "professional",
        "version": "21.2",
        "category": "setup",
        "subject": "Please set up the nightly job",
        "description": "I am at the server from 10 am.",
        **overrides,
    }
    return services.ticket_create(**fields).ticket


@pytest.fixture
def buyer(db):
    return UserFactory(email="buyer@example.com", country="US", phone="+1 415 555 0100")


# --- A purchase books the call ------------------------------------------------------------------


class TestPurchaseBooksTheCall:
    @pytest.mark.parametrize("kind", ["setup", "restore"])
    def test_buying_setup_or_restore_books_a_call_due_in_one_business_day(self, buyer, kind):
        shop_order(email=buyer.email, items=[(kind, "professional")])

        task = ArrangementCall.objects.get()
        entitlement = Entitlement.objects.get(customer=buyer)
        assert task.entitlement == entitlement
        assert entitlement.kind == kind
        assert task.customer == buyer
        assert task.team.code == "us"
        assert la(task.due_at) == A_BUSINESS_DAY_LATER
        assert task.done_at is None
        assert task.events.get().action == "booked"

    @pytest.mark.parametrize("kind", ["premium", "per-incident", "upgrade-protection"])
    def test_other_support_books_no_call(self, buyer, kind):
        shop_order(email=buyer.email, items=[(kind, "professional")])

        assert Entitlement.objects.filter(customer=buyer, kind=kind).exists()
        assert not ArrangementCall.objects.exists()

    def test_a_repeated_notification_books_no_second_call(self, client, buyer):
        body = json.dumps(
            {
                "reference": "CB-777001",
                "email": buyer.email,
                "currency": "USD",
                "purchased_at": "2026-11-23T16:30:00Z",
                "items": [{"offering": "setup", "product": "server", "quantity": 1}],
            }
        ).encode()
        headers = {"X-Order-Signature": entitlement_services.order_signature(body)}

        first = client.post(WEBHOOK, data=body, content_type="application/json", headers=headers)
        again = client.post(WEBHOOK, data=body, content_type="application/json", headers=headers)

        assert (first.status_code, again.status_code) == (201, 200)
        assert ArrangementCall.objects.count() == 1

    def test_booking_twice_for_one_entitlement_keeps_one_call(self, buyer):
        entitlement = grant(buyer, "setup")

        again = arrangements.arrangement_call_book(entitlement=entitlement)

        assert ArrangementCall.objects.get() == again

    def test_the_call_is_booked_in_the_transaction_of_the_entitlement(self, buyer, monkeypatch):
        def calendar_down(**kwargs):
            raise RuntimeError("the team calendar cannot be read")

        monkeypatch.setattr(arrangements, "arrangement_call_book", calendar_down)

        with pytest.raises(RuntimeError):
            shop_order(email=buyer.email, items=[("restore", "professional")])

        assert not Order.objects.exists()
        assert not Entitlement.objects.exists()

    def test_an_order_claimed_later_books_the_call_when_it_is_linked(self, buyer):
        order = shop_order(email="someone-else@example.com", items=[("setup", "professional")])
        assert not ArrangementCall.objects.exists()

        entitlement_services.order_claim(
            customer=buyer, reference=order.reference, email="someone-else@example.com"
        )

        assert ArrangementCall.objects.get().customer == buyer

    def test_a_grant_by_staff_in_the_admin_books_the_call(self, client, buyer):
        client.force_login(StaffFactory(is_superuser=True))

        response = client.post(
            reverse("admin:entitlements_entitlement_add"),
            {
                "customer": buyer.pk,
                "product": Product.objects.get(code="server").pk,
                "offering": Offering.objects.get(code="restore").pk,
                "starts_at_0": "2026-11-23",
                "starts_at_1": "08:00:00",
                "quantity": 1,
                "reason": "restore after outage",
            },
        )

        assert response.status_code == 302
        task = ArrangementCall.objects.get()
        assert task.entitlement.kind == "restore"
        assert la(task.due_at) == A_BUSINESS_DAY_LATER


# --- A request under a Setup or Restore credit ------------------------------------------------


class TestRequestUnderTheCredit:
    @pytest.mark.parametrize(("kind", "channel"), [("setup", "online"), ("restore", "phone")])
    def test_a_request_needs_a_phone_number_and_keeps_the_credit_without_one(
        self, buyer, kind, channel
    ):
        credit = grant(buyer, kind)

        with pytest.raises(ApplicationError, match="phone number") as refused:
            request(buyer, category=kind, channel=channel)

        assert refused.value.code == "phone-required"
        credit.refresh_from_db()
        assert credit.uses_left == 1
        assert not Ticket.objects.exists()

    @pytest.mark.parametrize(("kind", "channel"), [("setup", "phone"), ("restore", "online")])
    def test_a_request_gets_a_call_back_due_in_one_business_day(self, buyer, kind, channel):
        grant(buyer, kind)

        ticket = request(buyer, category=kind, channel=channel, phone="+1 805 555 0100")

        assert ticket.entitlement_kind == kind
        assert ticket.phone == "+1 805 555 0100"
        assert la(ticket.callback_due) == A_BUSINESS_DAY_LATER

    def test_the_request_takes_over_the_call_booked_at_the_purchase(self, buyer):
        entitlement = grant(buyer, "setup")

        ticket = request(buyer, phone="+1 805 555 0100")

        task = ArrangementCall.objects.get(entitlement=entitlement)
        assert task.done_at == timezone.now()
        assert (task.outcome, task.reference) == ("request", ticket.ticket_id)
        assert not ArrangementCall.objects.due().exists()

    def test_a_setup_question_under_a_plan_needs_no_phone_number(self, buyer):
        grant(buyer, "premium")
        grant(buyer, "setup")

        ticket = request(buyer)

        assert ticket.entitlement_kind == "premium"
        assert ticket.callback_due is None
        assert ArrangementCall.objects.due().count() == 1

    def test_a_per_incident_request_online_still_needs_no_phone_number(self, buyer):
        grant(buyer, "per-incident")

        ticket = request(buyer, category="technical")

        assert (ticket.entitlement_kind, ticket.callback_due) == ("per-incident", None)

    def test_the_api_names_the_phone_field(self, client, buyer):
        grant(buyer, "restore")
        client.force_login(buyer)

        response = client.post(
            "/api/v1/tickets/",
            {
                "product": "professional",
                "version": "21.2",
                "category": "restore",
                "subject": "Restore drive D",
                "description": "The disk failed.",
            },
            content_type="application/json",
        )

        assert response.status_code == 400
        assert list(response.json()) == ["phone"]
        assert not Ticket.objects.exists()

    def test_the_form_shows_the_error_at_the_phone_field(self, client, buyer):
        grant(buyer, "setup")
        client.force_login(buyer)
        data = {
            "product": "professional",
            "version": "21.2",
            "category": "setup",
            "channel": "online",
            "phone": "",
            "subject": "Set up the nightly job",
            "description": "Please call me.",
            "remote_id": "",
            "language": "en",
        }

        response = client.post(reverse("tickets:new"), data)

        assert response.status_code == 200
        assert "phone" in response.context["form"].errors
        page = response.content.decode()
        assert "Setup and Restore Support" in page  # the phone field says why it is needed
        assert not Ticket.objects.exists()


# --- The desk's call-back page ------------------------------------------------------------------


@pytest.fixture
def booked(buyer):
    """A Setup purchase of a US customer and a Restore purchase of a German one."""
    shop_order(email=buyer.email, items=[("setup", "professional")])
    german = UserFactory(email="kurt@example.de", country="DE", phone="+49 40 1234567")
    shop_order(email=german.email, items=[("restore", "server")])
    return {
        "us": ArrangementCall.objects.get(customer=buyer),
        "de": ArrangementCall.objects.get(customer=german),
    }


def task_rows(response) -> list:
    return [row["task"] for row in response.context["task_rows"]]


class TestDeskPage:
    def test_the_page_lists_the_calls_to_arrange_per_team(self, client, booked, us_engineer):
        client.force_login(us_engineer)

        response = client.get(CALLBACKS)

        assert task_rows(response) == [booked["us"]]
        counts = {team.code: team.due_count for team in response.context["teams"]}
        assert counts == {"de": 1, "us": 1}
        page = response.content.decode()
        assert str(booked["us"].customer.phone) in page
        assert "Setup Support" in page
        assert "Mon 23 Nov, 17:00" in page
        assert f'name="task" value="{booked["us"].pk}"' in page
        assert "Done (reached)" in page
        assert "Not reached" in page

    def test_the_customers_local_time_comes_from_their_country(self, client, booked, us_engineer):
        client.force_login(us_engineer)

        row = client.get(CALLBACKS, {"team": "de"}).context["task_rows"][0]

        assert row["task"] == booked["de"]
        assert row["phone"] == str(booked["de"].customer.phone)
        assert row["local"].zone == "Europe/Berlin"
        assert row["local"].at.strftime("%H:%M") == "18:00"

    def test_done_records_the_call_and_leaves_the_queue(self, client, booked, us_engineer):
        client.force_login(us_engineer)
        task = booked["us"]

        response = client.post(
            CALLBACKS,
            {"task": task.pk, "team": "us", "outcome": "reached", "note": "Session on Thursday"},
        )

        assert response.status_code == 302
        assert response.url == f"{CALLBACKS}?team=us"
        task.refresh_from_db()
        assert task.done_at == timezone.now()
        assert (task.outcome, task.engineer) == ("reached", us_engineer)
        event = task.events.get(action="call reached")
        assert (event.actor, event.note) == (us_engineer, "Session on Thursday")
        assert task_rows(client.get(CALLBACKS)) == []

    def test_not_reached_is_recorded_and_stays_in_the_queue(self, client, booked, us_engineer):
        client.force_login(us_engineer)
        task = booked["us"]

        client.post(CALLBACKS, {"task": task.pk, "team": "us", "outcome": "not-reached"})

        task.refresh_from_db()
        assert task.done_at is None
        assert (task.attempts, task.last_attempt_at) == (1, timezone.now())
        assert task.events.filter(action="call not reached", actor=us_engineer).exists()
        response = client.get(CALLBACKS)
        assert task_rows(response) == [task]
        assert response.context["task_rows"][0]["task"].attempts == 1

    def test_a_call_already_done_is_not_recorded_twice(self, client, booked, us_engineer):
        client.force_login(us_engineer)
        task = booked["us"]
        client.post(CALLBACKS, {"task": task.pk, "team": "us", "outcome": "reached"})

        response = client.post(
            CALLBACKS, {"task": task.pk, "team": "us", "outcome": "not-reached"}, follow=True
        )

        assert "no longer due" in response.content.decode()
        task.refresh_from_db()
        assert (task.outcome, task.attempts) == ("reached", 0)
        assert task.events.filter(action__startswith="call").count() == 1

    def test_view_only_staff_cannot_record_calls(self, client, booked):
        from django.contrib.auth.models import Group

        sales = StaffFactory()
        sales.groups.add(Group.objects.get(name="Sales"))
        client.force_login(sales)
        task = booked["us"]

        assert "Done (reached)" not in client.get(CALLBACKS).content.decode()
        response = client.post(CALLBACKS, {"task": task.pk, "outcome": "reached"})

        assert response.status_code == 403
        task.refresh_from_db()
        assert task.done_at is None

    def test_a_revoked_purchase_leaves_the_queue(self, client, booked, us_engineer):
        client.force_login(us_engineer)
        entitlement_services.entitlement_revoke(
            entitlement=booked["us"].entitlement, reason="refunded", actor=us_engineer
        )

        response = client.get(CALLBACKS)

        assert task_rows(response) == []
        assert {team.code: team.due_count for team in response.context["teams"]}["us"] == 0

    def test_the_query_count_does_not_grow_with_the_calls(self, client, us_engineer):
        client.force_login(us_engineer)

        def buy(count: int, offset: int) -> None:
            for index in range(offset, offset + count):
                customer = UserFactory(email=f"buyer{index}@example.com", country="US")
                grant(customer, ["setup", "restore"][index % 2])

        buy(2, 0)
        with CaptureQueriesContext(connection) as few:
            client.get(CALLBACKS)
        buy(8, 2)
        with CaptureQueriesContext(connection) as many:
            response = client.get(CALLBACKS)

        assert len(response.context["task_rows"]) == 10
        assert len(many.captured_queries) == len(few.captured_queries)


def test_calls_due_first_come_first(buyer):
    later = grant(UserFactory(country="US"), "setup")
    first = grant(buyer, "restore")
    ArrangementCall.objects.filter(entitlement=first).update(
        due_at=timezone.now() - timedelta(hours=1)
    )

    assert [task.entitlement for task in ArrangementCall.objects.due()] == [first, later]
