"""Journey: sign up, verify through the mail in the outbox, sign in, switch to German."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.core.models import OutboundEmail
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_up_verify_sign_in_and_switch_to_german(page, live_server, screenshot):
    email = "journey@example.com"

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Create account").click()
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again):").fill(PASSWORD)
    screenshot(page, "1-sign-up")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", name="Verify your e-mail address")).to_be_visible()
    expect(page.get_by_role("button", name="Send the link again")).to_be_visible()

    mail = OutboundEmail.objects.get(to=email)
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.body_text).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Welcome back")).to_be_visible()
    screenshot(page, "2-signed-in")

    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Switch").click()

    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Support für NovaBACKUP")
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    screenshot(page, "3-german")
