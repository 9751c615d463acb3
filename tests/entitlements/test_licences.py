"""Licence keys come from orders; Free Trials and free upgrades are not self-served.

The shop's order notification lists the licences it sells. Registering a licence key accepts
only a key an order issued, and takes that order's purchase date; any other key is registered
only as an evaluation, and evaluations give one Free Trial per account and product.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from entitlements import selectors, services
from entitlements.models import Entitlement, Licence, Registration
from portal.core.errors import ApplicationError
from tests.factories import UserFactory, shop_order

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("releases", "frozen_monday")]

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
WEBHOOK = "/webhooks/orders/"


def text(response) -> str:
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(unescape(content).split())


def licence_order(*, key="NBP-21-0001", product="professional", purchased_at=None, **kwargs):
    return shop_order(
        purchased_at=purchased_at,
        licences=[{"product": product, "key": key, "version": "21.2"}],
        **kwargs,
    )


def register(customer, key, *, kind="licence", product="professional", version="21.2"):
    return services.registration_create(
        customer=customer, product=product, kind=kind, key=key, version=version
    )


def post_notification(client, body: dict):
    data = json.dumps(body).encode()
    return client.post(
        WEBHOOK,
        data=data,
        content_type="application/json",
        headers={"X-Order-Signature": services.order_signature(data)},
    )


def notification(**overrides) -> dict:
    return {
        "reference": "CB-LIC-0001",
        "email": "buyer@example.com",
        "currency": "USD",
        "purchased_at": "2026-11-21T10:00:00Z",
        "items": [{"offering": "premium", "product": "professional", "quantity": 1}],
        **overrides,
    }


class TestOrderNotification:
    """Rule: the signed order notification issues the licence keys the order sells."""

    def test_the_licences_of_an_order_are_stored_with_its_purchase_time(self, client):
        response = post_notification(
            client,
            notification(
                licences=[
                    {"product": "professional", "key": "nbp-21-aaaa", "version": "21.2"},
                    {"product": "server", "key": "NBS-21-BBBB"},
                ]
            ),
        )

        assert response.status_code == 201
        order = Licence.objects.get(key="NBP-21-AAAA").order
        assert order.reference == "CB-LIC-0001"
        licences = {(lic.key, lic.product.code, lic.version) for lic in order.licences.all()}
        assert licences == {
            ("NBP-21-AAAA", "professional", "21.2"),
            ("NBS-21-BBBB", "server", ""),
        }
        assert {lic.purchased_at for lic in order.licences.all()} == {order.purchased_at}

    def test_a_notification_without_licences_stays_valid(self, client):
        response = post_notification(client, notification())

        assert response.status_code == 201
        assert not Licence.objects.exists()

    def test_an_order_of_licences_only_needs_no_support_items(self, client):
        response = post_notification(
            client, notification(items=[], licences=[{"product": "xsp", "key": "NBX-0001"}])
        )

        assert response.status_code == 201
        assert Licence.objects.get().product.code == "xsp"

    def test_an_order_without_items_or_licences_is_refused(self, client):
        response = post_notification(client, notification(items=[]))

        assert response.status_code == 400
        assert "items" in response.json()["fields"]

    def test_a_key_issued_by_another_order_is_refused(self, client):
        licence_order(key="NBP-21-TAKEN")

        response = post_notification(
            client, notification(licences=[{"product": "professional", "key": "NBP-21-TAKEN"}])
        )

        assert response.status_code == 400
        assert "licences" in response.json()["fields"]
        assert not Licence.objects.filter(order__reference="CB-LIC-0001").exists()

    def test_the_same_notification_again_is_answered_as_a_duplicate(self, client):
        body = notification(licences=[{"product": "professional", "key": "NBP-21-AGAIN"}])
        post_notification(client, body)

        again = post_notification(client, body)

        assert again.status_code == 200
        assert again.json()["duplicate"] is True
        assert Licence.objects.count() == 1

    @pytest.mark.parametrize(
        "licences",
        [
            [{"product": "toaster", "key": "NBP-0001"}],
            [{"product": "professional", "key": "no spaces allowed"}],
            [{"product": "professional", "key": "NBP-0001", "version": "twenty"}],
            [{"product": "professional", "key": "NBP-1"}, {"product": "server", "key": "nbp-1"}],
        ],
    )
    def test_malformed_licences_are_refused(self, client, licences):
        response = post_notification(client, notification(licences=licences))

        assert response.status_code == 400
        assert "licences" in response.json()["fields"]
        assert not Licence.objects.exists()


def test_a_claimed_order_answers_with_the_licence_keys_it_issued(client, us_customer):
    """Rule: the buyer learns the keys to register from the order they claim."""
    licence_order(key="NBP-21-CLAIM", reference="CB-CLAIM-1", email="shop@elsewhere.example")
    client.force_login(us_customer)

    response = client.post(
        "/api/v1/orders/claim",
        {"reference": "CB-CLAIM-1", "email": "shop@elsewhere.example"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["licences"] == [
        {"key": "NBP-21-CLAIM", "product": "professional", "version": "21.2"}
    ]


class TestRegisteringALicence:
    """Rule: only a key an order issued registers as a licence, with the order's purchase date."""

    def test_a_key_issued_by_an_order_takes_the_orders_purchase_day_in_the_team_calendar(
        self, us_customer
    ):
        # 23:59 on 1 June in Los Angeles is already 2 June in UTC.
        licence_order(
            key="NBP-20-0001",
            purchased_at=datetime(2024, 6, 1, 23, 59, tzinfo=LOS_ANGELES),
        )

        registration, created = register(us_customer, " nbp-20-0001 ", version="20.2")

        assert created
        assert registration.kind == "licence"
        assert registration.licence.key == "NBP-20-0001"
        assert registration.purchased_on == date(2024, 6, 1)
        assert registration.free_trial.kind == "free-trial"

    def test_an_invented_licence_key_is_refused(self, us_customer):
        with pytest.raises(ApplicationError, match="not issued by an order") as refused:
            register(us_customer, "NBP-INVENTED-1")

        assert refused.value.code == "licence-unknown"
        assert not Registration.objects.exists()
        assert not Entitlement.objects.filter(customer=us_customer).exists()

    def test_a_key_issued_for_another_product_is_refused(self, us_customer):
        licence_order(key="NBS-21-0001", product="server")

        with pytest.raises(ApplicationError) as refused:
            register(us_customer, "NBS-21-0001", product="professional")

        assert refused.value.code == "licence-unknown"

    def test_a_licence_key_cannot_be_registered_as_an_evaluation(self, us_customer):
        licence_order(key="NBP-21-0002")

        with pytest.raises(ApplicationError, match="register it as a licence") as refused:
            register(us_customer, "NBP-21-0002", kind="evaluation")

        assert refused.value.code == "key-is-licence"

    def test_the_order_decides_the_free_upgrade_not_what_the_customer_types(self, us_customer):
        # Bought long before 21.0 came out (2025-03-18): no free upgrade within 30 days.
        licence_order(key="NBP-20-OLD", purchased_at=datetime(2024, 5, 2, 10, tzinfo=LOS_ANGELES))

        registration, _created = register(us_customer, "NBP-20-OLD", version="20.2")

        assert selectors.upgrade_answer(registration=registration).price == "discounted"

    def test_protection_bought_with_the_licence_at_23_59_makes_the_upgrade_free(
        self, client, us_customer
    ):
        shop_order(
            email=us_customer.email,
            purchased_at=datetime(2024, 6, 1, 23, 59, tzinfo=LOS_ANGELES),
            items=[("upgrade-protection", "professional")],
            licences=[{"product": "professional", "key": "NBP-20-UP", "version": "20.2"}],
        )
        register(us_customer, "NBP-20-UP", version="20.2")
        client.force_login(us_customer)

        page = text(client.get(reverse("entitlements:overview")))

        assert "Free upgrade" in page
        assert "Your Upgrade Protection has run without interruption" in page


