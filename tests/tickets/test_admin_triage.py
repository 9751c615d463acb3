"""The triage desk in the admin: the queue's columns, filters, search, actions and order, an
engineer's own queue, the ticket page and its forms, the staff download, and query budgets on a
database of thousands of tickets."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from entitlements.models import Offering, Order, OrderItem, Product
from portal.accounts.models import User
from portal.core.models import OutboundEmail
from teams.models import Team
from tests.factories import StaffFactory, UserFactory
from tests.tickets.conftest import reply_address, reply_token_of
from tickets import services
from tickets.models import (
    AccessLink,
    Attachment,
    Message,
    Priority,
    Resolution,
    Status,
    Ticket,
    TicketEvent,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

CHANGELIST = "/admin/tickets/ticket/"
EVERYONE = CHANGELIST + "?assigned=all"


# --- Helpers ----------------------------------------------------------------------------------


def allow(user, *codenames: str):
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="tickets", codename__in=codenames)
    )
    return user


def triage(user):
    """What the Support engineer role gives on tickets: see them, and change them."""
    return allow(user, "view_ticket", "change_ticket")


def copy_ticket(template: Ticket, **changes) -> Ticket:
    """A copy of ``template`` with its own ID, saved with ``changes`` (no service involved)."""
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Ticket._meta.concrete_fields
        if not field.primary_key
    }
    fields["ticket_id"] = f"NS-T-{secrets.token_hex(4).upper()}"
    fields["first_responded_at"] = None
    ticket = Ticket(**fields)
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.save()
    return ticket


def page_url(ticket: Ticket) -> str:
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def desk_url(ticket: Ticket, step: str) -> str:
    return reverse("admin:tickets_ticket_desk", args=[ticket.pk, step])


def rows(content: str) -> dict[str, str]:
    """The queue's rows, by ticket ID."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", content, flags=re.S):
        match = re.search(r'class="field-ticket_id"><a [^>]*>([^<]+)</a>', row)
        if match:
            found[match.group(1)] = row
    return found


def ids_in_order(content: str) -> list[str]:
    return list(rows(content))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def thread_entries(content: str, kind: str) -> list[str]:
    return re.findall(
        rf'<li class="triage-msg triage-msg--{kind}"[^>]*>(.*?)</li>'
        r'\s*(?=<li class="triage-msg|</ol>)',
        content,
        flags=re.S,
    )


def events(ticket: Ticket, action: str):
    return TicketEvent.objects.filter(ticket=ticket, action=action)


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(email="admin@novadesk.test", is_superuser=True))
    return client


@pytest.fixture
def engineer_client(client, us_engineer):
    triage(us_engineer)
    client.force_login(us_engineer)
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def queue(open_ticket, us_engineer, de_engineer):
    """One ticket for each thing the queue's filters tell apart, named by it."""
    now = timezone.now()
    later = now + timedelta(hours=5)
    Ticket.objects.filter(pk=open_ticket.pk).update(first_response_due=later)
    open_ticket.refresh_from_db()

    def copy(**changes) -> Ticket:
        values = {"assignee": de_engineer, "status": Status.OPEN, "first_response_due": later}
        return copy_ticket(open_ticket, **{**values, **changes})

    return {
        "mine": open_ticket,
        "mine_closed": copy(
            assignee=us_engineer,
            status=Status.CLOSED,
            resolution=Resolution.RESOLVED,
            first_response_due=now - timedelta(hours=3),
        ),
        "unassigned": copy(assignee=None, status=Status.NEW),
        "theirs": copy(
            team=Team.objects.get(code="de"),
            product=Product.objects.get(code="server"),
            entitlement_kind="per-incident",
        ),
        "overdue": copy(first_response_due=now - timedelta(hours=1)),
        "overdue_answered": copy(
            first_response_due=now - timedelta(hours=1),
            first_responded_at=now - timedelta(hours=2),
        ),
        "soon": copy(first_response_due=now + timedelta(minutes=30)),
        "waiting1": copy(status=Status.WAITING, contact_attempts=1),
        "waiting2": copy(status=Status.WAITING, contact_attempts=2),
        "waiting3": copy(status=Status.WAITING, contact_attempts=3),
    }


# --- The queue --------------------------------------------------------------------------------


