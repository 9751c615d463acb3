from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


# The names the two standard teams are created with (migration 0002_default_teams), each shown
# in the reader's language; a team staff renamed shows its name as they wrote it.
STANDARD_NAMES = {"us": gettext_noop("United States team"), "de": gettext_noop("Germany team")}


def team_display_name(*, code: str, name: str) -> str:
    """The name of the team with ``code`` and ``name`` in the active language."""
    if STANDARD_NAMES.get(code) == name:
        return gettext(name)
    return name


class Team(models.Model):
    """A support team with its own calendar: time zone, public holidays, opening hours."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        help_text=_("IANA name of the time zone the opening hours are in, e.g. Europe/Berlin."),
    )
    holiday_country = models.CharField(
        _("holiday country"),
        max_length=2,
        help_text=_("Two-letter country code whose public holidays close the team, e.g. DE."),
    )
    holiday_subdivision = models.CharField(
        _("holiday subdivision"),
        max_length=10,
        blank=True,
        help_text=_("State or region for regional holidays, e.g. CA or HH; empty for none."),
    )
    business_day_hours = models.DecimalField(
        _("hours in a business day"),
        max_digits=4,
        decimal_places=2,
        default=Decimal(8),
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(24))],
        help_text=_('How many business hours make "one business day" in service targets.'),
    )

    class Meta:
        verbose_name = _("support team")
        verbose_name_plural = _("support teams")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(business_day_hours__gt=0, business_day_hours__lte=24),
                name="teams_team_business_day_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The team's name as the desk shows it: in the reader's language."""
        return team_display_name(code=self.code, name=self.name)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.time_zone:
            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                errors["time_zone"] = _(
                    "Unknown time zone; use an IANA name such as Europe/Berlin."
                )
        self.holiday_country = (self.holiday_country or "").upper()
        self.holiday_subdivision = (self.holiday_subdivision or "").upper()
        try:
            if self.holiday_country:
                holidays.country_holidays(
                    self.holiday_country, subdiv=self.holiday_subdivision or None
                )
        except NotImplementedError:
            errors["holiday_subdivision" if self.holiday_subdivision else "holiday_country"] = _(
                "No holiday calendar is known for this country and subdivision."
            )
        if errors:
            raise ValidationError(errors)


class OpeningHours(models.Model):
    """One interval a team is open on a weekday; a lunch break is two rows for the day."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("team")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"), help_text=_("Local time of the team's time zone."))
    closes = models.TimeField(_("closes"), help_text=_("Local time; must be after opening."))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["team", "weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="teams_openinghours_closes_after_opens",
            ),
            models.UniqueConstraint(
                fields=["team", "weekday", "opens"], name="teams_openinghours_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens is not None and self.closes is not None and self.closes <= self.opens:
            raise ValidationError({"closes": _("The closing time must be after the opening time.")})


class Closure(models.Model):
    """A day a team is closed besides public holidays: a company event, a local holiday."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="closures", verbose_name=_("team")
    )
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["team", "date"]
        constraints = [
            models.UniqueConstraint(fields=["team", "date"], name="teams_closure_unique_day"),
        ]

    def __str__(self) -> str:
        return f"{self.team}: {self.date:%Y-%m-%d} ({self.reason})"
