"""Staff API endpoints need the permission of the desk action they mirror, role by role.

Answering a customer, or logging a call to them, is a support engineer's act: the customer
receives it as an official answer, the sender becomes the assignee and the auto-close count moves.
Staff of roles without ticket rights in the desk (Sales, Product team, staff in no group) are
refused with 403 and change nothing.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from portal.accounts import roles
from portal.core.models import OutboundEmail
from tests.factories import StaffFactory
from tickets.models import Message, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

ENDPOINTS = {
    "replies": {"body": "Please send the log file.", "awaits_customer": True},
    "call-attempts": {"reached": False, "note": "No answer."},
}
ALLOWED = {roles.SUPPORT_ENGINEER: True, roles.SUPPORT_LEAD: True}
REFUSED_ROLES = [roles.SALES, roles.PRODUCT_TEAM, None]


def staff_client(group: str | None, **extra) -> tuple[Client, object]:
    user = StaffFactory(**extra)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client, user


def post(client: Client, ticket_id: str, action: str):
    return client.post(
        f"/api/v1/staff/tickets/{ticket_id}/{action}/",
        ENDPOINTS[action],
        content_type="application/json",
    )


def snapshot(ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.assignee_id,
        ticket.contact_attempts,
        Message.objects.filter(ticket=ticket).count(),
        TicketEvent.objects.filter(ticket=ticket).count(),
        OutboundEmail.objects.count(),
    )


@pytest.mark.parametrize("action", list(ENDPOINTS))
@pytest.mark.parametrize("group", REFUSED_ROLES, ids=["sales", "product-team", "no-group"])
def test_staff_without_ticket_rights_are_refused_and_change_nothing(open_ticket, group, action):
    client, _user = staff_client(group)
    before = snapshot(open_ticket)

    response = post(client, open_ticket.ticket_id, action)

    assert response.status_code == 403
    assert "role does not allow" in response.json()["detail"]
    assert snapshot(open_ticket) == before


@pytest.mark.parametrize("action", list(ENDPOINTS))
@pytest.mark.parametrize("group", REFUSED_ROLES, ids=["sales", "product-team", "no-group"])
def test_the_refusal_does_not_tell_whether_the_ticket_exists(open_ticket, group, action):
    client, _user = staff_client(group)

    existing = post(client, open_ticket.ticket_id, action)
    unknown = post(client, "NS-2026-999999", action)

    assert existing.status_code == unknown.status_code == 403
    assert existing.json() == unknown.json()


@pytest.mark.parametrize("action", list(ENDPOINTS))
@pytest.mark.parametrize("group", list(ALLOWED))
def test_engineers_and_leads_act_through_the_api(open_ticket, group, action):
    client, user = staff_client(group)

    response = post(client, open_ticket.ticket_id, action)

    assert response.status_code == 201, response.content
    open_ticket.refresh_from_db()
    assert open_ticket.contact_attempts == 1
    assert Message.objects.filter(ticket=open_ticket, author=user).exists()


@pytest.mark.parametrize("action", list(ENDPOINTS))
def test_a_superuser_acts_through_the_api(open_ticket, action):
    client, _user = staff_client(None, is_superuser=True)

    assert post(client, open_ticket.ticket_id, action).status_code == 201


@pytest.mark.parametrize("action", list(ENDPOINTS))
def test_a_deactivated_engineer_is_refused(open_ticket, action):
    client, user = staff_client(roles.SUPPORT_ENGINEER)
    user.is_active = False
    user.save(update_fields=["is_active"])
    before = snapshot(open_ticket)

    response = post(client, open_ticket.ticket_id, action)

    assert response.status_code in (401, 403)
    assert snapshot(open_ticket) == before
