"""Pre-sales help goes through the sales representative to support; post-sales help belongs to
the partner's technical representative alone, on every path to a ticket."""

from __future__ import annotations

import re

import pytest
from anymail.inbound import AnymailInboundMessage
from django.contrib.auth.models import Group

from entitlements.models import Category, Product
from partners import services
from partners.models import MemberRole, Membership, PresalesRequest
from portal.accounts import roles
from portal.core.errors import ApplicationError
from portal.core.models import OutboundEmail
from tests.factories import StaffFactory, UserFactory
from tickets import inbound
from tickets import services as ticket_services
from tickets.models import InboundEmail, Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday", "us_engineer")]


def submit_presales(user) -> PresalesRequest:
    return services.presales_request_submit(
        user=user,
        customer_company="Acme Logistics",
        product=Product.objects.get(code="server"),
        expected_seats=40,
        description="Forty servers in two sites; they ask about tape rotation.",
    )


def open_postsales(user) -> Ticket:
    return services.postsales_ticket_open(
        user=user,
        product="professional",
        version="21.2",
        subject="Customer's nightly job fails",
        description="Error 0x80070005 at Acme since the update.",
    ).ticket


def link_token_of(ticket: Ticket) -> str:
    mail = OutboundEmail.objects.filter(tag="ticket_created").latest("pk")
    assert ticket.ticket_id in mail.subject
    return re.search(r"/t/([^/\s]+)/", mail.body_text).group(1)


class TestPresales:
    def test_the_request_goes_to_the_sales_representative(self, sales_contact, sales_rep):
        request = submit_presales(sales_contact)

        assert request.status == PresalesRequest.Status.SUBMITTED
        mail = OutboundEmail.objects.get(tag="presales_request_received")
        assert mail.to == sales_rep.email
        assert "Acme Logistics" in mail.body_text
        assert not Ticket.objects.exists()

    def test_without_a_representative_it_goes_to_the_sales_team(
        self, certified, sales_contact, settings
    ):
        certified.sales_representative = None
        certified.save()

        submit_presales(sales_contact)

        mail = OutboundEmail.objects.get(tag="presales_request_received")
        assert mail.to == settings.PARTNER_SALES_EMAIL

    def test_the_representative_forwards_it_in_the_admin_and_it_becomes_a_ticket(
        self, client, sales_contact, sales_rep, certified
    ):
        roles.roles_sync()
        sales_rep.groups.add(Group.objects.get(name=roles.SUPPORT_ENGINEER))
        request = submit_presales(sales_contact)
        client.force_login(sales_rep)
        assert client.get("/admin/partners/presalesrequest/").status_code == 200

        client.post(
            "/admin/partners/presalesrequest/",
            {"action": "forward", "_selected_action": [request.pk]},
        )

        request.refresh_from_db()
        ticket = Ticket.objects.get()
        assert request.status == PresalesRequest.Status.FORWARDED
        assert request.ticket_reference == ticket.ticket_id
        assert (ticket.category, ticket.partner_organisation, ticket.customer) == (
            Category.PRE_SALES,
            certified,
            sales_contact,
        )
        assert ticket.entitlement is None
        assert ticket.first_response_due is not None
        assert ticket.assignee is not None
        assert "Acme Logistics" in ticket.subject
        first = ticket.messages.get()
        assert "tape rotation" in first.body and first.author == sales_contact
        assert ticket.events.get(action="created").actor == sales_rep
        assert OutboundEmail.objects.get(tag="ticket_created").to == sales_contact.email

    def test_the_member_follows_the_ticket_like_any_other(self, client, sales_contact, sales_rep):
        request = submit_presales(sales_contact)
        services.presales_request_forward(request=request, actor=sales_rep)
        ticket = Ticket.objects.get()
        client.force_login(sales_contact)

        listing = client.get("/tickets/").content.decode()
        page = client.post(
            f"/tickets/{ticket.ticket_id}/", {"action": "comment", "body": "Any news?"}
        )
        area = client.get("/partners/").content.decode()

        assert ticket.ticket_id in listing
        assert page.status_code == 302
        assert ticket.messages.filter(body="Any news?").exists()
        assert ticket.ticket_id in area

    def test_a_representative_of_another_partner_cannot_forward_it(self, client, sales_contact):
        request = submit_presales(sales_contact)
        other_rep = StaffFactory(email="other.rep@novadesk.test")
        client.force_login(other_rep)

        response = client.post(
            "/admin/partners/presalesrequest/",
            {"action": "forward", "_selected_action": [request.pk]},
        )

        assert response.status_code == 403
        request.refresh_from_db()
        assert request.status == PresalesRequest.Status.SUBMITTED

    def test_a_forwarded_request_is_not_forwarded_twice(self, sales_contact, sales_rep):
        request = submit_presales(sales_contact)
        services.presales_request_forward(request=request, actor=sales_rep)

        with pytest.raises(ApplicationError) as refused:
            services.presales_request_forward(request=request, actor=sales_rep)

        assert refused.value.code == "already-decided"
        assert Ticket.objects.count() == 1

    def test_the_page_submits_a_request(self, client, tech):
        client.force_login(tech)
        product = Product.objects.get(code="server")

        response = client.post(
            "/partners/pre-sales/new/",
            {
                "customer_company": "Acme",
                "product": product.code,
                "expected_seats": "0",
                "description": "x",
            },
        )
        assert "Ensure this value is greater than or equal to 1" in response.content.decode()
        client.post(
            "/partners/pre-sales/new/",
            {
                "customer_company": "Acme",
                "product": product.code,
                "expected_seats": "12",
                "description": "A project",
            },
        )

        assert PresalesRequest.objects.get().expected_seats == 12


