from __future__ import annotations

from django import forms
from django.contrib import admin

from portal.core.errors import ApplicationError
from teams.models import Closure, OpeningHours, Team
from teams.services import opening_intervals_check


class OpeningHoursFormSet(forms.BaseInlineFormSet):
    """Refuse overlapping intervals on one weekday, as ``opening_hours_set`` does."""

    def clean(self) -> None:
        super().clean()
        by_weekday: dict[int, list] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("weekday") is None:
                continue
            if data.get("opens") is None or data.get("closes") is None:
                continue
            by_weekday.setdefault(data["weekday"], []).append((data["opens"], data["closes"]))
        for intervals in by_weekday.values():
            try:
                opening_intervals_check(intervals=intervals)
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from exc


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    formset = OpeningHoursFormSet
    extra = 0
    ordering = ("weekday", "opens")


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0
    ordering = ("-date",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "time_zone", "holiday_country", "holiday_subdivision")
    search_fields = ("code", "name")
    inlines = [OpeningHoursInline, ClosureInline]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ("date", "team", "reason")
    list_filter = ("team",)
    date_hierarchy = "date"
    search_fields = ("reason", "team__name", "team__code")
    list_select_related = ("team",)
