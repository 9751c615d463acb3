"""Writes of the operations core: the e-mail outbox."""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from kombu.exceptions import KombuError

from portal.core.models import OutboundEmail

logger = logging.getLogger(__name__)

# Failures no retry can mend: the provider refused the address itself.
PERMANENT_FAILURES = (AnymailRecipientsRefused, AnymailInvalidAddress)
MAX_RETRY_DELAY_SECONDS = 3600
# Attachments live in the outbox row itself, so they stay small.
MAX_ATTACHMENT_BYTES = 256 * 1024


@dataclass(frozen=True)
class EmailAttachment:
    """A file to send with an e-mail, e.g. a calendar entry."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"

    def stored(self) -> dict:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content": base64.b64encode(self.content).decode("ascii"),
        }


def _stored_attachments(attachments: Sequence[EmailAttachment] | None) -> list[dict]:
    attachments = attachments or ()
    if sum(len(item.content) for item in attachments) > MAX_ATTACHMENT_BYTES:
        raise ValueError(f"E-mail attachments are limited to {MAX_ATTACHMENT_BYTES} bytes.")
    return [item.stored() for item in attachments]


def email_enqueue(
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    tag: str = "",
    language: str | None = None,
    from_email: str | None = None,
    reply_to: str = "",
    attachments: Sequence[EmailAttachment] | None = None,
) -> OutboundEmail:
    """Store an e-mail in the outbox; it is handed to a worker once the transaction commits."""
    if "\n" in subject or "\r" in subject:
        subject = " ".join(subject.split())
    row = OutboundEmail.objects.create(
        to=to,
        subject=subject[:250],
        body_text=body_text,
        body_html=body_html,
        tag=tag,
        language=language or translation.get_language() or settings.LANGUAGE_CODE,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        reply_to=reply_to,
        attachments=_stored_attachments(attachments),
    )
    transaction.on_commit(lambda: email_publish(email_id=row.pk))
    return row


def email_enqueue_template(
    *,
    to: str,
    template: str,
    context: dict,
    language: str,
    tag: str = "",
    reply_to: str = "",
    attachments: Sequence[EmailAttachment] | None = None,
) -> OutboundEmail:
    """Render ``emails/<template>`` (subject, text, optional HTML) in ``language``; enqueue."""
    rendered = email_render(template=template, context=context, language=language)
    return email_enqueue(
        to=to,
        tag=tag or template,
        language=language,
        reply_to=reply_to,
        attachments=attachments,
        **rendered,
    )


def email_enqueue_many(*, emails: list[dict]) -> list[OutboundEmail]:
    """Store many e-mails with one INSERT (sweeps); each dict holds email_enqueue's arguments."""
    rows = OutboundEmail.objects.bulk_create(
        OutboundEmail(
            to=mail["to"],
            subject=" ".join(mail["subject"].split())[:250],
            body_text=mail["body_text"],
            body_html=mail.get("body_html", ""),
            tag=mail.get("tag", ""),
            language=mail.get("language") or settings.LANGUAGE_CODE,
            from_email=mail.get("from_email") or settings.DEFAULT_FROM_EMAIL,
            reply_to=mail.get("reply_to", ""),
        )
        for mail in emails
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: [email_publish(email_id=email_id) for email_id in ids])
    return rows


def email_render(*, template: str, context: dict, language: str) -> dict:
    """Render ``emails/<template>`` (subject, text, optional HTML) in ``language``."""
    with translation.override(language):
        context = {"site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body_text = render_to_string(f"emails/{template}.txt", context)
        try:
            body_html = render_to_string(f"emails/{template}.html", context)
        except TemplateDoesNotExist:
            body_html = ""
    return {"subject": subject, "body_text": body_text, "body_html": body_html}


def email_publish(*, email_id: int) -> bool:
    """Hand a row to the workers. With the broker down the row waits for the requeue sweep."""
    from portal.core.tasks import deliver_email

    try:
        deliver_email.apply_async(args=[email_id], retry=False)
    except (KombuError, OSError) as exc:
        logger.warning("Outbox row %s not queued (broker unavailable: %s)", email_id, exc)
        return False
    return True


def email_deliver(*, email_id: int) -> int | None:
    """Send one outbox row if nobody else holds it; return seconds until a retry, or None.

    The row is claimed with a conditional UPDATE and a lease, so duplicate deliveries of the
    same task, or a task and the sweep at once, send it only once. A worker that dies while
    holding the lease leaves the row for the sweep once the lease expires.
    """
    now = timezone.now()
    claimable = Q(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboundEmail.Status.SENDING, lease_expires_at__lt=now
    )
    claimed = OutboundEmail.objects.filter(claimable, pk=email_id).update(
        status=OutboundEmail.Status.SENDING,
        lease_expires_at=now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    row = OutboundEmail.objects.get(pk=email_id)
    message = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=row.from_email,
        to=[row.to],
        reply_to=[row.reply_to] if row.reply_to else None,
        headers={"Message-ID": row.message_id},
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    for item in row.attachments:
        message.attach(item["filename"], base64.b64decode(item["content"]), item["content_type"])
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - every provider failure is recorded on the row
        return _record_failure(row, exc)
    status = getattr(message, "anymail_status", None)
    OutboundEmail.objects.filter(pk=row.pk, status=OutboundEmail.Status.SENDING).update(
        status=OutboundEmail.Status.SENT,
        sent_at=timezone.now(),
        lease_expires_at=None,
        provider_message_id=str(getattr(status, "message_id", "") or "")[:200],
        last_error="",
    )
    return None


def _record_failure(row: OutboundEmail, exc: Exception) -> int | None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    permanent = isinstance(exc, PERMANENT_FAILURES) or row.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    if permanent:
        OutboundEmail.objects.filter(pk=row.pk).update(
            status=OutboundEmail.Status.FAILED, lease_expires_at=None, last_error=error
        )
        logger.error("Outbox row %s failed for good: %s", row.pk, error)
        return None
    delay = min(
        settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** (row.attempts - 1), MAX_RETRY_DELAY_SECONDS
    )
    OutboundEmail.objects.filter(pk=row.pk).update(
        status=OutboundEmail.Status.PENDING,
        lease_expires_at=None,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=error,
    )
    logger.warning("Outbox row %s not sent (attempt %s): %s", row.pk, row.attempts, error)
    return delay


def email_requeue_stuck(*, limit: int = 500) -> int:
    """Hand out again every row that no worker is sending; return how many were published."""
    now = timezone.now()
    ids = list(
        OutboundEmail.objects.due_for_requeue(
            now=now, requeue_after=timedelta(seconds=settings.OUTBOX_REQUEUE_AFTER_SECONDS)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for email_id in ids if email_publish(email_id=email_id))


def email_retry_failed(*, email_ids: list[int]) -> int:
    """Give failed rows a fresh set of attempts (staff decided the cause is mended)."""
    with transaction.atomic():
        count = OutboundEmail.objects.filter(
            pk__in=email_ids, status=OutboundEmail.Status.FAILED
        ).update(status=OutboundEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
        for email_id in email_ids:
            transaction.on_commit(lambda email_id=email_id: email_publish(email_id=email_id))
    return count
