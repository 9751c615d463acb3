"""Replies by e-mail to closed requests, and staff adding quarantined mail to a ticket.

A reply within TICKET_REOPEN_BY_REPLY_DAYS of the closing reopens the request and reminds the
customer that a new problem needs a new request; a later one starts a new request that follows
the closed one, under the entitlement check, or waits for staff when the support has ended.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from entitlements.models import Entitlement, EntitlementEvent
from entitlements.services import entitlement_revoke
from portal.core.models import OutboundEmail
from tests.factories import StaffFactory, UserFactory
from tests.tickets.conftest import latest_mail, reply_address
from tests.tickets.test_inbound import CREDENTIALS, attachment, payload, post
from tickets import services
from tickets.models import InboundAttachment, InboundEmail, Message, Status, Ticket, TicketEvent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

NEW_PROBLEM = "A new problem needs a new request"


@pytest.fixture(autouse=True)
def _webhook_secret(settings) -> None:
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": CREDENTIALS}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def resolved_ticket(open_ticket, us_engineer) -> Ticket:
    services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)
    open_ticket.refresh_from_db()
    assert open_ticket.status == Status.CLOSED
    return open_ticket


def follow_ups(ticket: Ticket):
    return Ticket.objects.filter(follows=ticket)


class TestReplyWithinTheWindow:
    def test_a_reply_within_the_window_reopens_the_request_and_reminds_of_a_new_request(
        self, client, resolved_ticket, frozen_monday
    ):
        frozen_monday.shift(timedelta(days=13))
        address = reply_address(resolved_ticket)

        post(
            client,
            payload(
                address,
                text="The job fails again.",
                attachments=[attachment("job.log", b"error 0x80070005\n")],
            ),
        )

        resolved_ticket.refresh_from_db()
        assert resolved_ticket.status == Status.OPEN
        assert resolved_ticket.resolution == ""
        assert resolved_ticket.closed_at is None
        message = resolved_ticket.messages.last()
        assert (message.body, message.kind, message.via) == (
            "The job fails again.",
            Message.Kind.CUSTOMER,
            Message.Via.EMAIL,
        )
        assert [a.name for a in message.attachments.all()] == ["job.log"]
        assert resolved_ticket.events.filter(action="reopened by customer reply").exists()
        assert not follow_ups(resolved_ticket).exists()
        assert InboundEmail.objects.get().state == InboundEmail.State.THREADED
        acknowledgement = latest_mail(resolved_ticket)
        assert acknowledgement.tag == "ticket_reopened_by_reply"
        assert acknowledgement.to == "paula@example.com"
        assert NEW_PROBLEM in acknowledgement.body_text
        assert "/tickets/new/" in acknowledgement.body_text
        assert acknowledgement.reply_to != address

    def test_the_reminder_is_in_the_customers_language(
        self, client, resolved_ticket, frozen_monday
    ):
        Ticket.objects.filter(pk=resolved_ticket.pk).update(language="de")
        frozen_monday.shift(timedelta(days=2))

        post(client, payload(reply_address(resolved_ticket), text="Geht wieder nicht."))

        acknowledgement = latest_mail(resolved_ticket)
        assert acknowledgement.tag == "ticket_reopened_by_reply"
        assert "Ein neues Problem erfordert eine neue Anfrage" in acknowledgement.body_text
        assert NEW_PROBLEM not in acknowledgement.body_text

    def test_a_reply_that_meets_the_closing_sweep_still_reopens(
        self, client, open_ticket, us_engineer
    ):
        services.ticket_reply(
            ticket=open_ticket, engineer=us_engineer, body="Log?", awaits_customer=True
        )
        address = reply_address(open_ticket)
        # The sweep closes the request just before the reply is threaded.
        Ticket.objects.filter(pk=open_ticket.pk).update(
            status=Status.CLOSED, resolution="auto-closed", closed_at=open_ticket.created_at
        )

        post(client, payload(address, text="Here is the log."))

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.OPEN
        assert open_ticket.messages.last().body == "Here is the log."
        assert not follow_ups(open_ticket).exists()

    def test_a_reply_to_a_cancelled_request_waits_for_staff(self, client, open_ticket, us_engineer):
        services.ticket_cancel_as_mistake(ticket=open_ticket, staff=us_engineer, reason="twice")

        post(client, payload(reply_address(open_ticket), text="Sorry, my mistake."))

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.CLOSED
        assert not follow_ups(open_ticket).exists()
        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert "cancelled" in inbound.reason


class TestReplyAfterTheWindow:
    def test_a_later_reply_starts_a_new_request_that_follows_the_closed_one(
        self, client, resolved_ticket, frozen_monday
    ):
        frozen_monday.shift(timedelta(days=15))

        post(
            client,
            payload(
                reply_address(resolved_ticket),
                text="The job fails again, now with another error.",
                attachments=[attachment("job.log", b"error 0x8007000e\n")],
            ),
        )

        resolved_ticket.refresh_from_db()
        assert resolved_ticket.status == Status.CLOSED
        assert resolved_ticket.messages.filter(via=Message.Via.EMAIL).count() == 0
        follow_up = follow_ups(resolved_ticket).get()
        assert follow_up.customer == resolved_ticket.customer
        assert (follow_up.product, follow_up.version, follow_up.category) == (
            resolved_ticket.product,
            resolved_ticket.version,
            resolved_ticket.category,
        )
        assert follow_up.status in (Status.NEW, Status.OPEN)
        assert resolved_ticket.ticket_id in follow_up.subject
        first = follow_up.messages.get()
        assert first.body == "The job fails again, now with another error."
        assert (first.kind, first.via) == (Message.Kind.CUSTOMER, Message.Via.EMAIL)
        assert [a.name for a in first.attachments.all()] == ["job.log"]
        # Opened under the entitlement check like any request: the use is recorded.
        assert EntitlementEvent.objects.filter(
            action=EntitlementEvent.Action.CONSUMED, reference=follow_up.ticket_id
        ).exists()
        assert follow_up.events.filter(action="follows", detail=resolved_ticket.ticket_id).exists()
        assert resolved_ticket.events.filter(
            action="followed by", detail=follow_up.ticket_id
        ).exists()
        inbound = InboundEmail.objects.get()
        assert (inbound.state, inbound.ticket, inbound.message) == (
            InboundEmail.State.THREADED,
            follow_up,
            first,
        )
        assert latest_mail(follow_up).tag == "ticket_created"

    def test_another_late_reply_joins_the_open_follow_up_instead_of_opening_another(
        self, client, resolved_ticket, frozen_monday
    ):
        address = reply_address(resolved_ticket)
        frozen_monday.shift(timedelta(days=15))
        post(client, payload(address, text="It fails again."))
        frozen_monday.shift(timedelta(hours=1))

        second = payload(address, text="And here is the log.")
        second["MessageID"] = "a second mail, not a repeated delivery"
        post(client, second)

        follow_up = follow_ups(resolved_ticket).get()
        assert [m.body for m in follow_up.messages.order_by("pk")] == [
            "It fails again.",
            "And here is the log.",
        ]
        assert InboundEmail.objects.filter(ticket=follow_up).count() == 2

    def test_the_window_is_the_configured_one(
        self, client, resolved_ticket, frozen_monday, settings
    ):
        settings.TICKET_REOPEN_BY_REPLY_DAYS = 3
        frozen_monday.shift(timedelta(days=4))

        post(client, payload(reply_address(resolved_ticket), text="Still broken."))

        resolved_ticket.refresh_from_db()
        assert resolved_ticket.status == Status.CLOSED
        assert follow_ups(resolved_ticket).get().messages.get().body == "Still broken."

    def test_a_later_reply_to_an_auto_closed_request_starts_a_new_one_too(
        self, client, open_ticket, frozen_monday
    ):
        address = reply_address(open_ticket)
        Ticket.objects.filter(pk=open_ticket.pk).update(
            status=Status.CLOSED, resolution="auto-closed", closed_at=open_ticket.created_at
        )
        frozen_monday.shift(timedelta(days=40))

        post(client, payload(address, text="Back after months."))

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.CLOSED
        assert follow_ups(open_ticket).get().messages.get().body == "Back after months."

    def test_without_support_any_more_the_mail_waits_for_staff_and_the_customer_is_told(
        self, client, resolved_ticket, frozen_monday, us_engineer
    ):
        for entitlement in Entitlement.objects.filter(customer=resolved_ticket.customer):
            entitlement_revoke(entitlement=entitlement, reason="refunded", actor=us_engineer)
        frozen_monday.shift(timedelta(days=30))
        mails_before = OutboundEmail.objects.count()

        post(
            client,
            payload(
                reply_address(resolved_ticket),
                text="New trouble.",
                attachments=[attachment("job.log", b"error\n")],
            ),
        )

        assert not Ticket.objects.exclude(pk=resolved_ticket.pk).exists()
        resolved_ticket.refresh_from_db()
        assert resolved_ticket.status == Status.CLOSED
        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert inbound.ticket == resolved_ticket
        assert inbound.reason.startswith(
            f"No new request opened from a reply to {resolved_ticket.ticket_id}"
        )
        assert inbound.body == "New trouble."
        assert [kept.name for kept in inbound.files.all()] == ["job.log"]
        told = OutboundEmail.objects.order_by("pk")[mails_before:]
        assert [m.tag for m in told] == ["ticket_follow_up_refused"]
        assert told[0].to == "paula@example.com"
        assert "/tickets/new/" in told[0].body_text
        # Answering that mail would only arrive at the closed request again.
        assert told[0].reply_to == ""


class TestLinkedRequestsShown:
    @pytest.fixture
    def follow_up(self, client, resolved_ticket, frozen_monday) -> Ticket:
        frozen_monday.shift(timedelta(days=20))
        post(client, payload(reply_address(resolved_ticket), text="Again."))
        return follow_ups(resolved_ticket).get()

    def test_the_customer_sees_the_link_on_both_requests(self, client, follow_up, resolved_ticket):
        client.force_login(resolved_ticket.customer)

        later = client.get(reverse("tickets:detail", args=[follow_up.ticket_id]))
        earlier = client.get(reverse("tickets:detail", args=[resolved_ticket.ticket_id]))

        assert "Follows" in later.content.decode()
        assert reverse("tickets:detail", args=[resolved_ticket.ticket_id]) in later.content.decode()
        assert "Followed by" in earlier.content.decode()
        assert reverse("tickets:detail", args=[follow_up.ticket_id]) in earlier.content.decode()

    def test_the_desk_shows_the_link_on_both_requests(
        self, client, follow_up, resolved_ticket, us_engineer
    ):
        client.force_login(us_engineer)

        later = client.get(reverse("admin:tickets_ticket_change", args=[follow_up.pk]))
        earlier = client.get(reverse("admin:tickets_ticket_change", args=[resolved_ticket.pk]))

        assert later.status_code == earlier.status_code == 200
        later_page, earlier_page = later.content.decode(), earlier.content.decode()
        assert "Follows" in later_page and resolved_ticket.ticket_id in later_page
        assert reverse("admin:tickets_ticket_change", args=[resolved_ticket.pk]) in later_page
        assert "Followed by" in earlier_page and follow_up.ticket_id in earlier_page


# --- Staff add a quarantined mail to a ticket --------------------------------------------------


def assign_url(mail: InboundEmail) -> str:
    return reverse("admin:tickets_inboundemail_assign", args=[mail.pk])


def quarantined_from(client, ticket: Ticket, *, sender: str, **fields) -> InboundEmail:
    """A mail for ``ticket`` that waits for staff: its reply address carries a wrong token."""
    address = f"reply+{ticket.ticket_id}.wrongtoken0000000000000000000000@reply.novadesk.test"
    post(client, payload(address, sender=sender, **fields))
    mail = InboundEmail.objects.latest("pk")
    assert mail.state == InboundEmail.State.QUARANTINED
    return mail


class TestAddToTicket:
    def test_the_customers_mail_becomes_their_message_with_its_files(
        self, client, open_ticket, us_engineer
    ):
        mail = quarantined_from(
            client,
            open_ticket,
            sender="Paula@Example.com",
            text="Here is the log.\n\nOn Mon, 23 Nov 2026 at 09:00, NovaDesk wrote:\n> Log?",
            attachments=[attachment("job.log", b"error 0x80070005\n")],
        )
        client.force_login(us_engineer)

        page = client.get(reverse("admin:tickets_inboundemail_change", args=[mail.pk]))
        response = client.post(assign_url(mail), {"ticket_id": open_ticket.ticket_id.lower()})

        assert assign_url(mail) in page.content.decode()
        assert "Add to ticket" in page.content.decode()
        assert response.status_code == 302
        message = open_ticket.messages.last()
        assert (message.kind, message.author, message.via) == (
            Message.Kind.CUSTOMER,
            open_ticket.customer,
            Message.Via.EMAIL,
        )
        assert message.body == "Here is the log."
        assert [a.name for a in message.attachments.all()] == ["job.log"]
        assert message.attachments.get().file.read() == b"error 0x80070005\n"
        mail.refresh_from_db()
        assert mail.state == InboundEmail.State.ASSIGNED
        assert (mail.ticket, mail.message, mail.assigned_by) == (open_ticket, message, us_engineer)
        assert mail.assigned_at is not None
        assert TicketEvent.objects.filter(
            ticket=open_ticket, action="e-mail added by staff", actor=us_engineer
        ).exists()
        assert not InboundAttachment.objects.filter(inbound_email=mail).exists()

    def test_anyone_elses_mail_becomes_an_internal_note_that_names_the_sender(
        self, client, open_ticket, us_engineer
    ):
        mail = quarantined_from(
            client,
            open_ticket,
            sender="mallory@example.net",
            text="Please send me the licence key.",
            attachments=[attachment("notes.txt", b"hello\n")],
        )
        client.force_login(us_engineer)
        customer_messages = open_ticket.messages.filter(kind=Message.Kind.CUSTOMER).count()

        client.post(assign_url(mail), {"ticket_id": open_ticket.ticket_id})

        note = open_ticket.messages.last()
        assert (note.kind, note.author) == (Message.Kind.NOTE, us_engineer)
        assert "mallory@example.net" in note.body
        assert "Please send me the licence key." in note.body
        assert [a.name for a in note.attachments.all()] == ["notes.txt"]
        assert open_ticket.messages.filter(kind=Message.Kind.CUSTOMER).count() == customer_messages
        mail.refresh_from_db()
        assert (mail.state, mail.message) == (InboundEmail.State.ASSIGNED, note)

    def test_a_mail_is_added_only_once(self, client, open_ticket, us_engineer, premium_customer):
        other = services.ticket_create(
            customer=premium_customer,
            product="professional",
            version="21.2",
            category="technical",
            subject="Another question",
            description="Something else.",
        ).ticket
        mail = quarantined_from(client, open_ticket, sender="paula@example.com")
        client.force_login(us_engineer)
        client.post(assign_url(mail), {"ticket_id": open_ticket.ticket_id})
        messages_before = Message.objects.count()

        again = client.post(assign_url(mail), {"ticket_id": other.ticket_id})

        assert again.status_code == 200
        assert "no longer waiting for staff" in again.content.decode()
        assert Message.objects.count() == messages_before
        mail.refresh_from_db()
        assert mail.ticket == open_ticket

    def test_an_unknown_ticket_id_is_refused(self, client, open_ticket, us_engineer):
        mail = quarantined_from(client, open_ticket, sender="paula@example.com")
        client.force_login(us_engineer)

        response = client.post(assign_url(mail), {"ticket_id": "NS-1999-999999"})

        assert "No request NS-1999-999999 exists." in response.content.decode()
        mail.refresh_from_db()
        assert mail.state == InboundEmail.State.QUARANTINED

    def test_only_staff_who_may_act_on_requests_add_mail(self, client, open_ticket):
        mail = quarantined_from(client, open_ticket, sender="paula@example.com")
        viewer = StaffFactory(email="viewer@novadesk.test")
        viewer.user_permissions.add(
            *Permission.objects.filter(codename__in=["view_inboundemail", "change_inboundemail"])
        )
        client.force_login(viewer)
        messages_before = open_ticket.messages.count()

        page = client.get(reverse("admin:tickets_inboundemail_change", args=[mail.pk]))
        response = client.post(assign_url(mail), {"ticket_id": open_ticket.ticket_id})

        assert assign_url(mail) not in page.content.decode()
        assert response.status_code == 403
        assert open_ticket.messages.count() == messages_before
        mail.refresh_from_db()
        assert mail.state == InboundEmail.State.QUARANTINED

    def test_a_customer_is_never_made_the_author_of_a_lookalike_sender(
        self, client, open_ticket, us_engineer
    ):
        UserFactory(email="paula@example.com.evil.test")
        mail = quarantined_from(client, open_ticket, sender="paula@example.com.evil.test")
        client.force_login(us_engineer)

        client.post(assign_url(mail), {"ticket_id": open_ticket.ticket_id})

        assert open_ticket.messages.last().kind == Message.Kind.NOTE
