"""The raw report table: its creation, its partitions, batched writes and expiry.

On PostgreSQL ``telemetry_rawreport`` is partitioned by receive time, one partition per UTC day
(``telemetry_rawreport_pYYYYMMDD``), plus a default partition that catches rows when the
partition-ahead task has not run. Expiry drops whole day partitions. Rows are written with COPY,
one per request. The JSON columns are compressed with lz4 where the server has it (migration
0003): a report's software list is about 3 KB, always compressed, and PostgreSQL's default pglz
took about 40% of the server's time for a COPY. On SQLite (the embedded default) it is a plain
table written by a multi-row INSERT and expired by DELETE.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, TypeAlias

from django.db import connection, transaction

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor

    # A value as it is bound to a query parameter.
    SqlValue: TypeAlias = str | bytes | int | float | date | uuid.UUID | None

TABLE = "telemetry_rawreport"
DEFAULT_PARTITION = f"{TABLE}_default"
COLUMNS = (
    "report_id",
    "received_at",
    "installation_id",
    "product",
    "version",
    "sent_at",
    "schema_version",
    "hardware",
    "software",
    "features",
)
JSON_COLUMNS = ("hardware", "software", "features")
_PARTITION_NAME = re.compile(rf"^{TABLE}_p(\d{{8}})$")

_POSTGRES_DDL = f"""
CREATE TABLE {TABLE} (
    report_id uuid NOT NULL,
    received_at timestamptz NOT NULL,
    installation_id uuid NOT NULL,
    product varchar(40) NOT NULL,
    version varchar(20) NOT NULL,
    sent_at timestamptz NOT NULL,
    schema_version smallint NOT NULL,
    hardware jsonb NOT NULL,
    software jsonb NOT NULL,
    features jsonb NOT NULL
) PARTITION BY RANGE (received_at);
CREATE INDEX {TABLE}_installation ON {TABLE} (installation_id);
CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT;
CREATE INDEX telemetry_seenreport_received ON telemetry_seenreport USING brin (received_at);
"""

_SQLITE_DDL = [
    f"""CREATE TABLE {TABLE} (
        report_id char(32) NOT NULL PRIMARY KEY,
        received_at datetime NOT NULL,
        installation_id char(32) NOT NULL,
        product varchar(40) NOT NULL,
        version varchar(20) NOT NULL,
        sent_at datetime NOT NULL,
        schema_version smallint NOT NULL,
        hardware text NOT NULL,
        software text NOT NULL,
        features text NOT NULL
    )""",
    f"CREATE INDEX {TABLE}_installation ON {TABLE} (installation_id)",
    f"CREATE INDEX {TABLE}_received ON {TABLE} (received_at)",
    "CREATE INDEX telemetry_seenreport_received ON telemetry_seenreport (received_at)",
]


def is_partitioned(conn: BaseDatabaseWrapper = connection) -> bool:
    return conn.vendor == "postgresql"


def table_create(schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create the raw table (migration 0002)."""
    if is_partitioned(schema_editor.connection):
        schema_editor.execute(_POSTGRES_DDL)
    else:
        for statement in _SQLITE_DDL:
            schema_editor.execute(statement)


def table_drop(schema_editor: BaseDatabaseSchemaEditor) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    schema_editor.execute("DROP INDEX IF EXISTS telemetry_seenreport_received")


def compression_set(schema_editor: BaseDatabaseSchemaEditor, method: str) -> None:
    """Compress the JSON columns of the raw table and of every partition with ``method`` ("lz4"
    or "default"), when the server supports it (migration 0003). New partitions copy it."""
    if not is_partitioned(schema_editor.connection):
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT %s = ANY(enumvals) OR %s = 'default' FROM pg_settings"
            " WHERE name = 'default_toast_compression'",
            [method, method],
        )
        row = cursor.fetchone()
        if not row or not row[0]:
            return  # a server built without lz4 keeps pglz
        cursor.execute(
            "SELECT child.relname FROM pg_inherits"
            " JOIN pg_class parent ON parent.oid = pg_inherits.inhparent"
            " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
            " WHERE parent.relname = %s ORDER BY child.relname",
            [TABLE],
        )
        tables = [TABLE, *(name for (name,) in cursor.fetchall())]
    # ALTER TABLE on the partitioned table does not reach the partitions that exist already.
    columns = ", ".join(
        f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in JSON_COLUMNS
    )
    for table in tables:
        schema_editor.execute(f"ALTER TABLE {table} {columns}")


def partition_name(day: date) -> str:
    return f"{TABLE}_p{day:%Y%m%d}"


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def partitions() -> list[date]:
    """The days that have their own partition, oldest first (PostgreSQL only)."""
    if not is_partitioned():
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT child.relname FROM pg_inherits"
            " JOIN pg_class parent ON parent.oid = pg_inherits.inhparent"
            " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
            " WHERE parent.relname = %s",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    days = []
    for name in names:
        match = _PARTITION_NAME.match(name)
        if match:
            days.append(datetime.strptime(match.group(1), "%Y%m%d").date())
    return sorted(days)


