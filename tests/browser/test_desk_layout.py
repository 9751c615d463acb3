"""The desk at a laptop's width: the whole queue fits a 1,280 px window, in English and German."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from entitlements.services import catalogue_load
from portal.accounts import roles
from tests.browser.conftest import SCREENSHOTS
from tests.factories import PASSWORD, UserFactory, grant
from tests.tickets.conftest import engineer
from tickets import services
from tickets.admin import TicketAdmin
from tickets.models import Priority, Resolution, Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1280, 800
ALL_REQUESTS = "/admin/tickets/ticket/?assigned=all"
# A choice of the "waiting on customer" filter, in the lead's language.
FILTER_CHOICE = {"en": "after 2 contact attempts", "de": "nach 2 Kontaktversuchen"}
FILTER_CHIP = {
    "en": "waiting on customer: after 2 contact attempts",
    "de": "wartet auf den Kunden: nach 2 Kontaktversuchen",
}
LEAD = "katharina.oberhauser-lindqvist@novadesk.test"

# Real requests are long: whole error messages in the subject, company addresses as e-mails.
SUBJECTS = [
    "Backup job “Nightly full backup of the file server to the NAS” fails with error "
    "0x80070005 (access denied) since the Windows update of last Tuesday",
    "Restore of an Exchange mailbox database stops at 99 % and the log says "
    "VSS_E_WRITERERROR_RETRYABLE",
    "Lizenzschlüssel wird nach dem Upgrade auf Version 21.2 nicht mehr akzeptiert",
    "Cloud backup slow",
    "Cannot sign in to the agent console after changing the administrator password on "
    "the domain controller",
    "Scheduled image backup skips drive D:\\ without any message in the job history",
    "Sicherung auf das Netzlaufwerk \\\\nas-buero-hamburg-01\\backup\\täglich bricht nach "
    "zwei Stunden ab",
    "Question about the retention settings for the xSP tenants of our managed-service customers",
]
PRODUCTS = ["professional", "business-essentials", "server"]
KINDS = ["premium", "per-incident", "upgrade-protection", "xsp"]
CUSTOMERS = [
    ("maximilian.mustermann-schneider@datenschutz-und-it-sicherheit.example.com", "DE", "de"),
    ("accounts.payable.department@very-long-company-name-incorporated.example.com", "US", "en"),
    ("it@example.com", "US", "en"),
    ("j.o.hernandez-villanueva@regional-hospital-network.example.org", "US", "en"),
]


def queue_with_long_rows(language: str) -> None:
    """Sixteen requests in every state the queue marks, with long subjects and addresses, and
    a German lead with a long name who reads the desk in ``language``."""
    catalogue_load()
    roles.roles_sync()
    lead = engineer(LEAD, "de")
    lead.name = "Katharina Oberhauser-Lindqvist"
    lead.language = language
    lead.save(update_fields=["name", "language"])
    lead.groups.add(Group.objects.get(name=roles.SUPPORT_LEAD))
    colleague = engineer("sam.desk@novadesk.test", "us")
    customers = []
    for email, country, customer_language in CUSTOMERS:
        customer = UserFactory(email=email, country=country, language=customer_language)
        for product in PRODUCTS:
            grant(customer, "premium", product)
        customers.append(customer)
    now = timezone.now()
    states = [
        {"first_response_due": now - timedelta(hours=3), "priority": Priority.URGENT},
        {"first_response_due": now + timedelta(minutes=30), "priority": Priority.HIGH},
        {"status": Status.WAITING, "contact_attempts": 2, "closure_proposed_at": now},
        {"status": Status.OPEN, "first_responded_at": now, "assignee": lead},
        {"status": Status.CLOSED, "resolution": Resolution.CANNOT_RESOLVE, "closed_at": now},
        {"priority": Priority.LOW, "assignee": colleague},
        {"status": Status.OPEN, "first_responded_at": now + timedelta(days=1)},
        {"status": Status.WAITING, "contact_attempts": 1, "assignee": lead},
    ]
    for index in range(16):
        ticket = services.ticket_create(
            customer=customers[index % len(customers)],
            product=PRODUCTS[index % len(PRODUCTS)],
            version="21.2",
            category="technical",
            subject=SUBJECTS[index % len(SUBJECTS)],
            description="The details are in the attached log.",
        ).ticket
        Ticket.objects.filter(pk=ticket.pk).update(
            entitlement_kind=KINDS[index % len(KINDS)], **states[index % len(states)]
        )


def sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/?next={ALL_REQUESTS.replace('&', '%26')}")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"**{ALL_REQUESTS}")


def queue_overflow(page) -> dict:
    """How far the results and the page reach past the window, and which headers leave it."""
    return page.evaluate(
        """() => {
            const results = document.querySelector('#changelist .results');
            const root = document.documentElement;
            const headers = [...document.querySelectorAll('#result_list thead th')];
            return {
                results: [results.scrollWidth, results.clientWidth],
                page: [root.scrollWidth, root.clientWidth],
                window: window.innerWidth,
                hidden: headers
                    .filter(th => {
                        const box = th.getBoundingClientRect();
                        return box.width === 0 || box.left < 0 || box.right > window.innerWidth;
                    })
                    .map(th => th.className),
                columns: headers.length,
                // Cells whose content spills over into the next column.
                spilling: [...document.querySelectorAll('#result_list td, #result_list tbody th')]
                    .filter(cell => cell.scrollWidth > cell.clientWidth + 1)
                    .map(cell => cell.className + ': ' + cell.textContent.trim().slice(0, 40)),
            };
        }"""
    )


def assert_fits(page) -> None:
    overflow = queue_overflow(page)
    results_width, results_visible = overflow["results"]
    page_width, page_visible = overflow["page"]
    assert overflow["columns"] == len(TicketAdmin.list_display) + 1  # the row's checkbox
    assert results_width <= results_visible, overflow
    assert page_width <= page_visible, overflow
    assert overflow["hidden"] == [], overflow
    assert overflow["spilling"] == [], overflow


@pytest.mark.parametrize(
    ("language", "locale"), [("en", "en-US"), ("de", "de-DE")], ids=["english", "german"]
)
def test_every_column_of_the_queue_fits_a_1280_px_window(
    new_browser, live_server, screenshot, request, language, locale
):
    queue_with_long_rows(language)
    context = new_browser(locale=locale)
    desk = context.pages[0] if context.pages else context.new_page()
    desk.set_viewport_size({"width": WIDTH, "height": HEIGHT})

    sign_in(desk, live_server.url, LEAD)
    screenshot(desk, "1-all-requests")
    # What the window shows before scrolling, as well as the whole page.
    desk.screenshot(path=str(SCREENSHOTS / f"{request.node.name}-2-first-screen.png"))

    assert_fits(desk)
    assert desk.locator("#result_list tbody tr").count() == 16

    # The filters fold into a bar; opened, they lie above the results, which keep their width.
    bar = desk.locator("details.triage-filters")
    expect(bar.get_by_role("link", name=FILTER_CHOICE[language])).to_be_hidden()
    bar.locator("> summary").click()
    expect(bar.get_by_role("link", name=FILTER_CHOICE[language])).to_be_visible()
    screenshot(desk, "3-filters-open")
    assert_fits(desk)

    # The bar names the filters in use, and stays open on the next page of the session.
    bar.get_by_role("link", name=FILTER_CHOICE[language]).click()
    expect(desk.locator(".triage-filter-chip")).to_have_text([FILTER_CHIP[language]])
    expect(desk.locator("details.triage-filters")).to_have_attribute("open", "")
    screenshot(desk, "4-filtered")
    assert_fits(desk)

    # A sorted column shows its arrows above its name, even in the narrowest column.
    desk.locator("th.column-team_column .text a").click()
    expect(desk.locator("th.column-team_column.sorted")).to_be_visible()
    screenshot(desk, "5-sorted-by-team")
    assert_fits(desk)
