"""The partner programme in the admin: organisations and members, levels and their benefits,
applications, NFR agreement versions and licences, pre-sales requests.

Decisions (approve, decline, forward) are admin actions that call the services; a decline needs
the reason typed into the action bar.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from partners import selectors, services
from partners.models import (
    Application,
    Invitation,
    Membership,
    NfrAgreement,
    NfrAgreementAcceptance,
    NfrAllowance,
    NfrLicence,
    Organisation,
    PartnerLevel,
    PresalesRequest,
)
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest


class DecisionActionForm(ActionForm):
    """The action bar: a reason for declining."""

    reason = forms.CharField(label=_("reason"), required=False, max_length=300)


class ApplicationActionForm(DecisionActionForm):
    level = forms.ModelChoiceField(
        label=_("level"), queryset=PartnerLevel.objects.all(), required=False
    )


class _DecisionAdmin(admin.ModelAdmin):
    """The list of a kind of request staff decide on with the list's actions."""

    # The keyword under which the services take the request decided on.
    decided_as: str

    def _decide(
        self,
        request: AuthenticatedHttpRequest,
        queryset: QuerySet[Model],
        done: str,
        service: Callable[..., object],
        **arguments: object,
    ) -> None:
        """Call ``service`` for each selected row, as the signed-in staff member and with
        ``arguments``; report every refusal by the row's name."""
        changed = 0
        for obj in queryset:
            try:
                service(**{self.decided_as: obj}, actor=request.user, **arguments)
            except ApplicationError as error:
                self.message_user(request, f"{obj}: {error.message}", messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, f"{done}: {changed}", messages.SUCCESS)

    def _decline(
        self,
        request: AuthenticatedHttpRequest,
        queryset: QuerySet[Model],
        service: Callable[..., object],
    ) -> None:
        """Decline each selected row for the reason typed into the action bar."""
        reason = request.POST.get("reason", "").strip()
        self._decide(request, queryset, gettext("Declined"), service, reason=reason)


# --- Levels -----------------------------------------------------------------------------------


class NfrAllowanceInline(admin.TabularInline):
    model = NfrAllowance
    extra = 0
    fields = ("product", "licences")


@admin.register(PartnerLevel)
class PartnerLevelAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "code",
        "presales_help",
        "postsales_help",
        "onsite_protect",
        "beta_access",
        "support_discount_percent",
    )
    inlines = [NfrAllowanceInline]


# --- Organisations ----------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "joined_at")
    autocomplete_fields = ("user",)


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    can_delete = False
    fields = ("email", "role", "invited_by", "created_at", "accepted_at", "withdrawn_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Organisation | None = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "country", "sales_representative", "is_active", "created_at")
    list_filter = ("level", "is_active", "country")
    list_select_related = ("level", "sales_representative")
    search_fields = ("name", "memberships__user__email")
    autocomplete_fields = ("sales_representative",)
    inlines = [MembershipInline, InvitationInline]


# --- Applications -----------------------------------------------------------------------------


@admin.register(Application)
class ApplicationAdmin(_DecisionAdmin):
    decided_as = "application"
    list_display = ("company", "country", "contact_name", "applicant", "status", "submitted_at")
    list_filter = ("status", "country")
    list_select_related = ("applicant",)
    search_fields = ("company", "contact_email", "applicant__email")
    date_hierarchy = "submitted_at"
    action_form = ApplicationActionForm
    actions = ["approve", "decline"]
    readonly_fields = (
        "applicant",
        "company",
        "country",
        "contact_name",
        "contact_email",
        "contact_phone",
        "website",
        "message",
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decline_reason",
        "organisation",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description=_("Approve at the level chosen (creates the organisation)"),
        permissions=["change"],
    )
    def approve(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Application]) -> None:
        level_id = request.POST.get("level") or ""
        level = PartnerLevel.objects.filter(pk=level_id).first() if level_id.isdigit() else None
        if level is None:
            self.message_user(request, gettext("Choose the partner level."), messages.ERROR)
            return
        self._decide(
            request, queryset, gettext("Approved"), services.application_approve, level=level
        )

    @admin.action(description=_("Decline (reason required)"), permissions=["change"])
    def decline(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Application]) -> None:
        self._decline(request, queryset, services.application_decline)


# --- NFR --------------------------------------------------------------------------------------


@admin.register(NfrAgreement)
class NfrAgreementAdmin(admin.ModelAdmin):
    list_display = ("version", "effective_from")

    def get_readonly_fields(
        self, request: HttpRequest, obj: NfrAgreement | None = None
    ) -> tuple[str, ...]:
        # An accepted version stays as it was accepted: publish a new version instead.
        if obj is not None and obj.acceptances.exists():
            return ("version", "text", "effective_from")
        return ()


