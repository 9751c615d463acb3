"""The roll-ups and ingestion counters in the admin: read only, for the product team.

Nothing here can be added, changed or deleted by hand: the roll-ups are recomputed from the raw
reports (``telemetry_rollup``) and the counters are written by ingestion only.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from portal.core.admin import ReadOnlyAdminMixin
from telemetry.models import (
    DailyFeatureUsage,
    DailyHardware,
    DailyOsShare,
    DailyVersionAdoption,
    IngestCounter,
)


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    date_hierarchy = "day"
    list_per_page = 100

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]


@admin.register(DailyVersionAdoption)
class DailyVersionAdoptionAdmin(ReadOnlyAdmin):
    list_display = ("day", "product", "version", "installations", "reports")
    list_filter = ("product", "version", "day")
    ordering = ("-day", "product", "version")


@admin.register(DailyFeatureUsage)
class DailyFeatureUsageAdmin(ReadOnlyAdmin):
    list_display = ("day", "product", "version", "feature", "installations", "uses")
    list_filter = ("product", "version", "day")
    search_fields = ("feature",)
    ordering = ("-day", "product", "version", "feature")


@admin.register(DailyOsShare)
class DailyOsShareAdmin(ReadOnlyAdmin):
    list_display = ("day", "product", "version", "os_name", "os_version", "installations")
    list_filter = ("product", "version", "os_name", "day")
    ordering = ("-day", "product", "version", "os_name", "os_version")


@admin.register(DailyHardware)
class DailyHardwareAdmin(ReadOnlyAdmin):
    list_display = ("day", "product", "version", "dimension", "bucket", "installations")
    list_filter = ("dimension", "product", "version", "day")
    ordering = ("-day", "product", "version", "dimension", "bucket")


@admin.register(IngestCounter)
class IngestCounterAdmin(ReadOnlyAdmin):
    list_display = ("day", "kind", "reason", "count")
    list_filter = ("kind", "reason", "day")
    ordering = ("-day", "kind", "reason")
