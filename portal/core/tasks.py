"""Celery tasks of the operations core: thin wrappers that load by id and call a service."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task

from portal.core import services

if TYPE_CHECKING:
    from celery import Task


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def deliver_email(self: Task, email_id: int) -> None:
    retry_in = services.email_deliver(email_id=email_id)
    if retry_in is not None:
        # One second late, so the row is due again when the retry runs.
        raise self.retry(countdown=retry_in + 1)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def outbox_requeue_stuck() -> int:
    return services.email_requeue_stuck()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def outbox_redact_bodies() -> int:
    return services.email_redact_bodies()
