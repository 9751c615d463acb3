"""Daily roll-ups: exact numbers from hand-made reports, bands, day boundaries, idempotence."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Sum

from telemetry import demo, rollups, tasks
from telemetry.models import (
    DailyFeatureUsage,
    DailyHardware,
    DailyOsShare,
    DailyVersionAdoption,
    IngestCounter,
    Installation,
)
from tests.telemetry.rollup_data import DAY, at, ingest, owner, report

pytestmark = pytest.mark.django_db

ROLLUP_MODELS = [DailyFeatureUsage, DailyOsShare, DailyHardware, DailyVersionAdoption]


def versions(day=DAY) -> set[tuple]:
    return set(
        DailyVersionAdoption.objects.filter(day=day).values_list(
            "product", "version", "installations", "reports"
        )
    )


def features(day=DAY) -> set[tuple]:
    return set(
        DailyFeatureUsage.objects.filter(day=day).values_list(
            "product", "version", "feature", "installations", "uses"
        )
    )


def systems(day=DAY) -> set[tuple]:
    return set(
        DailyOsShare.objects.filter(day=day).values_list(
            "product", "version", "os_name", "os_version", "installations"
        )
    )


def hardware(day=DAY, **filters) -> set[tuple]:
    return set(
        DailyHardware.objects.filter(day=day, **filters).values_list(
            "product", "version", "dimension", "bucket", "installations"
        )
    )


def all_rows() -> dict[str, list[tuple]]:
    return {
        model.__name__: sorted(
            model.objects.values_list(*[f.name for f in model._meta.fields if f.name != "id"])
        )
        for model in ROLLUP_MODELS
    }


@pytest.fixture
def day_of_reports():
    """Four installations on DAY, plus reports just outside it on either side.

    A reports twice (its later report changed OS, cores, memory and disks); B's OS version
    carries an e-mail address (removed at ingestion: "unknown"); C reports at the last second
    of the day, D at the first; E (a server) reports in the last microsecond.
    """
    a, b, c = owner(1), owner(2), owner(3, version="21.1")
    d, e = owner(4, product="server"), owner(5, product="server", version="21.1")
    ingest(
        at(DAY, 8),
        report(
            a,
            cores=4,
            memory_mb=8192,
            disks=("ssd", "ssd"),
            os=("Windows", "10.0.19045"),
            features={"backup.file": 3, "restore.file": 1},
        ),
    )
    ingest(
        at(DAY, 20),
        report(
            a,
            cores=8,
            memory_mb=16384,
            disks=("ssd", "hdd", "ssd"),
            features={"backup.file": 2, "verify.run": 0},
        ),
    )
    ingest(
        at(DAY, 12),
        report(
            b,
            cores=2,
            memory_mb=4095,
            disks=(),
            virtualization="vmware",
            os=("Windows", "10.0 admin@example.com"),
            features={"backup.file": 5},
        ),
    )
    ingest(
        at(DAY, 23, 59, 59),
        report(
            c,
            cores=33,
            memory_mb=65536,
            disks=("nvme",),
            virtualization="kvm",
            os=("Windows Server", "10.0.20348"),
            features={"backup.file": 1},
        ),
    )
    ingest(
        at(DAY, 0, 0, 0),
        report(
            d,
            cores=3,
            memory_mb=4096,
            disks=("network",),
            virtualization="hyper-v",
            os=("Windows Server", "10.0.17763"),
            features={"backup.sql": 7},
        ),
    )
    ingest(at(DAY, 23, 59, 59, 999_999), report(e, features={"backup.sql": 2}))
    # Just outside the day: the previous day's last second, the next day's first.
    ingest(at(DAY - timedelta(days=1), 23, 59, 59), report(a, features={"backup.file": 100}))
    ingest(at(DAY + timedelta(days=1)), report(b, features={"backup.file": 200}))
    return {"a": a, "b": b, "c": c, "d": d, "e": e}


# --- Exact numbers ----------------------------------------------------------------------------


def test_version_adoption_counts_installations_once_and_every_report(day_of_reports):
    counts = rollups.rollup_day(day=DAY)

    assert versions() == {
        ("professional", "21.2.1", 2, 3),
        ("professional", "21.1", 1, 1),
        ("server", "21.2.1", 1, 1),
        ("server", "21.1", 1, 1),
    }
    assert counts == {"version_adoption": 4, "feature_usage": 5, "os_share": 5, "hardware": 21}


def test_feature_usage_sums_counters_and_counts_users(day_of_reports):
    rollups.rollup_day(day=DAY)

    assert features() == {
        # A (3 + 2) and B (5); the reports outside the day are not counted.
        ("professional", "21.2.1", "backup.file", 2, 10),
        ("professional", "21.2.1", "restore.file", 1, 1),
        # verify.run was reported with 0 uses: not used, no row.
        ("professional", "21.1", "backup.file", 1, 1),
        ("server", "21.2.1", "backup.sql", 1, 7),
        ("server", "21.1", "backup.sql", 1, 2),
    }


def test_os_share_uses_the_latest_report_and_names_removed_values_unknown(
    values_in_clear, day_of_reports
):
    rollups.rollup_day(day=DAY)

    assert systems() == {
        ("professional", "21.2.1", "Windows", "10.0.22631", 1),  # A's later report
        ("professional", "21.2.1", "Windows", rollups.UNKNOWN, 1),  # B: removed
        ("professional", "21.1", "Windows Server", "10.0.20348", 1),
        ("server", "21.2.1", "Windows Server", "10.0.17763", 1),
        ("server", "21.1", "Windows", "10.0.22631", 1),
    }
    assert IngestCounter.objects.get(kind="removed", reason="email").count == 1


def test_hardware_bands_from_the_latest_report(day_of_reports):
    rollups.rollup_day(day=DAY)

    assert hardware(product="professional", version="21.2.1") == {
        ("professional", "21.2.1", "cores", "5-8", 1),  # A: 8 cores in its later report
        ("professional", "21.2.1", "cores", "1-2", 1),  # B
        ("professional", "21.2.1", "memory", "16-32 GB", 1),
        ("professional", "21.2.1", "memory", "<4 GB", 1),
        # A's two SSDs count once, its HDD too; B has no disk.
        ("professional", "21.2.1", "disk_type", "ssd", 1),
        ("professional", "21.2.1", "disk_type", "hdd", 1),
        ("professional", "21.2.1", "disk_type", rollups.NO_DISK, 1),
        ("professional", "21.2.1", "virtualization", "none", 1),
        ("professional", "21.2.1", "virtualization", "vmware", 1),
    }
    assert hardware(product="professional", version="21.1") == {
        ("professional", "21.1", "cores", "33+", 1),
        ("professional", "21.1", "memory", "64 GB+", 1),
        ("professional", "21.1", "disk_type", "nvme", 1),
        ("professional", "21.1", "virtualization", "kvm", 1),
    }
    assert hardware(product="server", version="21.2.1") == {
        ("server", "21.2.1", "cores", "3-4", 1),
        ("server", "21.2.1", "memory", "4-8 GB", 1),
        ("server", "21.2.1", "disk_type", "network", 1),
        ("server", "21.2.1", "virtualization", "hyper-v", 1),
    }


def test_one_band_per_installation_adds_up_to_its_version(day_of_reports):
    rollups.rollup_day(day=DAY)

    for row in DailyVersionAdoption.objects.filter(day=DAY):
        same = {"day": DAY, "product": row.product, "version": row.version}
        for dimension in ("cores", "memory", "virtualization"):
            total = DailyHardware.objects.filter(dimension=dimension, **same).aggregate(
                n=Sum("installations")
            )["n"]
            assert total == row.installations, (row, dimension)
        assert (
            DailyOsShare.objects.filter(**same).aggregate(n=Sum("installations"))["n"]
            == row.installations
        )


# --- Bands ------------------------------------------------------------------------------------

CORE_CASES = [
    (1, "1-2"),
    (2, "1-2"),
    (3, "3-4"),
    (4, "3-4"),
    (5, "5-8"),
    (8, "5-8"),
    (9, "9-16"),
    (16, "9-16"),
    (17, "17-32"),
    (32, "17-32"),
    (33, "33+"),
    (4096, "33+"),
]
MEMORY_CASES = [
    (1, "<4 GB"),
    (4095, "<4 GB"),
    (4096, "4-8 GB"),
    (8191, "4-8 GB"),
    (8192, "8-16 GB"),
    (16383, "8-16 GB"),
    (16384, "16-32 GB"),
    (32767, "16-32 GB"),
    (32768, "32-64 GB"),
    (65535, "32-64 GB"),
    (65536, "64 GB+"),
    (64 * 1024 * 1024, "64 GB+"),
]


@pytest.mark.parametrize(("cores", "band"), CORE_CASES)
def test_core_band_edges(cores, band):
    assert rollups.core_band(cores) == band


@pytest.mark.parametrize(("memory_mb", "band"), MEMORY_CASES)
def test_memory_band_edges(memory_mb, band):
    assert rollups.memory_band(memory_mb) == band


def test_the_sql_bands_agree_with_the_edges():
    """One installation per edge case; each lands in the band the edges say."""
    for number, ((cores, _), (memory_mb, _)) in enumerate(
        zip(CORE_CASES, MEMORY_CASES, strict=True), start=100
    ):
        ingest(at(DAY, 12), report(owner(number), cores=cores, memory_mb=memory_mb))

    rollups.rollup_day(day=DAY)

    expected_cores: dict[str, int] = {}
    for _cores, band in CORE_CASES:
        expected_cores[band] = expected_cores.get(band, 0) + 1
    expected_memory: dict[str, int] = {}
    for _memory, band in MEMORY_CASES:
        expected_memory[band] = expected_memory.get(band, 0) + 1
    assert {row[3]: row[4] for row in hardware(dimension="cores")} == expected_cores
    assert {row[3]: row[4] for row in hardware(dimension="memory")} == expected_memory


# --- Days, idempotence, privacy ---------------------------------------------------------------


def test_a_day_is_received_time_from_midnight_to_midnight_utc(day_of_reports):
    before, after = DAY - timedelta(days=1), DAY + timedelta(days=1)

    for day in (before, DAY, after):
        rollups.rollup_day(day=day)

    # 23:59:59 on the day before and 00:00:00 on the day after are not DAY's.
    assert versions(before) == {("professional", "21.2.1", 1, 1)}
    assert features(before) == {("professional", "21.2.1", "backup.file", 1, 100)}
    assert versions(after) == {("professional", "21.2.1", 1, 1)}
    assert features(after) == {("professional", "21.2.1", "backup.file", 1, 200)}
    # 00:00:00, 23:59:59 and 23:59:59.999999 on DAY are DAY's.
    assert ("server", "21.2.1", 1, 1) in versions()
    assert ("professional", "21.1", 1, 1) in versions()
    assert ("server", "21.1", 1, 1) in versions()


def test_rolling_up_again_gives_the_same_rows(day_of_reports):
    first_counts = rollups.rollup_day(day=DAY)
    first = all_rows()

    second_counts = rollups.rollup_day(day=DAY)

    assert second_counts == first_counts
    assert all_rows() == first


def test_rolling_up_again_counts_reports_that_arrived_since(day_of_reports):
    rollups.rollup_day(day=DAY)

    ingest(at(DAY, 21), report(day_of_reports["a"], features={"backup.file": 4}))
    rollups.rollup_day(day=DAY)

    assert ("professional", "21.2.1", 2, 4) in versions()
    assert ("professional", "21.2.1", "backup.file", 2, 14) in features()


def test_a_day_without_reports_has_no_rows_and_loses_old_ones(day_of_reports):
    rollups.rollup_day(day=DAY)
    DailyVersionAdoption.objects.create(
        day=DAY + timedelta(days=5), product="server", version="1.0", installations=1, reports=1
    )

    counts = rollups.rollup_day(day=DAY + timedelta(days=5))

    assert counts == dict.fromkeys(counts, 0)
    assert not DailyVersionAdoption.objects.filter(day=DAY + timedelta(days=5)).exists()
    assert versions()  # other days untouched


def test_no_roll_up_column_holds_an_installation_id(day_of_reports):
    for offset in (-1, 0, 1):
        rollups.rollup_day(day=DAY + timedelta(days=offset))
    ids = set()
    for installation_id in Installation.objects.values_list("id", flat=True):
        ids |= {str(installation_id), installation_id.hex}
    assert len(ids) == 10

    for model in [*ROLLUP_MODELS, IngestCounter]:
        assert model.objects.exists() or model is IngestCounter
        for row in model.objects.values_list(*[f.name for f in model._meta.fields]):
            for value in row:
                assert not any(i in str(value) for i in ids), (model.__name__, row)


# --- Task and command -------------------------------------------------------------------------


def test_the_task_rolls_up_yesterday_and_today(day_of_reports):
    with time_machine.travel(at(DAY + timedelta(days=1), 9), tick=False):
        result = tasks.rollup_recent()

    assert set(result) == {str(DAY), str(DAY + timedelta(days=1))}
    assert result[str(DAY)]["version_adoption"] == 4
    assert versions() and versions(DAY + timedelta(days=1))
    assert not versions(DAY - timedelta(days=1))


def test_the_command_backfills_a_range_of_days(day_of_reports, capsys):
    call_command("telemetry_rollup", "--day", str(DAY - timedelta(days=1)), "--days", "3")

    assert versions(DAY - timedelta(days=1))
    assert len(versions()) == 4
    assert versions(DAY + timedelta(days=1))
    assert "Rolled up 3 day(s)" in capsys.readouterr().out


# --- Demo data --------------------------------------------------------------------------------


def test_the_demo_data_is_ingested_rolled_up_and_seeded_once():
    with time_machine.travel(at(DAY, 15), tick=False):
        stored = demo.seed(days=14, installations=40)
        again = demo.seed(days=14, installations=40)

    assert stored > 100
    assert again == 0
    days = set(DailyVersionAdoption.objects.values_list("day", flat=True))
    assert days == {DAY - timedelta(days=n) for n in range(14)}
    reports = DailyVersionAdoption.objects.aggregate(n=Sum("reports"))["n"]
    assert reports == stored
    removed = set(IngestCounter.objects.filter(kind="removed").values_list("reason", flat=True))
    assert removed == {"email", "phone", "user_path"}
    # The update released during the period is taken up: more common at the end than before.
    newest = DailyVersionAdoption.objects.filter(version=demo.NEW_VERSION)
    assert not newest.filter(day__lt=DAY - timedelta(days=9)).exists()
    assert newest.filter(day=DAY).exists()
