from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

version_validator = RegexValidator(
    r"^\d+\.\d+(\.\d+)?$", _("Enter a version as major.minor or major.minor.patch, e.g. 21.1.0.")
)


class Product(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("sold"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Release(models.Model):
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="releases", verbose_name=_("product")
    )
    version = models.CharField(_("version"), max_length=20, validators=[version_validator])
    major = models.PositiveSmallIntegerField(_("major"), editable=False)
    minor = models.PositiveSmallIntegerField(_("minor"), editable=False)
    patch = models.PositiveSmallIntegerField(_("patch"), editable=False, default=0)
    released_on = models.DateField(_("released on"))
    notes = models.TextField(_("release notes"), blank=True)

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["product", "-major", "-minor", "-patch"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="release_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"

    def save(self, *args, **kwargs) -> None:
        # The numeric parts are derived from the version text so versions sort numerically.
        parts = [int(part) for part in self.version.split(".")]
        self.major, self.minor = parts[0], parts[1]
        self.patch = parts[2] if len(parts) > 2 else 0
        super().save(*args, **kwargs)


class SupportKind(models.TextChoices):
    FREE_TRIAL = "free-trial", _("Free Trial Support")
    PREMIUM = "premium", _("Premium Support")
    PER_INCIDENT = "per-incident", _("Per Incident Support")
    XSP = "xsp", _("xSP Support Plan")
    SETUP = "setup", _("Setup Support")
    RESTORE = "restore", _("Restore Support")
    UPGRADE_PROTECTION = "upgrade-protection", _("Upgrade Protection")


class Entitlement(models.Model):
    """A customer's right to a kind of support for one product, for a term or a number of uses."""

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="entitlements",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="entitlements", verbose_name=_("product")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=SupportKind.choices)
    starts_at = models.DateTimeField(_("valid from"))
    ends_at = models.DateTimeField(_("valid until"), null=True, blank=True)
    uses_total = models.PositiveIntegerField(
        _("uses"), null=True, blank=True, help_text=_("Empty for unlimited use in the term.")
    )
    uses_left = models.PositiveIntegerField(_("uses left"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=80, blank=True, help_text=_("Order reference or who granted it.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(uses_left__isnull=True)
                | models.Q(uses_total__isnull=False, uses_left__lte=models.F("uses_total")),
                name="entitlement_uses_left_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.product} · {self.customer}"
