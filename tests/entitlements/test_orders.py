"""Orders from the shop: signed notifications, idempotency, linking by e-mail and by claim."""

from __future__ import annotations

import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from entitlements import services
from entitlements.models import Entitlement, Order
from portal.core.errors import ApplicationError
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("releases", "frozen_monday")]

URL = "/webhooks/orders/"


def notification(**overrides) -> dict:
    body = {
        "reference": "CB-123456",
        "email": "buyer@example.com",
        "currency": "EUR",
        "purchased_at": "2026-11-21T10:00:00Z",
        "items": [{"offering": "premium", "product": "professional", "quantity": 1}],
    }
    body.update(overrides)
    return body


def post(client, body, *, signature: str | None = "auto", raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(body).encode()
    headers = {}
    if signature == "auto":
        headers["X-Order-Signature"] = services.order_signature(data)
    elif signature is not None:
        headers["X-Order-Signature"] = signature
    return client.post(URL, data=data, content_type="application/json", headers=headers)


class TestSignature:
    def test_a_signed_notification_is_recorded(self, client):
        response = post(client, notification())

        assert response.status_code == 201
        assert response.json() == {"reference": "CB-123456", "duplicate": False}
        order = Order.objects.get(reference="CB-123456")
        assert order.items.get().offering.code == "premium"

    @pytest.mark.parametrize(
        "signature", [None, "", "sha256=" + "0" * 64, "md5=abc", "sha256=nothex"]
    )
    def test_a_missing_or_wrong_signature_is_forbidden(self, client, signature):
        response = post(client, notification(), signature=signature)

        assert response.status_code == 403
        assert not Order.objects.exists()

    def test_the_signature_covers_the_exact_body(self, client):
        signed = json.dumps(notification()).encode()
        tampered = signed.replace(b'"quantity": 1', b'"quantity": 9')

        response = post(client, None, raw=tampered, signature=services.order_signature(signed))

        assert response.status_code == 403

    def test_the_secret_comes_from_the_settings(self, client, settings):
        body = json.dumps(notification()).encode()
        signature = services.order_signature(body)
        settings.ORDER_WEBHOOK_SECRET = "rotated"

        assert post(client, None, raw=body, signature=signature).status_code == 403


class TestValidation:
    def test_malformed_json_is_a_bad_request(self, client):
        response = post(client, None, raw=b"{not json")

        assert response.status_code == 400
        assert "not JSON" in response.json()["error"]

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"email": "not-an-address"}, "email"),
            ({"currency": "GBP"}, "currency"),
            ({"purchased_at": "yesterday"}, "purchased_at"),
            ({"items": []}, "items"),
            ({"items": [{"offering": "gold", "product": "professional"}]}, "items"),
            ({"items": [{"offering": "premium", "product": "toaster"}]}, "items"),
            ({"reference": ""}, "reference"),
        ],
    )
    def test_invalid_fields_are_named(self, client, change, field):
        response = post(client, notification(**change))

        assert response.status_code == 400
        assert field in response.json()["fields"]
        assert not Order.objects.exists()

    def test_an_offering_not_valid_for_the_product_is_refused_with_the_reason(self, client):
        body = notification(items=[{"offering": "premium", "product": "xsp", "quantity": 1}])

        response = post(client, body)

        assert response.status_code == 400
        assert "'premium' is not valid for product 'xsp'" in json.dumps(response.json())

    def test_free_trial_cannot_be_sold(self, client):
        body = notification(items=[{"offering": "free-trial", "product": "xsp"}])

        assert post(client, body).status_code == 400


class TestIdempotency:
    def test_the_same_reference_again_changes_nothing(self, client):
        buyer = UserFactory(email="buyer@example.com")
        post(client, notification())

        again = post(client, notification())

        assert again.status_code == 200
        assert again.json()["duplicate"] is True
        assert Order.objects.count() == 1
        assert Entitlement.objects.filter(customer=buyer).count() == 1


