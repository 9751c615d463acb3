"""The read-only support desk admin: the ticket queue, one ticket's history, the mail quarantine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entitlements.models import Product
from teams.models import Team
from tests.factories import StaffFactory, UserFactory
from tests.tickets.conftest import reply_address, reply_token_of
from tickets import services
from tickets.models import InboundEmail, Status, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

CHANGELIST = "/admin/tickets/ticket/"


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(email="admin@novadesk.test", is_superuser=True))
    return client


def add_tickets(template: Ticket, count: int) -> list[Ticket]:
    """Copies of one ticket, each with its own customer and engineer, due one hour apart."""
    start = Ticket.objects.count()
    tickets = []
    for number in range(start, start + count):
        ticket = Ticket.objects.get(pk=template.pk)
        ticket.pk = None
        ticket.ticket_id = f"NS-2026-{900000 + number:06d}"
        ticket.subject = f"Copied request {number}"
        ticket.customer = UserFactory(email=f"copy{number}@example.com")
        ticket.assignee = StaffFactory(email=f"engineer-copy{number}@novadesk.test")
        ticket.first_response_due = timezone.now() + timedelta(hours=number)
        tickets.append(ticket)
    return Ticket.objects.bulk_create(tickets)


def changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


class TestTicketChangelist:
    def test_the_queue_lists_tickets_earliest_target_first(self, admin_client, open_ticket):
        later = add_tickets(open_ticket, 1)[0]
        Ticket.objects.filter(pk=later.pk).update(
            first_response_due=open_ticket.first_response_due - timedelta(hours=1)
        )

        response = admin_client.get(CHANGELIST)

        assert response.status_code == 200
        content = response.content.decode()
        assert content.index(later.ticket_id) < content.index(open_ticket.ticket_id)
        assert "paula@example.com" in content or "Paula Premium" in content

    @pytest.mark.parametrize(
        "query",
        [
            "q={ticket_id}",
            "q=Backup+job",
            "q=paula@example.com",
            "status__exact=open",
            "team__id__exact={team}",
            "product__id__exact={product}",
            "entitlement_kind=premium",
            "category__exact=technical",
        ],
    )
    def test_search_and_every_filter_find_the_ticket(self, admin_client, open_ticket, query):
        other = add_tickets(open_ticket, 1)[0]
        Ticket.objects.filter(pk=other.pk).update(
            subject="Other",
            status=Status.WAITING,
            team=Team.objects.get(code="de"),
            product=Product.objects.exclude(pk=open_ticket.product_id).first(),
            entitlement_kind="standard",
            category="setup",
        )
        url = (
            CHANGELIST
            + "?"
            + query.format(
                ticket_id=open_ticket.ticket_id,
                team=open_ticket.team_id,
                product=open_ticket.product_id,
            )
        )

        response = admin_client.get(url)

        assert response.status_code == 200
        assert open_ticket.ticket_id in response.content.decode()
        assert other.ticket_id not in response.content.decode()

    def test_the_queue_needs_the_same_queries_for_5_and_30_tickets(
        self, admin_client, open_ticket, django_assert_max_num_queries
    ):
        add_tickets(open_ticket, 4)
        url = CHANGELIST + "?status__exact=open"
        few = changelist_queries(admin_client, url)

        add_tickets(open_ticket, 25)
        with django_assert_max_num_queries(few):
            response = admin_client.get(url)

        assert response.content.decode().count('class="field-subject"') == 30  # 29 copies + 1


class TestTicketPage:
    def test_the_ticket_shows_its_conversation_with_internal_notes_marked(
        self, admin_client, open_ticket, us_engineer
    ):
        services.ticket_note(ticket=open_ticket, engineer=us_engineer, body="Customer is a VIP.")

        response = admin_client.get(reverse("admin:tickets_ticket_change", args=[open_ticket.pk]))

        assert response.status_code == 200
        content = response.content.decode()
        assert "Since the update the nightly job fails." in content
        assert "Customer is a VIP." in content
        assert content.count("INTERNAL NOTE: support only") == 1
        assert "assigned automatically" in content  # the event history
        assert reply_token_of(reply_address(open_ticket)) not in content

    def test_the_ticket_page_is_read_only(self, admin_client, open_ticket):
        url = reverse("admin:tickets_ticket_change", args=[open_ticket.pk])

        page = admin_client.get(url)
        response = admin_client.post(url, {"subject": "Changed", "status": "closed"})

        assert 'name="_save"' not in page.content.decode()
        assert response.status_code == 403
        open_ticket.refresh_from_db()
        assert open_ticket.subject != "Changed"
        assert admin_client.get(reverse("admin:tickets_ticket_add")).status_code == 403


def inbound(state: str, **fields) -> InboundEmail:
    values = {
        "sender": "mallory@example.net",
        "recipient": "reply+NS-2026-000001.0123456789abcdef@reply.novadesk.test",
        "subject": "Re: your request",
        "body": "Please reset my account.",
        "state": state,
        "reason": "The sender is not the customer of request NS-2026-000001.",
        **fields,
    }
    return InboundEmail.objects.create(**values)


class TestQuarantine:
    def test_the_quarantine_lists_filters_and_searches(self, admin_client):
        suspicious = inbound(InboundEmail.State.QUARANTINED, subject="Urgent invoice")
        threaded = inbound(InboundEmail.State.THREADED, sender="paula@example.com", reason="")
        url = reverse("admin:tickets_inboundemail_changelist")

        everything = admin_client.get(url).content.decode()
        quarantined = admin_client.get(url + "?state__exact=quarantined").content.decode()
        searched = admin_client.get(url + "?q=paula@example").content.decode()

        assert "Urgent invoice" in everything and "paula@example.com" in everything
        assert "Urgent invoice" in quarantined and "paula@example.com" not in quarantined
        assert "paula@example.com" in searched and "Urgent invoice" not in searched
        page = admin_client.get(reverse("admin:tickets_inboundemail_change", args=[suspicious.pk]))
        assert "Please reset my account." in page.content.decode()
        assert threaded.pk

    def test_dismiss_sets_quarantined_mail_aside(self, admin_client):
        first = inbound(InboundEmail.State.QUARANTINED)
        second = inbound(InboundEmail.State.QUARANTINED)
        threaded = inbound(InboundEmail.State.THREADED, reason="")

        response = admin_client.post(
            reverse("admin:tickets_inboundemail_changelist"),
            {"action": "dismiss", "_selected_action": [first.pk, second.pk, threaded.pk]},
            follow=True,
        )

        assert response.status_code == 200
        assert "2 e-mails dismissed." in response.content.decode()
        states = dict(InboundEmail.objects.values_list("pk", "state"))
        assert states == {
            first.pk: InboundEmail.State.DISMISSED,
            second.pk: InboundEmail.State.DISMISSED,
            threaded.pk: InboundEmail.State.THREADED,
        }
        assert LogEntry.objects.filter(object_id__in=[str(first.pk), str(second.pk)]).count() == 2

    def test_staff_without_the_change_permission_cannot_dismiss(self, client):
        viewer = StaffFactory(email="viewer@novadesk.test")
        viewer.user_permissions.add(Permission.objects.get(codename="view_inboundemail"))
        client.force_login(viewer)
        mail = inbound(InboundEmail.State.QUARANTINED)

        client.post(
            reverse("admin:tickets_inboundemail_changelist"),
            {"action": "dismiss", "_selected_action": [mail.pk]},
        )

        mail.refresh_from_db()
        assert mail.state == InboundEmail.State.QUARANTINED


def test_engineer_profiles_are_listed_and_edited_with_their_skills(admin_client, us_engineer):
    listing = admin_client.get(reverse("admin:tickets_engineerprofile_changelist"))
    page = admin_client.get(
        reverse("admin:tickets_engineerprofile_change", args=[us_engineer.engineer.pk])
    )

    assert listing.status_code == 200
    assert str(us_engineer) in listing.content.decode()
    assert page.status_code == 200
    assert "selectfilter" in page.content.decode()  # products: filter_horizontal
