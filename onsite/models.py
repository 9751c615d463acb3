"""OnSite Protect: a partner books a time window in which a support engineer stands by on the
phone while the partner installs at a customer's site.

A booking is requested by a partner, then confirmed by staff with an engineer, declined with a
reason, or cancelled. The database itself refuses two overlapping confirmed windows for one
engineer (an exclusion constraint on PostgreSQL, triggers on SQLite; see migration 0002).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models import Product
from partners.models import Organisation

# The name the overlap guard carries in every database; the services recognise it by this.
NO_OVERLAP = "onsite_booking_no_overlap"


class BookingStatus(models.TextChoices):
    REQUESTED = "requested", _("requested")
    CONFIRMED = "confirmed", _("confirmed")
    DECLINED = "declined", _("declined")
    CANCELLED = "cancelled", _("cancelled")


class BookingQuerySet(models.QuerySet["Booking"]):
    def confirmed(self) -> BookingQuerySet:
        return self.filter(status=BookingStatus.CONFIRMED)

    def overlapping(self, *, start_at: datetime, end_at: datetime) -> BookingQuerySet:
        """Windows that share time with [start_at, end_at); touching ends do not count."""
        return self.filter(start_at__lt=end_at, end_at__gt=start_at)


class Booking(models.Model):
    """A standby window for an installation at a customer's site."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="onsite_bookings",
        verbose_name=_("partner organisation"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="onsite_requests",
        verbose_name=_("requested by"),
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, verbose_name=_("product"))
    customer_name = models.CharField(_("customer"), max_length=200)
    site_name = models.CharField(
        _("site"), max_length=200, help_text=_("Where the installation takes place.")
    )
    contact_phone = models.CharField(
        _("partner's phone number"),
        max_length=40,
        blank=True,
        help_text=_("Where the engineer can reach the partner during the window."),
    )
    notes = models.TextField(_("notes"), blank=True)
    start_at = models.DateTimeField(_("starts"))
    end_at = models.DateTimeField(_("ends"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, help_text=_("The partner's time zone (IANA name).")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=BookingStatus.choices,
        default=BookingStatus.REQUESTED,
    )
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onsite_assignments",
        limit_choices_to={"is_staff": True, "is_active": True},
        verbose_name=_("engineer"),
    )
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # Raised with every change, so calendars replace the entry they already hold.
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0, editable=False)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("OnSite Protect booking")
        verbose_name_plural = _("OnSite Protect bookings")
        ordering = ["-start_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_at__gt=models.F("start_at")), name="onsite_booking_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(status=BookingStatus.CONFIRMED) | Q(engineer__isnull=False),
                name="onsite_booking_confirmed_has_engineer",
            ),
        ]
        indexes = [
            models.Index(fields=["engineer", "start_at"], name="onsite_engineer_start_idx"),
            models.Index(fields=["organisation", "-start_at"], name="onsite_org_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.customer_name}, {self.site_name}"

    @property
    def reference(self) -> str:
        return f"OSP-{self.pk}"
