from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import InlineModelAdmin
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from entitlements import releases, services
from entitlements.models import (
    Entitlement,
    EntitlementEvent,
    Licence,
    Offering,
    Order,
    OrderItem,
    Product,
    Registration,
    Release,
    SupportKind,
)
from portal.core.errors import ApplicationError

if TYPE_CHECKING:
    from portal.core.http import AuthenticatedHttpRequest


class ReleaseInline(admin.TabularInline):
    model = Release
    extra = 0
    fields = ("version", "released_on")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sort_order", "is_active")
    prepopulated_fields = {"code": ("name",)}
    inlines = [ReleaseInline]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("product", "version", "released_on")
    list_filter = ("product",)
    search_fields = ("version", "product__name")
    date_hierarchy = "released_on"
    actions = ["announce"]

    @admin.action(
        description=_("Announce by e-mail to customers with a licence"), permissions=["change"]
    )
    def announce(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Release]) -> None:
        announced = 0
        for release in queryset.select_related("product"):
            try:
                releases.release_publish(release=release, actor=request.user)
            except ApplicationError as exc:
                self.message_user(request, f"{release}: {exc.message}", messages.WARNING)
                continue
            announced += 1
        if announced:
            self.message_user(
                request,
                _("The announcement e-mails are being written; each customer gets one."),
                messages.SUCCESS,
            )


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "term_days", "uses", "price_eur", "price_usd", "is_sold")
    list_filter = ("is_sold", "kind")
    filter_horizontal = ("products",)
    readonly_fields = ("kind",)


class EntitlementEventInline(admin.TabularInline):
    model = EntitlementEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "reference", "reason", "actor")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Entitlement | None = None) -> bool:
        return False


class EntitlementActionForm(ActionForm):
    days = forms.IntegerField(label=_("days"), required=False)
    reason = forms.CharField(label=_("reason"), required=False, max_length=200)