class TestPostsalesRoles:
    def test_the_technical_representative_opens_sees_and_answers(self, client, tech, certified):
        client.force_login(tech)

        response = client.post(
            "/partners/post-sales/new/",
            {
                "product": "professional",
                "version": "21.2",
                "subject": "Customer's nightly job fails",
                "description": "Error at Acme.",
                "language": "en",
            },
        )

        ticket = Ticket.objects.get()
        assert response.status_code == 302
        assert (ticket.category, ticket.partner_organisation) == (Category.POST_SALES, certified)
        assert ticket.ticket_id in client.get("/tickets/").content.decode()
        assert client.get(f"/tickets/{ticket.ticket_id}/").status_code == 200
        client.post(f"/tickets/{ticket.ticket_id}/", {"action": "comment", "body": "More logs"})
        api = client.post(
            f"/api/v1/tickets/{ticket.ticket_id}/messages/",
            {"body": "Via the API"},
            content_type="application/json",
        )
        assert api.status_code == 201
        assert client.get(f"/api/v1/tickets/{ticket.ticket_id}/").status_code == 200
        assert list(ticket.messages.values_list("body", flat=True)) == [
            "Error at Acme.",
            "More logs",
            "Via the API",
        ]

    @pytest.mark.parametrize("role", [MemberRole.SALES, MemberRole.ADMINISTRATOR])
    def test_other_members_cannot_open_one(self, client, certified, role):
        user = UserFactory(email=f"{role}@reseller.example")
        Membership.objects.create(organisation=certified, user=user, role=role)

        with pytest.raises(ApplicationError) as refused:
            open_postsales(user)
        client.force_login(user)
        page = client.get("/partners/post-sales/new/")

        assert refused.value.code == "not-technical"
        assert page.status_code == 403
        assert "Only a technical representative" in page.content.decode()
        assert not Ticket.objects.exists()

    @pytest.mark.parametrize("role", [MemberRole.SALES, MemberRole.ADMINISTRATOR])
    def test_other_members_get_not_found_on_its_page_and_api(self, client, tech, certified, role):
        ticket = open_postsales(tech)
        user = UserFactory(email=f"{role}@reseller.example")
        Membership.objects.create(organisation=certified, user=user, role=role)
        client.force_login(user)

        assert client.get(f"/tickets/{ticket.ticket_id}/").status_code == 404
        assert (
            client.post(
                f"/tickets/{ticket.ticket_id}/", {"action": "comment", "body": "x"}
            ).status_code
            == 404
        )
        assert client.get(f"/api/v1/tickets/{ticket.ticket_id}/").status_code == 404
        assert ticket.ticket_id not in client.get("/tickets/").content.decode()
        assert ticket.ticket_id not in client.get("/partners/").content.decode()

    def test_a_registered_partners_technical_representative_cannot_open_one(
        self, client, registered_tech
    ):
        client.force_login(registered_tech)

        page = client.get("/partners/post-sales/new/")

        assert page.status_code == 403
        assert "Post-sales help is included from the Certified partner level" in (
            page.content.decode()
        )

    def test_the_general_form_and_api_do_not_open_partner_requests(self, client, tech):
        client.force_login(tech)

        response = client.post(
            "/api/v1/tickets/",
            {
                "product": "professional",
                "version": "21.2",
                "category": "post-sales",
                "subject": "x",
                "description": "y",
            },
            content_type="application/json",
        )

        assert response.status_code in (400, 403)
        assert not Ticket.objects.exists()


