"""Orders from the shop, the licence keys they issue, and the licences and evaluations
customers register."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models.catalogue import Offering, Product, version_validator


class Registration(models.Model):
    """A licence or an evaluation a customer registered; each starts one Free Trial window."""

    class Kind(models.TextChoices):
        LICENCE = "licence", _("licence key")
        EVALUATION = "evaluation", _("evaluation ID")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("customer"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("product")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    key = models.CharField(_("licence key or evaluation ID"), max_length=64)
    version = models.CharField(_("version"), max_length=20, validators=[version_validator])
    purchased_on = models.DateField(
        _("purchased on"), null=True, blank=True, help_text=_("For licences: the purchase date.")
    )
    licence = models.OneToOneField(
        "Licence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registration",
        verbose_name=_("licence"),
        help_text=_("The licence an order issued; empty for evaluations."),
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-registered_at"]
        constraints = [
            models.UniqueConstraint(fields=["product", "key"], name="registration_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.version} ({self.key})"

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


class Order(models.Model):
    """An order as the online shop notified it; it grants entitlements once linked to a customer."""

    class Currency(models.TextChoices):
        EUR = "EUR", "EUR"
        USD = "USD", "USD"

    reference = models.CharField(_("order reference"), max_length=40, unique=True)
    email = models.EmailField(_("purchase e-mail"))
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    purchased_at = models.DateTimeField(_("purchased"))
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    payload = models.JSONField(_("notification"), default=dict)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("customer"),
    )
    linked_at = models.DateTimeField(_("linked"), null=True, blank=True)
    linked_by = models.CharField(
        _("linked by"),
        max_length=12,
        blank=True,
        choices=[("email", _("verified e-mail")), ("claim", _("claimed")), ("staff", _("staff"))],
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-purchased_at"]
        indexes = [models.Index(fields=["email"], name="order_email_idx")]

    def __str__(self) -> str:
        return self.reference


class OrderItem(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("order")
    )
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, verbose_name=_("offering"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    granted_at = models.DateTimeField(_("granted"), null=True, blank=True)

    class Meta:
        verbose_name = _("order item")
        verbose_name_plural = _("order items")

    def __str__(self) -> str:
        return f"{self.quantity} x {self.offering} · {self.product}"


def licence_key_normalise(key: str) -> str:
    """A licence key or evaluation ID as it is stored: single spaces, upper case."""
    return " ".join(key.split()).upper()


class Licence(models.Model):
    """A licence key the shop issued with an order; registering it takes the order's purchase."""

    key = models.CharField(_("licence key"), max_length=64, unique=True)
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="licences", verbose_name=_("product")
    )
    version = models.CharField(
        _("version sold"), max_length=20, blank=True, validators=[version_validator]
    )
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="licences", verbose_name=_("order")
    )
    purchased_at = models.DateTimeField(_("purchased"))

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-purchased_at"]

    def __str__(self) -> str:
        return f"{self.product} ({self.key})"
