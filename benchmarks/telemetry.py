#!/usr/bin/env python
"""Usage-report ingestion (docs/performance.md): gunicorn + PostgreSQL + wrk on one machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/novadesk_telemetry_bench \\
        python benchmarks/telemetry.py

Needs a migrated PostgreSQL database of its own (``make bench-telemetry`` creates one), Redis
and ``wrk``. The script empties the telemetry tables, registers a pool of installations,
pre-generates distinct gzip'd batches of realistic reports (``telemetry.sample``), starts
gunicorn (2 sync workers, production settings, loopback only, rate limits raised because all
load comes from one address), POSTs the batches with wrk for a fixed time and prints the reports
accepted per second, counted in the raw table. Then it exports the stored rows and times a plain
PostgreSQL COPY of the same rows into a fresh table of the same layout, for the ratio. Everything
it starts it stops.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# This file is named like the app: the project root must come first on the path.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
sys.path.append(str(HERE))

import run as bench  # noqa: E402 - benchmarks/run.py: environment, ports, wrk output

ENDPOINT = "/api/v1/telemetry/reports"
COPY_TABLE = "bench_rawreport_copy"
POSTGRES_SETTINGS = (
    "shared_buffers",
    "synchronous_commit",
    "fsync",
    "full_page_writes",
    "wal_level",
    "wal_buffers",
    "wal_compression",
    "commit_delay",
    "default_toast_compression",
    "max_wal_size",
    "checkpoint_timeout",
    "work_mem",
    "max_connections",
)

LUA = r"""
-- Cycles through pre-generated gzip'd batches (each thread its own share, so no report is sent
-- twice unless the files run out) and counts what the 202 answers say.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local dir, first, count, step = args[1], tonumber(args[2]), tonumber(args[3]), tonumber(args[4])
  bodies = {}
  for i = first + id, first + count - 1, step do
    local f = assert(io.open(string.format("%s/%06d.json.gz", dir, i), "rb"))
    bodies[#bodies + 1] = f:read("*a")
    f:close()
  end
  position, wrapped = 1, 0
  answers, accepted, duplicates, rejected, other = 0, 0, 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Content-Encoding"] = "gzip"
end

function request()
  local body = bodies[position]
  position = position + 1
  if position > #bodies then
    position, wrapped = 1, wrapped + 1
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 202 then
    answers = answers + 1
    accepted = accepted + tonumber(body:match('"accepted":(%d+)'))
    duplicates = duplicates + tonumber(body:match('"duplicates":(%d+)'))
    rejected = rejected + tonumber(body:match('"rejected":(%d+)'))
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local total = {answers = 0, accepted = 0, duplicates = 0, rejected = 0, other = 0, wrapped = 0}
  for _, thread in ipairs(threads) do
    for key, _ in pairs(total) do
      total[key] = total[key] + thread:get(key)
    end
  end
  io.write(string.format(
    "LUA answers=%d accepted=%d duplicates=%d rejected=%d other=%d wrapped=%d\n",
    total.answers, total.accepted, total.duplicates, total.rejected, total.other, total.wrapped))
end
"""


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20, help="Seconds of measured load.")
    parser.add_argument("--warmup", type=int, default=3, help="Seconds of load before it.")
    parser.add_argument(
        "--batches",
        type=int,
        default=4000,
        help="Distinct batches to generate; more than the run can send, or reports repeat.",
    )
    parser.add_argument("--installations-per-batch", type=int, default=10)
    parser.add_argument("--reports-per-installation", type=int, default=10)
    parser.add_argument("--installed", type=int, default=50, help="Software entries per report.")
    parser.add_argument(
        "--installations", type=int, default=5000, help="The pool the batches draw from."
    )
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
    parser.add_argument("--port", type=int, default=0, help="Default: a free port.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-copy", action="store_true", help="Skip the raw COPY comparison.")
    parser.add_argument(
        "--wait-idle",
        type=int,
        default=0,
        metavar="SECONDS",
        help="First wait up to this long for the 1-minute load average to fall below 1.",
    )
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    return parser.parse_args()


# --- The batches ------------------------------------------------------------------------------


def _installations(seed: int, count: int):
    from telemetry import sample

    rng = random.Random(seed)  # noqa: S311 - sample data
    return [sample.installation(rng) for _ in range(count)]


def _generate(job: tuple) -> int:
    """Write batches ``first`` .. ``first + count - 1`` (one process of the pool)."""
    directory, first, count, args, now_iso = job
    from telemetry import sample

    pool = _installations(args["seed"], args["installations"])
    now = datetime.fromisoformat(now_iso)
    size = 0
    for number in range(first, first + count):
        rng = random.Random(f"{args['seed']}:{number}")  # noqa: S311 - sample data
        owners = rng.sample(pool, args["installations_per_batch"])
        reports = []
        for owner in owners:
            # Reports an installation queued while it could not send: one a day, oldest first.
            for age in range(args["reports_per_installation"], 0, -1):
                sent_at = now - timedelta(days=age - 1, seconds=rng.randint(0, 3600))
                reports.append(
                    sample.report(rng, owner, sent_at=sent_at, installed=args["installed"])
                )
        body = gzip.compress(json.dumps({"reports": reports}).encode(), compresslevel=6)
        (Path(directory) / f"{number:06d}.json.gz").write_bytes(body)
        size += len(body)
    return size


def batches_generate(directory: Path, args: argparse.Namespace) -> dict:
    """Write ``args.batches`` gzip'd bodies; every report ID differs (random 122 bits each)."""
    started = time.perf_counter()
    settings = {
        "seed": args.seed,
        "installations": args.installations,
        "installations_per_batch": args.installations_per_batch,
        "reports_per_installation": args.reports_per_installation,
        "installed": args.installed,
    }
    now_iso = datetime.now(UTC).isoformat()
    processes = max(1, os.cpu_count() or 1)
    chunk = -(-args.batches // processes)
    jobs = [
        (str(directory), first, min(chunk, args.batches - first), settings, now_iso)
        for first in range(0, args.batches, chunk)
    ]
    with ProcessPoolExecutor(processes) as pool:
        gzipped = sum(pool.map(_generate, jobs))
    raw = len(gzip.decompress((directory / "000000.json.gz").read_bytes()))
    return {
        "seconds": time.perf_counter() - started,
        "gzip_bytes": gzipped // args.batches,
        "json_bytes": raw,
    }


# --- The database -----------------------------------------------------------------------------


def database_prepare(args: argparse.Namespace) -> None:
    """Empty the telemetry tables, create today's partitions, register the installation pool."""
    from django.db import connection

    from telemetry import services, storage
    from telemetry.models import Installation

    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {storage.TABLE}, telemetry_seenreport, telemetry_ingestcounter,"
            " telemetry_installation"
        )
        cursor.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
    services.partitions_maintain()
    # Steady state: the installations reported before (a first report registers one; that
    # path is exercised by the tests, not measured here).
    Installation.objects.bulk_create(
        [
            Installation(id=owner.installation_id, secret_hash=services.secret_hash(owner.secret))
            for owner in _installations(args.seed, args.installations)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE telemetry_installation")
        cursor.execute("CHECKPOINT")


def stored_reports() -> int:
    from django.db import connection

    from telemetry import storage

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {storage.TABLE}")  # noqa: S608 - a constant
        return cursor.fetchone()[0]


def postgres_settings() -> dict[str, str]:
    from django.db import connection

    from telemetry import storage

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        values = {"server_version": cursor.fetchone()[0]}
        cursor.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
            [list(POSTGRES_SETTINGS)],
        )
        for name, setting, unit in cursor.fetchall():
            values[name] = f"{setting}{' x ' + unit if unit else ''}"
        cursor.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = %s::regclass"
            " AND attname = 'software'",
            [storage.TABLE],
        )
        method = {"l": "lz4", "p": "pglz"}.get(cursor.fetchone()[0], "default")
        values["raw table JSON compression"] = method
    return values


# --- Where the CPU goes (Linux /proc) -----------------------------------------------------------


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
        "gunicorn": {pid: _process_seconds(pid) for pid in bench.worker_pids(server)},
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


# --- The server and the load ------------------------------------------------------------------


def gunicorn_start(env: dict[str, str], port: int, workers: int, log: Path):
    command = [
        sys.executable, "-m", "gunicorn", "portal.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "sync",
        "--timeout", "60",
        "--log-level", "warning",
        "--error-logfile", str(log),
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # the access log of gunicorn.conf.py
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            bench.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/telemetry/schema", timeout=2)
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    bench.stop(process)
    bench.fail(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")
    return None


def preflight(base: str, body: bytes) -> None:
    """One batch as wrk will send it; anything but 202 would measure nothing."""
    request = urllib.request.Request(  # noqa: S310 - loopback URL built here
        base + ENDPOINT,
        method="POST",
        data=body,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    if status != 202:
        bench.fail(f"a batch answered {status} instead of 202: {answer[:500]!r}")
    figures = json.loads(answer)
    if figures["accepted"] == 0:
        bench.fail(f"the preflight batch was not accepted: {figures}")
    return figures


def wrk_run(args, base: str, script: Path, directory: Path, first: int, count: int, seconds: int):
    command = [
        "wrk",
        "-t", str(args.threads),
        "-c", str(max(args.connections, args.threads)),
        "-d", f"{seconds}s",
        "--timeout", "10s",
        "--latency",
        "-s", str(script),
        base + ENDPOINT,
        "--", str(directory), str(first), str(count), str(args.threads),
    ]  # fmt: skip
    completed = subprocess.run(  # noqa: S603 - wrk with arguments built here
        command, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if completed.returncode != 0:
        bench.fail(f"wrk failed: {completed.stderr.strip()[-500:]}")
    output = completed.stdout
    figures = bench.parse_wrk(output)
    lua = re.search(r"LUA (.*)", output)
    figures.update({k: int(v) for k, v in (pair.split("=") for pair in lua.group(1).split())})
    duration = re.search(r"requests in ([\d.]+)(us|ms|s|m),", output)
    figures["seconds"] = bench._ms("".join(duration.groups())) / 1000
    socket = re.search(r"Socket errors: (.*)", output)
    figures["socket_errors"] = socket.group(1) if socket else "none"
    return figures


# --- Plain COPY of the same rows --------------------------------------------------------------


def copy_compare(database_url: str) -> dict:
    """Export the stored rows, then COPY them into a fresh table of the same layout: in
    batches of 100 rows per COPY and transaction (one and two connections), and as one COPY."""
    import psycopg

    from telemetry import storage

    columns = ", ".join(storage.COLUMNS)
    with psycopg.connect(database_url, autocommit=True) as conn:
        buffer = bytearray()
        with conn.cursor().copy(
            f"COPY (SELECT {columns} FROM {storage.TABLE}) TO STDOUT"  # noqa: S608
        ) as copy:
            for data in copy:
                buffer += data
        lines = bytes(buffer).splitlines(keepends=True)
        bounds = conn.execute(
            "SELECT child.relname, pg_get_expr(child.relpartbound, child.oid) FROM pg_inherits"
            " JOIN pg_class parent ON parent.oid = pg_inherits.inhparent"
            " JOIN pg_class child ON child.oid = pg_inherits.inhrelid"
            " WHERE parent.relname = %s ORDER BY child.relname",
            [storage.TABLE],
        ).fetchall()

        def fresh_table() -> None:
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

        statement = f"COPY {COPY_TABLE} ({columns}) FROM STDIN"
        chunks = [b"".join(lines[i : i + 100]) for i in range(0, len(lines), 100)]

        def batched(connection, part) -> None:
            for chunk in part:
                with connection.transaction(), connection.cursor().copy(statement) as copy:
                    copy.write(chunk)

        results = {"rows": len(lines), "bytes": len(buffer)}
        fresh_table()
        with psycopg.connect(database_url) as one:
            started = time.perf_counter()
            batched(one, chunks)
            results["batched_1"] = time.perf_counter() - started

        fresh_table()
        connections = [psycopg.connect(database_url) for _ in range(2)]
        try:
            workers = [
                threading.Thread(target=batched, args=(c, chunks[i::2]))
                for i, c in enumerate(connections)
            ]
            started = time.perf_counter()
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            results["batched_2"] = time.perf_counter() - started
        finally:
            for c in connections:
                c.close()

        fresh_table()
        with psycopg.connect(database_url) as single:
            started = time.perf_counter()
            with single.transaction(), single.cursor().copy(statement) as copy:
                copy.write(bytes(buffer))
            results["single"] = time.perf_counter() - started
        copied = conn.execute(f"SELECT count(*) FROM {COPY_TABLE}").fetchone()[0]  # noqa: S608
        if copied != len(lines):
            bench.fail(f"the COPY table holds {copied} rows instead of {len(lines)}")
        conn.execute(f"DROP TABLE {COPY_TABLE}")
    return results


# --- Main -------------------------------------------------------------------------------------


def main() -> None:
    args = arguments()
    if shutil.which("wrk") is None:
        bench.fail("wrk is not installed: `apt-get install -y wrk` or `brew install wrk`")
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        bench.fail(
            "DATABASE_URL must point at a migrated PostgreSQL database of this benchmark's own "
            "(its telemetry tables are emptied), e.g. `make bench-telemetry`"
        )
    port = args.port or bench.free_port()
    env = bench.environment(port)
    # All load comes from one loopback address and a few thousand installations: the limits
    # per address (120 requests/min) and per installation would answer 429 within a second.
    env["TELEMETRY_RATE_REQUESTS_PER_ADDRESS"] = "1000000000"
    env["TELEMETRY_RATE_REPORTS_PER_INSTALLATION"] = "1000000000"
    os.environ.update(env)
    os.chdir(ROOT)

    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.db import connection

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        bench.fail(f"Redis does not answer at {settings.REDIS_URL}: {error}")

    per_batch = args.installations_per_batch * args.reports_per_installation
    with tempfile.TemporaryDirectory(prefix="novadesk-bench-telemetry-") as scratch:
        scratch_dir = Path(scratch)
        bodies = scratch_dir / "bodies"
        bodies.mkdir()
        print(
            f"Generating {args.batches:,} batches of {per_batch} reports "
            f"({args.installations_per_batch} installations x {args.reports_per_installation} "
            f"reports, {args.installed} installed programs each)...",
            flush=True,
        )
        generated = batches_generate(bodies, args)
        print(
            f"  {generated['seconds']:.1f} s; a batch is {generated['json_bytes']:,} bytes of "
            f"JSON, {generated['gzip_bytes']:,} bytes gzip'd",
            flush=True,
        )
        print("Emptying the telemetry tables, registering the installations...", flush=True)
        database_prepare(args)
        pg = postgres_settings()
        connection.close()

        if args.wait_idle:
            deadline = time.monotonic() + args.wait_idle
            while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
                time.sleep(5)
        load_before = os.getloadavg()[0]
        started = datetime.now(UTC)
        print(
            f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}, PostgreSQL {pg['server_version']}; load average "
            f"{load_before:.2f}",
            flush=True,
        )
        print(
            "PostgreSQL: " + ", ".join(f"{k}={v}" for k, v in pg.items() if k != "server_version"),
            flush=True,
        )
        print(
            f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}, production settings, "
            "gunicorn.conf.py (access log on, to /dev/null); rate limits raised with "
            "TELEMETRY_RATE_REQUESTS_PER_ADDRESS and TELEMETRY_RATE_REPORTS_PER_INSTALLATION "
            "(all load comes from one address)",
            flush=True,
        )
        print(
            f"wrk: {args.threads} threads, {args.connections} connections, gzip'd bodies "
            f"cycled by a Lua script; {args.warmup} s warm-up + {args.duration} s measured",
            flush=True,
        )

        script = scratch_dir / "batches.lua"
        script.write_text(LUA)
        log = scratch_dir / "gunicorn.log"
        server = gunicorn_start(env, port, args.workers, log)
        base = f"http://127.0.0.1:{port}"
        try:
            preflight(base, (bodies / f"{args.batches - 1:06d}.json.gz").read_bytes())
            available = args.batches - 1
            # Warm-up and measurement send different files: the warm-up the first share.
            share = max(args.threads, available // (args.duration + args.warmup) * args.warmup)
            if args.warmup:
                wrk_run(args, base, script, bodies, 0, share, args.warmup)
            time.sleep(0.5)
            before = stored_reports()
            load_measured = os.getloadavg()[0]
            cpu_before = cpu_snapshot(server)
            figures = wrk_run(args, base, script, bodies, share, available - share, args.duration)
            cpu_after = cpu_snapshot(server)
            time.sleep(1.0)  # requests in flight when wrk stopped
            after = stored_reports()
            connection.close()
        finally:
            bench.stop(server)
            errors = log.read_text() if log.exists() else ""
            if "Traceback" in errors or "ERROR" in errors:
                print("gunicorn logged errors:\n" + errors[-2000:], file=sys.stderr)

    stored = after - before
    seconds = figures["seconds"]
    result = {
        "started": started.isoformat(),
        "load_before": load_before,
        "load_at_measurement": load_measured,
        "seconds": seconds,
        "reports_stored": stored,
        "reports_per_second": stored / seconds,
        "accepted_in_answers": figures["accepted"],
        "accepted_per_second_answers": figures["accepted"] / seconds,
        "batches": figures["answers"],
        "batches_per_second": figures["answers"] / seconds,
        "p50_ms": figures["p50"],
        "p99_ms": figures["p99"],
        "non_202": figures["other"],
        "errors": figures["errors"],
        "socket_errors": figures["socket_errors"],
        "duplicates": figures["duplicates"],
        "rejected": figures["rejected"],
        "wrapped": figures["wrapped"],
        "postgres": pg,
        "generated": generated,
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    print()
    print(
        f"Accepted: {result['reports_per_second']:,.0f} reports/s ({stored:,} rows stored in "
        f"{seconds:.1f} s); the 202 answers say {figures['accepted']:,} accepted "
        f"({result['accepted_per_second_answers']:,.0f}/s), {figures['duplicates']} duplicates, "
        f"{figures['rejected']} rejected"
    )
    print(
        f"Batches: {result['batches_per_second']:,.1f}/s of {per_batch} reports; latency p50 "
        f"{figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms; non-202 answers "
        f"{figures['other']}, failed requests {figures['errors']} (socket errors: "
        f"{figures['socket_errors']})"
    )
    cpu = cpu_used(cpu_before, cpu_after)
    result["cpu_seconds"] = cpu
    if figures["answers"]:
        per_batch = {group: 1000 * value / figures["answers"] for group, value in cpu.items()}
        print(
            "CPU per batch: gunicorn workers {gunicorn:.1f} ms, PostgreSQL backends {backends:.1f}"
            " ms, PostgreSQL background (WAL writer, checkpointer...) {background:.1f} ms, Redis "
            "{redis:.1f} ms, wrk {wrk:.1f} ms, other processes on the machine {other:.1f} ms"
            "".format(**per_batch)
        )
        print(
            f"Machine busy {cpu['machine'] / seconds / (os.cpu_count() or 1):.0%} of "
            f"{os.cpu_count()} cores during the measurement; other processes used "
            f"{cpu['other'] / seconds:.2f} cores; load average {load_measured:.2f} at its start"
        )
    if figures["wrapped"]:
        print(
            f"WARNING: the batches ran out {figures['wrapped']} times and were sent again "
            "(duplicates); raise --batches"
        )

    if not args.no_copy:
        print("Plain COPY of the same rows into a fresh table of the same layout...", flush=True)
        copy = copy_compare(database_url)
        rows = copy["rows"]
        result["copy"] = copy
        rates = {key: rows / copy[key] for key in ("batched_1", "batched_2", "single")}
        result["copy_rates"] = rates
        print(
            f"COPY of {rows:,} exported rows ({copy['bytes'] / rows:,.0f} bytes a row): "
            f"100 rows per COPY and commit, 1 connection {rates['batched_1']:,.0f} rows/s; "
            f"2 connections {rates['batched_2']:,.0f} rows/s; one COPY {rates['single']:,.0f} "
            "rows/s"
        )
        accepted = result["reports_per_second"]
        print(
            f"Ratio accepted / COPY: {accepted / rates['batched_2']:.0%} of 100-row COPYs on 2 "
            f"connections, {accepted / rates['batched_1']:.0%} of 1 connection, "
            f"{accepted / rates['single']:.0%} of one COPY"
        )
    budget = 10_000
    verdict = "pass" if result["reports_per_second"] >= budget else "FAIL"
    print(
        f"Budget >= {budget:,} reports/s: {verdict} "
        f"({result['reports_per_second'] / budget:.0%}); load average after "
        f"{os.getloadavg()[0]:.2f}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    if figures["other"] or figures["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