class TestQueueColumns:
    def test_a_row_shows_every_column(self, admin_client, open_ticket, us_engineer):
        response = admin_client.get(EVERYONE)

        assert response.status_code == 200
        row = rows(response.content.decode())[open_ticket.ticket_id]
        for text in (
            "Backup job fails with error 0x80070005",
            'title="Paula Premium"',
            "paula<wbr>@example.com",
            "Professional 21.2",
            "Premium Support",
            f'<abbr title="{open_ticket.team.name}">US</abbr>',
            str(us_engineer),
            "triage-status--open",
        ):
            assert text in row, text
        assert "triage-priority" not in row  # a normal priority goes without saying
        assert '<td class="field-last_activity"><time datetime="2026-11-23T17:00:00+00:00">' in row
        assert 'class="field-due_column"' in row

    @pytest.mark.parametrize(
        ("due_in", "marker", "words"),
        [
            (timedelta(hours=-2), "triage-due--overdue", "Overdue"),
            (timedelta(minutes=30), "triage-due--soon", "Due soon"),
            (timedelta(hours=5), "triage-due--pending", None),
        ],
    )
    def test_the_first_response_due_is_marked_in_words_and_class(
        self, admin_client, open_ticket, due_in, marker, words
    ):
        Ticket.objects.filter(pk=open_ticket.pk).update(first_response_due=timezone.now() + due_in)

        row = rows(admin_client.get(EVERYONE).content.decode())[open_ticket.ticket_id]

        assert marker in row
        if words:
            assert f"<strong>{words}</strong>" in row
        else:
            assert "Overdue" not in row and "Due soon" not in row

    def test_an_answered_ticket_is_never_overdue(self, admin_client, open_ticket, us_engineer):
        services.ticket_reply(
            ticket=open_ticket, engineer=us_engineer, body="Hello", awaits_customer=False
        )
        Ticket.objects.filter(pk=open_ticket.pk).update(
            first_response_due=timezone.now() - timedelta(minutes=1)
        )

        late = rows(admin_client.get(EVERYONE).content.decode())[open_ticket.ticket_id]
        Ticket.objects.filter(pk=open_ticket.pk).update(
            first_response_due=timezone.now() + timedelta(minutes=1)
        )
        in_time = rows(admin_client.get(EVERYONE).content.decode())[open_ticket.ticket_id]

        assert "triage-due--overdue" not in late and "Overdue" not in late
        assert "triage-due--missed" in late and "answered late" in late
        assert "triage-due--met" in in_time and "answered" in in_time

    def test_a_raised_priority_is_marked(self, engineer_client, open_ticket):
        act(engineer_client, "change_priority", [open_ticket], priority=str(Priority.URGENT))

        row = rows(engineer_client.get(EVERYONE).content.decode())[open_ticket.ticket_id]

        assert '<span class="triage-priority triage-priority--4">urgent</span>' in row

    def test_a_waiting_ticket_shows_its_attempts(self, admin_client, open_ticket, us_engineer):
        services.ticket_log_call(ticket=open_ticket, engineer=us_engineer, reached=False)

        row = rows(admin_client.get(EVERYONE).content.decode())[open_ticket.ticket_id]

        assert "waiting on customer" in row and "1 attempt" in row


class TestQueueFilters:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("assigned=me", {"mine", "mine_closed"}),
            ("assigned=me&status__exact=unclosed", {"mine"}),
            ("assigned=none", {"unassigned"}),
            ("due=overdue", {"overdue"}),
            ("due=soon", {"soon"}),
            ("attempts=1", {"waiting1"}),
            ("attempts=2", {"waiting2"}),
            ("attempts=3", {"waiting3"}),
            ("status__exact=waiting", {"waiting1", "waiting2", "waiting3"}),
            ("status__exact=closed", {"mine_closed"}),
            ("team__id__exact={de}", {"theirs"}),
            ("product__id__exact={server}", {"theirs"}),
            ("entitlement_kind=per-incident", {"theirs"}),
        ],
    )
    def test_each_filter_returns_the_right_tickets(self, engineer_client, queue, query, expected):
        url = (
            CHANGELIST
            + "?"
            + query.format(
                de=Team.objects.get(code="de").pk, server=Product.objects.get(code="server").pk
            )
        )

        response = engineer_client.get(url)

        assert response.status_code == 200
        shown = rows(response.content.decode())
        assert {name for name, ticket in queue.items() if ticket.ticket_id in shown} == expected

    def test_not_closed_leaves_out_only_closed_tickets(self, engineer_client, queue):
        shown = rows(engineer_client.get(EVERYONE + "&status__exact=unclosed").content.decode())

        assert {name for name, t in queue.items() if t.ticket_id in shown} == set(queue) - {
            "mine_closed"
        }


