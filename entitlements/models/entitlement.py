"""Customers' entitlements to support, and the history of each."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models.catalogue import Offering, Product, SupportKind
from entitlements.models.orders import OrderItem, Registration


class EntitlementQuerySet(models.QuerySet["Entitlement"]):
    def active(self, at: datetime | None = None) -> EntitlementQuerySet:
        """Entitlements in their term, not revoked, with a use left where uses are counted."""
        at = at or timezone.now()
        return self.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at),
            starts_at__lte=at,
            revoked_at__isnull=True,
        ).filter(Q(uses_left__isnull=True) | Q(uses_left__gt=0))


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
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="entitlements", verbose_name=_("offering")
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
    order_item = models.ForeignKey(
        OrderItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="entitlements",
        verbose_name=_("order item"),
    )
    registration = models.OneToOneField(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="free_trial",
        verbose_name=_("registration"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(_("reason for revoking"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = EntitlementQuerySet.as_manager()

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["customer", "product", "kind"], name="entitlement_lookup_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(uses_left__isnull=True)
                | Q(uses_total__isnull=False, uses_left__lte=F("uses_total")),
                name="entitlement_uses_left_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.product} · {self.customer}"

    @property
    def is_one_incident(self) -> bool:
        return self.uses_total is not None


class EntitlementEvent(models.Model):
    """The history of an entitlement: granted, used, given back, extended, revoked."""

    class Action(models.TextChoices):
        GRANTED = "granted", _("granted")
        CONSUMED = "consumed", _("used")
        GIVEN_BACK = "given-back", _("given back")
        EXTENDED = "extended", _("extended")
        REVOKED = "revoked", _("revoked")

    entitlement = models.ForeignKey(
        Entitlement, on_delete=models.CASCADE, related_name="events", verbose_name=_("entitlement")
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
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    reference = models.CharField(
        _("reference"), max_length=80, blank=True, help_text=_("Ticket ID or order reference.")
    )
    reason = models.CharField(_("reason"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("entitlement event")
        verbose_name_plural = _("entitlement events")
        ordering = ["at"]
        constraints = [
            # A use is given back at most once per ticket: no doubled credit.
            models.UniqueConstraint(
                fields=["entitlement", "reference"],
                condition=Q(action="given-back"),
                name="entitlement_give_back_once",
            ),
            models.UniqueConstraint(
                fields=["entitlement", "reference"],
                condition=Q(action="consumed"),
                name="entitlement_consume_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.reference}".strip()
