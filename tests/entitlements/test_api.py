"""The entitlements REST API under /api/v1/: contracts other systems are built against."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from entitlements import services
from entitlements.models import Entitlement, Offering, Product
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Monday 23 November 2026, 09:00 in Los Angeles (17:00 UTC): the US team is open.
NOW = "2026-11-23T17:00:00+00:00"
CURRENT = "21.2"

PRODUCTS_URL = "/api/v1/products/"
ENTITLEMENTS_URL = "/api/v1/entitlements/"
CHECK_URL = "/api/v1/entitlements/check"
CLAIM_URL = "/api/v1/orders/claim"


@pytest.fixture(autouse=True)
def _catalogue_at_a_fixed_moment(db):
    """Releases of majors 19, 20 (retired) and 21 (current); the clock stands still at NOW."""
    services.catalogue_load()
    with time_machine.travel(NOW, tick=False):
        yield


def give(customer, offering: str, product: str = "professional") -> Entitlement:
    return services.entitlement_grant(
        customer=customer,
        product=Product.objects.get(code=product),
        offering=Offering.objects.get(code=offering),
        starts_at=timezone.now() - timedelta(days=1),
        source="test",
    )


def post_check(client: Client, **body):
    data = {"product": "professional", "version": CURRENT, "category": "technical", **body}
    return client.post(CHECK_URL, data, content_type="application/json")


class TestProducts:
    def test_lists_every_product_with_its_releases_without_sign_in(self, client):
        response = client.get(PRODUCTS_URL)

        assert response.status_code == 200
        products = response.json()
        assert {"professional", "server", "xsp"} <= {p["code"] for p in products}
        for product in products:
            assert set(product) == {"code", "name", "releases"}
            for release in product["releases"]:
                assert set(release) == {"version", "released_on", "supported_until", "supported"}

    def test_a_retired_major_ends_eighteen_months_after_its_successor(self, client):
        products = {p["code"]: p for p in client.get(PRODUCTS_URL).json()}
        releases = {r["version"]: r for r in products["professional"]["releases"]}

        # 21.0 came out on 2025-03-18; major 20 was supported for 18 months after that.
        assert releases["21.0"]["released_on"] == "2025-03-18"
        assert releases["20.2"] == {
            "version": "20.2",
            "released_on": "2024-04-16",
            "supported_until": "2026-09-18",
            "supported": False,
        }
        assert releases["21.2.1"]["supported"] is True
        assert releases["21.2.1"]["supported_until"] is None

    def test_a_bad_token_does_not_break_the_public_list(self, client):
        response = client.get(PRODUCTS_URL, headers={"Authorization": "Token not-a-token"})

        assert response.status_code == 200


class TestEntitlements:
    def test_lists_a_premium_customers_support(self, customer_client, customer):
        premium = give(customer, "premium")

        response = customer_client.get(ENTITLEMENTS_URL)

        assert response.status_code == 200
        [item] = response.json()
        assert item["id"] == premium.pk
        assert item["kind"] == "premium"
        assert item["kind_name"] == "Premium Support"
        assert item["product"] == "professional"
        assert datetime.fromisoformat(item["starts_at"]) == premium.starts_at
        assert datetime.fromisoformat(item["ends_at"]) == premium.ends_at
        assert item["uses_total"] is None
        assert item["uses_left"] is None
        assert item["status"] == "active"
        assert item["active"] is True
        assert item["days_left"] == 364

    def test_a_credit_shows_its_uses_and_no_end(self, customer_client, customer):
        give(customer, "per-incident")

        [item] = customer_client.get(ENTITLEMENTS_URL).json()

        assert item["kind"] == "per-incident"
        assert (item["uses_total"], item["uses_left"]) == (1, 1)
        assert item["ends_at"] is None
        assert item["days_left"] is None

    def test_only_the_signed_in_customers_own(self, customer_client):
        give(UserFactory(), "premium")

        assert customer_client.get(ENTITLEMENTS_URL).json() == []


class TestCheck:
    def test_premium_allows_a_technical_request_with_a_due_time(self, customer_client, customer):
        give(customer, "premium")

        response = post_check(customer_client)

        assert response.status_code == 200
        body = response.json()
        assert body["allowed"] is True
        assert body["entitlement"] == "premium"
        assert body["reason_code"] == ""
        assert body["purchase_options"] == []
        assert body["supported_until"] is None
        due = datetime.fromisoformat(body["first_response_due"])
        assert due.utcoffset() is not None
        assert due > timezone.now()

    def test_without_a_plan_it_is_refused_with_what_to_buy(self, customer_client):
        response = post_check(customer_client)

        assert response.status_code == 200
        body = response.json()
        assert body["allowed"] is False
        assert body["entitlement"] is None
        assert body["first_response_due"] is None
        assert body["reason"]
        assert body["reason_code"] == "no-entitlement"
        assert {"premium", "per-incident"} <= set(body["purchase_options"])

    def test_a_retired_version_is_refused(self, customer_client, customer):
        give(customer, "premium")

        body = post_check(customer_client, version="20.2").json()

        assert body["allowed"] is False
        assert body["reason_code"] == "version-unsupported"
        assert body["supported_until"] == "2026-09-18"

    def test_per_incident_does_not_cover_restore(self, customer_client, customer):
        give(customer, "per-incident")

        body = post_check(customer_client, category="restore").json()

        assert body["allowed"] is False
        assert body["reason_code"] == "restore-not-covered"
        assert "restore" in body["purchase_options"]

    def test_the_reason_is_in_the_users_language(self, customer_client):
        english = post_check(customer_client).json()["reason"]
        german_user = UserFactory(email="dora@example.com", country="DE", language="de")
        german_client = Client()
        german_client.force_login(german_user)

        response = post_check(german_client)

        # The catalogue may not translate this reason yet: what the service says in German is
        # the answer, and the response says it is German.
        with translation.override("de"):
            expected = services.check(
                customer=german_user, product="professional", version=CURRENT, category="technical"
            ).reason
        assert response.headers["Content-Language"] == "de"
        assert response.json()["reason"] == expected
        if expected != english:
            assert response.json()["reason"] != english

    def test_a_token_client_gets_its_accounts_language(self, client):
        german_user = UserFactory(email="dora@example.com", country="DE", language="de")
        token = Token.objects.create(user=german_user)

        response = client.post(
            CHECK_URL,
            {"product": "professional", "version": CURRENT, "category": "technical"},
            content_type="application/json",
            headers={"Authorization": f"Token {token.key}"},
        )

        assert response.status_code == 200
        assert response.headers["Content-Language"] == "de"

    def test_a_bad_category_is_a_400_naming_the_field(self, customer_client):
        response = post_check(customer_client, category="billing")

        assert response.status_code == 400
        assert list(response.json()) == ["category"]

    def test_every_field_at_fault_is_named(self, customer_client):
        response = customer_client.post(
            CHECK_URL,
            {"product": "no-such-product", "channel": "fax"},
            content_type="application/json",
        )

        assert response.status_code == 400
        assert set(response.json()) == {"product", "version", "category", "channel"}
        assert "no-such-product" in response.json()["product"][0]

    def test_token_authentication_works(self, client, customer):
        give(customer, "premium")
        token = Token.objects.create(user=customer)

        response = client.post(
            CHECK_URL,
            {"product": "professional", "version": CURRENT, "category": "technical"},
            content_type="application/json",
            headers={"Authorization": f"Token {token.key}"},
        )

        assert response.status_code == 200
        assert response.json()["entitlement"] == "premium"

    @pytest.mark.parametrize(
        ("method", "url"),
        [("get", ENTITLEMENTS_URL), ("post", CHECK_URL), ("post", CLAIM_URL)],
    )
    def test_anonymous_calls_are_refused(self, client, method, url):
        response = getattr(client, method)(url, content_type="application/json")

        assert response.status_code in (401, 403)
        assert "detail" in response.json()


class TestOrderClaim:
    @pytest.fixture
    def order(self, db):
        order, _created = services.order_record(
            data={
                "reference": "NOVA-API-0001",
                "email": "shop-buyer@example.net",
                "currency": "EUR",
                "purchased_at": timezone.now() - timedelta(hours=2),
                "items": [
                    {
                        "offering": Offering.objects.get(code="premium"),
                        "product": Product.objects.get(code="professional"),
                        "quantity": 1,
                    }
                ],
            },
            payload={},
        )
        assert order.customer is None
        return order

    def claim(self, client: Client, reference: str, email: str):
        return client.post(
            CLAIM_URL, {"reference": reference, "email": email}, content_type="application/json"
        )

    def test_the_right_pair_links_the_order_and_grants_it(self, customer_client, customer, order):
        response = self.claim(customer_client, "nova-api-0001", "Shop-Buyer@example.net")

        assert response.status_code == 200
        assert response.json() == {
            "reference": "NOVA-API-0001",
            "purchased_at": order.purchased_at.isoformat().replace("+00:00", "Z"),
            "items": [{"offering": "premium", "product": "professional", "quantity": 1}],
            "licences": [],
        }
        assert [e["kind"] for e in customer_client.get(ENTITLEMENTS_URL).json()] == ["premium"]

    def test_a_wrong_email_and_an_unknown_reference_read_the_same(self, customer_client, order):
        wrong_email = self.claim(customer_client, "NOVA-API-0001", "someone@example.net")
        unknown = self.claim(customer_client, "NOVA-API-9999", "shop-buyer@example.net")

        assert wrong_email.status_code == unknown.status_code == 404
        assert wrong_email.json() == unknown.json()
        assert set(wrong_email.json()) == {"detail"}
        assert not Entitlement.objects.exists()

    def test_another_customers_order_reads_the_same(self, customer_client, order):
        unknown = self.claim(customer_client, "NOVA-API-9999", "shop-buyer@example.net")
        self.claim(customer_client, "NOVA-API-0001", "shop-buyer@example.net")
        other_client = Client()
        other_client.force_login(UserFactory())

        taken = self.claim(other_client, "NOVA-API-0001", "shop-buyer@example.net")

        assert taken.status_code == 404
        assert taken.json() == unknown.json()


def test_every_endpoint_is_in_the_schema(client):
    response = client.get("/api/schema/", headers={"Accept": "application/json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for url in (PRODUCTS_URL, ENTITLEMENTS_URL, CHECK_URL, CLAIM_URL):
        assert url in paths
    check = paths[CHECK_URL]["post"]
    assert check["summary"]
    assert "requestBody" in check
    assert {"200", "400"} <= set(check["responses"])