class TestTheRightCannotBePassedOn:
    """Once the representative is no longer technical (or no longer a member), the ticket is
    closed to them everywhere: pages, actions, API, private links and mails."""

    @pytest.fixture
    def demoted(self, tech):
        ticket = open_postsales(tech)
        token = link_token_of(ticket)
        Membership.objects.filter(user=tech).update(role=MemberRole.SALES)
        return ticket, token

    def test_pages_and_api_answer_not_found(self, client, tech, demoted):
        ticket, _token = demoted
        client.force_login(tech)

        assert client.get(f"/tickets/{ticket.ticket_id}/").status_code == 404
        assert client.get(f"/api/v1/tickets/{ticket.ticket_id}/").status_code == 404
        assert (
            client.post(
                f"/api/v1/tickets/{ticket.ticket_id}/messages/",
                {"body": "x"},
                content_type="application/json",
            ).status_code
            == 404
        )

    def test_the_private_link_stops_working(self, client, tech):
        ticket = open_postsales(tech)
        token = link_token_of(ticket)
        assert client.get(f"/t/{token}/").status_code == 200

        Membership.objects.filter(user=tech).delete()

        assert client.get(f"/t/{token}/").status_code == 404
        assert client.post(f"/t/{token}/", {"action": "close"}).status_code == 404

    def test_no_mail_with_a_private_link_goes_out(self, tech, demoted, us_engineer):
        ticket, _token = demoted
        before = OutboundEmail.objects.count()

        ticket_services.ticket_reply(
            ticket=ticket, engineer=us_engineer, body="Please send logs", awaits_customer=True
        )

        assert OutboundEmail.objects.count() == before
        assert ticket.messages.filter(kind=Message.Kind.ENGINEER).exists()

    def test_the_sweeps_mail_no_reminder(self, tech, us_engineer, frozen_monday):
        from datetime import timedelta

        ticket = open_postsales(tech)
        ticket_services.ticket_reply(
            ticket=ticket, engineer=us_engineer, body="Please send logs", awaits_customer=True
        )
        Membership.objects.filter(user=tech).update(role=MemberRole.SALES)
        frozen_monday.shift(timedelta(days=5))

        result = ticket_services.tickets_sweep()

        assert result.reminded == 1
        assert not OutboundEmail.objects.filter(tag="ticket_reminder").exists()

    def test_an_email_reply_waits_for_staff(self, tech, demoted):
        ticket, _token = demoted
        address = OutboundEmail.objects.filter(tag="ticket_created").latest("pk").reply_to
        assert address.startswith(f"reply+{ticket.ticket_id}.")
        raw = f"From: {tech.email}\r\nTo: {address}\r\nSubject: Re: logs\r\n\r\nHere they are.\r\n"

        inbound.inbound_email_receive(message=AnymailInboundMessage.parse_raw_mime(raw))

        mail = InboundEmail.objects.get()
        assert mail.state == InboundEmail.State.QUARANTINED
        assert "technical representative" in mail.reason
        assert not ticket.messages.filter(body__contains="Here they are").exists()

    def test_the_current_technical_representative_still_gets_mail(self, tech, us_engineer):
        ticket = open_postsales(tech)

        ticket_services.ticket_reply(
            ticket=ticket, engineer=us_engineer, body="Please send logs", awaits_customer=True
        )

        assert OutboundEmail.objects.get(tag="ticket_reply").to == tech.email
