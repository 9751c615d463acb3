"""The beta groups in the support desk: who is enrolled, on what NCEP basis; ending an enrolment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from betas import services
from betas.models import Enrolment
from portal.core.admin import ActionsOnlyAdminMixin
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from portal.core.http import AuthenticatedHttpRequest


class ActiveFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, StrOrPromise]]:
        return [("active", _("active")), ("left", _("left"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
        if self.value() == "active":
            return queryset.filter(left_at__isnull=True)
        if self.value() == "left":
            return queryset.filter(left_at__isnull=False)
        return queryset


class BasisFilter(admin.SimpleListFilter):
    title = _("NCEP basis")
    parameter_name = "basis"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, StrOrPromise]]:
        return [("installation", _("installation")), ("commitment", _("commitment"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
        if self.value() == "installation":
            return queryset.filter(installation_id__isnull=False)
        if self.value() == "commitment":
            return queryset.filter(installation_id__isnull=True)
        return queryset


@admin.register(Enrolment)
class EnrolmentAdmin(ActionsOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "product",
        "enrolled_for",
        "user",
        "basis",
        "enrolled_at",
        "left_at",
    )
    list_filter = ("product", ActiveFilter, BasisFilter, "organisation__level")
    list_select_related = ("product", "organisation", "user")
    search_fields = ("user__email", "user__name", "organisation__name", "=installation_id")
    date_hierarchy = "enrolled_at"
    fields = (
        "product",
        "organisation",
        "user",
        "installation_id",
        "commitment_version",
        "commitment_text",
        "committed_at",
        "enrolled_at",
        "left_at",
        "left_by",
    )
    readonly_fields = fields
    actions = ["end_enrolment"]

    @admin.display(description=_("enrolled for"), ordering="organisation__name")
    def enrolled_for(self, obj: Enrolment) -> StrOrPromise:
        return obj.organisation.name if obj.organisation else _("themselves (customer)")

    @admin.display(description=_("NCEP basis"))
    def basis(self, obj: Enrolment) -> str:
        if obj.installation_id:
            return _("installation %(id)s") % {"id": obj.installation_id}
        return _("commitment %(version)s") % {"version": obj.commitment_version}

    @admin.display(description=_("commitment accepted"))
    def commitment_text(self, obj: Enrolment) -> str:
        return obj.commitment_text or "-"

    @admin.action(description=_("End the chosen enrolments"), permissions=["change"])
    def end_enrolment(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[Enrolment]
    ) -> None:
        ended = 0
        for enrolment in queryset.filter(left_at__isnull=True):
            try:
                services.enrolment_leave(enrolment=enrolment, left_by=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{enrolment}: {error.message}", messages.ERROR)
            else:
                ended += 1
        self.message_user(
            request,
            ngettext("%d enrolment ended.", "%d enrolments ended.", ended) % ended,
            messages.SUCCESS,
        )
