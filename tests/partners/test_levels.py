"""Levels and their benefits: data from the migration, editable, and enforced where they apply."""

from __future__ import annotations

from decimal import Decimal

import pytest

from entitlements import services as entitlement_services
from entitlements.models import Category, Entitlement, Order, Product
from partners import selectors, services
from partners.models import NfrAllowance, PartnerLevel
from portal.core.errors import ApplicationError
from tests.factories import UserFactory
from tests.partners.conftest import issue_nfr

pytestmark = pytest.mark.django_db


class TestLevelsAreData:
    def test_the_migration_creates_three_levels_with_their_benefits(self, releases):
        levels = {lvl.code: lvl for lvl in PartnerLevel.objects.all()}

        assert set(levels) == {"registered", "certified", "premium"}
        assert not levels["registered"].presales_help and not levels["registered"].postsales_help
        assert levels["certified"].presales_help and levels["certified"].postsales_help
        assert levels["premium"].presales_help and levels["premium"].onsite_protect
        assert all(lvl.beta_access for lvl in levels.values())
        assert (
            levels["registered"].support_discount_percent
            < levels["certified"].support_discount_percent
            < levels["premium"].support_discount_percent
        )
        # An NFR allowance per product and level, more for higher levels.
        for lvl in levels.values():
            assert lvl.nfr_allowances.count() == Product.objects.count()
        professional = Product.objects.get(code="professional")
        assert (
            NfrAllowance.objects.get(level=levels["registered"], product=professional).licences
            < NfrAllowance.objects.get(level=levels["premium"], product=professional).licences
        )

    def test_an_edited_benefit_applies_at_once(self, registered, registered_tech):
        registered.level.presales_help = True
        registered.level.save()

        request = services.presales_request_submit(
            user=registered_tech,
            customer_company="Acme",
            product=Product.objects.get(code="server"),
            expected_seats=5,
            description="Twenty servers to protect.",
        )

        assert request.pk


class TestPresalesAndPostsalesNeedCertified:
    def test_a_registered_partner_cannot_ask_for_presales_help(self, registered, registered_tech):
        with pytest.raises(ApplicationError) as refused:
            services.presales_request_submit(
                user=registered_tech,
                customer_company="Acme",
                product=Product.objects.get(code="server"),
                expected_seats=5,
                description="A project.",
            )

        assert refused.value.code == "presales-not-included"
        assert "Registered" in refused.value.message

    def test_the_presales_page_tells_a_registered_partner_why_not(self, client, registered_tech):
        client.force_login(registered_tech)

        response = client.get("/partners/pre-sales/new/")

        assert response.status_code == 403
        assert "Pre-sales help is included from the Certified partner level" in (
            response.content.decode()
        )

    def test_a_registered_technical_representative_cannot_open_postsales(self, registered_tech):
        with pytest.raises(ApplicationError) as refused:
            services.postsales_ticket_open(
                user=registered_tech,
                product="professional",
                version="21.2",
                subject="Customer's job fails",
                description="Details.",
            )

        assert refused.value.code == "postsales-not-included"

    def test_the_area_offers_only_what_the_level_includes(
        self, client, registered_tech, tech, sales_contact
    ):
        client.force_login(registered_tech)
        registered_page = client.get("/partners/").content.decode()
        client.force_login(tech)
        tech_page = client.get("/partners/").content.decode()
        client.force_login(sales_contact)
        sales_page = client.get("/partners/").content.decode()

        assert "/partners/pre-sales/new/" not in registered_page
        assert "/partners/post-sales/new/" not in registered_page
        assert "/partners/pre-sales/new/" in tech_page
        assert "/partners/post-sales/new/" in tech_page
        assert "/partners/pre-sales/new/" in sales_page
        assert "/partners/post-sales/new/" not in sales_page


class TestDiscountAtCheckout:
    def _buy(self, client, user) -> Order:
        client.force_login(user)
        client.post("/support/cart/add/", {"offering": "premium", "product": "professional"})
        cart = client.get("/support/cart/")
        response = client.post("/support/checkout/")
        assert response.status_code == 302
        order = Order.objects.filter(email=user.email).get()
        order.cart_page = cart.content.decode()
        return order

    def test_a_certified_member_pays_less_and_a_non_member_the_list_price(
        self, client, certified, sales_contact
    ):
        stranger = UserFactory(email="stranger@example.com", country="US")
        list_price = Decimal("169.00")  # Premium Support in USD

        partner_order = self._buy(client, sales_contact)
        full_order = self._buy(client, stranger)

        discount = certified.level.support_discount_percent
        expected = (list_price * (100 - discount) / 100).quantize(Decimal("0.01"))
        assert Decimal(partner_order.payload["total"]) == expected < list_price
        assert Decimal(partner_order.payload["items"][0]["unit_price"]) == expected
        assert Decimal(full_order.payload["total"]) == list_price
        assert "$135.20" in partner_order.cart_page
        assert "partner discount" in partner_order.cart_page
        assert "partner discount" not in full_order.cart_page
        # The purchase itself works as before: the plan is granted.
        assert Entitlement.objects.filter(customer=sales_contact, kind="premium").exists()
        assert Entitlement.objects.filter(customer=stranger, kind="premium").exists()

    def test_the_discount_follows_the_level(self, certified, sales_contact):
        certified.level.support_discount_percent = Decimal("12.5")
        certified.level.save()

        assert selectors.support_discount_for(sales_contact) == Decimal("12.5")
        assert selectors.support_discount_for(UserFactory()) == 0

    def test_a_member_of_a_deactivated_partner_pays_the_list_price(self, certified, tech):
        certified.is_active = False
        certified.save()

        assert selectors.support_discount_for(tech) == 0


class TestNfrLicencesAreNoSupport:
    def test_an_nfr_holder_without_support_is_refused_a_technical_request(self, tech):
        issue_nfr(tech, "professional")

        decision = entitlement_services.check(
            customer=tech, product="professional", version="21.2", category=Category.TECHNICAL
        )

        assert not decision.allowed
        assert decision.reason_code == "no-entitlement"
        assert not Entitlement.objects.filter(customer=tech).exists()

    def test_partner_categories_stay_closed_to_the_entitlement_check(self, tech):
        decision = entitlement_services.check(
            customer=tech, product="professional", version="21.2", category=Category.POST_SALES
        )

        assert not decision.allowed
        assert decision.reason_code == "partner-only"
