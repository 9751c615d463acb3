"""Sent mail keeps no live link: past the retention its bodies are removed, the rest stays."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.core import services, tasks
from portal.core.models import OutboundEmail
from surveys import selectors as survey_selectors
from tests.factories import OutboundEmailFactory, StaffFactory
from tests.surveys.conftest import survey_mails, survey_token
from tickets import links
from tickets import services as ticket_services

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/t/([\w-]+)/")
REPLY_ADDRESS = re.compile(r"reply\+[\w-]+\.(\w+)@")
CALENDAR = b"BEGIN:VCALENDAR\r\nSUMMARY:Visit at Example GmbH\r\nEND:VCALENDAR\r\n"


def past_retention(settings) -> timedelta:
    return timedelta(days=settings.OUTBOX_BODY_RETENTION_DAYS, minutes=1)


def outbox_holds(secret: str) -> list[tuple[int, str]]:
    """Every (row, column) of the outbox table whose value contains ``secret``."""
    columns = [field.attname for field in OutboundEmail._meta.concrete_fields]
    return [
        (row["id"], column)
        for row in OutboundEmail.objects.values(*columns)
        for column in columns
        if secret in str(row[column])
    ]


def sent(row: OutboundEmail) -> OutboundEmail:
    services.email_deliver(email_id=row.pk)
    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT
    return row


@pytest.fixture
def ticket_mail(frozen_monday, open_ticket) -> OutboundEmail:
    """The sent "request received" mail, with its private link and reply address."""
    row = sent(OutboundEmail.objects.get(tag="ticket_created"))
    # The test backend reports no provider ID; a real provider does.
    OutboundEmail.objects.filter(pk=row.pk).update(provider_message_id="pm-4711")
    row.refresh_from_db()
    return row


def signed_in(client, language: str = ""):
    client.force_login(
        StaffFactory(email="admin@novadesk.test", is_superuser=True, language=language)
    )
    return client


class TestTicketMail:
    def test_the_private_link_and_reply_token_are_gone_after_the_retention(
        self, ticket_mail, frozen_monday, settings
    ):
        token = LINK.search(ticket_mail.body_text).group(1)
        reply_token = REPLY_ADDRESS.search(ticket_mail.reply_to).group(1)
        assert links.link_ticket(token=token) is not None
        assert outbox_holds(token) and outbox_holds(reply_token)

        frozen_monday.shift(past_retention(settings))
        assert tasks.outbox_redact_bodies() == 1

        # The link still opens the ticket, but the outbox no longer holds it anywhere.
        assert links.link_ticket(token=token) is not None
        assert outbox_holds(token) == []
        assert outbox_holds(reply_token) == []
        row = OutboundEmail.objects.get(pk=ticket_mail.pk)
        assert (row.to, row.subject, row.tag, row.status) == (
            ticket_mail.to,
            ticket_mail.subject,
            "ticket_created",
            OutboundEmail.Status.SENT,
        )
        assert row.sent_at == ticket_mail.sent_at
        assert row.provider_message_id == "pm-4711"
        assert row.body_redacted_at == timezone.now()
        assert (row.body_text, row.body_html, row.reply_to) == ("", "", "")

    def test_before_the_retention_the_body_is_intact(self, ticket_mail, frozen_monday, settings):
        frozen_monday.shift(timedelta(days=settings.OUTBOX_BODY_RETENTION_DAYS, minutes=-1))

        assert tasks.outbox_redact_bodies() == 0

        row = OutboundEmail.objects.get(pk=ticket_mail.pk)
        assert row.body_text == ticket_mail.body_text and LINK.search(row.body_text)
        assert row.reply_to == ticket_mail.reply_to
        assert row.body_redacted_at is None

    def test_running_again_changes_nothing(self, ticket_mail, frozen_monday, settings):
        frozen_monday.shift(past_retention(settings))
        tasks.outbox_redact_bodies()
        first = OutboundEmail.objects.values().get(pk=ticket_mail.pk)

        frozen_monday.shift(timedelta(hours=1))
        assert tasks.outbox_redact_bodies() == 0

        assert OutboundEmail.objects.values().get(pk=ticket_mail.pk) == first

    def test_the_retention_setting_is_honoured(self, ticket_mail, frozen_monday, settings):
        settings.OUTBOX_BODY_RETENTION_DAYS = 2
        frozen_monday.shift(timedelta(days=2, minutes=1))

        assert tasks.outbox_redact_bodies() == 1


def test_the_survey_link_is_gone_after_the_retention(
    frozen_monday, open_ticket, us_engineer, settings
):
    # Only a closure after an answer from support invites, the delay after the closure mail.
    ticket_services.ticket_reply(
        ticket=open_ticket, engineer=us_engineer, body="Try again.", awaits_customer=False
    )
    ticket_services.ticket_resolve(ticket=open_ticket, engineer=us_engineer)
    frozen_monday.shift(timedelta(minutes=settings.SURVEY_INVITATION_DELAY_MINUTES))
    mail = sent(survey_mails().get())
    token = survey_token(mail)
    assert survey_selectors.invitation_for_token(token=token) is not None
    assert outbox_holds(token)

    frozen_monday.shift(past_retention(settings))
    tasks.outbox_redact_bodies()

    assert outbox_holds(token) == []
    row = survey_mails().get()
    assert row.to == mail.to and row.subject == mail.subject
    assert row.status == OutboundEmail.Status.SENT and row.body_redacted_at is not None


class TestWhichRows:
    def test_pending_and_sending_rows_are_never_touched(self, settings):
        old = timezone.now() - timedelta(days=settings.OUTBOX_BODY_RETENTION_DAYS * 10)
        pending = OutboundEmailFactory(
            created_at=old, next_attempt_at=old, body_text="/t/pending-link/", reply_to="r@x.test"
        )
        sending = OutboundEmailFactory(
            created_at=old,
            next_attempt_at=old,
            status=OutboundEmail.Status.SENDING,
            lease_expires_at=old,
            body_text="/t/sending-link/",
            body_html="<a href='/t/sending-link/'>",
        )
        before = {row["id"]: row for row in OutboundEmail.objects.values()}

        assert services.email_redact_bodies() == 0

        assert {row["id"]: row for row in OutboundEmail.objects.values()} == before
        assert set(before) == {pending.pk, sending.pk}

    def test_failed_rows_go_after_the_retention_from_their_last_attempt(self, settings):
        now = timezone.now()
        retention = timedelta(days=settings.OUTBOX_BODY_RETENTION_DAYS)
        stale = OutboundEmailFactory(
            created_at=now - 3 * retention,
            next_attempt_at=now - retention - timedelta(minutes=1),
            status=OutboundEmail.Status.FAILED,
            attempts=12,
            body_text="/t/stale-link/",
            last_error="AnymailAPIError: provider unavailable",
        )
        # Created long ago, but tried again lately (staff retried it): it keeps its body.
        retried = OutboundEmailFactory(
            created_at=now - 3 * retention,
            next_attempt_at=now - timedelta(hours=1),
            status=OutboundEmail.Status.FAILED,
            body_text="/t/retried-link/",
        )

        assert services.email_redact_bodies() == 1

        stale.refresh_from_db()
        retried.refresh_from_db()
        assert outbox_holds("stale-link") == []
        assert stale.last_error == "AnymailAPIError: provider unavailable"
        assert stale.status == OutboundEmail.Status.FAILED and stale.body_redacted_at >= now
        assert retried.body_text == "/t/retried-link/" and retried.body_redacted_at is None

    def test_a_redacted_failed_row_cannot_be_retried(self, settings):
        row = OutboundEmailFactory(
            next_attempt_at=timezone.now() - past_retention(settings),
            status=OutboundEmail.Status.FAILED,
        )
        services.email_redact_bodies()

        assert services.email_retry_failed(email_ids=[row.pk]) == 0

        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.FAILED

    def test_every_due_row_goes_in_batches(self, settings):
        long_ago = timezone.now() - past_retention(settings)
        rows = OutboundEmailFactory.create_batch(
            5, status=OutboundEmail.Status.SENT, sent_at=long_ago, body_text="/t/batch-link/"
        )
        recent = OutboundEmailFactory(
            status=OutboundEmail.Status.SENT, sent_at=timezone.now(), body_text="/t/recent/"
        )

        assert services.email_redact_bodies(batch_size=2) == 5

        assert outbox_holds("batch-link") == []
        assert set(
            OutboundEmail.objects.filter(body_redacted_at__isnull=False).values_list(
                "pk", flat=True
            )
        ) == {row.pk for row in rows}
        recent.refresh_from_db()
        assert recent.body_text == "/t/recent/"

    def test_attachment_names_stay_and_their_content_goes(self, settings):
        row = sent(
            services.email_enqueue(
                to="partner@example.com",
                subject="Your OnSite Protect visit",
                body_text="See the calendar entry.",
                attachments=[services.EmailAttachment("visit.ics", CALENDAR, "text/calendar")],
            )
        )
        stored = row.attachments[0]["content"]
        row.sent_at = timezone.now() - past_retention(settings)
        row.save(update_fields=["sent_at"])

        services.email_redact_bodies()

        row.refresh_from_db()
        assert row.attachments == [{"filename": "visit.ics", "content_type": "text/calendar"}]
        assert outbox_holds(stored) == []


class TestAdmin:
    def test_the_body_shows_before_the_retention_and_a_notice_after(
        self, client, ticket_mail, frozen_monday, settings
    ):
        admin_client = signed_in(client)
        url = reverse("admin:core_outboundemail_change", args=[ticket_mail.pk])
        token = LINK.search(ticket_mail.body_text).group(1)

        before = admin_client.get(url)
        assert before.status_code == 200
        assert token in before.content.decode()

        frozen_monday.shift(past_retention(settings))
        tasks.outbox_redact_bodies()
        after = admin_client.get(url)

        page = after.content.decode()
        assert after.status_code == 200
        assert token not in page
        assert ticket_mail.subject in page and ticket_mail.to in page
        days = settings.OUTBOX_BODY_RETENTION_DAYS
        assert f"{days} days after the last attempt to send it" in page

    def test_the_notice_is_in_german_for_german_staff(
        self, client, ticket_mail, frozen_monday, settings
    ):
        frozen_monday.shift(past_retention(settings))
        tasks.outbox_redact_bodies()

        page = (
            signed_in(client, language="de")
            .get(reverse("admin:core_outboundemail_change", args=[ticket_mail.pk]))
            .content.decode()
        )

        days = settings.OUTBOX_BODY_RETENTION_DAYS
        assert f"{days} Tage nach dem letzten Sendeversuch" in page

    def test_the_list_still_shows_redacted_rows(self, client, ticket_mail, frozen_monday, settings):
        frozen_monday.shift(past_retention(settings))
        tasks.outbox_redact_bodies()

        page = (
            signed_in(client).get(reverse("admin:core_outboundemail_changelist")).content.decode()
        )

        assert ticket_mail.subject in page and ticket_mail.to in page
