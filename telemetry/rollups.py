"""Daily roll-ups of the raw usage reports: the staff charts, kept after the raw rows expire.

``rollup_day`` recomputes one UTC day of receive time (``received_at`` from 00:00 UTC up to,
not including, 00:00 UTC of the next day) in one transaction: the day's roll-up rows are
deleted and rebuilt by one ``INSERT … SELECT`` per table, so running it again gives the same
rows, and running it while reports still arrive simply counts what has arrived so far.

How an installation is counted:

* Version adoption: distinct installations per product and version, and all their reports.
* Feature usage: distinct installations that used a feature (a counter above 0) in any report
  of the day, and the sum of its counters over all reports (counters count since the previous
  report, so the sum is the day's use).
* OS share and hardware bands: the installation's latest report of the day for that product
  and version (by receive time, then send time). Each installation is thus in exactly one OS,
  core, memory and virtualisation band, and these rows add up to the version's installations;
  a hardware change during the day shows from the next day on. Disk types count the types of
  the latest report's disks: an installation with an SSD and a HDD is in both bands, one with
  two SSDs once, one without disks under ``none``.
* An operating system name or version removed as personal data (stored empty) is ``unknown``.
* An operating system name or version that fewer than ``TELEMETRY_K_ANONYMITY`` installations
  have sent is stored as its keyed hash (``telemetry.anonymity``). When the value has reached
  the threshold since, the roll-up counts it under its value; otherwise under ``rare``. So the
  roll-ups never hold a value below the threshold, and rolling a day up again after a value
  reached it moves the installations that sent it early from ``rare`` to the value.

Core bands are inclusive ranges. Memory bands are half-open, from the lower edge (included) to
the upper edge (excluded), in MB of installed memory: ``<4 GB`` is below 4,096 MB, ``4-8 GB``
is 4,096 to 8,191 MB, and so on up to ``64 GB+`` from 65,536 MB; a machine with exactly 8 GB
installed is in ``8-16 GB``.

The roll-up tables hold counts per product, version and band only, never an installation ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction

from telemetry import anonymity, storage
from telemetry.models import (
    DailyFeatureUsage,
    DailyHardware,
    DailyOsShare,
    DailyVersionAdoption,
)

RAW = storage.TABLE
UNKNOWN = "unknown"
RARE = "rare"
NO_DISK = "none"

# (highest core count in the band, label); the last band has no upper edge.
CORE_BANDS: list[tuple[int | None, str]] = [
    (2, "1-2"),
    (4, "3-4"),
    (8, "5-8"),
    (16, "9-16"),
    (32, "17-32"),
    (None, "33+"),
]
# (upper edge in MB, excluded; label); the last band has no upper edge.
MEMORY_BANDS: list[tuple[int | None, str]] = [
    (4 * 1024, "<4 GB"),
    (8 * 1024, "4-8 GB"),
    (16 * 1024, "8-16 GB"),
    (32 * 1024, "16-32 GB"),
    (64 * 1024, "32-64 GB"),
    (None, "64 GB+"),
]


def core_band(cores: int) -> str:
    """The band of a core count (the same rule as the SQL below)."""
    return next(label for upper, label in CORE_BANDS if upper is None or cores <= upper)


def memory_band(memory_mb: int) -> str:
    """The band of an installed memory size in MB (the same rule as the SQL below)."""
    return next(label for upper, label in MEMORY_BANDS if upper is None or memory_mb < upper)


def _band_case(expression: str, bands: list[tuple[int | None, str]], operator: str) -> str:
    """A CASE expression for ``bands``; edges and labels are the constants above."""
    whens = " ".join(
        f"WHEN {expression} {operator} {int(upper)} THEN '{label}'"
        for upper, label in bands
        if upper is not None
    )
    return f"CASE {whens} ELSE '{bands[-1][1]}' END"


def _free_value(expression: str, field: str) -> str:
    """The value of a free field for the roll-ups: ``unknown`` when removed, the clear value
    of a hash marker once it reached the threshold, ``rare`` before."""
    return f"""CASE
        WHEN {expression} IS NULL OR {expression} = '' THEN '{UNKNOWN}'
        WHEN length({expression}) = {anonymity.MARKER_LENGTH}
            AND substr({expression}, 1, 1) = '{anonymity.MARKER}'
        THEN COALESCE(
            (SELECT v.value FROM {anonymity.VALUES} AS v
             WHERE v.field = '{field}' AND v.value_hash = substr({expression}, 2)),
            '{RARE}')
        ELSE {expression} END"""


# --- The statements ---------------------------------------------------------------------------
#
# Every statement takes the same parameters: the day (the roll-up rows' ``day``), then the
# start and end of the receive-time window. Each vendor has its own JSON functions; the shape
# of the statements is the same.


@dataclass(frozen=True)
class _Dialect:
    """A vendor's JSON expressions over the latest report ``l`` and a report ``r``."""

    cores: str
    memory: str
    virtualization: str
    os_name: str
    os_version: str
    features_from: str
    uses: str
    disks_from: str
    disk_type: str
    # Each installation's latest report of the day per product and version.
    latest: str


