"""Reads of the operations core."""

from __future__ import annotations

from django.db.models import Count, Min, Q
from django.utils import timezone

from portal.core.models import OutboundEmail


def outbox_backlog() -> dict:
    """Count unsent and failed rows and the age of the oldest unsent one, in one query."""
    figures = OutboundEmail.objects.aggregate(
        unsent=Count("pk", filter=Q(status__in=["pending", "sending"])),
        failed=Count("pk", filter=Q(status="failed")),
        oldest=Min("created_at", filter=Q(status__in=["pending", "sending"])),
    )
    oldest = figures["oldest"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    return {"unsent": figures["unsent"], "failed": figures["failed"], "oldest_unsent_seconds": age}
