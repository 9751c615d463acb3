"""How a customer reaches a ticket from outside the portal: private links, reply addresses and
the e-mails that arrive at them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models.conversation import Message
from tickets.models.ticket import Ticket


class AccessLink(models.Model):
    """A private link to one ticket: only a hash of its token is stored."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links", verbose_name=_("ticket")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("private link")
        verbose_name_plural = _("private links")

    def __str__(self) -> str:
        return f"{self.ticket.ticket_id} link {self.pk}"


class ReplyToken(models.Model):
    """The token of one notification's reply address: only a hash of it is stored.

    The ticket's newest token has no ``superseded_at``; an older one keeps working for
    ``TICKET_REPLY_TOKEN_GRACE_DAYS`` after it was superseded, so that a reply to the mail
    before the last one still arrives.
    """

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="reply_tokens", verbose_name=_("ticket")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        verbose_name = _("reply address")
        verbose_name_plural = _("reply addresses")

    def __str__(self) -> str:
        return f"{self.ticket.ticket_id} reply address {self.pk}"


class InboundEmail(models.Model):
    """Every e-mail that arrives for support; unmatched or doubtful mail waits here for staff."""

    class State(models.TextChoices):
        THREADED = "threaded", _("added to the ticket")
        QUARANTINED = "quarantined", _("waiting for staff")
        DISMISSED = "dismissed", _("dismissed by staff")
        ASSIGNED = "assigned", _("added to a ticket by staff")

    received_at = models.DateTimeField(_("received"), default=timezone.now)
    sender = models.CharField(_("sender"), max_length=320)
    recipient = models.CharField(_("recipient"), max_length=320)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True)
    attachment_names = models.JSONField(_("attachments"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ticket = models.ForeignKey(
        Ticket,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_emails",
        verbose_name=_("ticket"),
    )
    message = models.OneToOneField(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_email"
    )
    provider_message_id = models.CharField(
        _("provider message ID"), max_length=200, null=True, blank=True, unique=True
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added to the ticket by"),
    )
    assigned_at = models.DateTimeField(_("added to the ticket at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incoming e-mail")
        verbose_name_plural = _("incoming e-mails")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


def inbound_attachment_path(instance: InboundAttachment, filename: str) -> str:
    # Outside attachments/: the orphan sweep there only knows the tickets' own files.
    return f"inbound/{instance.storage_key}"


class InboundAttachment(models.Model):
    """A file of a quarantined mail, kept as received until staff add the mail to a ticket."""

    inbound_email = models.ForeignKey(
        InboundEmail,
        on_delete=models.CASCADE,
        related_name="files",
        verbose_name=_("incoming e-mail"),
    )
    storage_key = models.CharField(max_length=64, editable=False, unique=True)
    file = models.FileField(_("file"), upload_to=inbound_attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))

    class Meta:
        verbose_name = _("file of an incoming e-mail")
        verbose_name_plural = _("files of incoming e-mails")

    def __str__(self) -> str:
        return self.name
