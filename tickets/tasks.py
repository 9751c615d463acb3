"""Celery tasks of the tickets app: thin wrappers around the services."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from tickets import attachments, services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_ticket_sweeps() -> dict[str, int]:
    result = services.tickets_sweep()
    return {"reminded": result.reminded, "closed": result.closed}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_ticket_escalations() -> dict[str, int]:
    """Warn assignees of first responses due soon; escalate missed ones to the support leads."""
    result = services.tickets_escalate()
    return {"warned": result.warned, "escalated": result.escalated}


@shared_task(acks_late=True)
def remove_orphan_attachments() -> int:
    """Files left behind by transactions that rolled back (see attachments.orphans_remove)."""
    return attachments.orphans_remove(older_than=timedelta(hours=settings.TICKET_ORPHAN_FILE_HOURS))