_POSTGRESQL = _Dialect(
    cores="(l.hardware->>'cpu_cores')::int",
    memory="(l.hardware->>'memory_mb')::bigint",
    virtualization="l.hardware->>'virtualization'",
    os_name="l.software->'os'->>'name'",
    os_version="l.software->'os'->>'version'",
    features_from="CROSS JOIN LATERAL jsonb_each_text(r.features) AS f(key, value)",
    uses="f.value::bigint",
    disks_from="LEFT JOIN LATERAL jsonb_array_elements(l.hardware->'disks') AS d(value) ON true",
    disk_type="d.value->>'type'",
    latest=f"""
            SELECT DISTINCT ON (installation_id, product, version)
                installation_id, product, version, hardware, software
            FROM {RAW}
            WHERE received_at >= %(start)s AND received_at < %(end)s
            ORDER BY installation_id, product, version,
                received_at DESC, sent_at DESC, report_id DESC
        """,
)
_SQLITE = _Dialect(
    cores="CAST(json_extract(l.hardware, '$.cpu_cores') AS INTEGER)",
    memory="CAST(json_extract(l.hardware, '$.memory_mb') AS INTEGER)",
    virtualization="json_extract(l.hardware, '$.virtualization')",
    os_name="json_extract(l.software, '$.os.name')",
    os_version="json_extract(l.software, '$.os.version')",
    features_from="JOIN json_each(r.features) AS f",
    uses="CAST(f.value AS INTEGER)",
    disks_from="LEFT JOIN json_each(l.hardware, '$.disks') AS d",
    disk_type="json_extract(d.value, '$.type')",
    latest=f"""
            SELECT installation_id, product, version, hardware, software
            FROM (
                SELECT installation_id, product, version, hardware, software,
                    ROW_NUMBER() OVER (
                        PARTITION BY installation_id, product, version
                        ORDER BY received_at DESC, sent_at DESC, report_id DESC
                    ) AS position
                FROM {RAW}
                WHERE received_at >= %(start)s AND received_at < %(end)s
            ) AS ranked
            WHERE position = 1
        """,
)


def _hardware_statement(dialect: _Dialect) -> str:
    """The hardware bands of each installation's latest report, one row per band."""
    return f"""
            INSERT INTO {DailyHardware._meta.db_table}
                (day, product, version, dimension, bucket, installations)
            WITH latest AS ({dialect.latest}),
            bands AS (
                SELECT l.installation_id, l.product, l.version, 'cores' AS dimension,
                    {_band_case(dialect.cores, CORE_BANDS, "<=")} AS bucket
                FROM latest AS l
                UNION ALL
                SELECT l.installation_id, l.product, l.version, 'memory',
                    {_band_case(dialect.memory, MEMORY_BANDS, "<")}
                FROM latest AS l
                UNION ALL
                SELECT l.installation_id, l.product, l.version, 'disk_type',
                    COALESCE(NULLIF({dialect.disk_type}, ''), '{NO_DISK}')
                FROM latest AS l {dialect.disks_from}
                UNION ALL
                SELECT l.installation_id, l.product, l.version, 'virtualization',
                    COALESCE(NULLIF({dialect.virtualization}, ''), 'none')
                FROM latest AS l
            )
            SELECT %(day)s, product, version, dimension, bucket, COUNT(DISTINCT installation_id)
            FROM bands
            GROUP BY product, version, dimension, bucket
        """


