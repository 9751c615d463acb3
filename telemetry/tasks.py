"""Upkeep of the usage reports, run by Celery beat (see CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from telemetry import rollups, services


@shared_task(acks_late=True)
def partitions_maintain() -> dict:
    """Day partitions ahead of time; partitions past the retention period dropped."""
    return services.partitions_maintain()


@shared_task(acks_late=True)
def rollup_recent() -> dict:
    """Recompute yesterday's and today's roll-ups (UTC days).

    Yesterday is redone so that reports received just before midnight, after the last run of
    that day, are counted. Each day is replaced whole, so a run repeated or overlapping with
    another changes nothing.
    """
    today = timezone.now().date()
    return {str(day): rollups.rollup_day(day=day) for day in (today - timedelta(days=1), today)}
