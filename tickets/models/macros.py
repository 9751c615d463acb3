"""Macros: canned responses an engineer starts a reply from, with what else they do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from teams.models import Team
from tickets.models.ticket import Priority

if TYPE_CHECKING:
    from portal.accounts.models import User

# Engineers may keep macros of their own; team macros need the model's add and change rights.
PERSONAL_MACROS_PERMISSION = "tickets.keep_personal_macros"


class MacroQuerySet(models.QuerySet["Macro"]):
    def visible_to(self, user: User) -> MacroQuerySet:
        """Team macros and the user's own personal ones (nobody else's)."""
        return self.filter(Q(owner__isnull=True) | Q(owner=user))

    def usable(self, *, user: User, team_id: int, language: str) -> MacroQuerySet:
        """Active macros the user may answer a request of this team and language with."""
        return (
            self.visible_to(user)
            .filter(is_active=True, language=language)
            .filter(Q(team__isnull=True) | Q(team_id=team_id))
        )


class Macro(models.Model):
    """A canned response: the reply's text with placeholders, and what sending it also does."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders in double braces are filled in from the request, e.g. "
            "{{ customer.first_name }} or {{ article.<slug> }}."
        ),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
        verbose_name=_("owner"),
        limit_choices_to={"is_staff": True},
        help_text=_("Empty: a team macro everyone may use. Set: only its owner sees it."),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
        verbose_name=_("team"),
        help_text=_("Empty: offered on the requests of every team."),
    )
    awaits_customer = models.BooleanField(
        _("waits for the customer"),
        default=False,
        help_text=_(
            "The reply asks the customer something: the request then waits for their answer "
            "(a contact attempt)."
        ),
    )
    priority = models.PositiveSmallIntegerField(
        _("sets the priority"),
        choices=Priority.choices,
        null=True,
        blank=True,
        help_text=_("Empty: the priority stays as it is."),
    )
    internal_note = models.TextField(
        _("internal note"),
        blank=True,
        help_text=_("Optional: added to the request as an internal note the customer never sees."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MacroQuerySet.as_manager()

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["title", "pk"]
        permissions = [("keep_personal_macros", _("Can keep personal macros"))]

    def __str__(self) -> str:
        return self.title

    @property
    def is_personal(self) -> bool:
        return self.owner_id is not None
