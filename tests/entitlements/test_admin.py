"""Staff grant, extend and revoke entitlements in the admin; every change is recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from entitlements.models import Entitlement, Offering, Product
from tests.factories import StaffFactory, UserFactory, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = StaffFactory(is_superuser=True)
    client.force_login(admin)
    client.admin_user = admin
    return client


def test_staff_grant_goes_through_the_service_and_is_recorded(staff_client):
    customer = UserFactory()

    response = staff_client.post(
        reverse("admin:entitlements_entitlement_add"),
        {
            "customer": customer.pk,
            "product": Product.objects.get(code="server").pk,
            "offering": Offering.objects.get(code="per-incident").pk,
            "starts_at_0": "2026-11-21",
            "starts_at_1": "10:00:00",
            "quantity": 2,
            "reason": "goodwill after outage",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    entitlement = Entitlement.objects.get(customer=customer)
    assert (entitlement.kind, entitlement.uses_left) == ("per-incident", 2)
    event = entitlement.events.get()
    assert (event.action, event.actor) == ("granted", staff_client.admin_user)
    assert entitlement.source == "staff: goodwill after outage"


def test_staff_cannot_grant_an_offering_not_sold_for_the_product(staff_client):
    customer = UserFactory()

    response = staff_client.post(
        reverse("admin:entitlements_entitlement_add"),
        {
            "customer": customer.pk,
            "product": Product.objects.get(code="network").pk,
            "offering": Offering.objects.get(code="premium").pk,
            "starts_at_0": "2026-11-21",
            "starts_at_1": "10:00:00",
            "quantity": 1,
            "reason": "test",
        },
    )

    assert response.status_code == 200
    assert "is not available for" in response.content.decode()
    assert not Entitlement.objects.filter(customer=customer).exists()


def run_action(client, action: str, entitlement, **fields):
    return client.post(
        reverse("admin:entitlements_entitlement_changelist"),
        {"action": action, "_selected_action": [entitlement.pk], **fields},
    )


def test_extend_and_revoke_need_a_reason_and_are_recorded(staff_client):
    entitlement = grant(UserFactory(), "premium")
    ends = entitlement.ends_at

    run_action(staff_client, "extend", entitlement, days="30", reason="")
    entitlement.refresh_from_db()
    assert entitlement.ends_at == ends

    run_action(staff_client, "extend", entitlement, days="30", reason="service outage")
    run_action(staff_client, "revoke", entitlement, reason="refund requested")

    entitlement.refresh_from_db()
    assert (entitlement.ends_at - ends).days == 30
    assert entitlement.revoke_reason == "refund requested"
    actions = list(entitlement.events.values_list("action", "reason", "actor"))
    admin_pk = staff_client.admin_user.pk
    assert ("extended", "+30 days: service outage", admin_pk) in actions
    assert ("revoked", "refund requested", admin_pk) in actions


@pytest.mark.parametrize(
    "model",
    ["entitlement", "offering", "order", "registration", "product", "release"],
)
def test_admin_lists_render_with_search(staff_client, model):
    grant(UserFactory(email="findme@example.com"), "premium")

    response = staff_client.get(reverse(f"admin:entitlements_{model}_changelist"), {"q": "findme"})

    assert response.status_code == 200


def test_team_calendars_are_in_the_admin(staff_client):
    response = staff_client.get(reverse("admin:teams_team_changelist"))

    assert response.status_code == 200
    assert "Germany team" in response.content.decode()
