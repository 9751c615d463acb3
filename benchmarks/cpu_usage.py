"""Where the CPU goes during a benchmark, from Linux /proc: per group of processes."""

from __future__ import annotations

import os
from pathlib import Path

import harness


def _process_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_seconds() -> float:
    """Busy CPU seconds of the whole machine (all cores), from /proc/stat."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(server) -> dict:
    """CPU seconds so far of the gunicorn workers, this database's PostgreSQL backends, the
    PostgreSQL background processes, the waited-for children (wrk) and the whole machine."""
    import resource

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_type = 'client backend' FROM pg_stat_activity"
            " WHERE (datname = current_database() OR datname IS NULL)"
            " AND pid <> pg_backend_pid()"
        )
        postgres = cursor.fetchall()
    connection.close()
    redis = [
        int(path.parent.name)
        for path in Path("/proc").glob("[0-9]*/comm")
        if path.read_text().strip() == "redis-server"
    ]
    return {
        "gunicorn": {pid: _process_seconds(pid) for pid in harness.worker_pids(server)},
        "redis": {pid: _process_seconds(pid) for pid in redis},
        "backends": {pid: _process_seconds(pid) for pid, client in postgres if client},
        "background": {pid: _process_seconds(pid) for pid, client in postgres if not client},
        "wrk": resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_stime,
        "machine": _machine_seconds(),
    }


def cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds between two snapshots, per group; "other" is the rest of the machine."""
    used = {}
    for group in ("gunicorn", "backends", "background", "redis"):
        used[group] = sum(
            max(0.0, seconds - before[group].get(pid, 0.0))
            for pid, seconds in after[group].items()
            if pid in before[group]
        )
    used["wrk"] = after["wrk"] - before["wrk"]
    used["machine"] = after["machine"] - before["machine"]
    ours = ("gunicorn", "backends", "background", "redis", "wrk")
    used["other"] = max(0.0, used["machine"] - sum(used[group] for group in ours))
    return used