@admin.register(NfrAgreementAcceptance)
class NfrAgreementAcceptanceAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "agreement", "accepted_at")
    list_filter = ("agreement",)
    list_select_related = ("user", "organisation", "agreement")
    search_fields = ("user__email", "organisation__name")
    readonly_fields = ("agreement", "user", "organisation", "accepted_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: NfrAgreementAcceptance | None = None
    ) -> bool:
        return False


@admin.register(NfrLicence)
class NfrLicenceAdmin(_DecisionAdmin):
    decided_as = "licence"
    list_display = (
        "organisation",
        "product",
        "requested_by",
        "status",
        "requested_at",
        "licence_key",
        "expires_at",
    )
    list_filter = ("status", "product", "organisation__level")
    list_select_related = ("organisation", "product", "requested_by")
    search_fields = ("organisation__name", "requested_by__email", "=licence_key")
    date_hierarchy = "requested_at"
    action_form = DecisionActionForm
    actions = ["approve", "decline"]
    readonly_fields = (
        "organisation",
        "product",
        "requested_by",
        "purpose",
        "agreement",
        "status",
        "requested_at",
        "decided_at",
        "decided_by",
        "decline_reason",
        "licence_key",
        "expires_at",
        "reminded_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Approve and issue the licence key"), permissions=["change"])
    def approve(self, request: AuthenticatedHttpRequest, queryset: QuerySet[NfrLicence]) -> None:
        self._decide(request, queryset, gettext("Approved"), services.nfr_licence_approve)

    @admin.action(description=_("Decline (reason required)"), permissions=["change"])
    def decline(self, request: AuthenticatedHttpRequest, queryset: QuerySet[NfrLicence]) -> None:
        self._decline(request, queryset, services.nfr_licence_decline)


# --- Pre-sales requests -----------------------------------------------------------------------


@admin.register(PresalesRequest)
class PresalesRequestAdmin(_DecisionAdmin):
    decided_as = "request"
    list_display = (
        "customer_company",
        "organisation",
        "product",
        "expected_seats",
        "requested_by",
        "status",
        "submitted_at",
        "ticket_link",
    )
    list_filter = ("status", "product")
    list_select_related = ("organisation", "product", "requested_by")
    search_fields = ("customer_company", "organisation__name", "requested_by__email")
    date_hierarchy = "submitted_at"
    action_form = DecisionActionForm
    actions = ["forward", "decline"]
    readonly_fields = (
        "organisation",
        "requested_by",
        "customer_company",
        "product",
        "expected_seats",
        "description",
        "status",
        "submitted_at",
        "decided_at",
        "decided_by",
        "decline_reason",
        "ticket_link",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    # A partner's sales representative reviews that partner's requests whatever their group.
    def _represents(self, request: HttpRequest, obj: PresalesRequest | None = None) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if obj is not None:
            return obj.organisation.sales_representative_id == user.pk
        return selectors.represents_partners(user=user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or self._represents(request)

    def has_view_permission(self, request: HttpRequest, obj: PresalesRequest | None = None) -> bool:
        return super().has_view_permission(request, obj) or self._represents(request, obj)

    def has_change_permission(
        self, request: HttpRequest, obj: PresalesRequest | None = None
    ) -> bool:
        return super().has_change_permission(request, obj) or self._represents(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PresalesRequest]:
        queryset = super().get_queryset(request)
        if super().has_view_permission(request) or super().has_change_permission(request):
            return queryset
        return queryset.filter(organisation__sales_representative=request.user)

    @admin.display(description=_("ticket"), ordering="ticket_reference")
    def ticket_link(self, obj: PresalesRequest) -> str:
        if not obj.ticket_reference:
            return "—"
        url = reverse("admin:tickets_ticket_changelist") + f"?q={obj.ticket_reference}"
        return format_html('<a href="{}">{}</a>', url, obj.ticket_reference)

    @admin.action(
        description=_("Forward to support (opens a pre-sales ticket)"), permissions=["change"]
    )
    def forward(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[PresalesRequest]
    ) -> None:
        self._decide(request, queryset, gettext("Forwarded"), services.presales_request_forward)

    @admin.action(description=_("Decline (reason required)"), permissions=["change"])
    def decline(
        self, request: AuthenticatedHttpRequest, queryset: QuerySet[PresalesRequest]
    ) -> None:
        self._decline(request, queryset, services.presales_request_decline)
