"""The product team's usage charts in the admin, drawn from the daily roll-ups.

Wrapped with ``admin.site.admin_view`` in ``portal.urls`` (staff only; anyone else is sent to
sign in) and needs ``telemetry.view_dailyversionadoption`` on top (the Product team has every
view permission of the app). Every number comes from one aggregate query per section, so the
page runs the same queries for a week of data as for a year.

Counts over a range are installation-days: an installation counts once for every day it
reported. Shares (OS, hardware bands, features) are installation-days of the band out of all
installation-days of the selection, so they read as "on an average day, this share of the
reporting installations…".
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from entitlements.catalogue import PRODUCTS
from portal.core.charts import bar_chart, line_chart
from telemetry import rollups, selectors
from telemetry.models import DailyHardware, IngestCounter
from telemetry.pii import REASON_LABELS

PERMISSION = "telemetry.view_dailyversionadoption"
DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_FEATURES = 8
TOP_VERSIONS = 8
TOP_SYSTEMS = 12

# The order bands are shown in; bands of disk types and virtualisation by size.
BAND_ORDER = {
    DailyHardware.Dimension.CORES: [label for _upper, label in rollups.CORE_BANDS],
    DailyHardware.Dimension.MEMORY: [label for _upper, label in rollups.MEMORY_BANDS],
}

REJECTION_LABELS = {
    "invalid": gettext_lazy("Not a valid report"),
    "unsupported_schema_version": gettext_lazy("Unsupported schema version"),
    "opted_out": gettext_lazy("Installation has left the programme"),
    "secret_mismatch": gettext_lazy("Wrong installation secret"),
}
CLAMP_LABELS = {
    "past": gettext_lazy("Send time too far in the past"),
    "future": gettext_lazy("Send time in the future"),
}


class UsageFilterForm(forms.Form):
    product = forms.ChoiceField(label=gettext_lazy("Product"), required=False)
    version = forms.ChoiceField(label=gettext_lazy("Version"), required=False)
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, versions: list[str], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["product"].choices = [("", _("All products")), *PRODUCTS]
        self.fields["version"].choices = [("", _("All versions"))] + [(v, v) for v in versions]

    def clean(self) -> dict:
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The first day must not be after the last."))
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(_("Choose at most %(days)d days.") % {"days": MAX_DAYS})
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> selectors.UsageFilter:
        """The filter asked for, or the default (every product, the last 30 days) when the
        form is not valid."""
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            return selectors.UsageFilter(
                start=data["start"],
                end=data["end"],
                product=data["product"],
                version=data["version"],
            )
        return selectors.UsageFilter(
            start=self.today - timedelta(days=DEFAULT_DAYS - 1), end=self.today
        )


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _versions_section(filters: selectors.UsageFilter, labels: list[str]) -> dict:
    rows = selectors.version_adoption_by_day(filters=filters)
    per_version: dict[str, dict[date, int]] = defaultdict(dict)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"installations": 0, "reports": 0})
    for row in rows:
        per_version[row["version"]][row["day"]] = row["installations"]
        totals[row["version"]]["installations"] += row["installations"]
        totals[row["version"]]["reports"] += row["reports"]
    installation_days = sum(total["installations"] for total in totals.values())
    shown = sorted(totals, key=lambda v: totals[v]["installations"], reverse=True)[:TOP_VERSIONS]
    shown.sort(key=selectors.version_key, reverse=True)
    series = {
        version: [per_version[version].get(day, 0) for day in filters.days] for version in shown
    }
    others = [v for v in totals if v not in shown]
    if others:
        series[_("other versions")] = [
            sum(per_version[v].get(day, 0) for v in others) for day in filters.days
        ]
    table = [
        {
            "version": version,
            "installations": totals[version]["installations"],
            "reports": totals[version]["reports"],
            "share": _percent(totals[version]["installations"], installation_days),
        }
        for version in sorted(totals, key=selectors.version_key, reverse=True)
    ]
    chart = line_chart(
        title=_("Reporting installations per day, by version"),
        x_labels=labels,
        series=series,
        no_data_text=_("No reports"),
        legend_columns=min(5, max(1, len(series))),
    )
    return {
        "chart": chart,
        "table": table,
        "installation_days": installation_days,
        "reports": sum(total["reports"] for total in totals.values()),
        "days_with_reports": len({row["day"] for row in rows}),
    }


def _features_section(
    filters: selectors.UsageFilter, labels: list[str], installation_days: int
) -> dict:
    rows = selectors.feature_usage_by_day(filters=filters, top=TOP_FEATURES)
    per_feature: dict[str, dict[date, int]] = defaultdict(dict)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"uses": 0, "installations": 0})
    for row in rows:
        per_feature[row["feature"]][row["day"]] = row["uses"]
        totals[row["feature"]]["uses"] += row["uses"]
        totals[row["feature"]]["installations"] += row["installations"]
    ranked = sorted(totals, key=lambda f: (-totals[f]["uses"], f))
    series = {
        feature: [per_feature[feature].get(day, 0) for day in filters.days] for feature in ranked
    }
    chart = line_chart(
        title=_("Uses per day of the %(count)d most used features") % {"count": TOP_FEATURES},
        x_labels=labels,
        series=series,
        no_data_text=_("No feature use reported"),
        legend_columns=min(4, max(1, len(series))),
    )
    table = [
        {
            "feature": feature,
            "uses": totals[feature]["uses"],
            "installation_days": totals[feature]["installations"],
            "share": _percent(totals[feature]["installations"], installation_days),
        }
        for feature in ranked
    ]
    return {"chart": chart, "table": table}


def _os_label(row: dict) -> str:
    # Values fewer than TELEMETRY_K_ANONYMITY installations sent are rolled up as "rare".
    labels = {rollups.UNKNOWN: _("unknown"), rollups.RARE: _("rare value")}
    name = labels.get(row["os_name"], row["os_name"])
    version = labels.get(row["os_version"], row["os_version"])
    return f"{name} {version}"


def _os_section(filters: selectors.UsageFilter, installation_days: int) -> dict:
    rows = selectors.os_share(filters=filters)
    table = [
        {
            "label": _os_label(row),
            "installation_days": row["installations"],
            "share": _percent(row["installations"], installation_days),
        }
        for row in rows
    ]
    shown = table[:TOP_SYSTEMS]
    rest = table[TOP_SYSTEMS:]
    if rest:
        other = sum(row["installation_days"] for row in rest)
        shown = [
            *shown,
            {
                "label": _("other systems"),
                "installation_days": other,
                "share": _percent(other, installation_days),
            },
        ]
    chart = bar_chart(
        title=_("Operating systems, share of installations (%)"),
        x_labels=[row["label"] for row in shown],
        series={_("Share of installations (%)"): [row["share"] for row in shown]},
        horizontal=True,
        height=max(240, 60 + 26 * len(shown)),
        no_data_text=_("No reports"),
    )
    return {"chart": chart, "table": table}


def _hardware_section(filters: selectors.UsageFilter, installation_days: int) -> list[dict]:
    rows = selectors.hardware_bands(filters=filters)
    by_dimension: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_dimension[row["dimension"]][row["bucket"]] = row["installations"]
    sections = []
    for dimension, title in DailyHardware.Dimension.choices:
        counts = by_dimension.get(dimension, {})
        order = BAND_ORDER.get(dimension)
        if order:
            bands = [band for band in order if band in counts] + sorted(
                band for band in counts if band not in order
            )
        else:
            bands = sorted(counts, key=lambda band: (-counts[band], band))
        table = [
            {
                "band": band,
                "installation_days": counts[band],
                "share": _percent(counts[band], installation_days),
            }
            for band in bands
        ]
        chart = bar_chart(
            title=capfirst(str(title)),
            x_labels=bands,
            series={_("Share of installations (%)"): [row["share"] for row in table]},
            width=540,
            height=300,
            no_data_text=_("No reports"),
        )
        sections.append({"dimension": dimension, "title": title, "chart": chart, "table": table})
    return sections


def _reason_label(kind: str, reason: str) -> str:
    if kind == IngestCounter.Kind.REMOVED:
        return str(REASON_LABELS.get(reason, reason))
    if kind == IngestCounter.Kind.REJECTED:
        return str(REJECTION_LABELS.get(reason, reason))
    if kind == IngestCounter.Kind.CLAMPED:
        return str(CLAMP_LABELS.get(reason, reason))
    if kind == IngestCounter.Kind.UNKNOWN_FEATURE:
        return str(dict(PRODUCTS).get(reason, reason))
    return reason


def _ingest_section(filters: selectors.UsageFilter) -> dict:
    rows = selectors.ingest_counts(start=filters.start, end=filters.end)
    kinds = dict(IngestCounter.Kind.choices)
    table = [
        {
            "kind": kinds.get(row["kind"], row["kind"]),
            "kind_code": row["kind"],
            "reason": row["reason"],
            "label": _reason_label(row["kind"], row["reason"]),
            "count": row["count"],
        }
        for row in rows
    ]
    chart = bar_chart(
        title=_("Reports rejected and values removed, by reason"),
        x_labels=[f"{row['kind']}: {row['label']}" for row in table],
        series={_("Count"): [row["count"] for row in table]},
        horizontal=True,
        height=max(240, 60 + 26 * len(table)),
        no_data_text=_("Nothing rejected or removed"),
    )
    return {"chart": chart, "table": table}


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Feature use, versions, operating systems, hardware and ingestion findings."""
    if not request.user.has_perm(PERMISSION):
        raise PermissionDenied
    today = timezone.now().date()  # roll-up days are UTC days
    form = UsageFilterForm(
        request.GET or None,
        versions=selectors.rollup_versions(),
        today=today,
        initial={"start": today - timedelta(days=DEFAULT_DAYS - 1), "end": today},
    )
    filters = form.filters()
    labels = [date_format(day, "j M") for day in filters.days]
    versions = _versions_section(filters, labels)
    installation_days = versions["installation_days"]
    context = {
        **admin.site.each_context(request),
        "title": _("Usage charts"),
        "form": form,
        "filters": filters,
        "product_name": dict(PRODUCTS).get(filters.product, ""),
        "versions": versions,
        "features": _features_section(filters, labels, installation_days),
        "systems": _os_section(filters, installation_days),
        "hardware": _hardware_section(filters, installation_days),
        "ingest": _ingest_section(filters),
    }
    return render(request, "admin/telemetry/dashboard.html", context)
