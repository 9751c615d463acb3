"""Journey: a Certified partner's technical representative gets an NFR licence approved and a
pre-sales request forwarded by the sales representative; it becomes a ticket they follow."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from entitlements.services import catalogue_load
from partners.models import Membership, NfrLicence, Organisation, PartnerLevel, PresalesRequest
from portal.accounts import roles
from tests.browser.test_desk_journey import sign_in
from tests.factories import StaffFactory, UserFactory
from tests.tickets.conftest import engineer
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_admin_action(page, base: str, changelist: str, row_text: str, action: str) -> None:
    page.goto(f"{base}{changelist}")
    page.get_by_role("row").filter(has_text=row_text).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(action)
    page.get_by_role("button", name="Go").click()


def test_nfr_licence_and_presales_request(new_browser, live_server, screenshot):
    # Given a Certified partner with a technical representative, the US engineer as its sales
    # representative, and a colleague of the sales team who approves NFR licences.
    catalogue_load()
    roles.roles_sync()
    representative = engineer("sam.partner@novadesk.test", "us")
    representative.groups.add(Group.objects.get(name=roles.SUPPORT_ENGINEER))
    seller = StaffFactory(email="sally.sales@novadesk.test", name="Sally Sales")
    seller.groups.add(Group.objects.get(name=roles.SALES))
    organisation = Organisation.objects.create(
        name="Demo Reseller GmbH",
        level=PartnerLevel.objects.get(code="certified"),
        country="DE",
        sales_representative=representative,
    )
    tech = UserFactory(email="tina.tech@reseller.example", name="Tina Tech", country="US")
    Membership.objects.create(organisation=organisation, user=tech, role="technical")
    base = live_server.url

    # When the technical representative asks for an NFR licence, the agreement comes first.
    partner = new_browser().new_page()
    sign_in(partner, base, tech.email, "/partners/")
    expect(partner.get_by_role("heading", name="Demo Reseller GmbH")).to_be_visible()
    screenshot(partner, "1-partner-area")
    partner.get_by_role("link", name="Request an NFR licence").first.click()
    expect(partner.get_by_role("heading", name="NFR agreement")).to_be_visible()
    partner.get_by_label("I accept version 1 of the NFR agreement").check()
    screenshot(partner, "2-agreement")
    partner.get_by_role("button", name="Accept").click()
    partner.get_by_label("Product").select_option(label="NovaBACKUP Professional")
    partner.get_by_label("What you will use it for (optional)").fill("Demonstrations at fairs")
    screenshot(partner, "3-nfr-request")
    partner.get_by_role("button", name="Send the request").click()
    expect(partner.get_by_text("Under review")).to_be_visible()

    # And sales staff approve it in the admin.
    desk = new_browser().new_page()
    sign_in(desk, base, seller.email, "/admin/partners/nfrlicence/")
    run_admin_action(desk, base, "/admin/partners/nfrlicence/", "Demo Reseller GmbH", "approve")
    expect(desk.get_by_text("Approved: 1")).to_be_visible()
    screenshot(desk, "4-admin-approved")

    # Then the partner sees the key and its expiry.
    licence = NfrLicence.objects.get()
    partner.goto(f"{base}/partners/")
    expect(partner.get_by_text(licence.licence_key)).to_be_visible()
    expect(partner.get_by_text("Active", exact=True)).to_be_visible()
    screenshot(partner, "5-key-shown")

    # When the partner asks for pre-sales help with a customer project.
    partner.get_by_role("link", name="Ask for pre-sales help").click()
    partner.get_by_label("Customer company").fill("Acme Logistics")
    partner.get_by_label("Product").select_option(label="NovaBACKUP Server")
    partner.get_by_label("Expected seats").fill("40")
    partner.get_by_label("The customer project").fill("Forty servers on two sites.")
    screenshot(partner, "6-presales-form")
    partner.get_by_role("button", name="Send to my sales representative").click()
    expect(partner.get_by_text("With your sales representative")).to_be_visible()

    # And the sales representative forwards it to support in the admin.
    rep = new_browser().new_page()
    sign_in(rep, base, representative.email, "/admin/partners/presalesrequest/")
    run_admin_action(rep, base, "/admin/partners/presalesrequest/", "Acme Logistics", "forward")
    expect(rep.get_by_text("Forwarded: 1")).to_be_visible()
    screenshot(rep, "7-admin-forwarded")

    # Then it is a pre-sales ticket in the partner's list, and its page opens.
    ticket = Ticket.objects.get()
    assert ticket.category == "pre-sales" and ticket.partner_organisation == organisation
    assert PresalesRequest.objects.get().ticket_reference == ticket.ticket_id
    partner.goto(f"{base}/tickets/")
    expect(partner.get_by_role("link", name=ticket.ticket_id)).to_be_visible()
    screenshot(partner, "8-ticket-list")
    partner.get_by_role("link", name=ticket.ticket_id).click()
    expect(partner.get_by_text("Forty servers on two sites.")).to_be_visible()
    expect(partner.get_by_text("ValueCREATE! partner help")).to_be_visible()
    screenshot(partner, "9-ticket-page")
