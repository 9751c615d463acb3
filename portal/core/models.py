from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboundEmailQuerySet(models.QuerySet["OutboundEmail"]):
    def unsent(self) -> OutboundEmailQuerySet:
        return self.filter(status__in=[OutboundEmail.Status.PENDING, OutboundEmail.Status.SENDING])

    def due_for_requeue(self, *, now: datetime, requeue_after: timedelta) -> OutboundEmailQuerySet:
        """Rows nobody is sending: pending past their due time, or held past an expired lease."""
        pending = models.Q(
            status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now - requeue_after
        )
        abandoned = models.Q(status=OutboundEmail.Status.SENDING, lease_expires_at__lt=now)
        return self.filter(pending | abandoned)

    def due_for_redaction(self, *, cutoff: datetime) -> OutboundEmailQuerySet:
        """Rows whose body is to go: sent before ``cutoff``, or failed for good before it.

        A failed row counts from its last attempt (the time it was due): once its links are
        stale a retry cannot mend it. Pending and sending rows are never due.
        """
        sent = models.Q(status=OutboundEmail.Status.SENT, sent_at__lte=cutoff)
        failed = models.Q(status=OutboundEmail.Status.FAILED, next_attempt_at__lte=cutoff)
        return self.filter(sent | failed, body_redacted_at__isnull=True)


class OutboundEmail(models.Model):
    """One e-mail to deliver, written in the transaction of the change that caused it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    tag = models.CharField(_("kind"), max_length=80, blank=True)
    to = models.EmailField(_("recipient"))
    from_email = models.CharField(_("sender"), max_length=200)
    reply_to = models.CharField(_("reply to"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=250)
    body_text = models.TextField(_("text body"))
    body_html = models.TextField(_("HTML body"), blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    lease_expires_at = models.DateTimeField(_("lease expires"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message ID"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Small generated files only (a calendar entry, say): [{filename, content_type, content}],
    # the content base64-encoded. Customers' uploads never travel through here.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # Extra message headers, e.g. List-Unsubscribe for announcements.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    # Sent mail carries live links (private links, survey, reset and invitation links): after
    # the retention its bodies, reply address and attachment content are removed, and this
    # says when.
    body_redacted_at = models.DateTimeField(_("body removed"), null=True, blank=True)

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"],
                name="outbox_unsent_idx",
                condition=models.Q(status__in=["pending", "sending"]),
            ),
            models.Index(
                fields=["status", "sent_at"],
                name="outbox_unredacted_idx",
                condition=models.Q(status__in=["sent", "failed"], body_redacted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to} ({self.status})"

    @property
    def message_id(self) -> str:
        """A Message-ID fixed per row, so a resend after a crash is recognisably the same mail."""
        domain = self.from_email.rsplit("@", 1)[-1].strip("> ") or "novadesk.invalid"
        return f"<outbox-{self.pk}@{domain}>"
