"""Files left behind by a rolled-back ticket transaction are removed once they are old enough."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tickets import attachments, services, tasks
from tickets.models import Attachment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in (media / "attachments").rglob("*") if path.is_file())


def open_with_file(customer, name: str = "backup.log"):
    return services.ticket_create(
        customer=customer,
        product="professional",
        version="21.2",
        category="technical",
        subject="Backup fails",
        description="It fails every night.",
        files=[SimpleUploadedFile(name, b"09:00 job started\n", content_type="text/plain")],
    ).ticket


class Abort(Exception):
    pass


def test_a_rolled_back_request_leaves_a_file_that_the_sweep_removes(premium_customer, media):
    kept = open_with_file(premium_customer, "kept.log")
    with pytest.raises(Abort), transaction.atomic():
        open_with_file(premium_customer, "lost.log")
        raise Abort
    assert len(stored_files(media)) == 2  # the lost one is on disk without a row

    later = timezone.now() + timedelta(hours=7)
    removed = attachments.orphans_remove(older_than=timedelta(hours=6), now=later)

    assert removed == 1
    (left,) = stored_files(media)
    attachment = Attachment.objects.get(message__ticket=kept)
    assert left == media / attachment.file.name


def test_young_files_are_left_alone_their_transaction_may_still_commit(premium_customer, media):
    with pytest.raises(Abort), transaction.atomic():
        open_with_file(premium_customer)
        raise Abort

    assert attachments.orphans_remove(older_than=timedelta(hours=6)) == 0
    assert len(stored_files(media)) == 1


def test_the_task_uses_the_setting_and_an_empty_store_is_fine(settings, media):
    settings.TICKET_ORPHAN_FILE_HOURS = 6

    assert tasks.remove_orphan_attachments() == 0
