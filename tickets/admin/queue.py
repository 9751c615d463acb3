"""The triage queue's list: its rows' links and its filters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from entitlements.admin import support_kind_filter
from tickets.desk import DUE_SOON, STAFF_STATUS
from tickets.desk_selectors import awaiting_first_response
from tickets.models import Status, Ticket

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices
    from django_stubs_ext import StrOrPromise

UNCLOSED = "unclosed"
EVERYONE = "all"
# Where an engineer's queue opens: their own requests that are not closed.
MY_QUEUE = {"assigned": "me", "status__exact": UNCLOSED}


class QueueChangeList(ChangeList):
    """The queue's rows, each linking to its ticket's page with the queue's filters.

    The admin adds the filters to every row's links with ``add_preserved_filters``, which
    resolves the link's URL again for each of them (two links per row). The rows' addresses
    are built here from one reversed address, with the same query string.
    """

    PK_PLACEHOLDER = "0"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_filters = self.preserved_filters
        # With no filters left to add, the admin passes each row's address through unchanged.
        self.preserved_filters = ""
        prefix, _pk, suffix = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[self.PK_PLACEHOLDER],
            current_app=self.model_admin.admin_site.name,
        ).rpartition(f"/{self.PK_PLACEHOLDER}/")
        self.change_prefix = f"{prefix}/"
        self.change_suffix = f"/{suffix}" + (f"?{self.row_filters}" if self.row_filters else "")

    def url_for_result(self, result: Model) -> str:
        return f"{self.change_prefix}{quote(getattr(result, self.pk_attname))}{self.change_suffix}"

    def active_filters(self) -> list[dict[str, str]]:
        """The filters in use, each with its title and its choice, for the queue's filter bar.

        A filter's first choice is its "All", which filters nothing; without the counts
        ("Show counts") the choices are read without a query.
        """
        active: list[dict[str, str]] = []
        for spec in self.filter_specs:
            if not getattr(spec, "used_parameters", None):
                continue
            chosen = [choice for choice in list(spec.choices(self))[1:] if choice["selected"]]
            active.extend(
                {"title": str(spec.title), "choice": str(choice["display"])} for choice in chosen
            )
        return active


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    # The parameter of Django's own status filter, so bookmarked queue addresses keep working.
    parameter_name = "status__exact"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrOrPromise]]:
        return [(UNCLOSED, _("not closed")), *STAFF_STATUS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        value = self.value()
        if value == UNCLOSED:
            return queryset.exclude(status=Status.CLOSED)
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    """Assigned to me, to nobody, or to anyone.

    "All" carries a parameter of its own (``assigned=all``), so choosing it never leaves the
    address without a query string, which is what sends an engineer to their own queue.
    """

    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrOrPromise]]:
        return [(EVERYONE, _("All")), ("me", _("me")), ("none", _("nobody (unassigned)"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset

    def choices(self, changelist: ChangeList) -> Iterator[_ListFilterChoices]:
        choices = super().choices(changelist)
        next(choices)  # Django's "All" (no parameter): the "all" lookup stands for it.
        for index, choice in enumerate(choices):
            if index == 0:
                choice["selected"] = self.value() in (None, EVERYONE)
            yield choice


class DueFilter(admin.SimpleListFilter):
    title = _("first response")
    parameter_name = "due"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrOrPromise]]:
        return [("overdue", _("overdue")), ("soon", _("due within an hour"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        now = timezone.now()
        if self.value() == "overdue":
            return awaiting_first_response(queryset).filter(first_response_due__lte=now)
        if self.value() == "soon":
            return awaiting_first_response(queryset).filter(
                first_response_due__gt=now, first_response_due__lte=now + DUE_SOON
            )
        return queryset


class AttemptsFilter(admin.SimpleListFilter):
    title = _("waiting on customer")
    parameter_name = "attempts"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        last = settings.TICKET_CONTACT_ATTEMPTS
        choices = []
        for count in range(1, last + 1):
            label = ngettext(
                "after %(count)d contact attempt", "after %(count)d contact attempts", count
            ) % {"count": count}
            if count == last:
                label = gettext("after %(count)d or more contact attempts") % {"count": count}
            choices.append((str(count), label))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        value = self.value()
        if not value or not value.isdigit():
            return queryset
        count = int(value)
        waiting = queryset.filter(status=Status.WAITING)
        if count >= settings.TICKET_CONTACT_ATTEMPTS:
            return waiting.filter(contact_attempts__gte=count)
        return waiting.filter(contact_attempts=count)


SupportKindFilter = support_kind_filter("entitlement_kind")


class _SetOrNotFilter(admin.SimpleListFilter):
    """Yes / No on whether the ticket's ``field`` is set."""

    field = ""

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, StrOrPromise]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() in ("yes", "no"):
            return queryset.filter(**{f"{self.field}__isnull": self.value() == "no"})
        return queryset


class SolvedByFilter(_SetOrNotFilter):
    title = _("solved by article")
    parameter_name = "solved_by"
    field = "solved_by"


class EscalatedFilter(_SetOrNotFilter):
    """Requests whose first-response target was missed and went to the support leads."""

    title = _("escalated")
    parameter_name = "escalated"
    field = "escalated_at"
