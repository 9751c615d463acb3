"""The customer beside a request on the desk: their other requests and their partner status."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.models import MemberRole, Membership, Organisation, PartnerLevel
from tests.factories import UserFactory
from tests.tickets.test_admin_triage import copy_ticket, page_url, triage
from tickets.models import Status, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]


@pytest.fixture
def engineer_client(client, us_engineer):
    triage(us_engineer)
    client.force_login(us_engineer)
    return client


def others_section(content: str) -> str:
    found = re.search(
        r'aria-labelledby="triage-others-heading">(.*?)</section>', content, flags=re.S
    )
    assert found
    return found.group(1)


def other_ids(content: str) -> list[str]:
    return re.findall(r'<li class="triage-other">\s*<a href="[^"]*">([^<]+)</a>', content)


def partner_section(content: str) -> str:
    found = re.search(
        r'aria-labelledby="triage-partner-heading">(.*?)</section>', content, flags=re.S
    )
    assert found
    return found.group(1)


def other_requests(ticket: Ticket, count: int, *, status: str = Status.OPEN) -> list[Ticket]:
    """``count`` more requests of the ticket's customer, each active a minute earlier."""
    now = timezone.now()
    made = []
    for n in range(count):
        other = copy_ticket(ticket, status=status, subject=f"{status} request {n}")
        Ticket.objects.filter(pk=other.pk).update(last_activity_at=now - timedelta(minutes=n + 1))
        made.append(other)
    return made


def page(client, ticket: Ticket) -> str:
    response = client.get(page_url(ticket))
    assert response.status_code == 200
    return response.content.decode()


def count_queries(client, ticket: Ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        page(client, ticket)
    return len(queries)


class TestOtherRequests:
    def test_a_customer_with_no_other_request(self, engineer_client, open_ticket):
        section = others_section(page(engineer_client, open_ticket))
        assert "The customer has no other requests." in section
        assert "more" not in section

    def test_open_ones_first_then_the_most_recent_closed(self, engineer_client, open_ticket):
        closed = other_requests(open_ticket, 2, status=Status.CLOSED)
        waiting = other_requests(open_ticket, 2, status=Status.WAITING)
        somebody_else = copy_ticket(open_ticket, customer=UserFactory())
        content = page(engineer_client, open_ticket)
        ids = other_ids(others_section(content))
        assert ids == [t.ticket_id for t in waiting + closed]
        assert open_ticket.ticket_id not in ids
        assert somebody_else.ticket_id not in ids

    def test_each_shows_subject_status_activity_and_links_to_its_page(
        self, engineer_client, open_ticket
    ):
        (other,) = other_requests(open_ticket, 1, status=Status.WAITING)
        section = others_section(page(engineer_client, open_ticket))
        assert f'href="{page_url(other)}' in section
        assert "waiting request 0" in section
        assert 'class="triage-status triage-status--waiting"' in section
        other.refresh_from_db()
        assert f'datetime="{other.last_activity_at.isoformat()}"' in section

    def test_up_to_ten_and_the_rest_in_the_queue(self, engineer_client, open_ticket):
        opened = other_requests(open_ticket, 3)
        closed = other_requests(open_ticket, 12, status=Status.CLOSED)
        section = others_section(page(engineer_client, open_ticket))
        assert other_ids(section) == [t.ticket_id for t in opened + closed[:7]]
        assert "and 5 more" in section
        link = re.search(r'class="triage-others-more"><a href="([^"]+)"', section)
        assert link
        url = urlsplit(link.group(1).replace("&amp;", "&"))
        assert url.path == "/admin/tickets/ticket/"
        assert parse_qs(url.query) == {"q": [open_ticket.customer.email]}
        queue = engineer_client.get(link.group(1).replace("&amp;", "&"))
        assert queue.status_code == 200
        assert queue.content.decode().count('class="field-subject"') == 16

    def test_exactly_ten_has_no_more_link(self, engineer_client, open_ticket):
        other_requests(open_ticket, 10)
        section = others_section(page(engineer_client, open_ticket))
        assert len(other_ids(section)) == 10
        assert "triage-others-more" not in section


class TestPartnerStatus:
    def test_a_customer_who_is_no_partner(self, engineer_client, open_ticket):
        section = partner_section(page(engineer_client, open_ticket))
        assert "The customer is not a member of a partner organisation." in section

    def test_a_technical_representative(self, engineer_client, open_ticket):
        organisation = Organisation.objects.create(
            name="Reseller Nord GmbH", level=PartnerLevel.objects.get(code=PartnerLevel.PREMIUM)
        )
        Membership.objects.create(
            organisation=organisation, user=open_ticket.customer, role=MemberRole.TECHNICAL
        )
        section = partner_section(page(engineer_client, open_ticket))
        assert "Reseller Nord GmbH" in section
        assert PartnerLevel.objects.get(code=PartnerLevel.PREMIUM).name in section
        assert '<span class="triage-tag">technical representative</span>' in section
        assert "not a technical representative" not in section

    def test_a_sales_contact_is_not_a_technical_representative(self, engineer_client, open_ticket):
        organisation = Organisation.objects.create(
            name="Reseller Süd AG", level=PartnerLevel.objects.get(code=PartnerLevel.CERTIFIED)
        )
        Membership.objects.create(
            organisation=organisation, user=open_ticket.customer, role=MemberRole.SALES
        )
        section = partner_section(page(engineer_client, open_ticket))
        assert "Reseller Süd AG" in section
        assert "sales contact" in section
        assert "not a technical representative" in section

    def test_an_inactive_organisation_is_not_shown(self, engineer_client, open_ticket):
        organisation = Organisation.objects.create(
            name="Former Reseller",
            level=PartnerLevel.objects.get(code=PartnerLevel.CERTIFIED),
            is_active=False,
        )
        Membership.objects.create(
            organisation=organisation, user=open_ticket.customer, role=MemberRole.TECHNICAL
        )
        section = partner_section(page(engineer_client, open_ticket))
        assert "Former Reseller" not in section


class TestQueryBudget:
    def test_the_same_queries_for_1_and_15_other_requests(self, engineer_client, open_ticket):
        organisation = Organisation.objects.create(
            name="Reseller Nord GmbH", level=PartnerLevel.objects.get(code=PartnerLevel.PREMIUM)
        )
        Membership.objects.create(
            organisation=organisation, user=open_ticket.customer, role=MemberRole.TECHNICAL
        )
        other_requests(open_ticket, 1)
        page(engineer_client, open_ticket)  # warm caches (content types, templates)
        few = count_queries(engineer_client, open_ticket)

        other_requests(open_ticket, 7)
        other_requests(open_ticket, 7, status=Status.CLOSED)
        many = count_queries(engineer_client, open_ticket)

        assert many == few
        section = others_section(page(engineer_client, open_ticket))
        assert len(other_ids(section)) == 10
        assert "and 5 more" in section
