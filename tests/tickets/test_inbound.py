"""Incoming e-mail through Postmark's inbound webhook: replies thread, everything else waits.

Every notification carries a reply address of its own; an older one works for a grace period.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from tests.tickets.conftest import latest_mail, reply_address, reply_token_of, ticket_mails
from tickets import inbound as inbound_service
from tickets import services
from tickets.models import InboundEmail, Message, ReplyToken, Status, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_monday")]

WEBHOOK = "/anymail/postmark/inbound/"
CREDENTIALS = "inbound:secret"


def basic_auth(credentials: str = CREDENTIALS) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


@pytest.fixture(autouse=True)
def _webhook_secret(settings) -> None:
    # anymail reads WEBHOOK_SECRET whenever a webhook view is built, i.e. on every request.
    settings.ANYMAIL = {**settings.ANYMAIL, "WEBHOOK_SECRET": CREDENTIALS}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def waiting_ticket(open_ticket, us_engineer) -> Ticket:
    services.ticket_reply(
        ticket=open_ticket,
        engineer=us_engineer,
        body="Please send us the job log.",
        awaits_customer=True,
    )
    open_ticket.refresh_from_db()
    assert open_ticket.status == Status.WAITING
    assert open_ticket.contact_attempts == 1
    return open_ticket


def attachment(name: str, content: bytes, content_type: str = "text/plain") -> dict:
    return {
        "Name": name,
        "Content": base64.b64encode(content).decode(),
        "ContentType": content_type,
        "ContentLength": len(content),
    }


def payload(
    to: str,
    *,
    sender: str = "paula@example.com",
    sender_name: str = "Paula Premium",
    subject: str = "Re: Backup job fails",
    text: str = "Here is the log you asked for.",
    html: str = "",
    attachments: list[dict] | None = None,
    headers: list[dict] | None = None,
    original_recipient: str | None = None,
    raw_email: str | None = None,
) -> dict:
    """Postmark's inbound JSON (https://postmarkapp.com/developer/webhooks/inbound-webhook)."""
    body = {
        "FromName": sender_name,
        "MessageStream": "inbound",
        "From": sender,
        "FromFull": {"Email": sender, "Name": sender_name, "MailboxHash": ""},
        "To": to,
        "ToFull": [{"Email": to, "Name": "", "MailboxHash": to.partition("+")[2].split("@")[0]}],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": original_recipient if original_recipient is not None else to,
        "ReplyTo": "",
        "Subject": subject,
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "Date": "Mon, 23 Nov 2026 09:05:00 -0800",
        "MailboxHash": to.partition("+")[2].split("@")[0],
        "TextBody": text,
        "HtmlBody": html,
        "StrippedTextReply": "",
        "Tag": "",
        "Headers": [
            {"Name": "Return-Path", "Value": f"<{sender}>"},
            {"Name": "X-Spam-Checker-Version", "Value": "SpamAssassin 3.4.0"},
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "X-Spam-Score", "Value": "-0.1"},
            {"Name": "Message-ID", "Value": "<CAF=reply@mail.example.com>"},
            *(headers or []),
        ],
        "Attachments": attachments or [],
    }
    if raw_email is not None:
        body["RawEmail"] = raw_email
    return body


def post(client, body: dict, *, auth: str | None = basic_auth()):
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(WEBHOOK, data=json.dumps(body), content_type="application/json", **extra)


def snapshot(ticket: Ticket) -> tuple:
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.contact_attempts,
        ticket.next_action_at,
        ticket.last_activity_at,
        ticket.messages.count(),
    )


