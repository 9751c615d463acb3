"""Celery tasks of the tickets app: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from tickets import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_ticket_sweeps() -> dict:
    result = services.tickets_sweep()
    return {"reminded": result.reminded, "closed": result.closed}
