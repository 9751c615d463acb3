"""NFR licences: the agreement first, the allowance of the level, staff decisions, expiry."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from entitlements.models import Product
from partners import selectors, services
from partners.models import NfrAgreement, NfrAgreementAcceptance, NfrLicence
from portal.accounts import roles
from portal.core.errors import ApplicationError
from portal.core.models import OutboundEmail
from tests.factories import StaffFactory
from tests.partners.conftest import accept_agreement, issue_nfr

pytestmark = pytest.mark.django_db


def request_nfr(user, product: str = "professional") -> NfrLicence:
    return services.nfr_licence_request(user=user, product=Product.objects.get(code=product))


class TestAgreement:
    def test_a_first_request_needs_the_current_agreement(self, tech):
        with pytest.raises(ApplicationError) as refused:
            request_nfr(tech)

        assert refused.value.code == "agreement-required"
        assert not NfrLicence.objects.exists()

    def test_acceptance_records_who_when_and_which_version(self, tech, certified, frozen_monday):
        agreement = selectors.current_agreement()

        accept_agreement(tech)

        acceptance = NfrAgreementAcceptance.objects.get()
        assert (acceptance.user, acceptance.agreement, acceptance.organisation) == (
            tech,
            agreement,
            certified,
        )
        assert acceptance.accepted_at == timezone.now()
        assert request_nfr(tech).agreement == agreement

    def test_a_new_version_asks_again(self, tech):
        accept_agreement(tech)
        request_nfr(tech)
        NfrAgreement.objects.create(version="2", text="Changed terms.")

        with pytest.raises(ApplicationError) as refused:
            request_nfr(tech)

        assert refused.value.code == "agreement-required"
        assert "version 2" in refused.value.message
        accept_agreement(tech)
        assert request_nfr(tech).agreement.version == "2"
        assert NfrAgreementAcceptance.objects.filter(user=tech).count() == 2

    def test_an_outdated_version_cannot_be_accepted(self, tech):
        old = selectors.current_agreement()
        NfrAgreement.objects.create(version="2", text="Changed terms.")

        with pytest.raises(ApplicationError) as refused:
            services.nfr_agreement_accept(user=tech, agreement=old)

        assert refused.value.code == "agreement-outdated"

    def test_the_request_page_sends_to_the_agreement_first(self, client, tech):
        client.force_login(tech)

        response = client.get("/partners/nfr/new/")
        assert response.status_code == 302
        assert response["Location"] == "/partners/nfr/agreement/"
        page = client.get("/partners/nfr/agreement/")
        agreement = selectors.current_agreement()
        assert "not-for-resale" in page.content.decode()

        client.post("/partners/nfr/agreement/", {"agreement": agreement.pk, "accept": "1"})

        assert selectors.has_accepted(user=tech, agreement=agreement)
        assert client.get("/partners/nfr/new/").status_code == 200


class TestAllowance:
    def test_requests_past_the_allowance_are_refused_with_a_clear_message(self, tech, certified):
        accept_agreement(tech)
        allowed = selectors.nfr_allowance(
            organisation=certified, product=Product.objects.get(code="server")
        )
        assert allowed == 2  # Certified: two per product
        for _ in range(allowed):
            request_nfr(tech, "server")

        with pytest.raises(ApplicationError) as refused:
            request_nfr(tech, "server")

        assert refused.value.code == "allowance-exhausted"
        assert "2 of the 2 NFR licences of NovaBACKUP Server" in refused.value.message
        assert "Certified" in refused.value.message
        # Another product has its own allowance.
        assert request_nfr(tech, "professional").pk

    def test_members_of_one_organisation_share_the_allowance(self, tech, sales_contact):
        accept_agreement(tech)
        accept_agreement(sales_contact)
        request_nfr(tech, "server")
        request_nfr(sales_contact, "server")

        with pytest.raises(ApplicationError):
            request_nfr(tech, "server")

    def test_declined_and_expired_licences_free_the_allowance(self, tech, frozen_monday):
        accept_agreement(tech)
        first = request_nfr(tech, "server")
        second = request_nfr(tech, "server")
        services.nfr_licence_decline(licence=first, reason="Duplicate", actor=StaffFactory())
        services.nfr_licence_approve(licence=second, actor=StaffFactory())
        request_nfr(tech, "server")
        with pytest.raises(ApplicationError):
            request_nfr(tech, "server")

        frozen_monday.shift(timedelta(days=366))

        assert request_nfr(tech, "server").pk

    def test_the_page_shows_the_refusal(self, client, tech):
        accept_agreement(tech)
        request_nfr(tech, "server")
        request_nfr(tech, "server")
        client.force_login(tech)
        product = Product.objects.get(code="server")

        response = client.post("/partners/nfr/new/", {"product": product.code})

        assert response.status_code == 200
        assert "NFR licences of NovaBACKUP Server" in response.content.decode()
        assert NfrLicence.objects.count() == 2


class TestDecisions:
    def test_approval_issues_a_key_for_the_long_evaluation_period(
        self, tech, settings, frozen_monday
    ):
        settings.NFR_EVALUATION_DAYS = 365
        accept_agreement(tech)
        licence = request_nfr(tech)

        services.nfr_licence_approve(licence=licence, actor=StaffFactory())

        licence.refresh_from_db()
        assert licence.status == "approved"
        assert re.fullmatch(r"NFR(-[A-Z2-9]{5}){5}", licence.licence_key)
        assert licence.expires_at == timezone.now() + timedelta(days=365)
        assert settings.NFR_EVALUATION_DAYS > settings.PRODUCT_EVALUATION_DAYS
        mail = OutboundEmail.objects.get(tag="nfr_licence_approved")
        assert mail.to == tech.email
        assert licence.licence_key in mail.body_text

    def test_the_request_goes_to_the_sales_representative(self, tech, sales_rep):
        accept_agreement(tech)
        request_nfr(tech)

        mail = OutboundEmail.objects.get(tag="nfr_licence_requested")
        assert mail.to == sales_rep.email

    def test_a_decline_needs_a_reason_and_is_final(self, tech):
        accept_agreement(tech)
        licence = request_nfr(tech)
        staff = StaffFactory()

        with pytest.raises(ApplicationError) as refused:
            services.nfr_licence_decline(licence=licence, reason=" ", actor=staff)
        assert refused.value.code == "required"
        services.nfr_licence_decline(licence=licence, reason="Not a reseller of it", actor=staff)
        with pytest.raises(ApplicationError) as again:
            services.nfr_licence_approve(licence=licence, actor=staff)

        licence.refresh_from_db()
        assert again.value.code == "already-decided"
        assert (licence.status, licence.licence_key) == ("declined", None)
        assert (
            "Not a reseller of it"
            in OutboundEmail.objects.get(tag="nfr_licence_declined").body_text
        )

    def test_sales_staff_approve_and_decline_in_the_admin(self, client, tech):
        roles.roles_sync()
        seller = StaffFactory(email="seller@novadesk.test")
        seller.groups.add(Group.objects.get(name=roles.SALES))
        accept_agreement(tech)
        approve, decline = request_nfr(tech, "server"), request_nfr(tech, "professional")
        client.force_login(seller)
        url = "/admin/partners/nfrlicence/"

        client.post(url, {"action": "approve", "_selected_action": [approve.pk]})
        client.post(url, {"action": "decline", "_selected_action": [decline.pk], "reason": ""})
        approve.refresh_from_db()
        decline.refresh_from_db()
        assert approve.status == "approved" and approve.licence_key
        assert decline.status == "pending"  # no reason, no decision
        client.post(
            url, {"action": "decline", "_selected_action": [decline.pk], "reason": "Not needed"}
        )
        decline.refresh_from_db()
        assert (decline.status, decline.decline_reason) == ("declined", "Not needed")

    def test_the_partner_area_shows_the_key_and_expiry(self, client, tech, sales_contact):
        licence = issue_nfr(tech)
        client.force_login(sales_contact)

        page = client.get("/partners/").content.decode()

        assert licence.licence_key in page
        assert licence.expires_at.date().isoformat() in page


class TestExpiryReminder:
    def test_each_licence_is_reminded_once_before_it_expires(self, tech, settings, frozen_monday):
        settings.NFR_REMINDER_DAYS = 30
        settings.NFR_EVALUATION_DAYS = 365
        soon = issue_nfr(tech, "professional")
        later = issue_nfr(tech, "server")
        NfrLicence.objects.filter(pk=later.pk).update(
            expires_at=timezone.now() + timedelta(days=200)
        )

        assert services.nfr_expiry_reminders_send() == 0
        frozen_monday.shift(timedelta(days=340))
        assert services.nfr_expiry_reminders_send() == 1
        assert services.nfr_expiry_reminders_send() == 0

        mails = OutboundEmail.objects.filter(tag="nfr_licence_expiring")
        assert [m.to for m in mails] == [tech.email]
        assert soon.licence_key in mails[0].body_text
        soon.refresh_from_db()
        assert soon.reminded_at == timezone.now()

    def test_the_task_runs_the_sweep(self, tech, frozen_monday):
        from partners.tasks import send_nfr_expiry_reminders

        issue_nfr(tech)
        frozen_monday.shift(timedelta(days=350))

        assert send_nfr_expiry_reminders() == 1
        assert send_nfr_expiry_reminders() == 0