class TestQueueSearch:
    @pytest.fixture
    def others(self, open_ticket):
        olga = UserFactory(email="olga@example.org", name="Olga Other")
        return [
            copy_ticket(open_ticket, customer=olga, entitlement=None, subject="Other one"),
            copy_ticket(open_ticket, entitlement=None, subject="Another one"),
        ]

    def search(self, client, term: str) -> set[str]:
        response = client.get(EVERYONE + "&q=" + term)
        assert response.status_code == 200
        return set(rows(response.content.decode()))

    def test_by_ticket_id(self, admin_client, open_ticket, others):
        assert self.search(admin_client, others[1].ticket_id) == {others[1].ticket_id}
        assert self.search(admin_client, open_ticket.ticket_id) == {open_ticket.ticket_id}

    def test_by_customer_email(self, admin_client, open_ticket, others):
        assert self.search(admin_client, "olga@example.org") == {others[0].ticket_id}

    def test_by_order_reference(self, admin_client, open_ticket, others):
        order = Order.objects.create(
            reference="CB-777001",
            email="paula@example.com",
            currency="USD",
            purchased_at=timezone.now(),
        )
        item = OrderItem.objects.create(
            order=order,
            offering=Offering.objects.get(kind="premium"),
            product=open_ticket.product,
        )
        open_ticket.entitlement.order_item = item
        open_ticket.entitlement.save(update_fields=["order_item"])

        assert self.search(admin_client, "CB-777001") == {open_ticket.ticket_id}
        assert self.search(admin_client, "cb-777001") == {open_ticket.ticket_id}
        assert self.search(admin_client, "CB-777") == set()  # a reference is matched whole


class TestQueueOrder:
    def test_raised_priority_first_then_earliest_due(self, admin_client, open_ticket):
        now = timezone.now()
        Ticket.objects.filter(pk=open_ticket.pk).update(first_response_due=now + timedelta(hours=1))
        urgent_later = copy_ticket(
            open_ticket, priority=Priority.URGENT, first_response_due=now + timedelta(hours=5)
        )
        high = copy_ticket(
            open_ticket, priority=Priority.HIGH, first_response_due=now + timedelta(hours=9)
        )
        sooner = copy_ticket(open_ticket, first_response_due=now + timedelta(minutes=30))
        no_target = copy_ticket(open_ticket, first_response_due=None)
        low = copy_ticket(
            open_ticket, priority=Priority.LOW, first_response_due=now - timedelta(hours=1)
        )

        shown = ids_in_order(admin_client.get(EVERYONE).content.decode())

        assert shown == [
            urgent_later.ticket_id,
            high.ticket_id,
            sooner.ticket_id,
            open_ticket.ticket_id,
            no_target.ticket_id,
            low.ticket_id,
        ]


class TestEngineerQueue:
    def test_an_engineer_lands_on_their_own_open_requests(self, engineer_client, queue):
        response = engineer_client.get(CHANGELIST)

        assert response.status_code == 302
        assert response["Location"] == CHANGELIST + "?assigned=me&status__exact=unclosed"
        shown = rows(engineer_client.get(response["Location"]).content.decode())
        assert set(shown) == {queue["mine"].ticket_id}

    def test_any_filter_or_all_shows_everything(self, engineer_client, queue):
        everyone = engineer_client.get(EVERYONE)
        searched = engineer_client.get(CHANGELIST + "?q=Backup")

        assert everyone.status_code == 200 and searched.status_code == 200
        assert set(rows(everyone.content.decode())) == {t.ticket_id for t in queue.values()}
        assert queue["theirs"].ticket_id in rows(searched.content.decode())

    def test_the_all_choice_of_the_assigned_filter_keeps_a_parameter(self, engineer_client, queue):
        content = engineer_client.get(CHANGELIST + "?assigned=me").content.decode()

        assert 'href="?assigned=all"' in content

    def test_staff_without_an_engineer_profile_see_the_whole_queue(self, admin_client, queue):
        response = admin_client.get(CHANGELIST)

        assert response.status_code == 200
        assert len(rows(response.content.decode())) == len(queue)


# --- Actions ----------------------------------------------------------------------------------


def act(client, action: str, tickets: list[Ticket], **fields):
    return client.post(
        CHANGELIST + "?assigned=all",
        {"action": action, "_selected_action": [t.pk for t in tickets], **fields},
        follow=True,
    )


