"""Journeys through the help centre: a visitor searches in English and in German with a typo in
the error code; a customer writing a request opens a suggested article, votes for it, comes
back to the form as typed and sends it; staff see the suggestion and the vote in the report."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from entitlements.services import catalogue_load
from knowledge import demo
from knowledge.models import Article, ArticleFeedback, Suggestion
from portal.accounts import roles
from tests.browser.test_desk_journey import sign_in as desk_sign_in
from tests.browser.test_ticket_journeys import sign_in
from tests.factories import UserFactory, grant
from tests.tickets.conftest import engineer
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPO = "VSS_E_WRITERERROR_TIMOUT"  # the code is VSS_E_WRITERERROR_TIMEOUT


@pytest.fixture
def help_centre():
    catalogue_load()
    demo.seed()


def test_a_visitor_finds_the_article_for_a_mistyped_error_code_in_english_and_german(
    page, live_server, help_centre, screenshot
):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Help centre").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label("Search the help centre").fill(TYPO)
    page.get_by_role("button", name="Search", exact=True).click()

    results = page.locator("#results")
    expect(results.get_by_role("link", name="VSS writer timed out during backup")).to_be_visible()
    screenshot(page, "1-english")

    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Switch").click()
    page.get_by_label("Im Hilfe-Center suchen").fill(TYPO)
    page.get_by_role("button", name="Suchen", exact=True).click()

    german = Article.objects.get(slug="vss-writer-zeitueberschreitung")
    expect(page.locator("#results").get_by_role("link", name=german.title)).to_be_visible()
    screenshot(page, "2-german")
    page.locator("#results").get_by_role("link", name=german.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(german.title)
    assert (
        page.locator("link[rel=canonical]")
        .get_attribute("href")
        .endswith("/help/vss-writer-zeitueberschreitung/")
    )


def test_a_suggestion_opened_while_writing_a_request_is_voted_for_and_shows_in_the_report(
    page, live_server, new_browser, help_centre, screenshot
):
    ArticleFeedback.objects.all().delete()  # the demo's votes: the report counts only this one
    customer = UserFactory(email="paula@example.com", name="Paula Premium", country="US")
    grant(customer, "premium")
    engineer("sam@novadesk.test", "us")
    sign_in(page, live_server, customer.email)

    page.goto(f"{live_server.url}/tickets/new/")
    page.get_by_label("Product").select_option("professional")
    page.get_by_label("Installed version").fill("21.2")
    page.get_by_label("What is your question about?").select_option("technical")
    page.get_by_label("Subject").fill("Backup stops: VSS writer timed out")
    description = "Every night the job ends with VSS_E_WRITERERROR_TIMEOUT on the SQL server."
    page.get_by_label("Description").fill(description)

    panel = page.locator("#suggestions")
    suggestion = panel.get_by_role("link", name="VSS writer timed out during backup")
    expect(suggestion).to_be_visible()
    screenshot(page, "1-suggested")

    with page.context.expect_page() as opened:
        suggestion.click()
    article_tab = opened.value
    article_tab.wait_for_load_state()
    expect(article_tab.get_by_role("heading", level=1)).to_have_text(
        "VSS writer timed out during backup"
    )
    article_tab.get_by_role("button", name="Yes").click()
    expect(article_tab.get_by_role("status")).to_be_visible()
    screenshot(article_tab, "2-voted")
    article_tab.close()

    # Back on the form: everything as typed.
    page.bring_to_front()
    expect(page.get_by_label("Subject")).to_have_value("Backup stops: VSS writer timed out")
    expect(page.get_by_label("Description")).to_have_value(description)
    expect(page.get_by_label("Installed version")).to_have_value("21.2")

    page.get_by_role("button", name="Check my support").click()
    expect(page.locator("#decision")).to_contain_text("covers this request")
    page.get_by_role("button", name="Send request").click()
    ticket = Ticket.objects.get()
    expect(page.get_by_role("status")).to_contain_text(ticket.ticket_id)

    article = Article.objects.get(slug="vss-writer-timeout")
    row = Suggestion.objects.get(article=article)
    assert row.opened_at is not None and row.submitted_at is not None
    assert ArticleFeedback.objects.filter(article=article, helpful=True).count() == 1

    # Staff: the support lead's report lists the suggestion and the vote.
    roles.roles_sync()
    lead = engineer("lena.lead@novadesk.test", "us")
    lead.groups.add(Group.objects.get(name=roles.SUPPORT_LEAD))
    staff = new_browser().new_page()
    desk_sign_in(staff, live_server.url, lead.email, "/admin/knowledge/article/")
    staff.get_by_role("link", name="Help-centre report").click()
    cells = staff.locator("#report-articles tr[data-article=vss-writer-timeout] td")
    expect(cells.first).to_be_visible()
    screenshot(staff, "3-report")
    figures = [text.strip() for text in cells.all_inner_texts()]
    # Helpful, not helpful, share; then suggested, opened, sent anyway, deflections.
    assert figures[3:6] == ["1", "0", "100 %"]
    assert int(figures[6]) >= 1 and figures[7:10] == ["1", "1", "0"]