class TestEvaluations:
    """Rule: an evaluation gives at most one Free Trial per account and product."""

    def test_an_evaluation_id_registers_with_a_free_trial(self, us_customer):
        registration, created = register(us_customer, "EVAL-0001", kind="evaluation")

        assert created
        assert registration.kind == "evaluation"
        assert registration.purchased_on is None
        assert registration.free_trial.ends_at - registration.free_trial.starts_at == timedelta(
            days=15
        )

    def test_a_second_evaluation_of_the_same_product_registers_without_a_new_trial(
        self, us_customer, frozen_monday
    ):
        register(us_customer, "EVAL-0001", kind="evaluation")
        frozen_monday.shift(timedelta(days=20))

        second, created = register(us_customer, "EVAL-0002", kind="evaluation")

        assert created
        assert getattr(second, "free_trial", None) is None
        assert Entitlement.objects.filter(customer=us_customer, kind="free-trial").count() == 1
        decision = services.check(
            customer=us_customer, product="professional", version="21.2", category="technical"
        )
        assert not decision.allowed

    def test_an_evaluation_of_another_product_gets_its_own_trial(self, us_customer):
        register(us_customer, "EVAL-0001", kind="evaluation")

        other, _created = register(us_customer, "EVAL-0002", kind="evaluation", product="server")

        assert other.free_trial.product.code == "server"

    def test_another_account_gets_its_own_evaluation_trial(self, us_customer, de_customer):
        register(us_customer, "EVAL-0001", kind="evaluation")

        theirs, _created = register(de_customer, "EVAL-0002", kind="evaluation")

        assert theirs.free_trial.customer == de_customer

    def test_a_bought_licence_after_an_evaluation_starts_its_trial(self, us_customer):
        register(us_customer, "EVAL-0001", kind="evaluation")
        licence_order(key="NBP-21-0003")

        registration, _created = register(us_customer, "NBP-21-0003")

        assert registration.free_trial.kind == "free-trial"