class TestActions:
    def test_take(self, client, open_ticket, de_engineer):
        client.force_login(triage(de_engineer))

        response = act(client, "take", [open_ticket])

        open_ticket.refresh_from_db()
        assert open_ticket.assignee == de_engineer
        assert events(open_ticket, "taken").get().actor == de_engineer
        assert any(open_ticket.ticket_id in text for text in messages_of(response))

    def test_assign_to_the_chosen_engineer(
        self, engineer_client, open_ticket, us_engineer, de_engineer
    ):
        copy = copy_ticket(open_ticket, assignee=None, status=Status.NEW)

        act(engineer_client, "assign", [open_ticket, copy], engineer=de_engineer.pk)

        for ticket in (open_ticket, copy):
            ticket.refresh_from_db()
            assert ticket.assignee == de_engineer
            assert events(ticket, "assigned").get().actor == us_engineer
        copy.refresh_from_db()
        assert copy.status == Status.OPEN

    def test_assign_without_an_engineer_changes_nothing(self, engineer_client, open_ticket):
        response = act(engineer_client, "assign", [open_ticket])

        assert "Choose the engineer" in " ".join(messages_of(response))
        assert not events(open_ticket, "assigned").exists()

    def test_log_a_call_attempt(self, engineer_client, open_ticket, us_engineer):
        act(engineer_client, "log_call_attempt", [open_ticket])

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.WAITING
        assert open_ticket.contact_attempts == 1
        assert events(open_ticket, "call not reached").get().actor == us_engineer
        assert Message.objects.filter(ticket=open_ticket, kind=Message.Kind.CALL).count() == 1

    def test_change_priority(self, engineer_client, open_ticket, us_engineer):
        act(engineer_client, "change_priority", [open_ticket], priority=str(Priority.URGENT))

        open_ticket.refresh_from_db()
        assert open_ticket.priority == Priority.URGENT
        event = events(open_ticket, "priority changed").get()
        assert event.actor == us_engineer and event.detail == "normal → urgent"

    def test_resolve_reports_each_refusal_by_ticket(
        self, engineer_client, open_ticket, us_engineer
    ):
        closed = copy_ticket(open_ticket, status=Status.CLOSED, resolution=Resolution.RESOLVED)

        response = act(engineer_client, "resolve", [open_ticket, closed])

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.CLOSED
        assert open_ticket.resolution == Resolution.RESOLVED
        assert events(open_ticket, "closed: resolved").get().actor == us_engineer
        texts = messages_of(response)
        assert any(text.startswith(f"{closed.ticket_id}: ") for text in texts)
        assert any(
            text.startswith("Closed as resolved") and open_ticket.ticket_id in text
            for text in texts
        )
        assert not events(closed, "closed: resolved").exists()

    def test_propose_closure_needs_an_explanation(self, engineer_client, open_ticket, us_engineer):
        refused = act(engineer_client, "propose_closure", [open_ticket], explanation="  ")
        assert "explanation" in " ".join(messages_of(refused))
        assert not events(open_ticket, "closure proposed").exists()

        act(
            engineer_client,
            "propose_closure",
            [open_ticket],
            explanation="The fault is in the operating system.",
        )

        open_ticket.refresh_from_db()
        assert open_ticket.closure_proposed_at is not None
        assert open_ticket.status == Status.WAITING
        assert events(open_ticket, "closure proposed").get().actor == us_engineer
        assert OutboundEmail.objects.filter(tag="ticket_closure_proposed").count() == 1

    def test_cancel_as_mistake_gives_the_credit_back(self, engineer_client, releases, us_engineer):
        from tests.factories import UserFactory, grant

        customer = UserFactory(country="US")
        credit = grant(customer, "per-incident")
        ticket = services.ticket_create(
            customer=customer, product="professional", version="21.2",
            category="technical", subject="Opened twice", description="Same as before",
        ).ticket  # fmt: skip

        refused = act(engineer_client, "cancel_as_mistake", [ticket], explanation="")
        assert "cancelled" in " ".join(messages_of(refused))
        act(engineer_client, "cancel_as_mistake", [ticket], explanation="duplicate of NS-1")

        ticket.refresh_from_db()
        credit.refresh_from_db()
        assert ticket.resolution == "cancelled"
        assert credit.uses_left == 1
        assert credit.events.get(action="given-back").reason == "duplicate of NS-1"

    def test_revoke_links(self, engineer_client, open_ticket, us_engineer):
        assert AccessLink.objects.filter(ticket=open_ticket, revoked_at__isnull=True).exists()

        act(engineer_client, "revoke_links", [open_ticket])

        assert not AccessLink.objects.filter(ticket=open_ticket, revoked_at__isnull=True).exists()
        assert events(open_ticket, "links revoked").get().actor == us_engineer

    def test_staff_who_may_only_view_get_no_actions(self, client, open_ticket):
        viewer = allow(StaffFactory(email="sales@novadesk.test"), "view_ticket")
        client.force_login(viewer)

        page = client.get(EVERYONE)
        act(client, "resolve", [open_ticket])

        assert page.status_code == 200
        assert 'name="action"' not in page.content.decode()
        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.OPEN


