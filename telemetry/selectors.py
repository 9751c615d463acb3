"""Reads of the Customer Experience Programme that other apps use."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, Subquery, Sum

from telemetry.models import (
    DailyFeatureUsage,
    DailyHardware,
    DailyOsShare,
    DailyVersionAdoption,
    IngestCounter,
    Installation,
)


def installation_participates(*, installation_id: uuid.UUID) -> bool:
    """Whether the installation has joined the programme and not left it."""
    return Installation.objects.filter(
        id=installation_id, status=Installation.Status.ACTIVE
    ).exists()


# --- The staff charts: read from the daily roll-ups -------------------------------------------
#
# Every read below is one aggregate query, whatever the date range: the dashboard's query count
# does not grow with the data. Installation counts of different days are added up as
# installation-days (an installation counts once for every day it reported), which is what
# shares over a range are computed from.


@dataclass(frozen=True)
class UsageFilter:
    """What the charts show: a range of UTC days (both included), optionally one product and
    one version."""

    start: date
    end: date
    product: str = ""
    version: str = ""

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def q(self) -> Q:
        condition = Q(day__gte=self.start, day__lte=self.end)
        if self.product:
            condition &= Q(product=self.product)
        if self.version:
            condition &= Q(version=self.version)
        return condition


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a version: ``21.10`` after ``21.2``."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def rollup_versions() -> list[str]:
    """Every version that has roll-ups, newest first."""
    versions = DailyVersionAdoption.objects.order_by().values_list("version", flat=True)
    return sorted(set(versions.distinct()), key=version_key, reverse=True)


def version_adoption_by_day(*, filters: UsageFilter) -> list[dict]:
    """Installations and reports per day and version."""
    return list(
        DailyVersionAdoption.objects.filter(filters.q())
        .values("day", "version")
        .annotate(installations=Sum("installations"), reports=Sum("reports"))
        .order_by("day", "version")
    )


def feature_usage_by_day(*, filters: UsageFilter, top: int) -> list[dict]:
    """Uses and installations per day of the ``top`` features most used in the range."""
    rows = DailyFeatureUsage.objects.filter(filters.q())
    most_used = (
        rows.values("feature").annotate(total=Sum("uses")).order_by("-total", "feature")[:top]
    )
    return list(
        rows.filter(feature__in=Subquery(most_used.values("feature")))
        .values("day", "feature")
        .annotate(uses=Sum("uses"), installations=Sum("installations"))
        .order_by("day", "feature")
    )


def os_share(*, filters: UsageFilter) -> list[dict]:
    """Installation-days per operating system and version, the most common first."""
    return list(
        DailyOsShare.objects.filter(filters.q())
        .values("os_name", "os_version")
        .annotate(installations=Sum("installations"))
        .order_by("-installations", "os_name", "os_version")
    )


def hardware_bands(*, filters: UsageFilter) -> list[dict]:
    """Installation-days per hardware dimension and band."""
    return list(
        DailyHardware.objects.filter(filters.q())
        .values("dimension", "bucket")
        .annotate(installations=Sum("installations"))
        .order_by("dimension", "-installations", "bucket")
    )


def ingest_counts(*, start: date, end: date) -> list[dict]:
    """Rejections, removals and other ingestion findings per kind and reason in the range.

    The counters are kept per day only (a rejected report has no trusted product or version),
    so the product and version filters do not apply to them.
    """
    return list(
        IngestCounter.objects.filter(day__gte=start, day__lte=end)
        .values("kind", "reason")
        .annotate(count=Sum("count"))
        .order_by("kind", "-count", "reason")
    )
