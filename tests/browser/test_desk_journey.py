"""Journey: an engineer triages in the admin, the customer reads the reply and rates the support."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from entitlements.services import catalogue_load
from portal.accounts import roles
from portal.core.models import OutboundEmail
from surveys.models import Response
from tests.factories import PASSWORD, UserFactory, grant
from tests.tickets.conftest import engineer
from tickets import services
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base: str, email: str, next_url: str = "/") -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def last_link(tag: str, pattern: str) -> str:
    mail = OutboundEmail.objects.filter(tag=tag).latest("pk")
    return re.search(pattern, mail.body_text).group(0)


def test_engineer_answers_closes_and_the_customer_rates(new_browser, live_server, screenshot):
    # Given a Premium customer's request that is overdue, and an engineer of the US team.
    catalogue_load()
    roles.roles_sync()
    customer = UserFactory(email="rita@example.com", name="Rita Customer", country="US")
    grant(customer, "premium")
    sam = engineer("sam.desk@novadesk.test", "us")
    sam.groups.add(Group.objects.get(name=roles.SUPPORT_ENGINEER))
    ticket = services.ticket_create(
        customer=customer, product="professional", version="21.2", category="technical",
        subject="Restore job hangs at 99%", description="It stops every time.",
    ).ticket  # fmt: skip
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due=timezone.now() - timedelta(hours=2)
    )
    base = live_server.url

    # When the engineer signs in to the desk, filters overdue requests and answers one.
    desk = new_browser().new_page()
    sign_in(desk, base, sam.email, "/admin/tickets/ticket/")
    desk.get_by_role("link", name="Overdue").first.click()
    expect(desk.get_by_text("Restore job hangs at 99%")).to_be_visible()
    screenshot(desk, "1-overdue-queue")
    desk.get_by_role("link", name=ticket.ticket_id).first.click()
    desk.get_by_label("Your reply").fill("Please send the restore log from Settings > Logs.")
    desk.get_by_role("button", name="Send the reply").click()
    expect(desk.get_by_text("Please send the restore log")).to_be_visible()
    screenshot(desk, "2-replied")

    # Then the customer sees the reply on their request page.
    portal = new_browser().new_page()
    sign_in(portal, base, customer.email)
    portal.goto(f"{base}/tickets/{ticket.ticket_id}/")
    expect(portal.get_by_text("Please send the restore log")).to_be_visible()
    screenshot(portal, "3-customer-sees-reply")

    # When the engineer closes the request as resolved.
    desk.get_by_role("button", name="Close as resolved").click()
    ticket.refresh_from_db()
    assert ticket.status == "closed"

    # Then the customer rates it from the e-mail: the link opens the page, only sending records.
    rating_path = last_link("survey_satisfaction", r"/surveys/r/\S+\?rating=5")
    rater = new_browser().new_page()
    rater.goto(f"{base}{rating_path}")
    assert Response.objects.count() == 0
    screenshot(rater, "4-survey")
    rater.get_by_role("button", name="Send my answer").click()
    expect(rater.get_by_text("Your rating: 5 of 5.")).to_be_visible()
    screenshot(rater, "5-thanks")
    response = Response.objects.get()
    assert response.rating == 5
