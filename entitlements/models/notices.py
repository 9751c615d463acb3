"""Announcements of a release to the customers who use the product."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models.catalogue import Release


class ReleaseNotice(models.Model):
    """The announcement of a release to one customer: at most one per customer and release.

    Written in the transaction that puts the e-mail in the outbox, so a batch that fails leaves
    neither, and announcing the release again skips everyone who has one.
    """

    release = models.ForeignKey(
        Release, on_delete=models.CASCADE, related_name="notices", verbose_name=_("release")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="release_notices",
        verbose_name=_("customer"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    price = models.CharField(_("upgrade price"), max_length=12, blank=True)

    class Meta:
        verbose_name = _("release announcement")
        verbose_name_plural = _("release announcements")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["release", "customer"], name="release_notice_once_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.release} → {self.customer}"
