"""The raw report table: day partitions on PostgreSQL, expiry, batched writes."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection

from telemetry import sample, services, storage, tasks
from telemetry.models import RawReport, SeenReport

pytestmark = pytest.mark.django_db


def ingest(received_at: datetime, count: int = 2, seed: int = 1, **changes):
    rng = random.Random(seed)
    owner = sample.installation(rng)
    reports = []
    for _ in range(count):
        report = sample.report(rng, owner, sent_at=received_at, installed=5)
        report.update(changes)
        reports.append(json.dumps(report).encode())
    result = services.reports_ingest(reports=reports, received_at=received_at)
    assert result.accepted == count
    return owner


def rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ONLY {table}")  # noqa: S608
        return cursor.fetchone()[0]


@pytest.fixture
def postgres_only(on_postgres):
    if not on_postgres:
        pytest.skip("day partitions exist on PostgreSQL; SQLite has the plain table")


@pytest.mark.usefixtures("postgres_only")
def test_partitions_are_created_ahead_by_the_beat_task():
    with time_machine.travel(datetime(2026, 11, 21, 12, tzinfo=UTC)):
        result = tasks.partitions_maintain()

    days = storage.partitions()
    assert date(2026, 11, 20) in days
    assert date(2026, 11, 28) in days
    assert result["created"][0] == "2026-11-20"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE relname = %s",
            [storage.partition_name(date(2026, 11, 21))],
        )
        bound = cursor.fetchone()[0]
    assert "2026-11-21 00:00:00+00" in bound
    assert "2026-11-22 00:00:00+00" in bound
    # Running again creates nothing new.
    with time_machine.travel(datetime(2026, 11, 21, 13, tzinfo=UTC)):
        assert tasks.partitions_maintain()["created"] == []


@pytest.mark.usefixtures("postgres_only")
def test_reports_land_in_their_receive_day_partition():
    with time_machine.travel(datetime(2026, 11, 21, 12, tzinfo=UTC)):
        services.partitions_maintain()
    ingest(datetime(2026, 11, 21, 23, 59, 59, tzinfo=UTC), seed=1)
    ingest(datetime(2026, 11, 22, 0, 0, 0, tzinfo=UTC), count=3, seed=2)

    assert rows_in(storage.partition_name(date(2026, 11, 21))) == 2
    assert rows_in(storage.partition_name(date(2026, 11, 22))) == 3
    assert rows_in(storage.DEFAULT_PARTITION) == 0


@pytest.mark.usefixtures("postgres_only")
def test_a_late_partition_takes_over_the_rows_the_default_caught():
    ingest(datetime(2026, 3, 3, 8, tzinfo=UTC), count=4)
    assert rows_in(storage.DEFAULT_PARTITION) == 4

    storage.partitions_ensure(first=date(2026, 3, 3), days=1)

    assert rows_in(storage.DEFAULT_PARTITION) == 0
    assert rows_in(storage.partition_name(date(2026, 3, 3))) == 4
    assert RawReport.objects.count() == 4


@pytest.mark.usefixtures("postgres_only")
def test_expiry_drops_whole_partitions_past_the_retention(settings):
    settings.TELEMETRY_RETENTION_DAYS = 90
    storage.partitions_ensure(first=date(2026, 8, 20), days=5)
    old = ingest(datetime(2026, 8, 21, 10, tzinfo=UTC), seed=1)
    kept = ingest(datetime(2026, 8, 24, 10, tzinfo=UTC), seed=2)

    with time_machine.travel(datetime(2026, 11, 21, 12, tzinfo=UTC)):  # cut-off: Aug 23, 12:00
        result = services.partitions_maintain()

    assert result["partitions_dropped"] == 3  # Aug 20, 21, 22; Aug 23 still holds younger rows
    assert date(2026, 8, 21) not in storage.partitions()
    assert date(2026, 8, 23) in storage.partitions()
    assert not RawReport.objects.filter(installation_id=old.installation_id).exists()
    assert RawReport.objects.filter(installation_id=kept.installation_id).count() == 2
    assert SeenReport.objects.count() == 2


def test_expiry_deletes_old_rows_on_any_database(settings):
    settings.TELEMETRY_RETENTION_DAYS = 10
    old = ingest(datetime(2026, 11, 1, tzinfo=UTC), seed=1)
    young = ingest(datetime(2026, 11, 15, tzinfo=UTC), seed=2)

    storage.expire(before=datetime(2026, 11, 11, tzinfo=UTC))

    assert not RawReport.objects.filter(installation_id=old.installation_id).exists()
    assert RawReport.objects.filter(installation_id=young.installation_id).count() == 2
    assert (
        SeenReport.objects.filter(received_at__lt=datetime(2026, 11, 11, tzinfo=UTC)).count() == 0
    )


def test_opting_out_deletes_across_partitions(on_postgres):
    if on_postgres:
        storage.partitions_ensure(first=date(2026, 11, 1), days=3)
    rng = random.Random(5)
    owner = sample.installation(rng)
    for day in (1, 2, 3):
        at = datetime(2026, 11, day, 9, tzinfo=UTC)
        services.reports_ingest(
            reports=[json.dumps(sample.report(rng, owner, sent_at=at)).encode()], received_at=at
        )

    deleted = services.installation_opt_out(
        installation_id=owner.installation_id, secret=owner.secret
    )

    assert deleted == 3
    assert not RawReport.objects.filter(installation_id=owner.installation_id).exists()


def test_values_with_backslashes_and_unicode_survive_the_batched_write(values_in_clear):
    at = datetime(2026, 11, 21, 9, tzinfo=UTC)
    rng = random.Random(9)
    owner = sample.installation(rng)
    report = sample.report(rng, owner, sent_at=at, installed=2)
    report["software"]["installed"] = [
        {"name": 'Tool \\ Suite\t"quoted" — Ünïcode ✓', "version": "1.0\\2"},
    ]

    services.reports_ingest(reports=[json.dumps(report).encode()], received_at=at)

    (row,) = RawReport.objects.filter(installation_id=owner.installation_id)
    assert row.software["installed"] == report["software"]["installed"]
