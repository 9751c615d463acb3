"""Tickets: their statuses, resolutions and priorities, the ticket itself, its number, and
the engineers who answer them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models import Category, Channel, Entitlement, Product
from teams.models import Team

if TYPE_CHECKING:
    from portal.accounts.models import User


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
    def for_customer(self, customer: User) -> TicketQuerySet:
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

    # First-response escalation: the assignee is warned once per due time, shortly before it;
    # a missed due time escalates the request to the team's support leads, once.
    first_response_warned_at = models.DateTimeField(
        _("first-response warning sent"), null=True, blank=True
    )
    first_response_warned_due = models.DateTimeField(
        _("first response due when warned"), null=True, blank=True, editable=False
    )
    escalated_at = models.DateTimeField(
        _("escalated"),
        null=True,
        blank=True,
        help_text=_("The first-response target was missed and the support leads were told."),
    )

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
            # The escalation sweep: unclosed requests still waiting for their first response
            # and not yet escalated, by due time (warnings read ahead, escalations behind).
            models.Index(
                fields=["first_response_due"],
                name="ticket_first_response_open_idx",
                condition=Q(first_responded_at__isnull=True, escalated_at__isnull=True)
                & ~Q(status="closed"),
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
