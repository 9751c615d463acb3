"""The calls that arrange a Setup or Restore session, and their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements.models.entitlement import Entitlement


class ArrangementCallQuerySet(models.QuerySet["ArrangementCall"]):
    def due(self) -> ArrangementCallQuerySet:
        """Calls still to make, the earliest due first; a revoked purchase needs none."""
        return self.filter(done_at__isnull=True, entitlement__revoked_at__isnull=True).order_by(
            "due_at", "pk"
        )


class ArrangementCall(models.Model):
    """The call that arranges a Setup or Restore session, owed from the purchase on.

    Booked with the entitlement, in the customer's team; done when an engineer reaches the
    customer, or when a request under the entitlement takes it over with its own call-back.
    """

    class Outcome(models.TextChoices):
        REACHED = "reached", _("customer reached")
        REQUEST = "request", _("taken over by a request")

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="arrangement_calls",
        verbose_name=_("customer"),
    )
    entitlement = models.OneToOneField(
        Entitlement,
        on_delete=models.CASCADE,
        related_name="arrangement_call",
        verbose_name=_("entitlement"),
    )
    team = models.ForeignKey(
        "teams.Team",
        on_delete=models.PROTECT,
        related_name="arrangement_calls",
        verbose_name=_("team"),
    )
    created_at = models.DateTimeField(_("booked"), default=timezone.now)
    due_at = models.DateTimeField(_("call due"))
    attempts = models.PositiveSmallIntegerField(_("unanswered calls"), default=0)
    last_attempt_at = models.DateTimeField(_("last unanswered call"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("engineer"),
    )
    reference = models.CharField(
        _("reference"), max_length=40, blank=True, help_text=_("The request that took it over.")
    )

    objects = ArrangementCallQuerySet.as_manager()

    class Meta:
        verbose_name = _("call to arrange a session")
        verbose_name_plural = _("calls to arrange a session")
        ordering = ["due_at", "pk"]
        indexes = [
            # The desk's queue: the open calls of one team by due time.
            models.Index(
                fields=["team", "due_at"],
                name="arrangement_call_due_idx",
                condition=Q(done_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.entitlement} · {self.due_at:%Y-%m-%d %H:%M}"


class ArrangementCallEvent(models.Model):
    """The history of an arrangement call: booked, each call made, taken over."""

    call = models.ForeignKey(
        ArrangementCall, on_delete=models.CASCADE, related_name="events", verbose_name=_("call")
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
    action = models.CharField(_("action"), max_length=40)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("arrangement call event")
        verbose_name_plural = _("arrangement call events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return self.action
