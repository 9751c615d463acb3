"""Journey: an engineer answers a German request from a German macro, edited before sending,
and the customer reads the reply on their request page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from entitlements.services import catalogue_load
from portal.accounts import roles
from tests.browser.test_desk_journey import sign_in
from tests.factories import UserFactory, grant
from tests.tickets.conftest import engineer
from tickets import services
from tickets.models import Macro, Message, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GERMAN_BODY = (
    "Guten Tag {{ customer.first_name }},\n\n"
    "bitte senden Sie uns zu Ihrer Anfrage {{ ticket.id }} das Auftragsprotokoll.\n\n"
    "Mit freundlichen Grüßen\n{{ engineer.first_name }}"
)


def test_an_engineer_answers_a_german_request_with_an_edited_german_macro(
    new_browser, live_server, screenshot
):
    # Given a German customer's request, an engineer of the German team and two team macros.
    catalogue_load()
    roles.roles_sync()
    customer = UserFactory(email="jana@example.de", name="Jana Schulz", language="de", country="DE")
    grant(customer, "premium")
    jonas = engineer("jonas.desk@novadesk.test", "de")
    jonas.name = "Jonas Becker"
    jonas.save(update_fields=["name"])
    jonas.groups.add(Group.objects.get(name=roles.SUPPORT_ENGINEER))
    ticket = services.ticket_create(
        customer=customer, product="professional", version="21.2", category="technical",
        subject="Sicherung bricht ab", description="Der Auftrag bleibt bei 99 % stehen.",
    ).ticket  # fmt: skip
    Macro.objects.create(
        title="Protokolle anfordern (Test)",
        language="de",
        body=GERMAN_BODY,
        awaits_customer=True,
        internal_note="Protokoll angefordert.",
    )
    Macro.objects.create(title="Ask for the logs (test)", language="en", body="Hello")
    base = live_server.url

    # When the engineer opens the request and previews the German macro.
    desk = new_browser().new_page()
    sign_in(desk, base, jonas.email, f"/admin/tickets/ticket/{ticket.pk}/change/")
    picker = desk.get_by_label("Start from a macro")
    expect(picker.locator("option", has_text="Protokolle anfordern (Test)")).to_have_count(1)
    expect(picker.locator("option", has_text="Ask for the logs (test)")).to_have_count(0)
    picker.select_option(label="Protokolle anfordern (Test)")
    desk.get_by_role("button", name="Preview").click()

    # Then the reply is filled in for this request and says what else it does.
    reply = desk.get_by_label("Your reply")
    expect(reply).to_have_value(
        "Guten Tag Jana,\n\n"
        f"bitte senden Sie uns zu Ihrer Anfrage {ticket.ticket_id} das Auftragsprotokoll.\n\n"
        "Mit freundlichen Grüßen\nJonas"
    )
    expect(desk.get_by_text("The request waits for the customer's answer")).to_be_visible()
    expect(desk.get_by_text("Adds an internal note: Protokoll angefordert.")).to_be_visible()
    screenshot(desk, "1-preview")

    # When the engineer changes a word and sends it.
    edited = reply.input_value().replace("Auftragsprotokoll", "Sicherungsprotokoll")
    reply.fill(edited)
    desk.get_by_role("button", name="Send the reply").click()
    expect(desk.get_by_text("was sent to the customer")).to_be_visible()
    screenshot(desk, "2-sent")

    sent = Message.objects.get(ticket=ticket, kind=Message.Kind.ENGINEER)
    assert "das Sicherungsprotokoll." in sent.body
    assert "Auftragsprotokoll" not in sent.body
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING
    assert Message.objects.filter(ticket=ticket, kind=Message.Kind.NOTE).count() == 1

    # Then the customer reads the edited reply on their request page.
    portal = new_browser().new_page()
    sign_in(portal, base, customer.email)
    portal.goto(f"{base}/tickets/{ticket.ticket_id}/")
    expect(portal.get_by_text("das Sicherungsprotokoll.", exact=False)).to_be_visible()
    expect(portal.get_by_text("Protokoll angefordert.")).to_have_count(0)
    screenshot(portal, "3-customer-sees-reply")