class GrantForm(forms.ModelForm):
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, initial=1)
    reason = forms.CharField(label=_("reason"), max_length=80)

    class Meta:
        model = Entitlement
        fields = ("customer", "product", "offering", "starts_at")

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        offering, product = cleaned.get("offering"), cleaned.get("product")
        if offering and product and not offering.products.filter(pk=product.pk).exists():
            raise forms.ValidationError(
                _("%(offering)s is not available for %(product)s.")
                % {"offering": offering, "product": product}
            )
        return cleaned


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):
    list_display = (
        "customer",
        "product",
        "kind",
        "starts_at",
        "ends_at",
        "uses_left",
        "uses_total",
        "revoked_at",
        "source",
    )
    list_filter = ("kind", "product", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("customer__email", "source", "order_item__order__reference")
    autocomplete_fields = ("customer",)
    list_select_related = ("customer", "product")
    date_hierarchy = "starts_at"
    inlines = [EntitlementEventInline]
    action_form = EntitlementActionForm
    actions = ["extend", "revoke"]
    readonly_fields = (
        "customer",
        "product",
        "offering",
        "kind",
        "starts_at",
        "ends_at",
        "uses_total",
        "uses_left",
        "source",
        "order_item",
        "registration",
        "revoked_at",
        "revoke_reason",
    )

    def get_form(
        self, request: HttpRequest, obj: Entitlement | None = None, **kwargs: Any
    ) -> type[forms.ModelForm[Entitlement]]:
        if obj is None:
            kwargs["form"] = GrantForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Entitlement | None = None
    ) -> tuple[str, ...]:
        return self.readonly_fields if obj else ()

    def get_inlines(
        self, request: HttpRequest, obj: Entitlement | None
    ) -> list[type[InlineModelAdmin]] | tuple[type[InlineModelAdmin], ...]:
        return self.inlines if obj else []

    def get_fields(self, request: HttpRequest, obj: Entitlement | None = None) -> tuple[str, ...]:
        if obj is None:
            return ("customer", "product", "offering", "starts_at", "quantity", "reason")
        return self.readonly_fields

    def save_model(
        self,
        request: HttpRequest,
        obj: Entitlement,
        form: forms.ModelForm[Entitlement],
        change: bool,
    ) -> None:
        if change:
            return
        try:
            granted = services.entitlement_grant(
                customer=form.cleaned_data["customer"],
                product=form.cleaned_data["product"],
                offering=form.cleaned_data["offering"],
                starts_at=form.cleaned_data["starts_at"] or timezone.now(),
                quantity=form.cleaned_data["quantity"],
                source=f"staff: {form.cleaned_data['reason']}",
                actor=request.user,
            )
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = granted.pk

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Entitlement],
        formsets: list[BaseInlineFormSet],
        change: bool,
    ) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def _reason_and_days(self, request: HttpRequest) -> tuple[str, int | None]:
        days = request.POST.get("days") or ""
        return request.POST.get("reason", "").strip(), int(days) if days.lstrip(
            "-"
        ).isdigit() else None

    @admin.action(
        description=_("Extend by the given days (reason required)"), permissions=["change"]
    )
    def extend(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Entitlement]) -> None:
        reason, days = self._reason_and_days(request)
        for entitlement in queryset:
            try:
                services.entitlement_extend(
                    entitlement=entitlement, days=days or 0, reason=reason, actor=request.user
                )
            except ApplicationError as exc:
                self.message_user(request, f"{entitlement}: {exc.message}", messages.ERROR)
                return
        self.message_user(request, _("Extended."), messages.SUCCESS)

    @admin.action(description=_("Revoke (reason required)"), permissions=["change"])
    def revoke(self, request: AuthenticatedHttpRequest, queryset: QuerySet[Entitlement]) -> None:
        reason, _days = self._reason_and_days(request)
        for entitlement in queryset:
            try:
                services.entitlement_revoke(
                    entitlement=entitlement, reason=reason, actor=request.user
                )
            except ApplicationError as exc:
                self.message_user(request, f"{entitlement}: {exc.message}", messages.ERROR)
                return
        self.message_user(request, _("Revoked."), messages.SUCCESS)


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    can_delete = False
    fields = ("offering", "product", "quantity", "granted_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


class LicenceInline(admin.TabularInline):
    model = Licence
    extra = 0
    can_delete = False
    fields = ("key", "product", "version", "purchased_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("reference", "email", "currency", "purchased_at", "customer", "linked_by")
    list_filter = ("currency", "linked_by", ("customer", admin.EmptyFieldListFilter))
    search_fields = ("reference", "email", "customer__email", "licences__key")
    date_hierarchy = "purchased_at"
    inlines = [OrderItemInline, LicenceInline]
    readonly_fields = (
        "reference",
        "email",
        "currency",
        "purchased_at",
        "received_at",
        "payload",
        "customer",
        "linked_at",
        "linked_by",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ("key", "product", "version", "kind", "customer", "registered_at")
    list_filter = ("kind", "product")
    search_fields = ("key", "customer__email")
    autocomplete_fields = ("customer",)
    date_hierarchy = "registered_at"
    # The licence is the order's: a registration shows it, never picks another.
    readonly_fields = ("licence",)


@admin.register(Licence)
class LicenceAdmin(admin.ModelAdmin):
    """Licence keys as the shop's orders issued them; read-only, the order is the record."""

    list_display = ("key", "product", "version", "order", "purchased_at")
    list_filter = ("product",)
    search_fields = ("key", "order__reference", "order__email")
    date_hierarchy = "purchased_at"
    readonly_fields = ("key", "product", "version", "order", "purchased_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


def support_kind_filter(field: str) -> type[admin.SimpleListFilter]:
    """A list filter on the support-kind code another app stores in ``field``, by label."""

    class SupportKindFilter(admin.SimpleListFilter):
        title = _("support kind")
        parameter_name = field

        def lookups(
            self, request: HttpRequest, model_admin: admin.ModelAdmin
        ) -> list[tuple[str, str]]:
            return SupportKind.choices

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            if self.value():
                return queryset.filter(**{field: self.value()})
            return queryset

    return SupportKindFilter
