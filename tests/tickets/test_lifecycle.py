"""The ticket lifecycle: creation under an entitlement, conversation, closing and reopening."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from entitlements.models import Entitlement
from entitlements.services import EntitlementRefused
from portal.core.errors import ApplicationError
from portal.core.models import OutboundEmail
from tests.factories import UserFactory, grant
from tests.tickets.conftest import reply_token_of
from tickets import links, services
from tickets.models import Message, Resolution, Status, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]


def create(customer, **overrides):
    fields = {
        "customer": customer,
        "product": "professional",
        "version": "21.2",
        "category": "technical",
        "subject": "Backup fails",
        "description": "It fails every night.",
        **overrides,
    }
    return services.ticket_create(**fields).ticket


class TestCreate:
    def test_a_request_gets_an_id_a_target_an_engineer_and_a_mail(
        self, premium_customer, us_engineer
    ):
        ticket = create(premium_customer)

        assert re.fullmatch(r"NS-2026-\d{6}", ticket.ticket_id)
        assert ticket.status == Status.OPEN
        assert ticket.assignee == us_engineer
        assert ticket.entitlement_kind == "premium"
        assert ticket.first_response_due.isoformat() == "2026-11-23T17:00:00-08:00"
        assert ticket.team.code == "us"
        mail = OutboundEmail.objects.get(tag="ticket_created")
        assert ticket.ticket_id in mail.subject
        token = re.search(r"/t/([\w-]+)/", mail.body_text).group(1)
        assert links.link_ticket(token=token) == ticket
        assert mail.reply_to == services.reply_address(ticket, reply_token_of(mail.reply_to))
        assert ticket.reply_tokens.get().superseded_at is None
        assert TicketEvent.objects.filter(ticket=ticket, action="created").exists()

    def test_ticket_ids_are_unique_and_increasing(self, premium_customer):
        first, second = create(premium_customer), create(premium_customer)

        assert first.ticket_id < second.ticket_id

    def test_a_refused_request_leaves_nothing_behind(self, releases):
        customer = UserFactory()

        with pytest.raises(EntitlementRefused):
            create(customer)

        assert not Ticket.objects.exists()
        assert not OutboundEmail.objects.exists()

    def test_a_password_in_the_description_is_masked(self, premium_customer):
        ticket = create(premium_customer, description="Server login admin, password: hunter2")

        body = ticket.messages.get().body
        assert "hunter2" not in body
        assert "password: ********" in body

    def test_a_per_incident_request_uses_the_credit_and_books_a_call_back(self, releases):
        customer = UserFactory(country="US")
        credit = grant(customer, "per-incident")

        ticket = create(customer, channel="phone", phone="+1 805 555 0100")

        credit.refresh_from_db()
        assert credit.uses_left == 0
        assert ticket.callback_due.isoformat() == "2026-11-23T12:00:00-08:00"

    def test_call_back_needs_a_phone_number(self, releases):
        customer = UserFactory(country="US")
        grant(customer, "per-incident")

        with pytest.raises(ApplicationError, match="phone number"):
            create(customer, channel="phone")

        assert Entitlement.objects.get(customer=customer).uses_left == 1

    def test_remote_assistance_id_only_and_never_a_password(self, releases):
        customer = UserFactory(country="US")
        grant(customer, "setup")

        with pytest.raises(ApplicationError, match="Never add a password"):
            create(customer, category="setup", remote_id="123 456 789 pw:secret")
        ticket = create(
            customer, category="setup", remote_id="123 456 789", phone="+1 805 555 0100"
        )

        assert ticket.remote_id == "123456789"

    def test_without_an_engineer_the_request_waits_unassigned(self, premium_customer):
        ticket = create(premium_customer)

        assert (ticket.status, ticket.assignee) == (Status.NEW, None)

    def test_the_least_loaded_skilled_engineer_of_the_team_gets_it(self, premium_customer):
        from tests.tickets.conftest import engineer

        busy = engineer("busy@novadesk.test", "us")
        idle = engineer("idle@novadesk.test", "us")
        engineer("xsp-only@novadesk.test", "us", products=["xsp"])
        engineer("german@novadesk.test", "de")
        create(premium_customer)  # goes to busy (lower id at equal load)

        ticket = create(premium_customer)

        assert Ticket.objects.filter(assignee=busy).count() == 1
        assert ticket.assignee == idle

    def test_attachments_are_checked_by_content(self, premium_customer):
        fake_png = SimpleUploadedFile("screen.png", b"MZ\x90\x00 not a png", "image/png")

        with pytest.raises(ApplicationError, match="does not contain what its name says"):
            create(premium_customer, files=[fake_png])

        log = SimpleUploadedFile("../../etc/backup.log", b"2026-11-23 error 5\n", "text/plain")
        ticket = create(premium_customer, files=[log])
        attachment = ticket.messages.get().attachments.get()
        assert attachment.name == "backup.log"
        assert attachment.size == 19


class TestConversation:
    def test_a_reply_that_asks_the_customer_starts_waiting(self, open_ticket, us_engineer):
        services.ticket_reply(
            ticket=open_ticket, engineer=us_engineer, body="Which OS?", awaits_customer=True
        )

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.WAITING
        assert open_ticket.contact_attempts == 1
        assert open_ticket.first_responded_at is not None
        assert OutboundEmail.objects.filter(tag="ticket_reply").count() == 1

    def test_the_customer_answer_reopens_and_resets_the_count(self, open_ticket, us_engineer):
        services.ticket_reply(
            ticket=open_ticket, engineer=us_engineer, body="Which OS?", awaits_customer=True
        )
        services.ticket_log_call(ticket=open_ticket, engineer=us_engineer, reached=False)

        services.ticket_customer_message(ticket=open_ticket, body="Windows 11")

        open_ticket.refresh_from_db()
        assert (open_ticket.status, open_ticket.contact_attempts) == (Status.OPEN, 0)
        assert open_ticket.next_action_at is None

    def test_internal_notes_send_nothing(self, open_ticket, us_engineer):
        before = OutboundEmail.objects.count()

        services.ticket_note(ticket=open_ticket, engineer=us_engineer, body="Known issue KB-12")

        assert OutboundEmail.objects.count() == before
        assert open_ticket.messages.filter(kind=Message.Kind.NOTE).count() == 1


class TestClosing:
    def test_customer_closes_and_reopens_without_a_new_credit(self, releases):
        customer = UserFactory(country="US")
        credit = grant(customer, "per-incident")
        ticket = create(customer)

        services.ticket_close_by_customer(ticket=ticket)
        services.ticket_reopen(ticket=ticket, comment="It came back.")

        ticket.refresh_from_db()
        credit.refresh_from_db()
        assert ticket.status in (Status.OPEN, Status.NEW)
        assert credit.uses_left == 0
        assert OutboundEmail.objects.filter(tag="ticket_closed").count() == 1

    def test_reopening_needs_a_comment(self, open_ticket):
        services.ticket_close_by_customer(ticket=open_ticket)

        with pytest.raises(ApplicationError, match="comment"):
            services.ticket_reopen(ticket=open_ticket, comment="  ")

    def test_illegal_transitions_are_refused(self, open_ticket, us_engineer):
        with pytest.raises(ApplicationError, match="cannot be reopened"):
            services.ticket_reopen(ticket=open_ticket, comment="x")
        services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)
        with pytest.raises(ApplicationError, match="cannot be answered"):
            services.ticket_reply(
                ticket=open_ticket, engineer=us_engineer, body="x", awaits_customer=False
            )

    def test_cannot_resolve_needs_the_customers_agreement(self, open_ticket, us_engineer):
        services.ticket_propose_unresolved_closure(
            ticket=open_ticket, engineer=us_engineer, explanation="Third-party driver bug."
        )
        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.WAITING

        services.ticket_agree_closure(ticket=open_ticket)

        open_ticket.refresh_from_db()
        assert open_ticket.resolution == Resolution.CANNOT_RESOLVE

    def test_cancelled_as_mistake_gives_the_credit_back(self, releases, us_engineer):
        customer = UserFactory(country="US")
        credit = grant(customer, "per-incident")
        ticket = create(customer)

        services.ticket_cancel_as_mistake(ticket=ticket, staff=us_engineer, reason="duplicate")

        credit.refresh_from_db()
        assert credit.uses_left == 1
        assert credit.events.get(action="given-back").reason == "duplicate"

    def test_links_expire_thirty_days_after_closing(self, open_ticket, frozen_monday):
        token = links.link_issue(ticket=open_ticket)
        services.ticket_close_by_customer(ticket=open_ticket)

        frozen_monday.shift(60 * 60 * 24 * 29)
        assert links.link_ticket(token=token) == open_ticket
        frozen_monday.shift(60 * 60 * 24 * 2)
        assert links.link_ticket(token=token) is None


class TestLinkRevocation:
    def test_staff_revoke_a_tickets_links_from_the_admin(self, client, open_ticket):
        from django.urls import reverse

        from tests.factories import StaffFactory

        token = links.link_issue(ticket=open_ticket)
        client.force_login(StaffFactory(is_superuser=True))

        client.post(
            reverse("admin:tickets_ticket_changelist"),
            {"action": "revoke_links", "_selected_action": [open_ticket.pk]},
        )

        assert links.link_ticket(token=token) is None
        assert open_ticket.events.filter(action="links revoked").exists()

    def test_changing_the_email_address_revokes_every_link(self, open_ticket, premium_customer):
        from allauth.account.models import EmailAddress
        from allauth.account.signals import email_changed

        token = links.link_issue(ticket=open_ticket)
        old = EmailAddress.objects.get(user=premium_customer)
        new = EmailAddress.objects.create(user=premium_customer, email="new@example.com")

        email_changed.send(
            sender=EmailAddress, request=None, user=premium_customer,
            from_email_address=old, to_email_address=new,
        )  # fmt: skip

        assert links.link_ticket(token=token) is None
