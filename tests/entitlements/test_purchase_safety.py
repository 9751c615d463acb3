"""Support is granted only for paid orders, and order references cannot be guessed in bulk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from entitlements import services
from entitlements.models import Entitlement, Offering, Order, Product
from portal.core.errors import ApplicationError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CLAIM_API = "/api/v1/orders/claim"
ITEMS = [{"offering": "per-incident", "product": "professional", "quantity": 1}]


class TestLocalCheckoutIsForDemosOnly:
    """The portal's own checkout signs its own order notification: never where the shop sells."""

    @pytest.mark.parametrize(
        "config",
        [{"SHOP_LOCAL_CHECKOUT": False}, {"SHOP_CHECKOUT_URL": "https://shop.example/checkout"}],
        ids=["switched-off", "a-shop-is-configured"],
    )
    def test_the_service_grants_nothing(self, settings, customer, config):
        for name, value in config.items():
            setattr(settings, name, value)

        with pytest.raises(ApplicationError) as refusal:
            services.checkout_local(customer=customer, items=ITEMS, currency="USD")

        assert refusal.value.code == "local-checkout-off"
        assert not Order.objects.exists()
        assert not Entitlement.objects.exists()

    def test_the_checkout_page_grants_nothing_when_it_is_off(
        self, settings, customer, customer_client
    ):
        settings.SHOP_LOCAL_CHECKOUT = False
        customer_client.post(
            reverse("entitlements:cart_add"),
            {"offering": "per-incident", "product": "professional"},
        )

        response = customer_client.post(reverse("entitlements:checkout"), follow=True)

        assert "Checkout in the portal is not available" in response.content.decode()
        assert not Order.objects.exists()
        assert not Entitlement.objects.filter(customer=customer).exists()

    def test_with_it_on_the_demo_checkout_still_grants(self, customer):
        order = services.checkout_local(customer=customer, items=ITEMS, currency="USD")

        assert order.customer == customer
        assert Entitlement.objects.filter(customer=customer, kind="per-incident").exists()


class TestOrderClaimsAreRateLimited:
    @pytest.fixture(autouse=True)
    def _rates(self, settings):
        settings.ORDER_CLAIM_RATE = "3/h"
        settings.ORDER_CLAIM_RATE_PER_ADDRESS = "5/h"

    @pytest.fixture
    def order(self) -> Order:
        order, _created = services.order_record(
            data={
                "reference": "NOVA-LIMIT01",
                "email": "buyer@elsewhere.example",
                "currency": "USD",
                "purchased_at": timezone.now() - timedelta(hours=1),
                "items": [
                    {
                        "offering": Offering.objects.get(code="per-incident"),
                        "product": Product.objects.get(code="professional"),
                        "quantity": 1,
                    }
                ],
            },
            payload={},
        )
        return order

    def page_claim(self, client: Client, reference: str):
        return client.post(
            reverse("entitlements:claim"),
            {"reference": reference, "email": "buyer@elsewhere.example"},
        )

    def api_claim(self, client: Client, reference: str):
        return client.post(
            CLAIM_API,
            {"reference": reference, "email": "buyer@elsewhere.example"},
            content_type="application/json",
        )

    def test_the_claim_page_stops_guessing_even_for_the_right_pair(self, customer_client, order):
        for guess in range(3):
            assert self.page_claim(customer_client, f"NOVA-GUESS{guess}").status_code == 200

        response = self.page_claim(customer_client, order.reference)

        assert response.status_code == 429
        assert "Too many attempts to claim an order" in response.content.decode()
        order.refresh_from_db()
        assert order.customer is None

    def test_page_and_api_share_one_budget(self, customer_client, order):
        self.page_claim(customer_client, "NOVA-GUESS1")
        self.api_claim(customer_client, "NOVA-GUESS2")
        self.page_claim(customer_client, "NOVA-GUESS3")

        response = self.api_claim(customer_client, order.reference)

        assert response.status_code == 429
        assert "Retry-After" in response.headers
        order.refresh_from_db()
        assert order.customer is None

    def test_new_accounts_from_one_address_do_not_get_a_new_budget(self, order):
        answers = []
        for _account in range(3):
            client = Client()
            client.force_login(UserFactory())
            answers += [self.page_claim(client, "NOVA-GUESS0").status_code for _ in range(2)]

        assert answers[:5] == [200] * 5
        assert answers[5] == 429

    def test_another_account_elsewhere_is_not_affected(self, customer_client, order):
        for _ in range(4):
            self.page_claim(customer_client, "NOVA-GUESS0")
        other = Client(REMOTE_ADDR="203.0.113.9")
        other.force_login(UserFactory())

        assert self.page_claim(other, order.reference).status_code == 302