class TestLinking:
    def test_an_order_under_a_verified_email_is_linked_and_granted(self, client):
        buyer = UserFactory(email="Buyer@Example.com")

        post(client, notification(items=[
            {"offering": "premium", "product": "professional", "quantity": 1},
            {"offering": "per-incident", "product": "server", "quantity": 3},
        ]))  # fmt: skip

        order = Order.objects.get()
        assert (order.customer, order.linked_by) == (buyer, "email")
        premium = Entitlement.objects.get(customer=buyer, kind="premium")
        assert premium.starts_at.isoformat() == "2026-11-21T10:00:00+00:00"
        assert premium.ends_at.isoformat() == "2027-11-21T10:00:00+00:00"
        assert Entitlement.objects.get(customer=buyer, kind="per-incident").uses_left == 3

    def test_an_unverified_address_does_not_get_the_order(self, client):
        UserFactory(email="buyer@example.com", verified=False)
        EmailAddress.objects.filter(email="buyer@example.com").delete()

        post(client, notification())

        assert Order.objects.get().customer is None
        assert not Entitlement.objects.exists()

    def test_verifying_the_address_later_links_waiting_orders(self, client):
        buyer = UserFactory(email="buyer@example.com", verified=False)
        post(client, notification())
        address = EmailAddress.objects.create(user=buyer, email="buyer@example.com", primary=True)

        address.set_verified(commit=True)
        from allauth.account.signals import email_confirmed

        email_confirmed.send(sender=EmailAddress, request=None, email_address=address)

        assert Order.objects.get().customer == buyer
        assert Entitlement.objects.filter(customer=buyer, kind="premium").exists()


class TestClaim:
    @pytest.fixture
    def order(self, client):
        post(client, notification(email="shop-account@example.net"))
        return Order.objects.get()

    def test_a_customer_claims_an_order_by_reference_and_email(self, order, customer):
        services.order_claim(
            customer=customer, reference="cb-123456", email="Shop-Account@example.net"
        )

        order.refresh_from_db()
        assert (order.customer, order.linked_by) == (customer, "claim")
        assert Entitlement.objects.filter(customer=customer, kind="premium").count() == 1

    def test_claiming_twice_grants_once(self, order, customer):
        for _ in range(2):
            services.order_claim(
                customer=customer, reference="CB-123456", email="shop-account@example.net"
            )

        assert Entitlement.objects.filter(customer=customer).count() == 1

    @pytest.mark.parametrize(
        ("reference", "email"),
        [
            ("CB-123456", "someone-else@example.net"),
            ("CB-999999", "shop-account@example.net"),
        ],
    )
    def test_a_wrong_pair_and_an_unknown_reference_look_the_same(
        self, order, customer, reference, email
    ):
        with pytest.raises(ApplicationError) as refused:
            services.order_claim(customer=customer, reference=reference, email=email)

        assert refused.value.message == "No order matches this reference number and e-mail address."

    def test_another_customers_order_cannot_be_claimed(self, order, customer):
        owner = UserFactory(email="owner@example.com")
        services.order_claim(
            customer=owner, reference="CB-123456", email="shop-account@example.net"
        )

        with pytest.raises(ApplicationError, match="No order matches"):
            services.order_claim(
                customer=customer, reference="CB-123456", email="shop-account@example.net"
            )


class TestLocalCheckout:
    def test_checkout_goes_through_the_signed_notification(self, customer):
        order = services.checkout_local(
            customer=customer,
            items=[{"offering": "per-incident", "product": "professional", "quantity": 1}],
            currency="USD",
        )

        assert order.payload["email"] == customer.email
        assert order.reference.startswith("NOVA-")
        assert order.customer == customer
        assert Entitlement.objects.get(customer=customer).kind == "per-incident"

    def test_an_invalid_cart_is_refused_and_nothing_is_stored(self, customer):
        with pytest.raises(ApplicationError):
            services.checkout_local(
                customer=customer,
                items=[{"offering": "premium", "product": "network", "quantity": 1}],
                currency="EUR",
            )

        assert not Order.objects.exists()


def test_the_webhook_is_routed(db):
    assert reverse("webhook-orders") == URL
