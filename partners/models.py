"""Partner organisations (resellers and service providers), their level and their members.

A level's benefits are data, editable by staff: the NFR licence allowance per product, whether
pre-/post-sales help, OnSite Protect and beta access are included, and the discount on support
packages that members get at checkout.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models import Product


class PartnerLevel(models.Model):
    """Registered, Certified or Premium, with what each level includes."""

    REGISTERED = "registered"
    CERTIFIED = "certified"
    PREMIUM = "premium"

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(
        _("rank"), default=0, help_text=_("Higher ranks are listed first.")
    )
    presales_help = models.BooleanField(_("pre-sales help"), default=False)
    postsales_help = models.BooleanField(_("post-sales help"), default=False)
    onsite_protect = models.BooleanField(_("OnSite Protect"), default=False)
    beta_access = models.BooleanField(_("beta access"), default=True)
    support_discount_percent = models.DecimalField(
        _("discount on support packages (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("partner level")
        verbose_name_plural = _("partner levels")
        ordering = ["-rank"]

    def __str__(self) -> str:
        return self.name


class NfrAllowance(models.Model):
    """How many NFR licences an organisation of a level may hold for one product at a time."""

    level = models.ForeignKey(
        PartnerLevel,
        on_delete=models.CASCADE,
        related_name="nfr_allowances",
        verbose_name=_("partner level"),
    )
    product = models.ForeignKey(Product, on_delete=models.CASCADE, verbose_name=_("product"))
    licences = models.PositiveSmallIntegerField(_("NFR licences"), default=1)

    class Meta:
        verbose_name = _("NFR allowance")
        verbose_name_plural = _("NFR allowances")
        constraints = [
            models.UniqueConstraint(fields=["level", "product"], name="nfr_allowance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.product}: {self.licences}"


class Organisation(models.Model):
    """A partner company. Staff approve applications and set the level."""

    name = models.CharField(_("name"), max_length=200)
    level = models.ForeignKey(
        PartnerLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("level")
    )
    country = models.CharField(_("country"), max_length=2, blank=True)
    sales_representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="represented_partners",
        limit_choices_to={"is_staff": True},
        verbose_name=_("sales representative"),
        help_text=_("The staff member who reviews this partner's pre-sales requests."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    TECHNICAL = "technical", _("technical representative")
    SALES = "sales", _("sales contact")
    ADMINISTRATOR = "admin", _("administrator")


class Membership(models.Model):
    """A portal account that acts for a partner organisation, in one role."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"


class Invitation(models.Model):
    """A partner administrator's invitation of a colleague, sent by e-mail with a signed link."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}, {self.organisation})"


class Decision(models.TextChoices):
    PENDING = "pending", _("waiting for staff")
    APPROVED = "approved", _("approved")
    DECLINED = "declined", _("declined")


class Application(models.Model):
    """A company's application to join the partner programme; staff approve or decline it."""

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_applications",
        verbose_name=_("applicant"),
    )
    company = models.CharField(_("company"), max_length=200)
    country = models.CharField(_("country"), max_length=2)
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    message = models.TextField(_("about the company"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )

    class Meta:
        verbose_name = _("partner application")
        verbose_name_plural = _("partner applications")
        ordering = ["-submitted_at"]
        constraints = [
            # One application under review per account at a time.
            models.UniqueConstraint(
                fields=["applicant"],
                condition=models.Q(status="pending"),
                name="application_one_pending",
            )
        ]

    def __str__(self) -> str:
        return self.company


class NfrAgreement(models.Model):
    """A version of the NFR agreement; the newest one in force must be accepted before a request."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    text = models.TextField(_("text"))
    effective_from = models.DateTimeField(_("in force from"), default=timezone.now)

    class Meta:
        verbose_name = _("NFR agreement version")
        verbose_name_plural = _("NFR agreement versions")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.version


class NfrAgreementAcceptance(models.Model):
    """Who accepted which version of the NFR agreement, and when."""

    agreement = models.ForeignKey(
        NfrAgreement,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("agreement version"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="nfr_acceptances",
        verbose_name=_("accepted by"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="nfr_acceptances",
        verbose_name=_("organisation"),
    )
    accepted_at = models.DateTimeField(_("accepted"), default=timezone.now)

    class Meta:
        verbose_name = _("NFR agreement acceptance")
        verbose_name_plural = _("NFR agreement acceptances")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "user"], name="nfr_acceptance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.agreement}"


class NfrLicenceQuerySet(models.QuerySet["NfrLicence"]):
    def counting_against_allowance(self, at: datetime | None = None) -> NfrLicenceQuerySet:
        """Requests under review and issued licences that have not expired."""
        at = at or timezone.now()
        return self.filter(
            models.Q(status=NfrLicence.Status.PENDING)
            | models.Q(status=NfrLicence.Status.APPROVED, expires_at__gt=at)
        )


class NfrLicence(models.Model):
    """A not-for-resale licence: for evaluation and demonstration, never for production use.

    It gives no right to support: support comes only from entitlements.
    """

    Status = Decision

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="nfr_licences",
        verbose_name=_("organisation"),
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="nfr_licences",
        verbose_name=_("requested by"),
    )
    purpose = models.TextField(_("purpose"), blank=True)
    agreement = models.ForeignKey(
        NfrAgreement,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agreement version accepted"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    licence_key = models.CharField(
        _("licence key"), max_length=40, unique=True, null=True, blank=True, editable=False
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("expiry reminder sent"), null=True, blank=True)

    objects = NfrLicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("NFR licence")
        verbose_name_plural = _("NFR licences")
        ordering = ["-requested_at"]
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="nfr_licence_reminder_due_idx",
                condition=models.Q(status="approved", reminded_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.organisation} ({self.get_status_display()})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class PresalesRequest(models.Model):
    """A partner's request for help with a customer project, reviewed by the sales representative
    and forwarded to support, where it becomes a ticket."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("with the sales representative")
        FORWARDED = "forwarded", _("forwarded to support")
        DECLINED = "declined", _("declined")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="presales_requests",
        verbose_name=_("organisation"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="presales_requests",
        verbose_name=_("requested by"),
    )
    customer_company = models.CharField(_("customer company"), max_length=200)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    expected_seats = models.PositiveIntegerField(_("expected seats"))
    description = models.TextField(_("project description"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    decided_at = models.DateTimeField(_("forwarded or declined"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    ticket_reference = models.CharField(_("ticket ID"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("pre-sales request")
        verbose_name_plural = _("pre-sales requests")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.customer_company} · {self.product} ({self.organisation})"
