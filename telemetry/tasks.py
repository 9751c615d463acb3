"""Upkeep of the usage reports, run by Celery beat (see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task

from telemetry import services


@shared_task(acks_late=True)
def partitions_maintain() -> dict:
    """Day partitions ahead of time; partitions past the retention period dropped."""
    return services.partitions_maintain()
