"""Members, invitations and applications: who joins an organisation, in which role."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from partners import selectors, services
from partners.models import Application, Invitation, MemberRole, Membership, Organisation
from portal.accounts import roles
from portal.core.errors import ApplicationError
from portal.core.models import OutboundEmail
from tests.factories import StaffFactory, UserFactory
from tests.partners.conftest import level

pytestmark = pytest.mark.django_db


def invitation_path() -> str:
    mail = OutboundEmail.objects.filter(tag="partner_invitation").latest("pk")
    return re.search(r"/partners/invitations/[^/\s]+/", mail.body_text).group(0)


class TestInvitations:
    def test_an_administrator_invites_and_the_colleague_signs_in_and_accepts(
        self, client, partner_admin, certified
    ):
        client.force_login(partner_admin)
        client.post(
            "/partners/members/invite/", {"email": "New.Tech@Reseller.example", "role": "technical"}
        )
        mail = OutboundEmail.objects.get(tag="partner_invitation")
        assert mail.to == "new.tech@reseller.example"
        path = invitation_path()
        client.logout()

        # Signed out, the link asks to sign in; signed in, the colleague accepts.
        assert "Sign in" in client.get(path).content.decode()
        colleague = UserFactory(email="new.tech@reseller.example")
        client.force_login(colleague)
        response = client.post(path)

        assert response.status_code == 302
        membership = Membership.objects.get(user=colleague)
        assert (membership.organisation, membership.role) == (certified, MemberRole.TECHNICAL)
        # The link works once.
        assert client.get(path).status_code == 404

    def test_a_signed_out_invitee_is_sent_to_sign_in_and_back(self, client, partner_admin):
        services.invitation_send(actor=partner_admin, email="x@reseller.example", role="sales")
        path = invitation_path()

        response = client.post(path)

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=%2Fpartners%2Finvitations%2F")

    def test_the_invitation_is_for_its_address_only(self, partner_admin):
        services.invitation_send(actor=partner_admin, email="x@reseller.example", role="sales")
        token = invitation_path().split("/")[3]

        with pytest.raises(ApplicationError) as refused:
            services.invitation_accept(token=token, user=UserFactory(email="y@example.com"))

        assert refused.value.code == "invitation-other-address"
        assert "x@reseller.example" in refused.value.message

    def test_the_invitation_expires(self, partner_admin, settings, time_machine):
        settings.PARTNER_INVITATION_DAYS = 14
        time_machine.move_to("2026-11-23T17:00:00+00:00")
        services.invitation_send(actor=partner_admin, email="x@reseller.example", role="sales")
        token = invitation_path().split("/")[3]
        time_machine.move_to("2026-12-08T17:00:00+00:00")

        with pytest.raises(ApplicationError) as refused:
            services.invitation_accept(token=token, user=UserFactory(email="x@reseller.example"))

        assert refused.value.code == "invitation-invalid"

    def test_a_tampered_token_opens_nothing(self, client, partner_admin):
        services.invitation_send(actor=partner_admin, email="x@reseller.example", role="sales")
        path = invitation_path()

        assert client.get(path[:-3] + "xx/").status_code == 404

    def test_only_an_administrator_invites(self, tech):
        with pytest.raises(ApplicationError) as refused:
            services.invitation_send(actor=tech, email="x@reseller.example", role="sales")

        assert refused.value.code == "not-administrator"
        assert not Invitation.objects.exists()

    def test_a_withdrawn_invitation_cannot_be_accepted(self, partner_admin):
        invitation = services.invitation_send(
            actor=partner_admin, email="x@reseller.example", role="sales"
        )
        token = invitation_path().split("/")[3]

        services.invitation_withdraw(invitation=invitation, actor=partner_admin)

        assert selectors.invitation_by_token(token=token) is None


class TestRemoving:
    def test_an_administrator_removes_a_member(self, client, partner_admin, tech):
        membership = Membership.objects.get(user=tech)
        client.force_login(partner_admin)

        client.post(f"/partners/members/{membership.pk}/remove/")

        assert not Membership.objects.filter(user=tech).exists()
        assert selectors.membership_for(user=tech) is None

    def test_other_members_cannot_remove_anyone(self, client, tech, sales_contact):
        client.force_login(sales_contact)

        client.post(f"/partners/members/{Membership.objects.get(user=tech).pk}/remove/")

        assert Membership.objects.filter(user=tech).exists()

    def test_an_administrator_of_another_organisation_cannot_remove(self, client, tech, registered):
        stranger = UserFactory(email="boss@elsewhere.example")
        Membership.objects.create(organisation=registered, user=stranger, role="admin")

        with pytest.raises(ApplicationError):
            services.membership_remove(membership=Membership.objects.get(user=tech), actor=stranger)

    def test_the_last_administrator_stays(self, partner_admin):
        with pytest.raises(ApplicationError) as refused:
            services.membership_remove(
                membership=Membership.objects.get(user=partner_admin), actor=partner_admin
            )

        assert refused.value.code == "last-administrator"

    def test_the_area_offers_invite_and_remove_to_administrators_only(
        self, client, partner_admin, tech
    ):
        client.force_login(partner_admin)
        admin_page = client.get("/partners/").content.decode()
        client.force_login(tech)
        tech_page = client.get("/partners/").content.decode()

        assert "/partners/members/invite/" in admin_page
        assert "/remove/" in admin_page
        assert "/partners/members/invite/" not in tech_page
        assert "/remove/" not in tech_page
        assert tech.email in tech_page and partner_admin.email in tech_page


class TestApplications:
    def _apply(self, client, user):
        client.force_login(user)
        return client.post(
            "/partners/apply/",
            {
                "company": "Backup Heroes AG",
                "country": "CH",
                "contact_name": "Hanna Held",
                "contact_email": "hanna@heroes.example",
                "website": "https://heroes.example",
                "message": "We protect 300 SMB customers.",
            },
        )

    def test_a_company_applies_and_staff_approve_at_a_level(self, client, releases):
        roles.roles_sync()
        applicant = UserFactory(email="hanna@heroes.example")
        self._apply(client, applicant)
        application = Application.objects.get()
        assert application.status == "pending"
        assert OutboundEmail.objects.filter(tag="partner_application_received").exists()
        seller = StaffFactory(email="seller@novadesk.test")
        seller.groups.add(Group.objects.get(name=roles.SALES))
        client.force_login(seller)

        client.post(
            "/admin/partners/application/",
            {
                "action": "approve",
                "_selected_action": [application.pk],
                "level": level("premium").pk,
            },
        )

        organisation = Organisation.objects.get(name="Backup Heroes AG")
        assert (organisation.level.code, organisation.country) == ("premium", "CH")
        membership = Membership.objects.get(user=applicant)
        assert (membership.organisation, membership.role) == (organisation, "admin")
        application.refresh_from_db()
        assert (application.status, application.organisation) == ("approved", organisation)
        assert OutboundEmail.objects.get(tag="partner_application_approved").to == applicant.email

    def test_approval_needs_a_level(self, client, releases):
        applicant = UserFactory()
        self._apply(client, applicant)
        client.force_login(StaffFactory(is_superuser=True))

        client.post(
            "/admin/partners/application/",
            {"action": "approve", "_selected_action": [Application.objects.get().pk]},
        )

        assert not Organisation.objects.exists()

    def test_staff_decline_with_a_reason(self, releases):
        applicant = UserFactory()
        application = services.application_submit(
            applicant=applicant,
            company="Tiny",
            country="de",
            contact_name="T",
            contact_email="t@tiny.example",
        )

        services.application_decline(
            application=application, reason="No reseller activity", actor=StaffFactory()
        )

        application.refresh_from_db()
        assert (application.status, application.decline_reason) == (
            "declined",
            "No reseller activity",
        )
        assert not Organisation.objects.exists()

    def test_one_application_at_a_time(self, client, releases):
        applicant = UserFactory()
        self._apply(client, applicant)

        response = self._apply(client, applicant)

        assert Application.objects.count() == 1
        assert "still being reviewed" in response.content.decode()

    def test_a_bad_country_is_named(self, releases):
        with pytest.raises(ApplicationError) as refused:
            services.application_submit(
                applicant=UserFactory(),
                company="X",
                country="",
                contact_name="X",
                contact_email="x@x.example",
            )

        assert refused.value.code == "invalid-country"

    def test_a_non_member_sees_the_programme_and_the_application(self, client, releases):
        client.force_login(UserFactory())

        page = client.get("/partners/").content.decode()

        assert "/partners/apply/" in page
