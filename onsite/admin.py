"""OnSite Protect in the support desk: the bookings, confirmed with an engineer or declined.

Nobody edits a booking's fields here; the list's actions call ``onsite.services`` with the
engineer or the reason chosen above the list. The list reads in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from onsite import services
from onsite.forms import DecisionActionForm
from onsite.models import Booking, BookingQuerySet
from portal.core.admin import ActionsOnlyAdminMixin
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from portal.core.http import AuthenticatedHttpRequest


class WhenFilter(admin.SimpleListFilter):
    title = _("window")
    parameter_name = "when"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, StrOrPromise]]:
        return [
            ("upcoming", _("upcoming")),
            ("today", _("today (UTC)")),
            ("next7", _("in the next 7 days")),
            ("past", _("past")),
        ]

    def queryset(  # type: ignore[override]
        self, request: HttpRequest, queryset: BookingQuerySet
    ) -> BookingQuerySet:
        now = timezone.now()
        start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.value() == "upcoming":
            return queryset.filter(end_at__gt=now)
        if self.value() == "today":
            return queryset.overlapping(
                start_at=start_of_day, end_at=start_of_day + timedelta(days=1)
            )
        if self.value() == "next7":
            return queryset.overlapping(start_at=now, end_at=now + timedelta(days=7))
        if self.value() == "past":
            return queryset.filter(end_at__lte=now)
        return queryset


def _span(booking: Booking, zone: ZoneInfo) -> str:
    start = timezone.localtime(booking.start_at, zone)
    end = timezone.localtime(booking.end_at, zone)
    return f"{formats.date_format(start, 'Y-m-d H:i')}-{formats.date_format(end, 'H:i')}"


@admin.register(Booking)
class BookingAdmin(ActionsOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "window",
        "window_utc",
        "organisation",
        "customer_name",
        "product",
        "status",
        "engineer",
    )
    list_display_links = ("reference",)
    list_filter = ("status", ("engineer", admin.RelatedOnlyFieldListFilter), WhenFilter)
    list_select_related = ("organisation", "product", "engineer")
    date_hierarchy = "start_at"
    search_fields = ("customer_name", "site_name", "organisation__name", "=id")
    ordering = ("start_at",)
    action_form = DecisionActionForm
    actions = ["confirm", "decline"]
    fields = (
        "organisation",
        "requested_by",
        "product",
        "customer_name",
        "site_name",
        "contact_phone",
        "notes",
        "window",
        "window_utc",
        "time_zone",
        "status",
        "engineer",
        "decline_reason",
        "decided_by",
        "decided_at",
        "cancelled_at",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("booking"), ordering="pk")
    def reference(self, obj: Booking) -> str:
        return obj.reference

    @admin.display(description=_("window (partner's time)"), ordering="start_at")
    def window(self, obj: Booking) -> str:
        return f"{_span(obj, ZoneInfo(obj.time_zone))} ({obj.time_zone})"

    @admin.display(description=_("window (UTC)"), ordering="start_at")
    def window_utc(self, obj: Booking) -> str:
        return _span(obj, ZoneInfo("UTC"))

    @admin.action(description=_("Confirm with the chosen engineer"), permissions=["change"])
    def confirm(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Booking]) -> None:
        engineer = self._chosen(request, "engineer", gettext("Choose the engineer who stands by."))
        if engineer is None:
            return
        self._decide(
            request,
            queryset,
            lambda booking: services.booking_confirm(
                booking=booking, engineer=engineer, confirmed_by=request.user
            ),
            lambda count: (
                ngettext(
                    "%(count)d booking confirmed with %(engineer)s.",
                    "%(count)d bookings confirmed with %(engineer)s.",
                    count,
                )
                % {"count": count, "engineer": engineer}
            ),
        )

    @admin.action(description=_("Decline with the reason given"), permissions=["change"])
    def decline(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Booking]) -> None:
        reason = self._chosen(
            request, "reason", gettext("Give the partner a reason for declining.")
        )
        if reason is None:
            return
        self._decide(
            request,
            queryset,
            lambda booking: services.booking_decline(
                booking=booking, reason=reason, declined_by=request.user
            ),
            lambda count: (
                ngettext("%(count)d booking declined.", "%(count)d bookings declined.", count)
                % {"count": count}
            ),
        )

    def _chosen(self, request: HttpRequest, field: str, missing: str) -> Any:
        """What was chosen or typed above the list for ``field``; None, after telling the user
        ``missing``, when nothing was."""
        form = DecisionActionForm(request.POST)
        form.fields["action"].choices = self.get_action_choices(request)
        value = form.cleaned_data[field] if form.is_valid() else None
        if not value:
            self.message_user(request, missing, messages.ERROR)
            return None
        return value

    def _decide(
        self,
        request: HttpRequest,
        queryset: QuerySet[Booking],
        decide: Callable[[Booking], object],
        summary: Callable[[int], str],
    ) -> None:
        done = 0
        for booking in queryset.filter(status__in=services.OPEN_STATES).order_by("start_at"):
            try:
                decide(booking)
            except ApplicationError as error:
                self.message_user(request, f"{booking.reference}: {error.message}", messages.ERROR)
            else:
                done += 1
        skipped = queryset.exclude(status__in=services.OPEN_STATES).count()
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d booking was skipped: it is declined or cancelled.",
                    "%(count)d bookings were skipped: they are declined or cancelled.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        if done:
            self.message_user(request, summary(done), messages.SUCCESS)
