"""Partner organisations (resellers and service providers), their level and their members.

A level's benefits are data, editable by staff: the NFR licence allowance per product, whether
pre-/post-sales help, OnSite Protect and beta access are included, and the discount on support
packages that members get at checkout.
"""

from __future__ import annotations

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