def partitions_ensure(*, first: date, days: int) -> list[date]:
    """Create the day partitions from ``first`` for ``days`` days; returns the days created.

    Rows already caught by the default partition for such a day are moved into the new
    partition in the same transaction, so a partition can be created late without loss.
    """
    if not is_partitioned():
        return []
    existing = set(partitions())
    created = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day in existing:
            continue
        name = partition_name(day)
        start, end = _day_start(day), _day_start(day + timedelta(days=1))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING COMPRESSION)"
            )
            cursor.execute(
                f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION}"
                " WHERE received_at >= %s AND received_at < %s RETURNING *)"
                f" INSERT INTO {name} SELECT * FROM moved",
                [start, end],
            )
            cursor.execute(
                f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
                [start, end],
            )
        created.append(day)
    return created


def expire(*, before: datetime) -> dict[str, int]:
    """Remove raw reports received before ``before``: whole partitions where possible."""
    dropped = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if is_partitioned():
            for day in partitions():
                if _day_start(day + timedelta(days=1)) <= before:
                    cursor.execute(f"DROP TABLE {partition_name(day)}")
                    dropped += 1
            cursor.execute(f"DELETE FROM {DEFAULT_PARTITION} WHERE received_at < %s", [before])
        else:
            cursor.execute(f"DELETE FROM {TABLE} WHERE received_at < %s", [db_value(before)])
        deleted = max(cursor.rowcount, 0)
        cursor.execute(
            "DELETE FROM telemetry_seenreport WHERE received_at < %s", [db_value(before)]
        )
    return {"partitions_dropped": dropped, "rows_deleted": deleted}


def rows_write(rows: Sequence[tuple]) -> None:
    """Write report rows (in ``COLUMNS`` order; JSON columns as encoded bytes) in one statement."""
    if not rows:
        return
    if is_partitioned():
        statement = f"COPY {TABLE} ({', '.join(COLUMNS)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            copy.write(_copy_text(rows))
        return
    placeholders = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES "
            + ", ".join([placeholders] * len(rows)),
            [db_value(value) for row in rows for value in row],
        )


def _copy_text(rows: Sequence[tuple]) -> bytes:
    """The rows in COPY's text format. JSON text holds no raw tab or newline (JSON escapes
    them), and the other columns are validated identifiers, so only backslashes need escaping.
    A batch repeats its receive time, product and versions, so each such value is formatted once.
    """
    texts: dict = {}
    lines = []
    for row in rows:
        parts = []
        for value in row:
            kind = type(value)
            if kind is bytes:
                parts.append(value.replace(b"\\", b"\\\\") if b"\\" in value else value)
            elif kind is uuid.UUID:
                parts.append(value.hex.encode())  # PostgreSQL reads UUIDs without hyphens too
            else:
                try:
                    parts.append(texts[value])
                except KeyError:
                    text = value.isoformat() if isinstance(value, datetime) else str(value)
                    parts.append(texts.setdefault(value, text.encode()))
        lines.append(b"\t".join(parts))
    lines.append(b"")
    return b"\n".join(lines)


def db_value(value: SqlValue) -> SqlValue:
    """A parameter as this database stores it (SQLite: text UUIDs and naive UTC times)."""
    if is_partitioned():
        return value
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def installation_delete(installation_ids: Iterable) -> int:
    """Delete every raw report of these installations; returns the number deleted."""
    ids = list(installation_ids)
    if not ids:
        return 0
    with connection.cursor() as cursor:
        if is_partitioned():
            cursor.execute(f"DELETE FROM {TABLE} WHERE installation_id = ANY(%s)", [ids])
        else:
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE installation_id IN ({', '.join(['%s'] * len(ids))})",
                [db_value(i) for i in ids],
            )
        return cursor.rowcount


def seen_record(report_ids: Sequence[uuid.UUID], *, received_at: datetime) -> set[uuid.UUID]:
    """Record report IDs as received; returns those not seen before (one statement)."""
    if not report_ids:
        return set()
    with connection.cursor() as cursor:
        if is_partitioned():
            # One array parameter rather than two per report: binding hundreds of parameters
            # on the client cost more than the statement.
            cursor.execute(
                "INSERT INTO telemetry_seenreport (report_id, received_at)"
                " SELECT report_id, %s FROM unnest(%s::uuid[]) AS report_id"
                " ON CONFLICT (report_id) DO NOTHING RETURNING report_id",
                [received_at, list(report_ids)],
            )
        else:
            values = ", ".join(["(%s, %s)"] * len(report_ids))
            params = []
            at = db_value(received_at)
            for report_id in report_ids:
                params += [db_value(report_id), at]
            cursor.execute(
                f"INSERT INTO telemetry_seenreport (report_id, received_at) VALUES {values}"
                " ON CONFLICT (report_id) DO NOTHING RETURNING report_id",
                params,
            )
        rows = cursor.fetchall()
    return {row[0] if isinstance(row[0], uuid.UUID) else uuid.UUID(row[0]) for row in rows}
