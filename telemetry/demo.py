"""Demo usage reports, so the usage charts show something on a fresh installation.

``seed`` generates the reports of a fixed set of installations (a fixed random seed, so the
same installation IDs every time) over the past days, sends them through the same ingestion
as real reports (so personal-data checks and counters run as they would), and rolls every day
up. It does nothing when the demo installations exist already.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, time, timedelta

import msgspec
from django.db import transaction
from django.utils import timezone

from telemetry import rollups, sample, services
from telemetry.models import Installation

RANDOM_SEED = 20260101
BATCH = 100
REPORTS_PER_WEEK = 3
INSTALLED_SOFTWARE = 20
# The versions installations start on (older ones rarer), and the update released during the
# demo period, which installations take up over the following days.
STARTING_VERSIONS = [("20.2", 10), ("21.0", 20), ("21.1", 30), ("21.2", 40)]
NEW_VERSION = "21.2.1"

# Installed-software names with personal data typed into them: removed at ingestion, counted.
PERSONAL_SOFTWARE_NAMES = [
    "Backup helper - support john.doe@example.com",
    "Remote support +49 30 12345678",
    "C:\\Users\\jsmith\\Tools\\sync.exe",
]


def _installations(rng: random.Random, count: int) -> list[sample.SampleInstallation]:
    versions = [version for version, _weight in STARTING_VERSIONS]
    weights = [weight for _version, weight in STARTING_VERSIONS]
    return [
        dataclasses.replace(
            sample.installation(rng), version=rng.choices(versions, weights=weights)[0]
        )
        for _ in range(count)
    ]


def _received_at(rng: random.Random, day: date, now: datetime) -> datetime:
    at = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(seconds=rng.randrange(86_400))
    return min(at, now)


def _reports(
    rng: random.Random, owners: list[sample.SampleInstallation], days: list[date], now: datetime
) -> dict[datetime, list[bytes]]:
    """The encoded reports by receive time, one batch time per day; newer versions grow more
    common towards the end. The first report of each of the last days carries personal data."""
    release = len(days) // 3
    upgrade_at = {
        owner.installation_id: release + rng.expovariate(3 / max(1, len(days))) for owner in owners
    }
    # With fewer days than names, the first names are left out.
    last_days = days[-len(PERSONAL_SOFTWARE_NAMES) :]
    personal = dict(zip(last_days, PERSONAL_SOFTWARE_NAMES[-len(last_days) :], strict=True))
    by_time: dict[datetime, list[bytes]] = {}
    for index, day in enumerate(days):
        received_at = _received_at(rng, day, now)
        reports = by_time.setdefault(received_at, [])
        for owner in owners:
            if rng.random() >= REPORTS_PER_WEEK / 7:
                continue
            if index >= upgrade_at[owner.installation_id]:
                owner = dataclasses.replace(owner, version=NEW_VERSION)
            sent_at = received_at - timedelta(seconds=rng.randrange(6 * 3600))
            report = sample.report(rng, owner, sent_at=sent_at, installed=INSTALLED_SOFTWARE)
            if not reports and day in personal:
                report["software"]["installed"].append({"name": personal[day], "version": "1.0"})
            reports.append(msgspec.json.encode(report))
    return by_time


def seed(*, days: int = 30, installations: int = 150) -> int:
    """Generate, ingest and roll up the demo reports of the last ``days`` days (today
    included); returns how many reports were stored, 0 when the demo data exists already."""
    rng = random.Random(RANDOM_SEED)  # noqa: S311 - demo data: the same every time, on purpose
    owners = _installations(rng, installations)
    if not owners or Installation.objects.filter(id=owners[0].installation_id).exists():
        return 0
    now = timezone.now()
    today = now.date()
    period = [today - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    stored = 0
    with transaction.atomic():
        for received_at, reports in _reports(rng, owners, period, now).items():
            for start in range(0, len(reports), BATCH):
                result = services.reports_ingest(
                    reports=reports[start : start + BATCH], received_at=received_at
                )
                stored += result.accepted
        for day in period:
            rollups.rollup_day(day=day)
    return stored
