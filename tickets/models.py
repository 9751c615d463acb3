from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models import Category, Channel, Entitlement, Product
from teams.models import Team


class Status(models.TextChoices):
    NEW = "new", _("new")
    OPEN = "open", _("open")
    WAITING = "waiting", _("waiting for your reply")
    CLOSED = "closed", _("closed")


# A request in any of these is still open: support or the customer has something to do.
OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)


class Resolution(models.TextChoices):
    RESOLVED = "resolved", _("resolved by support")
    CUSTOMER_CLOSED = "customer-closed", _("closed by the customer")
    AUTO_CLOSED = "auto-closed", _("closed after unanswered contact attempts")
    CANNOT_RESOLVE = "cannot-resolve", _("closed unresolved with the customer's agreement")
    CANCELLED = "cancelled", _("cancelled as opened by mistake")


class Priority(models.IntegerChoices):
    LOW = 1, _("low")
    NORMAL = 2, _("normal")
    HIGH = 3, _("high")
    URGENT = 4, _("urgent")


class TicketQuerySet(models.QuerySet["Ticket"]):
    def for_customer(self, customer) -> TicketQuerySet:
        """The customer's tickets; a post-sales request only while they are still a technical
        representative of its partner organisation."""
        from partners import selectors as partner_selectors

        return self.filter(customer=customer).filter(
            ~Q(category=Category.POST_SALES)
            | Q(
                partner_organisation__in=partner_selectors.technical_organisation_ids(user=customer)
            )
        )

    def open(self) -> TicketQuerySet:
        """The requests that are not closed (``OPEN_STATUSES``), as the partial indexes on
        unclosed tickets state it."""
        return self.exclude(status=Status.CLOSED)

    def by_due(self) -> TicketQuerySet:
        """The queue's order: a raised priority first, then the earliest first-response due."""
        return self.order_by(
            "-priority", models.F("first_response_due").asc(nulls_last=True), "created_at"
        )


class Ticket(models.Model):
    """A support request: who asked, about what, under which entitlement, and where it stands."""

    ticket_id = models.CharField(_("ticket ID"), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    version = models.CharField(_("version"), max_length=20)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.ONLINE
    )
    subject = models.CharField(_("subject"), max_length=200)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    remote_id = models.CharField(_("remote-assistance ID"), max_length=40, blank=True)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=Priority.choices,
        default=Priority.NORMAL,
        help_text=_("Normal follows the service target; raise it to put a request first."),
    )
    resolution = models.CharField(
        _("resolution"), max_length=16, choices=Resolution.choices, blank=True
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("team")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assigned to"),
    )
    entitlement = models.ForeignKey(
        Entitlement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("entitlement"),
    )
    entitlement_kind = models.CharField(_("support kind"), max_length=24, blank=True)
    partner_organisation = models.ForeignKey(
        "partners.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partner organisation"),
        help_text=_("Pre- and post-sales requests: the partner the request is for."),
    )

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response"), null=True, blank=True)
    callback_due = models.DateTimeField(_("call-back due"), null=True, blank=True)
    callback_done_at = models.DateTimeField(_("call-back done"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closure_proposed_at = models.DateTimeField(
        _("closure proposed"),
        null=True,
        blank=True,
        help_text=_("Support cannot resolve the request and waits for the customer's agreement."),
    )

    # The waiting period: contact attempts since the customer last wrote, and the next due step
    # of the sweep (a reminder while attempts are fewer than needed, then the closure).
    contact_attempts = models.PositiveSmallIntegerField(_("contact attempts"), default=0)
    first_attempt_at = models.DateTimeField(_("first contact attempt"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last contact attempt"), null=True, blank=True)
    next_action_at = models.DateTimeField(_("next automatic step"), null=True, blank=True)

    # A reply by e-mail long after the closing starts a new request instead of reopening.
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followed_by",
        verbose_name=_("follows"),
        help_text=_("The closed request this one continues."),
    )
    solved_by = models.ForeignKey(
        "knowledge.Article",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="solved_tickets",
        verbose_name=_("solved by article"),
        help_text=_("The help-centre article that answered this request."),
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-created_at"]
        indexes = [
            # "My requests": the customer's tickets by activity. The columns of the post-sales
            # visibility filter are included so that the page's count is an index-only scan.
            models.Index(
                fields=["customer", "-last_activity_at"],
                include=["category", "partner_organisation"],
                name="ticket_customer_activity_idx",
            ),
            models.Index(
                fields=["next_action_at"],
                name="ticket_waiting_due_idx",
                condition=Q(status="waiting"),
            ),
            models.Index(
                fields=["first_response_due"],
                name="ticket_unclosed_due_idx",
                condition=~Q(status="closed"),
            ),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            models.Index(
                fields=["assignee"],
                name="ticket_open_by_assignee_idx",
                condition=~Q(status="closed"),
            ),
            # The queue's order (by_due): a page of it without sorting every ticket. Ascending
            # puts NULLs last in PostgreSQL, as by_due asks; SQLite has no NULLS LAST here.
            models.Index(
                models.F("priority").desc(),
                models.F("first_response_due").asc(),
                "created_at",
                name="ticket_queue_order_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.subject}"

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED

    @property
    def is_open(self) -> bool:
        """Whether the request is still open (not closed)."""
        return self.status in OPEN_STATUSES

    def may_be_reopened(self) -> bool:
        """Whether the customer may reopen this request: it is closed, and support did not
        cancel it as opened by mistake (a new problem then needs a new request)."""
        return self.status == Status.CLOSED and self.resolution != Resolution.CANCELLED


class EngineerProfile(models.Model):
    """A support engineer's team and product skills, for automatic assignment."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="engineer",
        verbose_name=_("engineer"),
        limit_choices_to={"is_staff": True},
    )
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="engineers", verbose_name=_("team")
    )
    products = models.ManyToManyField(
        Product, related_name="engineers", blank=True, verbose_name=_("product skills")
    )
    takes_new_tickets = models.BooleanField(_("takes new requests"), default=True)

    class Meta:
        verbose_name = _("engineer")
        verbose_name_plural = _("engineers")

    def __str__(self) -> str:
        return str(self.user)


class TicketNumber(models.Model):
    """The counter behind ticket IDs where the database has no sequences (SQLite).

    On PostgreSQL the numbers come from a real sequence; either way a number is never reused.
    """

    class Meta:
        verbose_name = _("ticket number")

    def __str__(self) -> str:
        return str(self.pk)


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