class TestRegisterPage:
    """Rule: the registration page accepts only order-issued licence keys and says why not."""

    def post(self, client, **data):
        return client.post(
            reverse("entitlements:register"),
            {"product": "professional", "kind": "licence", "version": "21.2", **data},
        )

    def test_the_page_asks_for_no_purchase_date(self, client, us_customer):
        client.force_login(us_customer)

        response = client.get(reverse("entitlements:register"))

        assert 'name="purchased_on"' not in response.content.decode()
        assert "purchase date comes from the order" in text(response)

    def test_an_invented_licence_key_is_refused_at_the_key_field(self, client, us_customer):
        client.force_login(us_customer)

        response = self.post(client, key="NBP-INVENTED-2")

        assert response.status_code == 200
        assert "was not issued by an order" in text(response)
        assert 'id="id_key_error"' in response.content.decode()
        assert not Registration.objects.exists()

    def test_a_typed_purchase_date_is_ignored(self, client, us_customer):
        licence_order(key="NBP-21-0004", purchased_at=datetime(2026, 11, 2, 9, tzinfo=LOS_ANGELES))
        client.force_login(us_customer)

        self.post(client, key="NBP-21-0004", purchased_on="2026-11-20")

        assert Registration.objects.get().purchased_on == date(2026, 11, 2)

    def test_a_second_evaluation_is_registered_and_says_no_new_trial_started(
        self, client, us_customer
    ):
        client.force_login(us_customer)
        self.post(client, kind="evaluation", key="EVAL-0001")

        response = self.post(client, kind="evaluation", key="EVAL-0002")

        assert response.status_code == 302
        page = text(client.get(response.url))
        assert "EVAL-0002" in page
        assert "starts no new Free Trial" in page
        assert Registration.objects.filter(customer=us_customer).count() == 2


def test_keys_are_unique_across_accounts(us_customer):
    """Rule: one licence key is registered to one account."""
    licence_order(key="NBP-21-0005")
    register(us_customer, "NBP-21-0005")

    with pytest.raises(ApplicationError, match="already registered to another account"):
        register(UserFactory(), "NBP-21-0005")