class TestReplies:
    def test_the_customers_reply_joins_the_waiting_ticket_with_its_attachment(
        self, client, waiting_ticket, premium_customer
    ):
        link = "http://127.0.0.1:8000/t/" + "A" * 43 + "/"
        text = (
            "Here is the log you asked for.\n\n"
            "On Mon, 23 Nov 2026 at 08:00, NovaDesk Support <support@novadesk.test> wrote:\n"
            "> Please send us the job log.\n"
            f"> {link}\n"
        )
        body = payload(
            reply_address(waiting_ticket),
            text=text,
            attachments=[attachment("backup job.log", b"2026-11-23 01:00 error 0x80070005\n")],
        )

        response = post(client, body)

        assert response.status_code == 200
        waiting_ticket.refresh_from_db()
        assert waiting_ticket.status == Status.OPEN
        assert waiting_ticket.contact_attempts == 0
        assert waiting_ticket.next_action_at is None
        message = waiting_ticket.messages.last()
        assert message.kind == Message.Kind.CUSTOMER
        assert message.via == Message.Via.EMAIL
        assert message.author == premium_customer
        assert message.body == "Here is the log you asked for."
        assert [a.name for a in message.attachments.all()] == ["backup job.log"]
        assert message.attachments.get().file.read() == b"2026-11-23 01:00 error 0x80070005\n"
        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.THREADED
        assert (inbound.ticket, inbound.message) == (waiting_ticket, message)
        assert inbound.sender == "Paula Premium <paula@example.com>"
        assert inbound.recipient == reply_address(waiting_ticket)
        assert inbound.attachment_names == ["backup job.log"]
        # The quoted private link is not kept anywhere in clear.
        assert "A" * 43 not in inbound.body
        assert "[private link removed]" in inbound.body
        assert waiting_ticket.events.filter(action="customer wrote", detail="email").exists()

    def test_address_domain_and_sender_compare_case_insensitively(self, client, open_ticket):
        local, _, domain = reply_address(open_ticket).partition("@")
        body = payload(
            f"{local}@{domain.upper()}", sender="Paula@Example.COM", original_recipient=""
        )

        post(client, body)

        assert InboundEmail.objects.get().state == InboundEmail.State.THREADED
        assert open_ticket.messages.filter(via=Message.Via.EMAIL).exists()

    def test_a_reply_to_an_auto_closed_ticket_reopens_it(self, client, open_ticket):
        Ticket.objects.filter(pk=open_ticket.pk).update(
            status=Status.CLOSED, resolution="auto-closed", closed_at=timezone.now()
        )

        post(client, payload(reply_address(open_ticket), text="Sorry, I was away."))

        open_ticket.refresh_from_db()
        assert open_ticket.status == Status.OPEN
        assert open_ticket.resolution == ""
        assert open_ticket.closed_at is None
        assert open_ticket.messages.last().body == "Sorry, I was away."
        assert open_ticket.events.filter(action="reopened by customer reply").exists()
        assert InboundEmail.objects.get().state == InboundEmail.State.THREADED

    def test_a_password_in_the_mail_is_masked(self, client, open_ticket):
        text = "The server login is admin, password: hunter2"

        post(client, payload(reply_address(open_ticket), text=text))

        message = open_ticket.messages.last()
        assert message.via == Message.Via.EMAIL
        assert "hunter2" not in message.body
        assert "password: ********" in message.body
        assert "hunter2" not in InboundEmail.objects.get().body

    def test_an_html_only_mail_is_stored_as_plain_text(self, client, open_ticket):
        html = (
            "<html><head><style>p {color: red}</style></head><body>"
            "<p>It still fails &amp; the log is empty.</p>"
            '<script>alert("x")</script><img src=x onerror="alert(1)">'
            "<div>Thanks,<br>Paula</div></body></html>"
        )

        post(client, payload(reply_address(open_ticket), text="", html=html))

        body = open_ticket.messages.last().body
        assert body == "It still fails & the log is empty.\nThanks,\nPaula"
        assert "<" not in body
        assert "alert" not in body
        assert InboundEmail.objects.get().state == InboundEmail.State.THREADED

    def test_an_unexpected_failure_answers_500_so_the_provider_delivers_again(
        self, client, waiting_ticket, monkeypatch
    ):
        def broken(**kwargs):
            raise RuntimeError("database hiccup")

        monkeypatch.setattr(services.email_replies, "ticket_customer_message", broken)
        client.raise_request_exception = False
        before = snapshot(waiting_ticket)

        response = post(client, payload(reply_address(waiting_ticket)))

        assert response.status_code == 500
        assert not InboundEmail.objects.exists()
        assert snapshot(waiting_ticket) == before


