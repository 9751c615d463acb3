"""Journey: a customer without support buys Per Incident Support and sees it under My support."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from entitlements import services
from tests.factories import PASSWORD, UserFactory, shop_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("Welcome back")).to_be_visible()


def test_buy_per_incident_support_and_see_it_on_my_support(page, live_server, screenshot):
    customer = UserFactory(email="buyer@example.com", name="Bea Buyer")
    sign_in(page, live_server, customer.email)

    page.goto(f"{live_server.url}/support/buy/?product=professional")
    expect(page.get_by_role("heading", level=1, name="Buy support")).to_be_visible()
    card = page.locator("li.offering").filter(
        has=page.get_by_role("heading", name="Per Incident Support", exact=True)
    )
    expect(card).to_contain_text("$69.00")
    screenshot(page, "1-buy")
    card.get_by_role("button", name="Add to cart").click()

    expect(page.get_by_role("heading", level=1, name="Your cart")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Per Incident Support")
    expect(row).to_contain_text("NovaBACKUP Professional")
    expect(page.locator("tfoot")).to_contain_text("$69.00")
    screenshot(page, "2-cart")
    page.get_by_role("button", name="Checkout").click()

    expect(page.get_by_role("heading", level=1, name="My support")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("is complete")
    row = page.get_by_role("row").filter(has_text="Per Incident Support")
    expect(row).to_contain_text("NovaBACKUP Professional")
    expect(row).to_contain_text("1 of 1 uses left")
    expect(row).to_contain_text("Active")
    screenshot(page, "3-my-support")


def test_register_a_product_then_find_restore_support(page, live_server, screenshot):
    services.catalogue_load()
    customer = UserFactory(email="registrant@example.com", name="Rita Registrant")
    # The licence key comes from an order of the shop; its purchase date comes with it.
    shop_order(
        email=customer.email,
        purchased_at=datetime(2024, 5, 1, 10, tzinfo=UTC),
        licences=[{"product": "professional", "key": "NB-PRO-0001", "version": "20.2"}],
    )
    sign_in(page, live_server, customer.email)

    page.get_by_role("link", name="My support").click()
    expect(page.get_by_text("You hold no support yet.")).to_be_visible()
    page.get_by_role("link", name="Register a product").first.click()
    page.get_by_label("Product").select_option(label="NovaBACKUP Professional")
    page.get_by_label("What you register").select_option("licence")
    page.get_by_label("Licence key or evaluation ID").fill("NB-PRO-0001")
    page.get_by_label("Installed version").fill("20.2")
    screenshot(page, "1-register")
    page.get_by_role("button", name="Register", exact=True).click()

    expect(page.get_by_role("status")).to_contain_text("Free Trial Support has started")
    card = page.locator("li.registration")
    expect(card).to_contain_text("NovaBACKUP Professional 20.2")
    expect(card).to_contain_text("Was supported until")
    expect(card).to_contain_text("15 days left")
    expect(card).to_contain_text("Upgrade discount")
    screenshot(page, "2-my-support")

    page.goto(f"{live_server.url}/support/buy/?product=professional&category=restore")
    unsuitable = page.locator("li.offering-unsuitable").filter(has_text="Per Incident Support")
    expect(unsuitable).to_contain_text("Not suitable for requests about Restoring data")
    screenshot(page, "3-buy-restore")

    page.get_by_role("link", name="Supported versions").click()
    expect(page.get_by_role("heading", level=1, name="Supported versions")).to_be_visible()
    screenshot(page, "4-versions")