# --- The ticket page --------------------------------------------------------------------------


class TestTicketPage:
    def test_the_page_shows_the_conversation_the_support_and_the_history(
        self, engineer_client, open_ticket, us_engineer
    ):
        services.ticket_note(ticket=open_ticket, engineer=us_engineer, body="Customer is a VIP.")
        services.ticket_log_call(
            ticket=open_ticket, engineer=us_engineer, reached=False, note="Voicemail."
        )

        response = engineer_client.get(page_url(open_ticket))

        assert response.status_code == 200
        content = response.content.decode()
        (customer,) = thread_entries(content, "customer")
        assert "Since the update the nightly job fails." in customer
        assert "seen by the customer" in customer and "INTERNAL NOTE" not in customer
        (note,) = thread_entries(content, "note")
        assert "Customer is a VIP." in note
        assert "Internal note" in note and "INTERNAL NOTE: support only" in note
        (call,) = thread_entries(content, "call")
        assert "Voicemail." in call and "asks the customer" in call
        # In order: the customer's message, the note, the call.
        assert content.index("nightly job") < content.index("VIP") < content.index("Voicemail")
        # The customer's support and the service target.
        assert "Premium Support" in content and "triage-state--active" in content
        assert "this request" in content
        assert "First response" in content
        # The history: who, what, from and to.
        history = content[content.index('class="triage-history"') :]
        assert "assigned automatically" in history
        assert "internal note" in history
        assert f"{us_engineer}" in history
        assert "open → waiting on customer" in history
        assert reply_token_of(reply_address(open_ticket)) not in content

    def test_the_page_has_the_forms_and_no_inline_script_or_style(
        self, engineer_client, open_ticket
    ):
        content = engineer_client.get(page_url(open_ticket)).content.decode()

        for step in ("reply", "note", "call", "resolve", "assign", "priority"):
            assert f'action="{desk_url(open_ticket, step)}"' in content, step
        assert 'name="reply-awaits_customer"' in content
        assert "Asks the customer something" in content
        assert 'name="_save"' not in content
        assert ' style="' not in content
        assert not re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", content)
        assert "css/desk.css" in content

    def test_take_is_offered_unless_the_ticket_is_mine(self, engineer_client, open_ticket):
        mine = engineer_client.get(page_url(open_ticket)).content.decode()
        other = copy_ticket(open_ticket, assignee=None)
        theirs = engineer_client.get(page_url(other)).content.decode()

        assert desk_url(open_ticket, "take") not in mine
        assert desk_url(other, "take") in theirs

    def test_a_viewer_sees_the_page_without_forms_and_cannot_post(self, client, open_ticket):
        client.force_login(allow(StaffFactory(email="sales@novadesk.test"), "view_ticket"))

        page = client.get(page_url(open_ticket))
        refused = client.post(desk_url(open_ticket, "note"), {"note-body": "Hi"})

        assert page.status_code == 200
        assert "desk/note/" not in page.content.decode()
        assert refused.status_code == 403
        assert not Message.objects.filter(kind=Message.Kind.NOTE).exists()

    def test_only_staff_reach_the_desk_urls(self, client, open_ticket, premium_customer):
        client.force_login(premium_customer)

        response = client.post(desk_url(open_ticket, "note"), {"note-body": "Hi"})

        assert response.status_code == 302
        assert "/login/" in response["Location"]
        assert not Message.objects.filter(kind=Message.Kind.NOTE).exists()

    def test_desk_urls_take_only_posts_and_known_steps(self, engineer_client, open_ticket):
        assert engineer_client.get(desk_url(open_ticket, "note")).status_code == 405
        assert engineer_client.post(desk_url(open_ticket, "delete")).status_code == 404
        missing = reverse("admin:tickets_ticket_desk", args=[999999, "note"])
        assert engineer_client.post(missing, {"note-body": "x"}).status_code == 404