class TestQuarantine:
    @pytest.mark.parametrize(
        ("case", "reason", "ticket_linked"),
        [
            ("wrong token", "wrong token", False),
            ("spoofed sender", "not the customer", True),
            ("unknown ticket", "No request NS-2026-999999", False),
            ("no reply address", "not addressed to the reply address", False),
            ("other domain", "not addressed to the reply address", False),
        ],
    )
    def test_mail_that_does_not_prove_the_customer_waits_for_staff(
        self, client, waiting_ticket, case, reason, ticket_linked
    ):
        address = reply_address(waiting_ticket)
        sender = "paula@example.com"
        if case == "wrong token":
            address = f"reply+{waiting_ticket.ticket_id}.0123456789abcdef@reply.novadesk.test"
        elif case == "spoofed sender":
            sender = "mallory@example.net"
        elif case == "unknown ticket":
            token = reply_token_of(address)
            address = f"reply+NS-2026-999999.{token}@reply.novadesk.test"
        elif case == "no reply address":
            address = "support@novadesk.test"
        elif case == "other domain":
            address = address.replace("reply.novadesk.test", "evil.example.net")
        before = snapshot(waiting_ticket)

        response = post(
            client,
            payload(
                address,
                sender=sender,
                text="Please close my ticket",
                attachments=[attachment("notes.txt", b"hello")],
            ),
        )

        assert response.status_code == 200
        assert snapshot(waiting_ticket) == before
        assert not Message.objects.filter(via=Message.Via.EMAIL).exists()
        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert reason in inbound.reason
        assert inbound.message is None
        assert inbound.ticket == (waiting_ticket if ticket_linked else None)
        assert sender in inbound.sender
        assert inbound.recipient == address
        assert inbound.subject == "Re: Backup job fails"
        assert inbound.body == "Please close my ticket"
        assert inbound.attachment_names == ["notes.txt"]

    @pytest.mark.parametrize("auth", [None, basic_auth("inbound:wrong"), "Bearer inbound:secret"])
    def test_the_webhook_refuses_posts_without_the_secret(self, client, waiting_ticket, auth):
        before = snapshot(waiting_ticket)

        response = post(client, payload(reply_address(waiting_ticket)), auth=auth)

        assert response.status_code in (400, 401, 403)
        assert not InboundEmail.objects.exists()
        assert snapshot(waiting_ticket) == before

    def test_a_reply_to_a_resolved_ticket_within_the_window_reopens_it(
        self, client, open_ticket, us_engineer
    ):
        """Within TICKET_REOPEN_BY_REPLY_DAYS a reply reopens, as the reopen page would."""
        services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)

        post(client, payload(reply_address(open_ticket), text="It fails again."))

        open_ticket.refresh_from_db()
        assert open_ticket.status != Status.CLOSED
        assert open_ticket.messages.filter(body="It fails again.").exists()
        assert not InboundEmail.objects.filter(state=InboundEmail.State.QUARANTINED).exists()

    def test_a_refused_attachment_keeps_the_text_in_quarantine(self, client, waiting_ticket):
        before = snapshot(waiting_ticket)
        body = payload(
            reply_address(waiting_ticket),
            text="Here is the installer I used.",
            attachments=[attachment("setup.exe", b"MZ\x90\x00", "application/octet-stream")],
        )

        post(client, body)

        assert snapshot(waiting_ticket) == before
        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert "cannot be attached: setup.exe" in inbound.reason
        assert inbound.body == "Here is the installer I used."
        assert inbound.attachment_names == ["setup.exe"]
        assert inbound.ticket == waiting_ticket

    def test_an_out_of_office_reply_does_not_end_the_waiting_period(self, client, waiting_ticket):
        before = snapshot(waiting_ticket)
        body = payload(
            reply_address(waiting_ticket),
            subject="Automatic reply: Backup job fails",
            text="I am out of the office until Monday.",
            headers=[{"Name": "Auto-Submitted", "Value": "auto-replied"}],
        )

        post(client, body)

        assert snapshot(waiting_ticket) == before
        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert "automatic reply" in inbound.reason.lower()


def raw_email(*, to: str, sender: str, subject: str, text: str = "Hello") -> str:
    """A MIME message as Postmark passes it in RawEmail (when raw content is switched on)."""
    return (
        f"From: {sender}\r\n"
        f"To: {to}\r\n"
        f"Subject: {subject}\r\n"
        "Date: Mon, 23 Nov 2026 09:05:00 -0800\r\n"
        "Message-ID: <raw@mail.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: text/plain; charset="utf-8"\r\n'
        "\r\n"
        f"{text}\r\n"
    )


