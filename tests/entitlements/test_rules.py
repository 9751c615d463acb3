"""The support policy's rules: who may open which request, with which entitlement and target.

Every row of the kinds-of-support table has tests here that fail when the rule is broken.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from entitlements import services
from entitlements.models import Entitlement, EntitlementEvent, Offering, Product
from portal.core.errors import ApplicationError
from tests.factories import grant, issued_licence

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("releases", "frozen_monday")]

CURRENT = "21.2"


def check(
    customer, product="professional", version=CURRENT, category="technical", channel="online"
):
    return services.check(
        customer=customer, product=product, version=version, category=category, channel=channel
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class TestBasicSupport:
    def test_without_any_support_no_online_request_is_allowed(self, us_customer):
        decision = check(us_customer)

        assert not decision.allowed
        assert decision.reason_code == "no-entitlement"
        assert "knowledge base" in decision.reason
        assert decision.purchase_options == ["premium", "per-incident"]

    def test_purchase_options_fit_the_product_and_category(self, us_customer):
        assert check(us_customer, category="restore").purchase_options == ["premium", "restore"]
        assert check(us_customer, product="xsp").purchase_options == ["xsp"]
        assert check(us_customer, product="network").purchase_options == []
        assert check(us_customer, channel="phone").purchase_options == ["per-incident"]


class TestFreeTrial:
    def register(self, customer, key="NB-PRO-0001", product="professional"):
        issued_licence(key=key, product=product)
        return services.registration_create(
            customer=customer, product=product, kind="licence", key=key, version=CURRENT
        )

    def test_registration_opens_fifteen_days_of_online_support(self, us_customer):
        self.register(us_customer)

        decision = check(us_customer)

        assert decision.allowed
        assert decision.kind == "free-trial"
        assert decision.first_response_due == utc("2026-11-23T17:00:00-08:00")

    def test_the_window_closes_after_fifteen_calendar_days(self, us_customer, frozen_monday):
        self.register(us_customer)

        frozen_monday.shift(timedelta(days=14, hours=23))
        assert check(us_customer).allowed
        frozen_monday.shift(timedelta(hours=1))
        refused = check(us_customer)

        assert not refused.allowed
        assert refused.reason_code == "expired"
        assert "Free Trial Support" in refused.reason

    def test_registering_the_same_key_again_neither_duplicates_nor_restarts(
        self, us_customer, frozen_monday
    ):
        first, created = self.register(us_customer, key="nb-pro-0001")
        frozen_monday.shift(timedelta(days=20))

        again, created_again = self.register(us_customer, key=" NB-PRO-0001 ")

        assert created and not created_again
        assert again.pk == first.pk
        assert Entitlement.objects.filter(customer=us_customer, kind="free-trial").count() == 1
        assert not check(us_customer).allowed

    def test_another_customer_cannot_register_a_taken_key(self, us_customer, de_customer):
        self.register(us_customer)

        with pytest.raises(ApplicationError, match="already registered to another account"):
            self.register(de_customer)

    def test_each_registration_has_its_own_window(self, us_customer):
        self.register(us_customer, key="EVAL-1", product="network")
        self.register(us_customer, key="EVAL-2", product="xsp")

        assert check(us_customer, product="network").kind == "free-trial"
        assert check(us_customer, product="xsp").kind == "free-trial"

    def test_registering_an_unknown_version_is_refused(self, us_customer):
        with pytest.raises(ApplicationError, match=r"has no version 99\.0"):
            services.registration_create(
                customer=us_customer,
                product="professional",
                kind="licence",
                key="K",
                version="99.0",
            )


class TestPremium:
    def test_one_year_of_online_support_with_one_business_day(self, us_customer):
        # One business day is eight business hours: from Monday 09:00 to Monday 17:00.
        grant(us_customer, "premium", starts_at=timezone.now())

        decision = check(us_customer)

        assert decision.allowed
        assert decision.kind == "premium"
        assert decision.first_response_due == utc("2026-11-23T17:00:00-08:00")

    def test_expired_plan_is_refused_with_its_end_date(self, us_customer, frozen_monday):
        grant(us_customer, "premium", starts_at=timezone.now())
        frozen_monday.shift(timedelta(days=365))

        refused = check(us_customer)

        assert not refused.allowed
        assert refused.reason_code == "expired"
        assert "Premium Support for NovaBACKUP Professional expired on" in refused.reason
        assert "premium" in refused.purchase_options

    def test_premium_is_online_only(self, us_customer):
        grant(us_customer, "premium")

        refused = check(us_customer, channel="phone")

        assert refused.reason_code == "channel-not-covered"
        assert refused.purchase_options == ["per-incident"]

    @pytest.mark.parametrize("product", ["network", "xsp", "remote-workforce"])
    def test_premium_is_not_sold_for_other_products(self, us_customer, product):
        with pytest.raises(ApplicationError, match="not available"):
            grant(us_customer, "premium", product=product)

    def test_a_renewal_bought_during_the_term_continues_it(self, us_customer):
        first = grant(us_customer, "premium", starts_at=timezone.now() - timedelta(days=300))

        renewal = grant(us_customer, "premium", starts_at=timezone.now())

        assert renewal.starts_at == first.ends_at
        assert renewal.ends_at == first.ends_at + timedelta(days=365)


class TestPerIncident:
    def test_one_incident_with_a_call_back_in_three_business_hours(self, us_customer):
        grant(us_customer, "per-incident")

        decision = check(us_customer, channel="phone")

        assert decision.allowed
        assert decision.kind == "per-incident"
        assert decision.first_response_due == utc("2026-11-23T12:00:00-08:00")

    def test_exactly_one_request_uses_the_credit(self, us_customer):
        grant(us_customer, "per-incident")

        services.entitlement_use(
            customer=us_customer, product="professional", version=CURRENT,
            category="technical", reference="NS-2026-000001",
        )  # fmt: skip
        refused = check(us_customer)

        assert refused.reason_code == "credit-used"
        with pytest.raises(services.EntitlementRefused):
            services.entitlement_use(
                customer=us_customer, product="professional", version=CURRENT,
                category="technical", reference="NS-2026-000002",
            )  # fmt: skip

    def test_never_for_restore_questions(self, us_customer):
        grant(us_customer, "per-incident")

        refused = check(us_customer, category="restore")

        assert refused.reason_code == "restore-not-covered"
        assert "restore" in refused.purchase_options

    def test_available_for_remote_workforce_but_not_network(self, us_customer):
        grant(us_customer, "per-incident", product="remote-workforce")

        assert check(us_customer, product="remote-workforce").allowed
        with pytest.raises(ApplicationError):
            grant(us_customer, "per-incident", product="network")

    def test_quantity_gives_that_many_incidents(self, us_customer):
        entitlement = grant(us_customer, "per-incident", quantity=3)

        assert (entitlement.uses_total, entitlement.uses_left, entitlement.ends_at) == (3, 3, None)


class TestXspPlan:
    def test_online_in_one_business_day_and_phone_in_three_hours(self, us_customer):
        grant(us_customer, "xsp", product="xsp")

        online = check(us_customer, product="xsp")
        phone = check(us_customer, product="xsp", channel="phone")

        assert online.kind == phone.kind == "xsp"
        assert online.first_response_due == utc("2026-11-23T17:00:00-08:00")
        assert phone.first_response_due == utc("2026-11-23T12:00:00-08:00")

    def test_only_for_the_xsp_product(self, us_customer):
        with pytest.raises(ApplicationError):
            grant(us_customer, "xsp", product="server")


class TestComplementary:
    def test_setup_support_covers_only_setup(self, us_customer):
        grant(us_customer, "setup", product="network")

        allowed = check(us_customer, product="network", category="setup", channel="phone")
        refused = check(us_customer, product="network", category="technical")

        assert allowed.kind == "setup"
        assert allowed.first_response_due == utc("2026-11-23T17:00:00-08:00")
        assert refused.reason_code == "category-not-covered"

    def test_restore_support_covers_only_restore(self, us_customer):
        grant(us_customer, "restore", product="server")

        assert check(us_customer, product="server", category="restore").kind == "restore"
        assert not check(us_customer, product="server", category="setup").allowed

    def test_setup_credit_lasts_a_year(self, us_customer, frozen_monday):
        grant(us_customer, "setup", starts_at=timezone.now())

        frozen_monday.shift(timedelta(days=366))

        assert check(us_customer, category="setup").reason_code == "expired"

    def test_a_matching_setup_credit_is_used_before_per_incident(self, us_customer):
        grant(us_customer, "per-incident")
        grant(us_customer, "setup")

        assert check(us_customer, category="setup").kind == "setup"


class TestUpgradeProtection:
    def test_gives_no_right_to_open_requests(self, us_customer):
        grant(us_customer, "upgrade-protection")

        refused = check(us_customer)

        assert not refused.allowed
        assert refused.reason_code == "no-entitlement"


class TestVersions:
    def test_a_retired_major_is_refused_with_the_date_and_the_upgrade_path(self, us_customer):
        grant(us_customer, "premium")

        refused = check(us_customer, version="20.2")

        assert refused.reason_code == "version-unsupported"
        assert "was supported until" in refused.reason
        assert "21.2.1" in refused.reason
        assert refused.supported_until.isoformat() == "2026-09-18"

    def test_support_ends_eighteen_months_after_the_next_major(self, us_customer):
        grant(us_customer, "premium", starts_at=timezone.now() - timedelta(days=200))

        with time_machine.travel("2026-09-18T12:00:00Z", tick=False):
            assert check(us_customer, version="20.2").allowed
        with time_machine.travel("2026-09-19T12:00:00Z", tick=False):
            assert not check(us_customer, version="20.2").allowed

    def test_an_unknown_version_is_refused(self, us_customer):
        grant(us_customer, "premium")

        assert check(us_customer, version="7.0").reason_code == "unknown-version"


class TestChoiceAndTeams:
    def test_a_plan_is_preferred_to_a_credit(self, us_customer):
        grant(us_customer, "per-incident")
        grant(us_customer, "premium")

        decision = services.entitlement_use(
            customer=us_customer, product="professional", version=CURRENT,
            category="technical", reference="NS-1",
        )  # fmt: skip

        assert decision.kind == "premium"
        assert Entitlement.objects.get(kind="per-incident").uses_left == 1

    def test_the_german_team_counts_in_its_own_calendar(self, de_customer):
        grant(de_customer, "per-incident")

        decision = check(de_customer)

        # Monday 18:00 in Berlin is after hours: three hours from Tuesday 09:00.
        assert decision.first_response_due == utc("2026-11-24T12:00:00+01:00")

    def test_partner_categories_are_not_for_customers(self, us_customer):
        grant(us_customer, "premium")

        assert check(us_customer, category="pre-sales").reason_code == "partner-only"

    def test_revoked_entitlements_do_not_count(self, us_customer, customer):
        entitlement = grant(us_customer, "premium")

        services.entitlement_revoke(entitlement=entitlement, reason="refunded", actor=customer)

        assert not check(us_customer).allowed
        assert entitlement.events.filter(action="revoked", reason="refunded").exists()

    def test_staff_extension_is_recorded(self, us_customer, customer, frozen_monday):
        entitlement = grant(us_customer, "premium", starts_at=timezone.now())

        services.entitlement_extend(
            entitlement=entitlement, days=30, reason="outage", actor=customer
        )
        frozen_monday.shift(timedelta(days=380))

        assert check(us_customer).allowed
        assert entitlement.events.get(action="extended").reason == "+30 days: outage"


class TestGiveBack:
    def use(self, customer, reference):
        return services.entitlement_use(
            customer=customer, product="professional", version=CURRENT,
            category="technical", reference=reference,
        )  # fmt: skip

    def test_a_credit_used_by_mistake_is_given_back_with_the_reason(self, us_customer, customer):
        entitlement = grant(us_customer, "per-incident")
        self.use(us_customer, "NS-9")

        services.entitlement_give_back(
            entitlement=entitlement,
            reference="NS-9",
            reason="opened twice by mistake",
            actor=customer,
        )

        entitlement.refresh_from_db()
        assert entitlement.uses_left == 1
        event = entitlement.events.get(action=EntitlementEvent.Action.GIVEN_BACK)
        assert (event.reason, event.actor) == ("opened twice by mistake", customer)
        assert check(us_customer).allowed

    def test_a_credit_is_never_given_back_twice(self, us_customer, customer):
        entitlement = grant(us_customer, "per-incident")
        self.use(us_customer, "NS-9")
        services.entitlement_give_back(
            entitlement=entitlement, reference="NS-9", reason="x", actor=customer
        )

        with pytest.raises(ApplicationError, match="already given back"):
            services.entitlement_give_back(
                entitlement=entitlement, reference="NS-9", reason="x", actor=customer
            )

        entitlement.refresh_from_db()
        assert entitlement.uses_left == 1

    def test_only_a_request_that_used_it_gets_it_back(self, us_customer, customer):
        entitlement = grant(us_customer, "per-incident")

        with pytest.raises(ApplicationError, match="did not use"):
            services.entitlement_give_back(
                entitlement=entitlement, reference="NS-1", reason="x", actor=customer
            )

    def test_giving_back_needs_a_reason(self, us_customer, customer):
        entitlement = grant(us_customer, "per-incident")
        self.use(us_customer, "NS-9")

        with pytest.raises(ApplicationError, match="Say why"):
            services.entitlement_give_back(
                entitlement=entitlement, reference="NS-9", reason=" ", actor=customer
            )


def test_offerings_are_data_with_prices_in_both_currencies(db):
    sold = Offering.objects.filter(is_sold=True)

    assert set(sold.values_list("code", flat=True)) == {
        "premium", "per-incident", "xsp", "setup", "restore", "upgrade-protection",
    }  # fmt: skip
    assert all(o.price_eur and o.price_usd for o in sold)
    assert set(Offering.objects.get(code="premium").products.values_list("code", flat=True)) == {
        "professional", "server", "business-essentials",
    }  # fmt: skip
    assert Product.objects.count() == 6
