"""Where signing in leads: staff to the desk (engineers and leads to their queue), customers
home."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from portal.accounts import roles
from tests.factories import PASSWORD, StaffFactory, UserFactory
from tickets.admin import MY_QUEUE

pytestmark = pytest.mark.django_db

MY_QUEUE_URL = f"{reverse('admin:tickets_ticket_changelist')}?{urlencode(MY_QUEUE)}"
DESK_START = reverse("admin:index")


def sign_in(client, user, next_url: str | None = None):
    url = reverse("account_login")
    if next_url is not None:
        url = f"{url}?{urlencode({'next': next_url})}"
    response = client.post(url, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return response["Location"]


def staff_in(*groups: str, **extra):
    user = StaffFactory(**extra)
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    return user


class TestStaff:
    @pytest.mark.parametrize("role", [roles.SUPPORT_ENGINEER, roles.SUPPORT_LEAD])
    def test_engineers_and_leads_land_on_their_own_open_requests(self, client, role):
        assert sign_in(client, staff_in(role)) == MY_QUEUE_URL

    def test_the_queue_opens_there(self, client):
        sign_in(client, staff_in(roles.SUPPORT_ENGINEER))

        response = client.get(MY_QUEUE_URL)

        assert response.status_code == 200

    @pytest.mark.parametrize("role", [roles.SALES, roles.PRODUCT_TEAM])
    def test_other_staff_land_on_the_desks_start_page(self, client, role):
        assert sign_in(client, staff_in(role)) == DESK_START

    def test_an_administrator_lands_on_the_desks_start_page(self, client):
        assert sign_in(client, StaffFactory(is_superuser=True)) == DESK_START

    def test_an_administrator_who_answers_tickets_lands_on_the_queue(self, client):
        admin = staff_in(roles.SUPPORT_LEAD, is_superuser=True)

        assert sign_in(client, admin) == MY_QUEUE_URL

    def test_an_explicit_next_address_wins(self, client):
        engineer = staff_in(roles.SUPPORT_ENGINEER)

        assert sign_in(client, engineer, "/admin/desk/callbacks/") == "/admin/desk/callbacks/"

    def test_a_next_address_elsewhere_is_ignored(self, client):
        engineer = staff_in(roles.SUPPORT_ENGINEER)

        assert sign_in(client, engineer, "https://evil.example/admin/") == MY_QUEUE_URL


class TestCustomers:
    def test_a_customer_lands_on_the_home_page_as_before(self, client):
        assert sign_in(client, UserFactory(email="paula@example.com")) == reverse("home")

    def test_a_customer_in_a_staff_group_but_not_staff_is_a_customer(self, client):
        customer = UserFactory(email="former.engineer@example.com")
        customer.groups.add(Group.objects.get(name=roles.SUPPORT_ENGINEER))

        assert sign_in(client, customer) == reverse("home")

    def test_a_customer_keeps_their_next_address(self, client):
        customer = UserFactory(email="paula@example.com")

        assert sign_in(client, customer, reverse("tickets:list")) == reverse("tickets:list")