class TestMalformedHeaders:
    def test_line_breaks_in_the_subject_are_refused_into_quarantine(self, client, open_ticket):
        address = reply_address(open_ticket)
        before = snapshot(open_ticket)
        # An encoded word hides CR/LF from the MIME parser: they appear only once decoded.
        raw = raw_email(
            to=address,
            sender="Paula Premium <paula@example.com>",
            subject="=?utf-8?q?Re:_Backup=0D=0ABcc:_victim@example.net?=",
        )

        response = post(client, payload(address, subject="Re: Backup", raw_email=raw))

        assert response.status_code == 200
        assert snapshot(open_ticket) == before
        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert "Subject header contains line breaks" in inbound.reason
        assert inbound.subject == "Re: Backup\\r\\nBcc: victim@example.net"
        assert "\n" not in inbound.subject

    def test_line_breaks_in_the_sender_are_refused_into_quarantine(self, client, open_ticket):
        address = reply_address(open_ticket)
        raw = raw_email(
            to=address, sender="=?utf-8?q?Paula=0D=0A?= <paula@example.com>", subject="Re: x"
        )

        post(client, payload(address, raw_email=raw))

        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert "From header contains line breaks" in inbound.reason
        assert not open_ticket.messages.filter(via=Message.Via.EMAIL).exists()

    def test_an_unreadable_sender_is_recorded_as_received(self, client, open_ticket):
        address = reply_address(open_ticket)
        raw = raw_email(to=address, sender="paula at example dot com", subject="Re: x")

        post(client, payload(address, raw_email=raw))

        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert inbound.sender == "paula at example dot com"
        assert "sender address cannot be read" in inbound.reason
        assert not open_ticket.messages.filter(via=Message.Via.EMAIL).exists()

    def test_an_overlong_recipient_is_truncated_to_fit(self, client, open_ticket):
        address = "x" * 400 + "@novadesk.test"

        post(client, payload(address))

        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert inbound.recipient == address[:320]

    def test_line_breaks_in_postmarks_parsed_subject_are_quarantined(self, client, open_ticket):
        address = reply_address(open_ticket)

        response = post(client, payload(address, subject="Re: Backup\r\nBcc: victim@example.net"))

        assert response.status_code == 200
        kept = InboundEmail.objects.get()
        assert kept.state == InboundEmail.State.QUARANTINED
        assert "Unreadable mail" in kept.reason
        assert "Bcc: victim@example.net" in kept.subject
        assert open_ticket.messages.count() == 1


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        (
            "Works now.\n\nOn Mon, 23 Nov 2026 at 09:00, Sam <sam@novadesk.test> wrote:\n> Try it",
            "Works now.",
        ),
        (
            "Top\n\nOn Mon, Nov 23, 2026 at 9:00 AM NovaDesk <\nsupport@novadesk.test> wrote:\n> q",
            "Top",
        ),
        ("Danke!\n\nAm 23.11.2026 um 09:00 schrieb NovaDesk Support:\nunmarked quote", "Danke!"),
        ("Reply\n\n________________________________\nFrom: NovaDesk\nSent: Monday\n\nold", "Reply"),
        ("Reply\n-----Original Message-----\nFrom: NovaDesk\nold", "Reply"),
        (
            "On 23 Nov 2026, Sam wrote:\n> Which version?\n21.2, sorry for the delay",
            "21.2, sorry for the delay",
        ),
        ("On the console it wrote:\nerror 0x5", "On the console it wrote:\nerror 0x5"),
        (
            "Log:\n________________________________\nstill mine",
            "Log:\n________________________________\nstill mine",
        ),
        (
            "On 23 Nov 2026, Sam wrote:\n> only a quote",
            "On 23 Nov 2026, Sam wrote:\n> only a quote",
        ),
    ],
)
def test_quoted_earlier_mail_is_removed_only_where_clearly_marked(text, reply):
    assert inbound_service.strip_quoted(text) == reply


def test_a_delivery_the_provider_repeats_is_added_once(client, open_ticket):
    mail = payload(reply_address(open_ticket), text="The log is attached.")

    first = post(client, mail)
    again = post(client, mail)

    assert (first.status_code, again.status_code) == (200, 200)
    assert InboundEmail.objects.count() == 1
    assert open_ticket.messages.filter(body__contains="The log is attached.").count() == 1


# --- Reply addresses: a token of its own in every notification --------------------------------


def delivered(body: dict, message_id: str) -> dict:
    """The same mail as another delivery: the provider gives each its own message ID."""
    return {**body, "MessageID": message_id}


def ask(ticket: Ticket, engineer, body: str = "Which version do you run?") -> None:
    services.ticket_reply(ticket=ticket, engineer=engineer, body=body, awaits_customer=True)


