"""Celery tasks of the entitlements app: thin wrappers that load by id and call a service."""

from __future__ import annotations

from celery import shared_task

from entitlements import releases
from entitlements.models import Release


@shared_task(acks_late=True, reject_on_worker_lost=True)
def announce_release(release_id: int) -> int:
    """Write the release's announcements; run again, it goes on with those still owed one."""
    release = Release.objects.filter(pk=release_id).first()
    if release is None:
        return 0
    return releases.release_announce(release=release)
