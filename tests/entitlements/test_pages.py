"""The customer pages: supported versions, My support, registering, claiming, buying support."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone

from entitlements import services
from entitlements.models import Entitlement, Offering, Order, Product, Registration
from tests.factories import ReleaseFactory, UserFactory, issued_licence

pytestmark = pytest.mark.django_db

NEXT = "/tickets/new/?product=professional&category=technical"


def text(response) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    content = response.content.decode()
    content = re.sub(r"<[^>]+>", " ", content)
    return " ".join(unescape(content).split())


def section(response, marker: str, end: str = "</section>") -> str:
    content = response.content.decode()
    start = content.index(marker)
    return content[start : content.index(end, start)]


def table_row(html: str, header: str) -> str:
    """The text of the table row whose row header is ``header``."""
    match = re.search(
        rf'<tr[^>]*>\s*<th scope="row">{re.escape(header)}</th>(.*?)</tr>', html, re.S
    )
    assert match, f"no row for {header!r}"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def day(value) -> str:
    if hasattr(value, "tzinfo"):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "DATE_FORMAT")


def professional() -> Product:
    return Product.objects.get(code="professional")


def register(client, key: str = "NB-PRO-1234", **overrides):
    """Register ``key`` on the page; a licence key is first issued by an order, as the shop does."""
    data = {
        "product": "professional",
        "kind": "licence",
        "key": key,
        "version": "21.2",
        **overrides,
    }
    if data["kind"] == "licence":
        issued_licence(key=key, product=data["product"])
    return client.post(reverse("entitlements:register"), data)


def add_to_cart(client, offering: str = "per-incident", product: str = "professional", **extra):
    return client.post(
        reverse("entitlements:cart_add"), {"offering": offering, "product": product, **extra}
    )


class TestSupportedVersions:
    def test_lists_retired_and_current_versions_with_their_dates(self, client):
        product = professional()
        ReleaseFactory(product=product, version="19.0", released_on=date(2021, 6, 8))
        ReleaseFactory(product=product, version="20.0", released_on=date(2023, 5, 9))
        ReleaseFactory(product=product, version="21.0", released_on=date(2025, 3, 18))

        with time_machine.travel("2025-06-01T12:00:00Z", tick=False):
            response = client.get(reverse("entitlements:versions"))

        assert response.status_code == 200
        html = section(response, 'id="product-professional"')
        retired = table_row(html, "19.0")
        assert day(date(2021, 6, 8)) in retired
        assert f"Was supported until {day(date(2024, 11, 9))}" in retired
        assert f"Supported until {day(date(2026, 9, 18))}" in table_row(html, "20.0")
        current = table_row(html, "21.0")
        assert day(date(2025, 3, 18)) in current
        assert "Supported (current version)" in current
        assert '<time datetime="2024-11-09">' in html
        assert "supported until 18 months after the next major version" in text(response)

    def test_is_public_and_linked_from_the_navigation(self, client):
        response = client.get(reverse("home"))

        content = response.content.decode()
        assert f'href="{reverse("entitlements:versions")}"' in content
        assert f'href="{reverse("entitlements:overview")}"' not in content


class TestOverview:
    def test_a_new_customer_is_told_what_to_do(self, customer_client):
        response = customer_client.get(reverse("entitlements:overview"))

        assert response.status_code == 200
        page = text(response)
        assert "You hold no support yet." in page
        assert "You have not registered a product yet." in page
        for name in ("register", "claim", "buy"):
            assert reverse(f"entitlements:{name}") in response.content.decode()

    def test_shows_an_active_premium_plan_with_its_end_date(self, customer, customer_client):
        entitlement = services.entitlement_grant(
            customer=customer,
            product=professional(),
            offering=Offering.objects.get(code="premium"),
            starts_at=timezone.now() - timedelta(days=10),
        )

        response = customer_client.get(reverse("entitlements:overview"))

        row = table_row(response.content.decode(), "Premium Support")
        assert "NovaBACKUP Professional" in row
        assert day(entitlement.ends_at) in row
        assert "Active" in row
        assert "355 days left" in row
        assert "Unlimited" in row

    def test_registering_starts_a_free_trial_shown_on_the_overview(self, customer, customer_client):
        services.catalogue_load()

        response = register(customer_client)

        assert response.status_code == 302
        assert response.url == reverse("entitlements:overview")
        response = customer_client.get(response.url)
        page = text(response)
        assert "Your 15-day Free Trial Support has started" in page
        row = table_row(response.content.decode(), "Free Trial Support")
        assert "Active" in row
        assert "15 days left" in row
        registrations = section(response, 'id="registrations-heading"')
        assert "NB-PRO-1234" in registrations
        assert "15 days left" in registrations
        assert "Supported (current version)" in registrations


class TestRegister:
    def test_registering_the_same_key_twice_does_not_add_a_second_trial(
        self, customer, customer_client
    ):
        services.catalogue_load()
        register(customer_client)

        response = register(customer_client, key=" nb-pro-1234 ")

        assert response.status_code == 302
        assert Registration.objects.filter(customer=customer).count() == 1
        assert Entitlement.objects.filter(customer=customer, kind="free-trial").count() == 1
        page = text(customer_client.get(response.url))
        assert "was already registered to your account" in page
        assert "does not start a new Free Trial" in page

    def test_another_customers_key_is_refused_with_the_services_message(self, customer_client):
        services.catalogue_load()
        issued_licence(key="NB-PRO-1234")
        services.registration_create(
            customer=UserFactory(),
            product="professional",
            kind="licence",
            key="NB-PRO-1234",
            version="21.2",
        )

        response = register(customer_client)

        assert response.status_code == 200
        assert "This key is already registered to another account." in text(response)
        assert 'class="field field-invalid"' in response.content.decode()

    def test_an_unknown_version_is_shown_at_the_version_field(self, customer_client):
        services.catalogue_load()

        response = register(customer_client, version="99.9")

        assert response.status_code == 200
        assert "NovaBACKUP Professional has no version 99.9." in text(response)
        assert 'id="id_version_error"' in response.content.decode()


class TestClaim:
    @pytest.fixture
    def order(self) -> Order:
        order, _created = services.order_record(
            data={
                "reference": "NOVA-CLAIM001",
                "email": "buyer@elsewhere.example",
                "currency": "USD",
                "purchased_at": timezone.now() - timedelta(hours=1),
                "items": [
                    {
                        "offering": Offering.objects.get(code="per-incident"),
                        "product": professional(),
                        "quantity": 1,
                    }
                ],
            },
            payload={},
        )
        return order

    def claim(self, client, reference: str, email: str):
        return client.post(reverse("entitlements:claim"), {"reference": reference, "email": email})

    def errors(self, response) -> str:
        return section(response, 'class="form-errors"', "</div>")

    def test_a_wrong_email_gets_the_same_answer_as_an_unknown_reference(
        self, order, customer_client
    ):
        wrong_email = self.claim(customer_client, order.reference, "someone@example.com")
        unknown = self.claim(customer_client, "NOVA-NOSUCH01", "buyer@elsewhere.example")

        assert wrong_email.status_code == unknown.status_code == 200
        assert "No order matches this reference number and e-mail address." in text(wrong_email)
        assert self.errors(wrong_email) == self.errors(unknown)
        order.refresh_from_db()
        assert order.customer is None

    def test_the_right_pair_links_the_order(self, order, customer, customer_client):
        response = self.claim(customer_client, "nova-claim001", "Buyer@Elsewhere.example")

        assert response.status_code == 302
        assert response.url == reverse("entitlements:overview")
        page = customer_client.get(response.url)
        assert "Order NOVA-CLAIM001 is linked to your account" in text(page)
        assert "1 of 1 uses left" in table_row(page.content.decode(), "Per Incident Support")


class TestBuy:
    def test_without_a_product_the_customer_chooses_one(self, customer_client):
        response = customer_client.get(reverse("entitlements:buy"))

        assert response.status_code == 200
        assert '<select name="product"' in response.content.decode()
        assert "Add to cart" not in text(response)

    def test_per_incident_is_marked_unsuitable_for_restore(self, customer_client):
        response = customer_client.get(
            reverse("entitlements:buy"), {"product": "professional", "category": "restore"}
        )

        assert response.status_code == 200
        content = response.content.decode()
        cards = re.findall(r'<li class="card offering([^"]*)">(.*?)</li>', content, re.S)
        by_name = {re.search(r"<h3[^>]*>(.*?)</h3>", body).group(1): cls for cls, body in cards}
        assert "offering-unsuitable" in by_name["Per Incident Support"]
        assert "offering-unsuitable" not in by_name["Restore Support"]
        assert "offering-unsuitable" not in by_name["Premium Support"]
        assert "Not suitable for requests about Restoring data" in text(response)
        assert "xSP Support Plan" not in by_name  # not sold for Professional

    def test_prices_are_in_the_currency_of_the_customers_team(self, client):
        client.force_login(UserFactory(country="AT", language="en"))

        response = client.get(reverse("entitlements:buy"), {"product": "professional"})

        assert "€59.00" in text(response)
        assert "$69.00" not in text(response)


class TestCartAndCheckout:
    def test_checkout_grants_the_support_and_returns_to_next(self, customer, customer_client):
        response = add_to_cart(customer_client, next=NEXT)
        assert response.status_code == 302
        assert response.url == reverse("entitlements:cart")

        cart = customer_client.get(reverse("entitlements:cart"))
        row = table_row(cart.content.decode(), "Per Incident Support")
        assert "NovaBACKUP Professional" in row
        assert "$69.00" in row
        assert f'name="next" value="{NEXT.replace("&", "&amp;")}"' in cart.content.decode()

        response = customer_client.post(reverse("entitlements:checkout"), {"next": NEXT})

        assert response.status_code == 302
        assert response.url == NEXT
        order = Order.objects.get(customer=customer)
        assert order.currency == "USD"
        assert customer_client.session.get("cart") is None
        overview = customer_client.get(reverse("entitlements:overview"))
        assert f"Order {order.reference} is complete" in text(overview)
        row = table_row(overview.content.decode(), "Per Incident Support")
        assert "1 of 1 uses left" in row
        assert "Active" in row

    def test_the_next_kept_from_the_buy_page_is_used_without_a_posted_one(self, customer_client):
        add_to_cart(customer_client, next=NEXT)

        response = customer_client.post(reverse("entitlements:checkout"))

        assert response.url == NEXT

    @pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/"])
    def test_an_unsafe_next_is_ignored(self, customer_client, unsafe):
        add_to_cart(customer_client, next=unsafe)

        response = customer_client.post(reverse("entitlements:checkout"), {"next": unsafe})

        assert response.status_code == 302
        assert response.url == reverse("entitlements:overview")

    def test_adding_twice_raises_the_quantity_and_remove_empties(self, customer_client):
        add_to_cart(customer_client)
        add_to_cart(customer_client)
        assert customer_client.session["cart"] == [
            {"offering": "per-incident", "product": "professional", "quantity": 2}
        ]

        customer_client.post(
            reverse("entitlements:cart_remove"),
            {"offering": "per-incident", "product": "professional"},
        )

        assert customer_client.session["cart"] == []
        assert "Your cart is empty." in text(customer_client.get(reverse("entitlements:cart")))

    def test_support_not_sold_for_the_product_is_not_added(self, customer_client):
        add_to_cart(customer_client, offering="xsp", product="professional")
        add_to_cart(customer_client, offering="free-trial", product="professional")

        assert not customer_client.session.get("cart")

    def test_an_empty_cart_cannot_be_checked_out(self, customer_client):
        response = customer_client.post(reverse("entitlements:checkout"))

        assert response.url == reverse("entitlements:cart")
        assert not Order.objects.exists()

    def test_with_a_shop_checkout_goes_to_the_shop(self, customer, customer_client, settings):
        settings.SHOP_CHECKOUT_URL = "https://shop.example/checkout?lang=en"
        add_to_cart(customer_client, offering="premium")

        response = customer_client.post(reverse("entitlements:checkout"))

        assert response.status_code == 302
        url = urlsplit(response.url)
        assert (url.scheme, url.netloc, url.path) == ("https", "shop.example", "/checkout")
        query = parse_qs(url.query)
        assert query == {
            "lang": ["en"],
            "offering": ["premium"],
            "product": ["professional"],
            "quantity": ["1"],
            "email": [customer.email],
            "currency": ["USD"],
        }
        assert not Order.objects.exists()


LOGIN_REQUIRED = [
    ("get", "entitlements:overview"),
    ("get", "entitlements:register"),
    ("post", "entitlements:register"),
    ("get", "entitlements:claim"),
    ("post", "entitlements:claim"),
    ("get", "entitlements:buy"),
    ("get", "entitlements:cart"),
    ("post", "entitlements:cart_add"),
    ("post", "entitlements:cart_remove"),
    ("post", "entitlements:checkout"),
]


@pytest.mark.parametrize(("method", "name"), LOGIN_REQUIRED)
def test_anonymous_visitors_are_sent_to_sign_in(client, method, name):
    url = reverse(name)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    login = urlsplit(response.url)
    assert login.path == reverse("account_login")
    assert parse_qs(login.query)["next"] == [url]
