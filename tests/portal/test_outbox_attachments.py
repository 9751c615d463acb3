"""Outbox attachments: stored with the row, attached when the row is delivered."""

from __future__ import annotations

import pytest
from django.core import mail

from portal.core import services
from portal.core.models import OutboundEmail

pytestmark = pytest.mark.django_db

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


def test_delivery_attaches_the_stored_files():
    row = services.email_enqueue(
        to="a@example.com",
        subject="Your booking",
        body_text="See the calendar entry.",
        attachments=[services.EmailAttachment("booking.ics", CALENDAR, "text/calendar")],
    )

    services.email_deliver(email_id=row.pk)

    row.refresh_from_db()
    assert row.status == OutboundEmail.Status.SENT
    [message] = mail.outbox
    [(filename, content, content_type)] = message.attachments
    assert filename == "booking.ics"
    assert content_type == "text/calendar"
    assert content.encode() == CALENDAR


def test_template_mails_carry_attachments_too():
    row = services.email_enqueue_template(
        to="a@example.com",
        template="outbox_test",
        context={"name": "Jonas"},
        language="en",
        attachments=[services.EmailAttachment("notes.txt", b"hello", "text/plain")],
    )

    assert [item["filename"] for item in row.attachments] == ["notes.txt"]


def test_a_mail_without_attachments_has_none():
    row = services.email_enqueue(to="a@example.com", subject="Hi", body_text="Body")

    services.email_deliver(email_id=row.pk)

    assert row.attachments == []
    assert mail.outbox[0].attachments == []


def test_oversized_attachments_are_refused():
    big = services.EmailAttachment("big.bin", b"x" * (services.MAX_ATTACHMENT_BYTES + 1))

    with pytest.raises(ValueError, match="limited"):
        services.email_enqueue(to="a@example.com", subject="Hi", body_text="B", attachments=[big])

    assert not OutboundEmail.objects.exists()
