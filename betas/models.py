"""The beta group: partners and customers who test a product's pre-release builds.

Taking part requires the Customer Experience Programme (NCEP): an enrolment names either an
installation that takes part in it, or records an explicit commitment to turn it on (for people
who have not installed the beta yet). A partner enrols for the organisation, so every member of
it sees the product's beta releases; a customer enrols for themselves.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models import Product
from partners.models import Organisation

# The commitment a person without a participating installation accepts. A changed wording gets
# a new version; enrolments keep the version they accepted.
COMMITMENT_VERSION = "2026-1"
COMMITMENTS = {
    "2026-1": _(
        "I will turn on the NovaBACKUP Customer Experience Programme (NCEP) on every computer "
        "where I run a beta version of this product, and keep it on for as long as I use the "
        "beta. I understand that leaving NCEP means no longer using the beta."
    ),
}


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def active(self) -> EnrolmentQuerySet:
        return self.filter(left_at__isnull=True)


class Enrolment(models.Model):
    """One person's or one partner organisation's membership in a product's beta group."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="beta_enrolments",
        verbose_name=_("enrolled by"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="beta_enrolments",
        verbose_name=_("partner organisation"),
        help_text=_("Empty when a customer enrolled for themselves."),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", verbose_name=_("product")
    )
    installation_id = models.UUIDField(
        _("installation ID"),
        null=True,
        blank=True,
        help_text=_("The NCEP installation that was taking part when the enrolment was made."),
    )
    commitment_version = models.CharField(_("commitment version"), max_length=20, blank=True)
    committed_at = models.DateTimeField(_("commitment accepted"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled"), default=timezone.now)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    left_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("beta enrolment")
        verbose_name_plural = _("beta enrolments")
        ordering = ["-enrolled_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(installation_id__isnull=False)
                | (Q(committed_at__isnull=False) & ~Q(commitment_version="")),
                name="betas_enrolment_needs_ncep",
            ),
            models.UniqueConstraint(
                fields=["organisation", "product"],
                condition=Q(left_at__isnull=True, organisation__isnull=False),
                name="betas_one_active_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["user", "product"],
                condition=Q(left_at__isnull=True, organisation__isnull=True),
                name="betas_one_active_per_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation or self.user}: {self.product}"

    @property
    def is_active(self) -> bool:
        return self.left_at is None

    @property
    def commitment_text(self) -> str:
        return str(COMMITMENTS.get(self.commitment_version, ""))