def _statements(vendor: str) -> dict[str, str]:
    """The roll-up statements for the database ``vendor``, by table."""
    dialect = _POSTGRESQL if vendor == "postgresql" else _SQLITE
    uses = dialect.uses
    day_reports = f"{RAW} AS r WHERE r.received_at >= %(start)s AND r.received_at < %(end)s"
    return {
        "version_adoption": f"""
            INSERT INTO {DailyVersionAdoption._meta.db_table}
                (day, product, version, installations, reports)
            SELECT %(day)s, r.product, r.version, COUNT(DISTINCT r.installation_id), COUNT(*)
            FROM {day_reports}
            GROUP BY r.product, r.version
        """,
        "feature_usage": f"""
            INSERT INTO {DailyFeatureUsage._meta.db_table}
                (day, product, version, feature, installations, uses)
            SELECT %(day)s, r.product, r.version, f.key,
                COUNT(DISTINCT r.installation_id), SUM({uses})
            FROM {RAW} AS r {dialect.features_from}
            WHERE r.received_at >= %(start)s AND r.received_at < %(end)s AND {uses} > 0
            GROUP BY r.product, r.version, f.key
        """,
        "os_share": f"""
            INSERT INTO {DailyOsShare._meta.db_table}
                (day, product, version, os_name, os_version, installations)
            WITH latest AS ({dialect.latest})
            SELECT %(day)s, product, version, os_name, os_version, COUNT(*)
            FROM (
                SELECT l.product, l.version,
                    {_free_value(dialect.os_name, anonymity.OS_NAME)} AS os_name,
                    {_free_value(dialect.os_version, anonymity.OS_VERSION)} AS os_version
                FROM latest AS l
            ) AS systems
            GROUP BY product, version, os_name, os_version
        """,
        "hardware": _hardware_statement(dialect),
    }


_MODELS = {
    "version_adoption": DailyVersionAdoption,
    "feature_usage": DailyFeatureUsage,
    "os_share": DailyOsShare,
    "hardware": DailyHardware,
}


# The first key of the advisory lock: "roll" in ASCII, so it does not collide with other locks.
_LOCK_CLASS = 0x726F6C6C


def day_window(day: date) -> tuple[datetime, datetime]:
    """The receive-time window of a roll-up day: [00:00 UTC, next day's 00:00 UTC)."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def rollup_day(*, day: date) -> dict[str, int]:
    """Recompute the roll-ups of one UTC day from the raw reports; returns rows per table.

    Idempotent: the day's rows are replaced in one transaction. On PostgreSQL an advisory lock
    per day keeps a beat run and a backfill of the same day from interleaving.
    """
    start, end = day_window(day)
    params = {
        "day": day if connection.vendor == "postgresql" else day.isoformat(),
        "start": storage.db_value(start),
        "end": storage.db_value(end),
    }
    statements = _statements(connection.vendor)
    counts: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, day.toordinal()])
        for model in _MODELS.values():
            model.objects.filter(day=day).delete()
        for name, sql in statements.items():
            cursor.execute(sql, params)
            counts[name] = max(cursor.rowcount, 0)
    return counts


def rollup_days(*, first: date, days: int) -> dict[str, int]:
    """Roll up ``days`` days from ``first`` (a backfill); returns rows per table, summed.

    One transaction per day, so a long backfill never holds one open for long.
    """
    totals: dict[str, int] = dict.fromkeys(_MODELS, 0)
    for offset in range(days):
        for name, count in rollup_day(day=first + timedelta(days=offset)).items():
            totals[name] += count
    return totals
