"""What is said and done on a ticket: its messages, their attachments and the ticket's history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models.ticket import Resolution, Ticket


class Message(models.Model):
    class Kind(models.TextChoices):
        CUSTOMER = "customer", _("customer")
        ENGINEER = "engineer", _("support")
        NOTE = "note", _("internal note")
        CALL = "call", _("phone call")
        SYSTEM = "system", _("automatic")

    class Via(models.TextChoices):
        WEB = "web", _("portal")
        EMAIL = "email", _("e-mail")
        API = "api", _("API")
        LINK = "link", _("private link")
        ADMIN = "admin", _("support desk")
        SYSTEM = "system", _("system")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    via = models.CharField(_("via"), max_length=8, choices=Via.choices, default=Via.WEB)
    body = models.TextField(_("text"), blank=True)
    awaits_customer = models.BooleanField(_("asks the customer"), default=False)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_public(self) -> bool:
        return self.kind != self.Kind.NOTE


def attachment_path(instance: Attachment, filename: str) -> str:
    # Random names on disk: the customer's file name is kept only in the database.
    return f"attachments/{instance.ticket_id_ref}/{instance.storage_key}"


class Attachment(models.Model):
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    ticket_id_ref = models.CharField(max_length=20, editable=False)
    storage_key = models.CharField(max_length=64, editable=False, unique=True)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class TicketEvent(models.Model):
    """Every change of a ticket: who, when, what, from which status to which."""

    class Action(models.TextChoices):
        """What happened to the ticket; the values are what the history has always stored."""

        CREATED = "created", _("created")
        ASSIGNED_AUTOMATICALLY = "assigned automatically", _("assigned automatically")
        ASSIGNED_TO_OTHER_TEAM = "assigned to the other team", _("assigned to the other team")
        TAKEN = "taken", _("taken")
        ASSIGNED = "assigned", _("assigned")
        PRIORITY_CHANGED = "priority changed", _("priority changed")
        SOLVED_BY_ARTICLE = "solved_by_article", _("solved by an article")
        REPLIED = "replied", _("replied")
        INTERNAL_NOTE = "internal note", _("internal note")
        CALL_REACHED = "call reached", _("call reached")
        CALL_NOT_REACHED = "call not reached", _("call not reached")
        CUSTOMER_WROTE = "customer wrote", _("customer wrote")
        REOPENED_BY_REPLY = "reopened by customer reply", _("reopened by the customer's reply")
        REOPENED = "reopened", _("reopened")
        REMINDER_SENT = "reminder sent", _("reminder sent")
        CLOSURE_PROPOSED = "closure proposed", _("closure proposed")
        CLOSURE_WITHDRAWN = "closure proposal withdrawn", _("closure proposal withdrawn")
        CLOSED_RESOLVED = f"closed: {Resolution.RESOLVED}", _("closed: resolved by support")
        CLOSED_BY_CUSTOMER = (
            f"closed: {Resolution.CUSTOMER_CLOSED}",
            _("closed by the customer"),
        )
        CLOSED_AUTOMATICALLY = (
            f"closed: {Resolution.AUTO_CLOSED}",
            _("closed after unanswered contact attempts"),
        )
        CLOSED_UNRESOLVED = (
            f"closed: {Resolution.CANNOT_RESOLVE}",
            _("closed unresolved with the customer's agreement"),
        )
        CLOSED_CANCELLED = (
            f"closed: {Resolution.CANCELLED}",
            _("closed: cancelled as opened by mistake"),
        )
        LINKS_REVOKED = "links revoked", _("private links revoked")
        FOLLOWED_BY = "followed by", _("followed by a new request")
        FOLLOWS = "follows", _("follows an earlier request")
        EMAIL_ADDED_BY_STAFF = "e-mail added by staff", _("e-mail added by staff")
        FIRST_RESPONSE_WARNING = (
            "first response warning",
            _("warned: first response due soon"),
        )
        ESCALATED = "escalated", _("escalated: first response missed")

        @classmethod
        def closed(cls, resolution: str) -> TicketEvent.Action:
            """The closing event of a ticket closed with ``resolution``."""
            return cls(f"closed: {resolution}")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_event_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"
