"""Celery tasks of the partners app: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from partners import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_nfr_expiry_reminders() -> int:
    return services.nfr_expiry_reminders_send()
