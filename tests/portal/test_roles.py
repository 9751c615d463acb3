"""Staff roles, staff passwords and the throttled admin sign-in."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from portal.accounts import roles
from tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ENTITLEMENT_ADD = "/admin/entitlements/entitlement/add/"
TICKETS = "/admin/tickets/ticket/"


def staff_in(group: str, **extra):
    user = StaffFactory(**extra)
    user.groups.add(Group.objects.get(name=group))
    return user


def perms_of(group: str) -> set[str]:
    return {
        f"{label}.{codename}"
        for label, codename in Group.objects.get(name=group).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def registered_admin_models(app_label: str) -> list:
    return [model for model in admin.site._registry if model._meta.app_label == app_label]


class TestGroups:
    def test_the_migration_creates_the_four_groups(self):
        names = set(Group.objects.values_list("name", flat=True))

        assert {"Support engineer", "Support lead", "Sales", "Product team"} <= names

    def test_engineers_handle_tickets_but_cannot_grant(self):
        perms = perms_of("Support engineer")

        assert {
            "tickets.view_ticket",
            "tickets.change_ticket",
            "tickets.change_message",
            "tickets.change_attachment",
            "tickets.change_inboundemail",
            "entitlements.view_entitlement",
            "entitlements.view_order",
            "entitlements.view_registration",
            "entitlements.view_product",
        } <= perms
        assert "entitlements.add_entitlement" not in perms
        assert "entitlements.change_entitlement" not in perms
        assert not any(perm.startswith(("tickets.delete_", "tickets.add_")) for perm in perms)

    def test_leads_have_everything_engineers_have_and_may_grant(self):
        lead = perms_of("Support lead")

        assert perms_of("Support engineer") <= lead
        assert {
            "entitlements.add_entitlement",
            "entitlements.change_entitlement",
            "entitlements.view_offering",
            "teams.change_team",
        } <= lead

    def test_leads_read_the_survey_report_but_nothing_else_of_the_surveys(self):
        lead = perms_of("Support lead")

        assert {p for p in lead if p.startswith("surveys.")} == {
            "surveys.view_survey",
            "surveys.view_response",
        }
        assert not any(p.startswith("surveys.") for p in perms_of("Support engineer"))

    def test_sales_only_look_except_at_the_partner_programme(self):
        perms = perms_of("Sales")

        assert {
            "entitlements.view_order",
            "entitlements.view_entitlement",
            "entitlements.view_registration",
            "tickets.view_ticket",
        } <= perms
        assert all(
            perm.split(".", 1)[1].startswith("view_")
            for perm in perms
            if not perm.startswith("partners.")
        )
        assert {"partners.change_nfrlicence", "partners.change_presalesrequest"} <= perms

    def test_product_team_sees_surveys_telemetry_and_the_beta_group_only(self):
        perms = perms_of("Product team")

        assert not any(perm.startswith(("tickets.", "partners.", "onsite.")) for perm in perms)
        expected = set(
            Permission.objects.filter(
                content_type__app_label__in=["surveys", "telemetry", "betas"],
                codename__startswith="view_",
            ).values_list("content_type__app_label", "codename")
        )
        expected |= {
            ("betas", "change_enrolment"),
            ("entitlements", "view_product"),
            ("entitlements", "view_release"),
            ("entitlements", "add_release"),
            ("entitlements", "change_release"),
        }
        assert perms == {f"{label}.{codename}" for label, codename in expected}
        # Nothing of the product team's may change survey answers or usage data.
        assert not any(
            perm.startswith(("surveys.", "telemetry.")) and ".view_" not in perm for perm in perms
        )

    def test_sync_is_idempotent(self):
        first = roles.roles_sync()
        second = roles.roles_sync()

        assert first == second
        assert Group.objects.filter(name__in=roles.ROLES).count() == 4

    def test_migrate_puts_back_a_removed_permission(self):
        group = Group.objects.get(name="Support engineer")
        group.permissions.remove(Permission.objects.get(codename="view_ticket"))

        call_command("migrate", verbosity=0, stdout=StringIO())

        assert "tickets.view_ticket" in perms_of("Support engineer")


class TestAdminAccess:
    def test_an_engineer_cannot_open_the_grant_page_but_sees_tickets(self, client):
        client.force_login(staff_in("Support engineer"))

        assert client.get(ENTITLEMENT_ADD).status_code == 403
        assert client.get(TICKETS).status_code == 200

    def test_a_lead_can_open_the_grant_page(self, client):
        client.force_login(staff_in("Support lead"))

        assert client.get(ENTITLEMENT_ADD).status_code == 200

    def test_sales_see_orders_but_cannot_grant(self, client):
        client.force_login(staff_in("Sales"))

        assert client.get("/admin/entitlements/order/").status_code == 200
        assert client.get(TICKETS).status_code == 200
        assert client.get(ENTITLEMENT_ADD).status_code == 403

    def test_the_product_team_sees_no_tickets(self, client):
        client.force_login(staff_in("Product team"))

        assert client.get(TICKETS).status_code == 403
        assert client.get(reverse("desk-dashboard")).status_code == 403
        assert client.get(reverse("desk-callbacks")).status_code == 403

    def test_the_product_team_sees_the_surveys(self, client):
        client.force_login(staff_in("Product team"))

        responses = [
            client.get(reverse(f"admin:surveys_{model._meta.model_name}_changelist"))
            for model in registered_admin_models("surveys")
        ]

        assert responses
        assert {response.status_code for response in responses} == {200}

    def test_an_engineer_cannot_extend_an_entitlement_through_the_action(self, client):
        from entitlements.models import Entitlement
        from entitlements.services import catalogue_load
        from tests.factories import grant

        catalogue_load()
        entitlement = grant(UserFactory(), "premium")
        ends_at = entitlement.ends_at
        client.force_login(staff_in("Support engineer"))

        client.post(
            "/admin/entitlements/entitlement/",
            {
                "action": "extend",
                "_selected_action": [entitlement.pk],
                "days": "30",
                "reason": "goodwill",
            },
        )

        assert Entitlement.objects.get(pk=entitlement.pk).ends_at == ends_at


class TestStaffPasswords:
    @pytest.mark.parametrize(
        ("password", "message"),
        [
            ("short-pass-1", "at least 14 characters"),
            ("only-letters-here-ok", "letters and digits"),
            ("qwerty123456789", "too common"),
        ],
    )
    def test_staff_passwords_must_be_long_mixed_and_uncommon(self, password, message):
        staff = StaffFactory.build(email="staff@novadesk.test")

        with pytest.raises(ValidationError) as refused:
            validate_password(password, user=staff)

        assert any(message in text for text in refused.value.messages)

    def test_a_strong_staff_password_is_accepted(self):
        validate_password("tidal-Orbit-4417-lantern", user=StaffFactory.build())

    def test_customers_keep_the_default_rules(self):
        customer = UserFactory.build(email="someone@example.com")

        validate_password("short-pass-1", user=customer)
        with pytest.raises(ValidationError):
            validate_password("abc12", user=customer)

    def test_staff_changing_their_password_in_the_portal_get_the_rule(self, client):
        staff = StaffFactory(email="lead@novadesk.test")
        client.force_login(staff)

        response = client.post(
            reverse("account_change_password"),
            {"oldpassword": PASSWORD, "password1": "Short-pass-99", "password2": "Short-pass-99"},
        )

        assert response.status_code == 200
        assert "Staff passwords must be at least 14 characters" in response.content.decode()
        staff.refresh_from_db()
        assert staff.check_password(PASSWORD)


class TestStaffPasswordAtSignIn:
    """A password that reached a staff account without the staff rule (createsuperuser, the
    admin's "add user", a customer made staff) must be replaced before the desk opens."""

    def sign_in(self, client, email: str, password: str):
        return client.post(reverse("account_login"), {"login": email, "password": password})

    def staff_with(self, password: str, **extra):
        staff = StaffFactory(email="new.lead@novadesk.test", **extra)
        staff.set_password(password)  # as createsuperuser does, before the account is staff
        staff.save(update_fields=["password"])
        return staff

    def test_a_weak_staff_password_sends_the_desk_to_the_password_change(self, client):
        self.staff_with("letmein", is_superuser=True)

        self.sign_in(client, "new.lead@novadesk.test", "letmein")
        response = client.get("/admin/tickets/ticket/")

        assert response.status_code == 302
        assert response.url == reverse("account_change_password") + "?next=/admin/tickets/ticket/"
        assert client.get("/").status_code == 200  # the rest of the portal stays open

    def test_choosing_a_strong_password_opens_the_desk(self, client):
        self.staff_with("letmein", is_superuser=True)
        self.sign_in(client, "new.lead@novadesk.test", "letmein")

        client.post(
            reverse("account_change_password"),
            {
                "oldpassword": "letmein",
                "password1": "tidal-Orbit-4417-lantern",
                "password2": "tidal-Orbit-4417-lantern",
            },
        )

        assert client.get("/admin/").status_code == 200

    def test_a_strong_password_opens_the_desk_at_once(self, client):
        self.staff_with("tidal-Orbit-4417-lantern", is_superuser=True)

        self.sign_in(client, "new.lead@novadesk.test", "tidal-Orbit-4417-lantern")

        assert client.get("/admin/").status_code == 200

    def test_a_customer_made_staff_must_replace_their_customer_password(self, client):
        customer = UserFactory(email="promoted@example.com")
        customer.set_password("Sunny-day-7")  # good enough for a customer
        customer.is_staff = customer.is_superuser = True
        customer.save()

        self.sign_in(client, "promoted@example.com", "Sunny-day-7")

        assert client.get("/admin/").url.startswith(reverse("account_change_password"))


class TestAdminSignIn:
    def test_the_admin_sign_in_is_the_portals(self, client):
        response = client.get("/admin/login/?next=/admin/")

        assert response.status_code == 302
        assert response.url == "/accounts/login/?next=/admin/"

    def test_the_admin_index_leads_to_the_portals_sign_in(self, client):
        response = client.get("/admin/tickets/ticket/", follow=True)

        assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/tickets/ticket/"

    def test_a_foreign_next_is_replaced_by_the_admin(self, client):
        response = client.get("/admin/login/?next=https://evil.example/")

        assert response.url == "/accounts/login/?next=/admin/"

    def test_staff_sign_in_and_land_in_the_admin(self, client):
        StaffFactory(email="sam@novadesk.test")

        response = client.post(
            "/accounts/login/?next=/admin/",
            {"login": "sam@novadesk.test", "password": PASSWORD, "next": "/admin/"},
        )

        assert response.status_code == 302
        assert response.url == "/admin/"
        assert client.get("/admin/").status_code == 200

    def test_failed_staff_sign_ins_are_throttled(self, client):
        staff = StaffFactory(email="sam@novadesk.test")
        for _attempt in range(5):
            client.post(reverse("account_login"), {"login": staff.email, "password": "wrong"})

        response = client.post(
            reverse("account_login"), {"login": staff.email, "password": PASSWORD}
        )

        assert response.status_code == 200
        assert "Too many failed login attempts" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_signed_in_customer_is_told_instead_of_bounced(self, client):
        client.force_login(UserFactory(email="paula@example.com"))

        response = client.get("/admin/login/?next=/admin/")

        assert response.status_code == 403
        assert "no access to the support desk" in response.content.decode()

    def test_signed_in_staff_go_straight_on(self, client):
        client.force_login(StaffFactory())

        response = client.get("/admin/login/?next=/admin/tickets/ticket/")

        assert response.url == "/admin/tickets/ticket/"