class TestReplyTokens:
    def test_the_reply_address_of_a_notification_carries_at_least_128_random_bits(
        self, open_ticket, us_engineer
    ):
        for number in range(20):
            ask(open_ticket, us_engineer, f"Question {number}")
        addresses = [mail.reply_to for mail in ticket_mails(open_ticket)]

        tokens = []
        for address in addresses:
            match = re.fullmatch(
                rf"reply\+{open_ticket.ticket_id}\.(?P<token>[a-z2-7]+)@reply\.novadesk\.test",
                address,
            )
            assert match, address
            tokens.append(match["token"])
            # RFC 5321 allows 64 characters before the "@".
            assert len(address.partition("@")[0]) <= 64
        # Base32: 5 bits a character.
        assert min(len(token) for token in tokens) * 5 >= 128
        assert len(set(tokens)) == len(tokens) == 21
        assert len({token[:8] for token in tokens}) == len(tokens)

    def test_only_a_hash_of_the_token_is_stored(self, open_ticket):
        token = reply_token_of(reply_address(open_ticket))

        stored = ReplyToken.objects.get(ticket=open_ticket)

        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert stored.superseded_at is None
        assert token not in repr(list(ReplyToken.objects.values()))

    def test_each_notification_of_a_ticket_has_a_reply_address_of_its_own(
        self, open_ticket, us_engineer, frozen_monday
    ):
        ask(open_ticket, us_engineer)
        services.ticket_log_call(ticket=open_ticket, engineer=us_engineer, reached=False)
        services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)

        mails = list(ticket_mails(open_ticket).order_by("pk"))
        assert [mail.tag for mail in mails] == [
            "ticket_created",
            "ticket_reply",
            "ticket_call_attempt",
            "ticket_closed",
        ]
        assert len({mail.reply_to for mail in mails}) == 4
        tokens = open_ticket.reply_tokens.order_by("pk")
        assert tokens.count() == 4
        # Only the newest one is current; the others were superseded by the next mail.
        assert [token.superseded_at is None for token in tokens] == [False, False, False, True]

    def test_the_sweeps_reminders_carry_new_reply_addresses(
        self, open_ticket, us_engineer, premium_customer, frozen_monday
    ):
        second = services.ticket_create(
            customer=premium_customer,
            product="professional",
            version="21.2",
            category="technical",
            subject="Restore is slow",
            description="It takes hours.",
        ).ticket
        for ticket in (open_ticket, second):
            ask(ticket, us_engineer)
        asked = {ticket.pk: reply_address(ticket) for ticket in (open_ticket, second)}
        frozen_monday.shift(timedelta(days=5))

        assert services.tickets_sweep().reminded == 2

        for ticket in (open_ticket, second):
            reminder = latest_mail(ticket)
            assert reminder.tag == "ticket_reminder"
            assert reminder.reply_to != asked[ticket.pk]
            assert ticket.reply_tokens.filter(superseded_at__isnull=True).count() == 1
            current = ticket.reply_tokens.get(superseded_at__isnull=True)
            assert current.token_hash == services.reply_token_hash(
                reply_token_of(reminder.reply_to)
            )

    def test_a_reply_to_the_newest_address_is_threaded_however_old_it_is(
        self, client, waiting_ticket, frozen_monday
    ):
        frozen_monday.shift(timedelta(days=90))

        post(client, payload(reply_address(waiting_ticket), text="Back from holiday."))

        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.THREADED
        assert waiting_ticket.messages.last().body == "Back from holiday."

    def test_a_reply_to_a_superseded_address_is_threaded_within_the_grace_period(
        self, client, open_ticket, us_engineer, frozen_monday
    ):
        first = reply_address(open_ticket)
        frozen_monday.shift(timedelta(days=2))
        ask(open_ticket, us_engineer)
        assert reply_address(open_ticket) != first
        frozen_monday.shift(timedelta(days=14))  # superseded exactly 14 days ago

        post(client, payload(first, text="Answering the first mail."))

        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.THREADED
        assert inbound.message.body == "Answering the first mail."
        assert Ticket.objects.get(pk=open_ticket.pk).status == Status.OPEN

    def test_a_reply_to_an_address_superseded_before_the_grace_period_is_quarantined(
        self, client, open_ticket, us_engineer, frozen_monday
    ):
        first = reply_address(open_ticket)
        ask(open_ticket, us_engineer)
        newest = reply_address(open_ticket)
        frozen_monday.shift(timedelta(days=14, minutes=1))
        before = snapshot(open_ticket)

        response = post(client, payload(first, text="Still failing."))

        assert response.status_code == 200
        assert snapshot(open_ticket) == before
        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert inbound.reason == (
            f"The reply address of request {open_ticket.ticket_id} has expired: a newer "
            "notification replaced it more than 14 days ago."
        )
        assert inbound.ticket == open_ticket
        assert inbound.message is None
        assert inbound.body == "Still failing."
        assert inbound.recipient == first

        # The address of the newest notification still arrives.
        post(client, delivered(payload(newest, text="Still failing."), "second-delivery"))
        assert InboundEmail.objects.get(provider_message_id="second-delivery").state == (
            InboundEmail.State.THREADED
        )

    def test_the_grace_period_is_the_configured_one(
        self, client, open_ticket, us_engineer, frozen_monday, settings
    ):
        settings.TICKET_REPLY_TOKEN_GRACE_DAYS = 1
        first = reply_address(open_ticket)
        ask(open_ticket, us_engineer)
        frozen_monday.shift(timedelta(days=1, hours=1))

        post(client, payload(first))

        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert "has expired" in inbound.reason
        assert "more than 1 day ago" in inbound.reason

    @pytest.mark.parametrize("superseded", [False, True])
    def test_a_forged_sender_with_a_valid_token_is_quarantined(
        self, client, open_ticket, us_engineer, superseded
    ):
        address = reply_address(open_ticket)
        if superseded:
            ask(open_ticket, us_engineer)
        before = snapshot(open_ticket)

        post(client, payload(address, sender="mallory@example.net", sender_name="Paula Premium"))

        assert snapshot(open_ticket) == before
        inbound = InboundEmail.objects.get()
        assert inbound.state == InboundEmail.State.QUARANTINED
        assert "not the customer" in inbound.reason
        assert inbound.message is None


