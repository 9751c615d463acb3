"""The outbox: written with the change, claimed once, retried with backoff, swept when stuck."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from anymail.exceptions import AnymailAPIError
from anymail.message import AnymailRecipientStatus
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal.core import services
from portal.core.models import OutboundEmail
from tests.factories import OutboundEmailFactory

pytestmark = pytest.mark.django_db


def failing_backend(response):
    """Build a test backend whose provider answers every send with ``response``."""
    from portal.core.mail_backends import RecordingTestBackend

    class FailingBackend(RecordingTestBackend):
        def post_to_esp(self, payload, message):
            message.anymail_test_response = response(payload)
            return super().post_to_esp(payload, message)

    return FailingBackend


class TestEnqueue:
    def test_row_is_written_and_published_only_after_commit(
        self, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            row = services.email_enqueue(to="a@example.com", subject="Hi", body_text="Body")
            assert OutboundEmail.objects.filter(pk=row.pk, status="pending").exists()

        assert len(callbacks) == 1

    def test_rolled_back_change_leaves_no_mail(self):
        with pytest.raises(RuntimeError), transaction.atomic():
            services.email_enqueue(to="a@example.com", subject="Hi", body_text="Body")
            raise RuntimeError("the change failed")

        assert not OutboundEmail.objects.exists()

    def test_line_breaks_in_subject_cannot_inject_headers(self):
        row = services.email_enqueue(
            to="a@example.com", subject="Hi\r\nBcc: evil@example.com", body_text="Body"
        )

        assert "\n" not in row.subject and "\r" not in row.subject

    def test_template_is_rendered_in_the_recipients_language(self):
        row = services.email_enqueue_template(
            to="a@example.com", template="outbox_test", context={"name": "Jonas"}, language="de"
        )

        assert row.language == "de"
        assert row.subject == "Profil · Jonas"
        assert "Sprache: Jonas" in row.body_text


class TestDeliver:
    def test_sends_once_and_marks_sent(self):
        row = OutboundEmailFactory(subject="Ticket NS-1", to="c@example.com")

        assert services.email_deliver(email_id=row.pk) is None
        assert services.email_deliver(email_id=row.pk) is None

        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.SENT
        assert row.sent_at is not None and row.attempts == 1
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["c@example.com"]
        assert mail.outbox[0].extra_headers["Message-ID"] == row.message_id

    def test_a_row_held_by_another_worker_is_not_sent(self):
        row = OutboundEmailFactory(
            status=OutboundEmail.Status.SENDING,
            lease_expires_at=timezone.now() + timedelta(minutes=1),
        )

        services.email_deliver(email_id=row.pk)

        assert mail.outbox == []

    def test_an_expired_lease_is_taken_over(self):
        row = OutboundEmailFactory(
            status=OutboundEmail.Status.SENDING,
            attempts=1,
            lease_expires_at=timezone.now() - timedelta(seconds=1),
        )

        services.email_deliver(email_id=row.pk)

        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.SENT and row.attempts == 2
        assert len(mail.outbox) == 1

    def test_provider_failure_is_retried_with_growing_delay(self, settings):
        settings.EMAIL_BACKEND = "tests.portal.test_outbox.ProviderDown"
        settings.OUTBOX_RETRY_BASE_SECONDS = 30

        with time_machine.travel("2026-11-21 10:00:00Z", tick=False):
            row = OutboundEmailFactory()
            first = services.email_deliver(email_id=row.pk)
        with time_machine.travel("2026-11-21 10:00:31Z", tick=False):
            second = services.email_deliver(email_id=row.pk)

        row.refresh_from_db()
        assert (first, second) == (30, 60)
        assert row.status == OutboundEmail.Status.PENDING and row.attempts == 2
        assert "provider unavailable" in row.last_error
        assert row.next_attempt_at.isoformat() == "2026-11-21T10:01:31+00:00"

    def test_a_retry_before_its_time_does_nothing(self, settings):
        settings.EMAIL_BACKEND = "tests.portal.test_outbox.ProviderDown"
        row = OutboundEmailFactory()
        services.email_deliver(email_id=row.pk)
        settings.EMAIL_BACKEND = "portal.core.mail_backends.RecordingTestBackend"

        services.email_deliver(email_id=row.pk)

        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.PENDING and row.attempts == 1

    def test_gives_up_after_the_last_attempt(self, settings):
        settings.EMAIL_BACKEND = "tests.portal.test_outbox.ProviderDown"
        settings.OUTBOX_MAX_ATTEMPTS = 2
        row = OutboundEmailFactory(attempts=1)

        assert services.email_deliver(email_id=row.pk) is None

        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.FAILED

    def test_refused_recipient_fails_at_once(self, settings):
        settings.EMAIL_BACKEND = "tests.portal.test_outbox.RecipientRefused"
        row = OutboundEmailFactory()

        assert services.email_deliver(email_id=row.pk) is None

        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.FAILED and row.attempts == 1

    def test_failed_rows_can_be_tried_again(self, django_capture_on_commit_callbacks):
        row = OutboundEmailFactory(status=OutboundEmail.Status.FAILED, attempts=12)

        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert services.email_retry_failed(email_ids=[row.pk]) == 1

        row.refresh_from_db()
        assert row.status == OutboundEmail.Status.PENDING and row.attempts == 0
        assert len(callbacks) == 1


ProviderDown = failing_backend(lambda payload: AnymailAPIError("provider unavailable"))
RecipientRefused = failing_backend(
    lambda payload: {
        "recipient_status": {
            email: AnymailRecipientStatus(message_id=None, status="rejected")
            for email in payload.recipient_emails
        }
    }
)


class TestRequeue:
    def test_picks_only_rows_nobody_is_sending(self, settings, monkeypatch):
        settings.OUTBOX_REQUEUE_AFTER_SECONDS = 60
        now = timezone.now()
        old = OutboundEmailFactory(next_attempt_at=now - timedelta(minutes=5))
        fresh = OutboundEmailFactory(next_attempt_at=now)
        abandoned = OutboundEmailFactory(
            status="sending", lease_expires_at=now - timedelta(seconds=1)
        )
        held = OutboundEmailFactory(status="sending", lease_expires_at=now + timedelta(minutes=1))
        sent = OutboundEmailFactory(status="sent", next_attempt_at=now - timedelta(days=1))
        published: list[int] = []
        monkeypatch.setattr(
            services, "email_publish", lambda *, email_id: published.append(email_id) or True
        )

        assert services.email_requeue_stuck() == 2

        assert sorted(published) == sorted([old.pk, abandoned.pk])
        assert {fresh.pk, held.pk, sent.pk}.isdisjoint(published)
