from django.contrib import admin

from entitlements.models import Entitlement, Product, Release


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


@admin.register(Entitlement)
class EntitlementAdmin(admin.ModelAdmin):
    list_display = ("customer", "product", "kind", "starts_at", "ends_at", "uses_left")
    list_filter = ("kind", "product")
    search_fields = ("customer__email", "source")
    autocomplete_fields = ("customer",)
    list_select_related = ("customer", "product")
