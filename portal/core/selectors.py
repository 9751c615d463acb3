"""Reads of the operations core."""

from __future__ import annotations

from django.db.models import Case, Count, F, Min, Q, When
from django.db.models.functions import Greatest
from django.utils import timezone

from portal.core.models import OutboundEmail


def outbox_backlog() -> dict:
    """Count unsent and failed rows and the age of the oldest unsent one, in one query."""
    # A row written to go out later (a survey after the closure mail) waits from its due time;
    # one that was tried already waits from when it was written, whatever its next retry.
    waiting_since = Case(
        When(attempts=0, then=Greatest("created_at", "next_attempt_at")), default=F("created_at")
    )
    figures = OutboundEmail.objects.aggregate(
        unsent=Count("pk", filter=Q(status__in=["pending", "sending"])),
        failed=Count("pk", filter=Q(status="failed")),
        oldest=Min(waiting_since, filter=Q(status__in=["pending", "sending"])),
    )
    oldest = figures["oldest"]
    age = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
    return {"unsent": figures["unsent"], "failed": figures["failed"], "oldest_unsent_seconds": age}
