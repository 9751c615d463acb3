"""Writes of the operations core: the e-mail outbox."""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from anymail.exceptions import AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Func, JSONField, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone, translation
from kombu.exceptions import KombuError

from portal.core.models import OutboundEmail

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler

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
    send_after: datetime | None = None,
    headers: dict[str, str] | None = None,
) -> OutboundEmail:
    """Store an e-mail in the outbox; it is handed to a worker once the transaction commits.

    With ``send_after`` in the future the row waits: no worker sends it before that time, and
    the requeue sweep hands it out once it is due.
    """
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
        headers=headers or {},
        next_attempt_at=send_after or timezone.now(),
    )
    if _due_now(send_after):
        transaction.on_commit(lambda: email_publish(email_id=row.pk))
    return row


def _due_now(send_after: datetime | None) -> bool:
    # A row for later is left to the requeue sweep: a task with a countdown would wait in a
    # worker's memory all that time, and a Redis broker hands it out again after its
    # visibility timeout.
    return send_after is None or send_after <= timezone.now()


def email_enqueue_template(
    *,
    to: str,
    template: str,
    context: dict,
    language: str,
    tag: str = "",
    reply_to: str = "",
    attachments: Sequence[EmailAttachment] | None = None,
    send_after: datetime | None = None,
    headers: dict[str, str] | None = None,
) -> OutboundEmail:
    """Render ``emails/<template>`` (subject, text, optional HTML) in ``language``; enqueue."""
    rendered = email_render(template=template, context=context, language=language)
    return email_enqueue(
        to=to,
        tag=tag or template,
        language=language,
        reply_to=reply_to,
        attachments=attachments,
        send_after=send_after,
        headers=headers,
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
            headers=mail.get("headers") or {},
            next_attempt_at=mail.get("send_after") or timezone.now(),
        )
        for mail in emails
    )
    ids = [
        row.pk for row, mail in zip(rows, emails, strict=True) if _due_now(mail.get("send_after"))
    ]
    transaction.on_commit(lambda: [email_publish(email_id=email_id) for email_id in ids])
    return rows


def email_render(*, template: str, context: dict, language: str) -> dict:
    """Render ``emails/<template>`` (subject, text, optional HTML) in ``language``."""
    with translation.override(language):
        context = {"site_url": settings.SITE_URL, **context}
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        body_text = render_to_string(f"emails/{template}.txt", context)
        try:
            body_html: str = render_to_string(f"emails/{template}.html", context)
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
        headers={**row.headers, "Message-ID": row.message_id},
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
            pk__in=email_ids,
            status=OutboundEmail.Status.FAILED,
            # A redacted body is gone: sending it again would mail an empty message.
            body_redacted_at__isnull=True,
        ).update(status=OutboundEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now())
        for email_id in email_ids:
            transaction.on_commit(lambda email_id=email_id: email_publish(email_id=email_id))
    return count


# Rows redacted per UPDATE: each batch is one short statement, so senders are never held up.
REDACT_BATCH_SIZE = 1000


class _AttachmentsWithoutContent(Func):
    """The stored attachment list with each file's content removed (names and types stay)."""

    output_field = JSONField()
    postgresql_template = (
        "(SELECT COALESCE(jsonb_agg(item.value - 'content' ORDER BY item.position), '[]'::jsonb)"
        " FROM jsonb_array_elements(%(expressions)s) WITH ORDINALITY AS item(value, position))"
    )
    sqlite_template = (
        "(SELECT json_group_array(json_remove(item.value, '$.content'))"
        " FROM json_each(%(expressions)s) AS item)"
    )

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[str | int, ...]]:
        return self.as_sql(compiler, connection, template=self.postgresql_template)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, tuple[str | int, ...]]:
        return self.as_sql(compiler, connection, template=self.sqlite_template)


def email_redact_bodies(*, batch_size: int = REDACT_BATCH_SIZE) -> int:
    """Remove what sent mail carried once it is older than the retention; return how many rows.

    Bodies, the reply address (it holds a ticket's reply token) and the attachments' content
    go; recipient, subject, kind, status, dates, provider ID, error and attachment names stay.
    Failed rows go the same way, counted from their last attempt. Each batch is one UPDATE
    that checks the row is still due, so the sweep can run again, or twice at once, safely.
    """
    now = timezone.now()
    cutoff = now - timedelta(days=settings.OUTBOX_BODY_RETENTION_DAYS)
    total = 0
    while True:
        due = OutboundEmail.objects.due_for_redaction(cutoff=cutoff)
        batch = due.order_by("pk").values("pk")[:batch_size]
        count = due.filter(pk__in=batch).update(
            body_text="",
            body_html="",
            reply_to="",
            attachments=_AttachmentsWithoutContent("attachments"),
            body_redacted_at=now,
        )
        total += count
        if count < batch_size:
            break
    if total:
        logger.info("Outbox: removed the bodies of %s e-mails past their retention", total)
    return total
