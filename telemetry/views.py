"""The public page that lists what the Customer Experience Programme collects."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from entitlements.catalogue import PRODUCTS
from telemetry import anonymity, schema
from telemetry.features import FEATURES


@require_GET
def collected(request: HttpRequest) -> HttpResponse:
    """Generated from the report schema itself, so it always matches what is accepted."""
    return render(
        request,
        "telemetry/collected.html",
        {
            "fields": schema.fields(),
            "never_collected": schema.NEVER_COLLECTED,
            "products": [(name, sorted(FEATURES[code])) for code, name in PRODUCTS],
            "schema_version": schema.SCHEMA_VERSION,
            "retention_days": settings.TELEMETRY_RETENTION_DAYS,
            "k_anonymity": anonymity.threshold(),
        },
    )
