"""The products, their releases, and the kinds of support sold for them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

version_validator = RegexValidator(
    r"^\d+\.\d+(\.\d+)?$", _("Enter a version as major.minor or major.minor.patch, e.g. 21.1.0.")
)


class Product(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveSmallIntegerField(_("position"), default=0)
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
    is_beta = models.BooleanField(
        _("beta"),
        default=False,
        help_text=_("Beta builds run only for NCEP participants and are shown to the beta group."),
    )

    class Meta:
        verbose_name = _("release")
        verbose_name_plural = _("releases")
        ordering = ["product", "-major", "-minor", "-patch"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="release_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
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

    @classmethod
    def label_of(cls, code: str, *, empty: str = "") -> str:
        """The label of the kind ``code``; the code itself for one this version does not know,
        and ``empty`` for none. Other apps store a kind as its code, without choices."""
        if not code:
            return empty
        try:
            return str(cls(code).label)
        except ValueError:
            return code


class Category(models.TextChoices):
    TECHNICAL = "technical", _("Technical problem")
    SETUP = "setup", _("Setup and installation")
    RESTORE = "restore", _("Restoring data")
    LICENSING = "licensing", _("Licensing")
    PRE_SALES = "pre-sales", _("Pre-sales (partners)")
    POST_SALES = "post-sales", _("Post-sales (partners)")


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    PHONE = "phone", _("call-back by phone")


class Offering(models.Model):
    """A kind of support as it is sold (or granted): what it covers, for how long, how fast."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=SupportKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    products = models.ManyToManyField(Product, related_name="offerings", verbose_name=_("products"))
    categories = models.JSONField(
        _("request categories covered"),
        default=list,
        blank=True,
        help_text=_("Codes such as technical, setup, restore, licensing."),
    )
    term_days = models.PositiveIntegerField(
        _("term in days"), null=True, blank=True, help_text=_("Empty: valid until used.")
    )
    uses = models.PositiveIntegerField(
        _("requests per purchase"), null=True, blank=True, help_text=_("Empty: unlimited.")
    )
    online_response_hours = models.PositiveSmallIntegerField(
        _("online first response (business hours)"), null=True, blank=True
    )
    online_response_days = models.PositiveSmallIntegerField(
        _("online first response (business days)"), null=True, blank=True
    )
    phone_response_hours = models.PositiveSmallIntegerField(
        _("call-back (business hours)"), null=True, blank=True
    )
    phone_response_days = models.PositiveSmallIntegerField(
        _("call arranged (business days)"), null=True, blank=True
    )
    price_eur = models.DecimalField(_("price EUR"), max_digits=8, decimal_places=2, null=True)
    price_usd = models.DecimalField(_("price USD"), max_digits=8, decimal_places=2, null=True)
    is_sold = models.BooleanField(
        _("sold"), default=True, help_text=_("Free Trial support is granted, never sold.")
    )
    sort_order = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("support offering")
        verbose_name_plural = _("support offerings")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_one_incident(self) -> bool:
        return self.uses is not None

    def serves(self, channel: str) -> bool:
        if channel == Channel.PHONE:
            return self.phone_response_hours is not None or self.phone_response_days is not None
        return self.online_response_hours is not None or self.online_response_days is not None

    def covers(self, category: str) -> bool:
        return category in self.categories

    def price(self, currency: str) -> Decimal | None:
        return self.price_eur if currency == "EUR" else self.price_usd