# --- The one reply token of tickets from before ------------------------------------------------

LEGACY_TOKEN = "0123456789abcdef"  # 64 bits, as every ticket had one


def legacy_reply_tokens():
    """The data migration's function, with the models as they were when it runs."""
    migration = importlib.import_module("tickets.migrations.0008_reply_tokens")
    state = MigrationLoader(connection).project_state(("tickets", "0008_reply_tokens"))
    migration.legacy_reply_tokens(state.apps, None)


@pytest.fixture
def legacy_column(db) -> None:
    """The ticket table as before the migrations: one reply token per ticket, in clear.

    Added ahead of any row in the test's transaction (PostgreSQL alters no table with checks
    pending) and gone with its rollback.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "ALTER TABLE tickets_ticket ADD COLUMN reply_token varchar(32) NOT NULL DEFAULT ''"
        )


@pytest.fixture
def legacy_ticket(legacy_column, open_ticket) -> Ticket:
    """A ticket from before: its mail carried its one token, and no token is stored hashed."""
    open_ticket.reply_tokens.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET reply_token = %s WHERE id = %s",
            [LEGACY_TOKEN, open_ticket.pk],
        )
    return open_ticket


def legacy_address(ticket: Ticket) -> str:
    return f"reply+{ticket.ticket_id}.{LEGACY_TOKEN.upper()}@reply.novadesk.test"


class TestLegacyReplyTokens:
    def test_the_migration_keeps_each_token_hashed_and_superseded_now(
        self, legacy_ticket, premium_customer
    ):
        newer = services.ticket_create(
            customer=premium_customer,
            product="professional",
            version="21.2",
            category="technical",
            subject="A request with a token of the new kind",
            description="Nothing to migrate.",
        ).ticket

        legacy_reply_tokens()

        token = ReplyToken.objects.get(ticket=legacy_ticket)
        assert token.token_hash == hashlib.sha256(LEGACY_TOKEN.encode()).hexdigest()
        assert token.superseded_at == timezone.now()
        assert token.created_at == legacy_ticket.created_at
        # A ticket without an old token gets none.
        assert list(newer.reply_tokens.values_list("superseded_at", flat=True)) == [None]

    def test_an_old_reply_address_works_through_the_grace_period_then_waits_for_staff(
        self, client, legacy_ticket, frozen_monday
    ):
        legacy_reply_tokens()
        frozen_monday.shift(timedelta(days=13))

        post(client, payload(legacy_address(legacy_ticket), text="Replying to an old mail."))

        assert InboundEmail.objects.get().state == InboundEmail.State.THREADED
        assert legacy_ticket.messages.last().body == "Replying to an old mail."

        frozen_monday.shift(timedelta(days=2))
        post(client, delivered(payload(legacy_address(legacy_ticket)), "after-the-grace"))

        late = InboundEmail.objects.get(provider_message_id="after-the-grace")
        assert late.state == InboundEmail.State.QUARANTINED
        assert "has expired" in late.reason
        assert late.ticket == legacy_ticket