class TestTicketPageForms:
    def test_a_reply_that_asks_the_customer_is_mailed_and_counts_an_attempt(
        self, engineer_client, open_ticket, us_engineer, media
    ):
        response = engineer_client.post(
            desk_url(open_ticket, "reply"),
            {
                "reply-body": "Please send us the log file.",
                "reply-awaits_customer": "on",
                "reply-files": [SimpleUploadedFile("steps.txt", b"1. Open the log", "text/plain")],
            },
            follow=True,
        )

        assert response.redirect_chain[-1][0].startswith(page_url(open_ticket))
        assert any("sent to the customer" in text for text in messages_of(response))
        assert OutboundEmail.objects.filter(tag="ticket_reply", to="paula@example.com").count() == 1
        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.WAITING
        assert open_ticket.contact_attempts == 1
        assert events(open_ticket, "replied").get().actor == us_engineer
        reply = Message.objects.get(ticket=open_ticket, kind=Message.Kind.ENGINEER)
        assert reply.attachments.get().name == "steps.txt"
        assert "Please send us the log file." in response.content.decode()

    def test_a_reply_that_asks_nothing_counts_no_attempt(self, engineer_client, open_ticket):
        engineer_client.post(desk_url(open_ticket, "reply"), {"reply-body": "It is fixed."})

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.OPEN
        assert open_ticket.contact_attempts == 0
        assert OutboundEmail.objects.filter(tag="ticket_reply").count() == 1

    def test_a_refused_reply_keeps_the_text_and_says_why(self, engineer_client, open_ticket, media):
        response = engineer_client.post(
            desk_url(open_ticket, "reply"),
            {
                "reply-body": "Run the attached tool.",
                "reply-files": [
                    SimpleUploadedFile("tool.exe", b"MZ\x90\x00", "application/x-msdownload")
                ],
            },
            follow=True,
        )

        assert response.status_code == 200
        assert any(message.level_tag == "error" for message in response.context["messages"])
        assert "Run the attached tool.</textarea>" in response.content.decode()
        assert not OutboundEmail.objects.filter(tag="ticket_reply").exists()
        assert not Message.objects.filter(kind=Message.Kind.ENGINEER).exists()

    def test_an_empty_reply_is_refused(self, engineer_client, open_ticket):
        response = engineer_client.post(
            desk_url(open_ticket, "reply"), {"reply-body": ""}, follow=True
        )

        assert any("required" in text for text in messages_of(response))
        assert not Message.objects.filter(kind=Message.Kind.ENGINEER).exists()

    def test_a_note_sends_nothing(self, engineer_client, open_ticket, us_engineer):
        mails = OutboundEmail.objects.count()

        response = engineer_client.post(
            desk_url(open_ticket, "note"), {"note-body": "Checked the logs."}, follow=True
        )

        assert OutboundEmail.objects.count() == mails
        note = Message.objects.get(ticket=open_ticket, kind=Message.Kind.NOTE)
        assert note.body == "Checked the logs." and note.author == us_engineer
        assert events(open_ticket, "internal note").get().actor == us_engineer
        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.OPEN
        assert "Checked the logs." in thread_entries(response.content.decode(), "note")[0]

    def test_a_note_keeps_its_files_for_staff_only(
        self, engineer_client, client, open_ticket, media, premium_customer
    ):
        trace = SimpleUploadedFile("trace.log", b"09:00 VSS writer timed out\n")

        engineer_client.post(
            desk_url(open_ticket, "note"),
            {"note-body": "Our trace of the failure.", "note-files": [trace]},
        )

        note = Message.objects.get(ticket=open_ticket, kind=Message.Kind.NOTE)
        (attachment,) = note.attachments.all()
        assert attachment.name == "trace.log"
        assert attachment.file.read() == b"09:00 VSS writer timed out\n"
        assert "trace.log" in engineer_client.get(page_url(open_ticket)).content.decode()
        client.force_login(premium_customer)
        customer_page = client.get(reverse("tickets:detail", args=[open_ticket.ticket_id]))
        assert "trace.log" not in customer_page.content.decode()

    def test_a_note_with_a_refused_file_writes_nothing(self, engineer_client, open_ticket, media):
        tool = SimpleUploadedFile("tool.exe", b"MZ\x90\x00")

        response = engineer_client.post(
            desk_url(open_ticket, "note"),
            {"note-body": "Run this.", "note-files": [tool]},
            follow=True,
        )

        assert any(message.level_tag == "error" for message in response.context["messages"])
        assert not Message.objects.filter(ticket=open_ticket, kind=Message.Kind.NOTE).exists()
        assert not Attachment.objects.exists()

    def test_a_call_not_reached_counts_an_attempt(self, engineer_client, open_ticket, us_engineer):
        engineer_client.post(
            desk_url(open_ticket, "call"),
            {"call-outcome": "not-reached", "call-note": "No answer."},
        )

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.WAITING
        assert open_ticket.contact_attempts == 1
        call = Message.objects.get(ticket=open_ticket, kind=Message.Kind.CALL)
        assert "No answer." in call.body and call.awaits_customer
        assert events(open_ticket, "call not reached").get().actor == us_engineer

    def test_a_call_that_reached_the_customer_ends_waiting(self, engineer_client, open_ticket):
        engineer_client.post(desk_url(open_ticket, "call"), {"call-outcome": "not-reached"})
        engineer_client.post(desk_url(open_ticket, "call"), {"call-outcome": "reached"})

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.OPEN
        assert open_ticket.contact_attempts == 0
        assert open_ticket.first_responded_at is not None

    def test_take_and_resolve_buttons(self, client, open_ticket, de_engineer):
        client.force_login(triage(de_engineer))

        client.post(desk_url(open_ticket, "take"))
        open_ticket.refresh_from_db()
        assert open_ticket.assignee == de_engineer
        assert events(open_ticket, "taken").get().actor == de_engineer

        response = client.post(
            desk_url(open_ticket, "resolve"), {"resolve-note": "Driver updated."}, follow=True
        )
        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.CLOSED
        assert open_ticket.resolution == Resolution.RESOLVED
        event = events(open_ticket, "closed: resolved").get()
        assert event.actor == de_engineer and event.detail == "Driver updated."
        content = response.content.decode()
        assert "This request is closed" in content
        assert desk_url(open_ticket, "reply") not in content  # no reply to a closed request
        assert desk_url(open_ticket, "note") in content

    def test_a_refused_step_comes_back_with_the_service_message(
        self, engineer_client, open_ticket, us_engineer
    ):
        services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)

        response = engineer_client.post(desk_url(open_ticket, "take"), follow=True)

        assert response.status_code == 200
        assert any("cannot be taken" in text for text in messages_of(response))

    def test_assign_priority_and_proposal_from_the_page(
        self, engineer_client, open_ticket, us_engineer, de_engineer
    ):
        engineer_client.post(desk_url(open_ticket, "assign"), {"assign-engineer": de_engineer.pk})
        engineer_client.post(desk_url(open_ticket, "priority"), {"priority-priority": "3"})
        engineer_client.post(
            desk_url(open_ticket, "propose-closure"),
            {"closure-explanation": "This needs a Windows fix."},
        )

        open_ticket.refresh_from_db()
        assert open_ticket.assignee == de_engineer
        assert open_ticket.priority == Priority.HIGH
        assert open_ticket.closure_proposed_at is not None
        for action in ("assigned", "priority changed", "closure proposed"):
            assert events(open_ticket, action).get().actor == us_engineer

    def test_the_way_back_keeps_the_queue_filters(self, engineer_client, open_ticket):
        filters = "_changelist_filters=assigned%3Dme"
        url = f"{desk_url(open_ticket, 'note')}?{filters}"

        response = engineer_client.post(url, {"note-body": "Seen."})

        assert response["Location"] == f"{page_url(open_ticket)}?{filters}"


