"""Engineers in the admin: their team, their products and whether they take new tickets."""

from __future__ import annotations

from django.contrib import admin

from tickets.models import EngineerProfile


@admin.register(EngineerProfile)
class EngineerProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "takes_new_tickets")
    list_filter = ("team", "takes_new_tickets")
    list_select_related = ("user", "team")
    search_fields = ("user__email", "user__name")
    fields = ("user", "team", "products", "takes_new_tickets")
    filter_horizontal = ("products",)
