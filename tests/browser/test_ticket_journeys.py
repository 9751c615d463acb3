"""Journeys: sending a support request, following it through the private link, and buying the
support a refused request needs, then sending it from the form kept meanwhile."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from entitlements.services import catalogue_load
from portal.core.models import OutboundEmail
from tests.factories import PASSWORD, UserFactory, grant
from tests.tickets.conftest import engineer
from tickets.models import Attachment, Message, Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOG = {
    "name": "backup.log",
    "mimeType": "text/plain",
    "buffer": b"2026-11-23 02:00 job Nightly started\n2026-11-23 02:01 error 0x80070005\n",
}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Welcome back")).to_be_visible()


def fill_question(page, *, subject: str) -> None:
    page.get_by_label("Product").select_option("professional")
    page.get_by_label("Installed version").fill("21.2")
    page.get_by_label("What is your question about?").select_option("technical")
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Description").fill(
        "Since the update to 21.2 the nightly job stops with error 0x80070005."
    )


def test_send_a_request_then_follow_it_through_the_private_link(
    page, live_server, new_browser, screenshot
):
    catalogue_load()
    customer = UserFactory(email="paula@example.com", name="Paula Premium", country="US")
    grant(customer, "premium")
    engineer("sam@novadesk.test", "us")
    sign_in(page, live_server, customer.email)

    page.get_by_role("link", name="My requests").click()
    expect(page.get_by_role("heading", level=1, name="My requests")).to_be_visible()
    expect(page.get_by_text("You have not sent a support request yet.")).to_be_visible()
    page.get_by_role("link", name="New request", exact=True).click()

    expect(page.get_by_role("heading", level=1, name="New support request")).to_be_visible()
    fill_question(page, subject="Nightly backup fails with 0x80070005")
    page.get_by_role("button", name="Check my support").click()
    decision = page.locator("#decision")
    expect(decision).to_contain_text(
        "Your Premium Support for NovaBACKUP Professional covers this request."
    )
    expect(decision).to_contain_text("our first answer is due by")
    expect(page.get_by_label("Subject")).to_have_value("Nightly backup fails with 0x80070005")
    screenshot(page, "1-checked")

    page.get_by_label("Attachments (optional)").set_input_files(LOG)
    page.get_by_role("button", name="Send request").click()

    ticket = Ticket.objects.get()
    expect(page.get_by_role("status")).to_contain_text(
        f"Your request has the ticket ID {ticket.ticket_id}"
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Nightly backup fails with 0x80070005"
    )
    expect(page.get_by_role("link", name="backup.log")).to_be_visible()
    assert Attachment.objects.get().name == "backup.log"
    screenshot(page, "2-sent")

    page.get_by_role("link", name="My requests").first.click()
    row = page.get_by_role("row").filter(has_text=ticket.ticket_id)
    expect(row).to_contain_text("Nightly backup fails with 0x80070005")
    expect(row).to_contain_text("NovaBACKUP Professional 21.2")
    expect(row).to_contain_text("Open")
    screenshot(page, "3-list")

    # The confirmation e-mail's private link, in a browser nobody signed in to.
    mail = OutboundEmail.objects.get(tag="ticket_created")
    path = re.search(r"/t/[\w-]+/", mail.body_text).group(0)
    context = new_browser()
    visitor = context.pages[0] if context.pages else context.new_page()
    visitor.goto(f"{live_server.url}{path}")
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        "Nightly backup fails with 0x80070005"
    )
    expect(visitor.get_by_role("link", name="Sign in")).to_be_visible()
    expect(visitor.get_by_role("link", name="My requests")).to_have_count(0)
    expect(visitor.get_by_text("private link from our e-mail")).to_be_visible()
    screenshot(visitor, "4-link")

    visitor.get_by_label("Your message").fill("It is Windows 11; the log is attached above.")
    visitor.get_by_role("button", name="Send message").click()
    expect(visitor.get_by_role("status")).to_contain_text("Your message was added")
    expect(visitor.locator(".thread-body").last).to_have_text(
        "It is Windows 11; the log is attached above."
    )

    visitor.get_by_role("button", name="Close the request").click()
    expect(visitor.get_by_role("status")).to_contain_text("The request is closed")
    expect(visitor.get_by_text("A new problem needs a new request")).to_be_visible()
    screenshot(visitor, "5-closed")

    visitor.get_by_role("button", name="Reopen with this comment").click()  # empty: refused
    expect(visitor.get_by_label("Why do you reopen the request?")).to_be_focused()
    visitor.get_by_label("Why do you reopen the request?").fill("The error came back tonight.")
    visitor.get_by_role("button", name="Reopen with this comment").click()
    expect(visitor.get_by_role("status")).to_contain_text("The request is open again")
    expect(visitor.get_by_role("button", name="Close the request")).to_be_visible()
    screenshot(visitor, "6-reopened")

    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    last = ticket.messages.order_by("pk").last()
    assert (last.body, last.via) == ("The error came back tonight.", Message.Via.LINK)


def test_refused_customer_buys_per_incident_support_and_sends_the_kept_request(
    page, live_server, screenshot
):
    catalogue_load()
    customer = UserFactory(email="nina@example.com", name="Nina Noplan", country="US")
    sign_in(page, live_server, customer.email)

    page.goto(f"{live_server.url}/tickets/new/")
    fill_question(page, subject="Licence key not accepted")
    page.get_by_role("button", name="Send request").click()

    decision = page.locator("#decision")
    expect(decision).to_contain_text("Your support does not cover this request")
    expect(decision).to_contain_text(
        "You hold no support for NovaBACKUP Professional that covers requests about "
        "Technical problem."
    )
    assert not Ticket.objects.exists()
    screenshot(page, "1-refused")

    decision.get_by_role("link", name="Buy Per Incident Support").click()
    expect(page.get_by_role("heading", level=1, name="Buy support")).to_be_visible()
    expect(page.get_by_text("After checkout you return to the page you came from.")).to_be_visible()
    card = page.locator("li.offering").filter(
        has=page.get_by_role("heading", name="Per Incident Support", exact=True)
    )
    screenshot(page, "2-buy")
    card.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", level=1, name="Your cart")).to_be_visible()
    page.get_by_role("button", name="Checkout").click()

    expect(page).to_have_url(re.compile(r"/tickets/new/\?resume=1$"))
    expect(page.get_by_text("Welcome back.")).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("Licence key not accepted")
    expect(page.get_by_label("Installed version")).to_have_value("21.2")
    expect(page.locator("#decision")).to_contain_text(
        "Your Per Incident Support for NovaBACKUP Professional covers this request."
    )
    screenshot(page, "3-resumed")
    page.get_by_role("button", name="Send request").click()

    ticket = Ticket.objects.get()
    expect(page.get_by_role("status")).to_contain_text(ticket.ticket_id)
    expect(page.get_by_role("heading", level=1)).to_have_text("Licence key not accepted")
    expect(page.locator(".ticket-facts")).to_contain_text("Per Incident Support")
    assert ticket.entitlement_kind == "per-incident"
    screenshot(page, "4-sent")