class TestStaffDownload:
    def test_staff_download_a_notes_attachment(
        self, engineer_client, client, open_ticket, us_engineer, media, premium_customer
    ):
        note = services.ticket_note(ticket=open_ticket, engineer=us_engineer, body="Our trace.")
        attachment = Attachment(
            message=note,
            ticket_id_ref=open_ticket.ticket_id,
            storage_key=secrets.token_hex(16),
            name="trace.txt",
            content_type="text/plain",
            size=10,
            sha256="0" * 64,
        )
        attachment.file.save(attachment.storage_key, ContentFile(b"secret log"), save=False)
        attachment.save()
        url = reverse("admin:tickets_ticket_attachment", args=[open_ticket.pk, attachment.pk])

        page = engineer_client.get(page_url(open_ticket)).content.decode()
        response = engineer_client.get(url)

        assert f'href="{url}"' in page
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert "trace.txt" in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == b"secret log"
        # Not through another ticket's address, and never for the customer.
        other = copy_ticket(open_ticket)
        wrong = reverse("admin:tickets_ticket_attachment", args=[other.pk, attachment.pk])
        assert engineer_client.get(wrong).status_code == 404
        client.force_login(premium_customer)
        assert client.get(url).status_code == 302


# --- Query budgets on thousands of tickets ----------------------------------------------------


