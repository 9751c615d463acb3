"""How fast plain PostgreSQL COPY stores the rows the ingestion benchmark stored.

The yardstick for usage-report ingestion: the stored rows exported, then copied into a fresh
table of the same layout and partitions, in batches and as one COPY.
"""

from __future__ import annotations

import threading
import time

from harness import fail

COPY_TABLE = "bench_rawreport_copy"


def _export(conn, columns: str) -> tuple[bytearray, list]:
    """The stored rows as COPY text, and the bounds of the raw table's partitions."""
    from telemetry import storage

    buffer = bytearray()
    with conn.cursor().copy(
        f"COPY (SELECT {columns} FROM {storage.TABLE}) TO STDOUT"  # noqa: S608
    ) as copy:
        for data in copy:
            buffer += data
    bounds = conn.execute(
        "SELECT child.relname, pg_get_expr(child.relpartbound, child.oid) FROM pg_inherits"
        " JOIN pg_class parent ON parent.oid = pg_inherits.inhparent"
        " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
        " WHERE parent.relname = %s ORDER BY child.relname",
        [storage.TABLE],
    ).fetchall()
    return buffer, bounds


def _fresh_table(conn, bounds: list) -> None:
    """An empty copy table with the raw table's layout, index and partitions."""
    from telemetry import storage

    conn.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
    conn.execute(
        f"CREATE TABLE {COPY_TABLE} (LIKE {storage.TABLE} INCLUDING DEFAULTS"
        " INCLUDING COMPRESSION) PARTITION BY RANGE (received_at)"
    )
    conn.execute(f"CREATE INDEX ON {COPY_TABLE} (installation_id)")
    for name, bound in bounds:
        suffix = name.removeprefix(storage.TABLE)
        conn.execute(f"CREATE TABLE {COPY_TABLE}{suffix} PARTITION OF {COPY_TABLE} {bound}")
    conn.execute("CHECKPOINT")


def _batched(connection, statement: str, part: list[bytes]) -> None:
    """One COPY and one transaction per chunk."""
    for chunk in part:
        with connection.transaction(), connection.cursor().copy(statement) as copy:
            copy.write(chunk)


def _batched_two(database_url: str, statement: str, chunks: list[bytes]) -> float:
    """Seconds to copy the chunks over two connections at once, each its half."""
    import psycopg

    connections = [psycopg.connect(database_url) for _ in range(2)]
    try:
        workers = [
            threading.Thread(target=_batched, args=(c, statement, chunks[i::2]))
            for i, c in enumerate(connections)
        ]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.perf_counter() - started
    finally:
        for c in connections:
            c.close()


def copy_compare(database_url: str) -> dict:
    """Export the stored rows, then COPY them into a fresh table of the same layout: in
    batches of 100 rows per COPY and transaction (one and two connections), and as one COPY."""
    import psycopg

    from telemetry import storage

    columns = ", ".join(storage.COLUMNS)
    with psycopg.connect(database_url, autocommit=True) as conn:
        buffer, bounds = _export(conn, columns)
        lines = bytes(buffer).splitlines(keepends=True)
        statement = f"COPY {COPY_TABLE} ({columns}) FROM STDIN"
        chunks = [b"".join(lines[i : i + 100]) for i in range(0, len(lines), 100)]

        results = {"rows": len(lines), "bytes": len(buffer)}
        _fresh_table(conn, bounds)
        with psycopg.connect(database_url) as one:
            started = time.perf_counter()
            _batched(one, statement, chunks)
            results["batched_1"] = time.perf_counter() - started

        _fresh_table(conn, bounds)
        results["batched_2"] = _batched_two(database_url, statement, chunks)

        _fresh_table(conn, bounds)
        with psycopg.connect(database_url) as single:
            started = time.perf_counter()
            with single.transaction(), single.cursor().copy(statement) as copy:
                copy.write(bytes(buffer))
            results["single"] = time.perf_counter() - started
        copied = conn.execute(f"SELECT count(*) FROM {COPY_TABLE}").fetchone()[0]  # noqa: S608
        if copied != len(lines):
            fail(f"the COPY table holds {copied} rows instead of {len(lines)}")
        conn.execute(f"DROP TABLE {COPY_TABLE}")
    return results