def bulk_tickets(template: Ticket, count: int) -> list[Ticket]:
    """``count`` copies of ``template`` in a few statements: many customers, engineers, teams."""
    now = timezone.now()
    customers = User.objects.bulk_create(
        User(email=f"bulk{n}@example.com", name=f"Bulk Customer {n}") for n in range(150)
    )
    engineers = User.objects.bulk_create(
        User(email=f"bulk-engineer{n}@novadesk.test", name=f"Engineer {n}", is_staff=True)
        for n in range(30)
    )
    teams = list(Team.objects.all())
    products = list(Product.objects.all())
    statuses = [Status.NEW, Status.OPEN, Status.WAITING, Status.CLOSED]
    base = {
        field.attname: getattr(template, field.attname)
        for field in Ticket._meta.concrete_fields
        if not field.primary_key
    }
    tickets = Ticket.objects.bulk_create(
        (
            Ticket(
                **{
                    **base,
                    "ticket_id": f"NS-B-{n:06d}",
                    "subject": f"Bulk request {n}",
                    "customer_id": customers[n % len(customers)].pk,
                    "assignee_id": engineers[n % len(engineers)].pk if n % 5 else None,
                    "team_id": teams[n % len(teams)].pk,
                    "product_id": products[n % len(products)].pk,
                    "status": statuses[n % len(statuses)],
                    "priority": Priority.HIGH if n % 11 == 0 else Priority.NORMAL,
                    "first_response_due": now + timedelta(minutes=n - count // 2),
                }
            )
            for n in range(count)
        ),
        batch_size=500,
    )
    Message.objects.bulk_create(
        (
            Message(
                ticket=ticket,
                author_id=ticket.customer_id,
                kind=Message.Kind.CUSTOMER,
                body=f"Bulk message {ticket.ticket_id}",
            )
            for ticket in tickets
        ),
        batch_size=500,
    )
    return tickets


def add_conversation(ticket: Ticket, count: int, authors: list) -> None:
    """``count`` messages of every kind, each with two attachments, and an event for each."""
    kinds = list(Message.Kind.values)
    messages = Message.objects.bulk_create(
        Message(
            ticket=ticket,
            author=authors[n % len(authors)] if kinds[n % len(kinds)] != "system" else None,
            kind=kinds[n % len(kinds)],
            via=Message.Via.ADMIN,
            body=f"Message number {n}",
            created_at=timezone.now() + timedelta(minutes=n),
        )
        for n in range(count)
    )
    Attachment.objects.bulk_create(
        Attachment(
            message=message,
            ticket_id_ref=ticket.ticket_id,
            storage_key=secrets.token_hex(16),
            file=f"attachments/{ticket.ticket_id}/{n}-{index}",
            name=f"file-{n}-{index}.log",
            content_type="text/plain",
            size=100 + n,
            sha256="0" * 64,
        )
        for n, message in enumerate(messages)
        for index in range(2)
    )
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket=ticket,
            actor=authors[n % len(authors)],
            action="internal note",
            from_status=ticket.status,
            to_status=ticket.status,
        )
        for n in range(count)
    )


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


class TestQueryBudget:
    def test_the_queue_needs_the_same_queries_for_20_and_100_rows(
        self, engineer_client, open_ticket, monkeypatch, django_assert_max_num_queries
    ):
        bulk_tickets(open_ticket, 2000)
        assert Ticket.objects.count() > 2000
        ticket_admin = admin.site._registry[Ticket]
        url = EVERYONE + "&status__exact=unclosed"

        monkeypatch.setattr(ticket_admin, "list_per_page", 20)
        engineer_client.get(url)  # warm caches (content types, templates)
        small = count_queries(engineer_client, url)

        monkeypatch.setattr(ticket_admin, "list_per_page", 100)
        with django_assert_max_num_queries(small):
            response = engineer_client.get(url)

        content = response.content.decode()
        assert content.count('class="field-subject"') == 100
        customers = re.findall(r'class="field-customer_column"><span title="([^"]*)"', content)
        assert len(set(customers)) > 50  # every row its own customer: no query per row
        print(f"queue: {small} queries for 20 and for 100 rows")

    def test_the_ticket_page_needs_the_same_queries_for_3_and_60_messages(
        self, engineer_client, open_ticket, us_engineer, de_engineer, django_assert_max_num_queries
    ):
        bulk_tickets(open_ticket, 2000)
        ticket = copy_ticket(open_ticket, assignee=us_engineer)
        authors = [us_engineer, de_engineer, open_ticket.customer]
        authors += list(StaffFactory.create_batch(5))
        add_conversation(ticket, 3, authors)
        url = page_url(ticket)

        engineer_client.get(url)  # warm caches (content types, templates)
        small = count_queries(engineer_client, url)

        add_conversation(ticket, 57, authors)
        with django_assert_max_num_queries(small):
            response = engineer_client.get(url)

        content = response.content.decode()
        assert content.count('class="triage-msg triage-msg--') == 60
        assert content.count("/desk/attachments/") == 120
        print(f"ticket page: {small} queries for 3 and for 60 messages")
