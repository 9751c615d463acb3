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
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
# This file is named like the app: the project root must come first on the path.
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
sys.path.append(str(HERE))

import harness  # noqa: E402 - benchmarks/harness.py: environment, gunicorn, wrk output
import telemetry_batches  # noqa: E402
from cpu_usage import cpu_snapshot, cpu_used  # noqa: E402
from telemetry_copy import COPY_TABLE, copy_compare  # noqa: E402

ENDPOINT = "/api/v1/telemetry/reports"
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
    harness.add_server_arguments(parser)
    parser.add_argument("--port", type=int, default=0, help="Default: a free port.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-copy", action="store_true", help="Skip the raw COPY comparison.")
    harness.add_wait_and_json(parser)
    return parser.parse_args()


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
            for owner in telemetry_batches.installations(args.seed, args.installations)
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE telemetry_installation")
        cursor.execute("CHECKPOINT")


def stored_reports() -> int:
    """Reports in the raw table so far."""
    from django.db import connection

    from telemetry import storage

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {storage.TABLE}")  # noqa: S608 - a constant
        return cursor.fetchone()[0]


def postgres_settings() -> dict[str, str]:
    """PostgreSQL's version and the settings that bear on write throughput."""
    from django.db import connection

    from telemetry import storage

    values = {"server_version": harness.server_version()}
    with connection.cursor() as cursor:
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


# --- The server and the load ------------------------------------------------------------------


def preflight(base: str, body: bytes) -> dict:
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
        harness.fail(f"a batch answered {status} instead of 202: {answer[:500]!r}")
    figures = json.loads(answer)
    if figures["accepted"] == 0:
        harness.fail(f"the preflight batch was not accepted: {figures}")
    return figures


def wrk_run(args, base: str, script: Path, directory: Path, first: int, count: int, seconds: int):
    """wrk cycling through ``count`` batches from number ``first``: its figures, the Lua counts."""
    command = [
        *harness.wrk_command(args, seconds),
        "-s", str(script),
        base + ENDPOINT,
        "--", str(directory), str(first), str(count), str(args.threads),
    ]  # fmt: skip
    completed = subprocess.run(  # noqa: S603 - wrk with arguments built here
        command, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    if completed.returncode != 0:
        harness.fail(f"wrk failed: {completed.stderr.strip()[-500:]}")
    output = completed.stdout
    figures = harness.parse_wrk(output)
    lua = re.search(r"LUA (.*)", output)
    figures.update({k: int(v) for k, v in (pair.split("=") for pair in lua.group(1).split())})
    duration = re.search(r"requests in ([\d.]+)(us|ms|s|m),", output)
    figures["seconds"] = harness.duration_ms("".join(duration.groups())) / 1000
    socket = re.search(r"Socket errors: (.*)", output)
    figures["socket_errors"] = socket.group(1) if socket else "none"
    return figures


# --- Main -------------------------------------------------------------------------------------

DATABASE_MISSING = (
    "DATABASE_URL must point at a migrated PostgreSQL database of this benchmark's own "
    "(its telemetry tables are emptied), e.g. `make bench-telemetry`"
)
BUDGET = 10_000  # reports/s


def start(args) -> tuple[int, dict[str, str]]:
    """Production settings in this process, with the rate limits raised for one address."""
    harness.require_wrk()
    port = args.port or harness.free_port()
    env = harness.environment(port, DATABASE_MISSING)
    # All load comes from one loopback address and a few thousand installations: the limits
    # per address (120 requests/min) and per installation would answer 429 within a second.
    env["TELEMETRY_RATE_REQUESTS_PER_ADDRESS"] = "1000000000"
    env["TELEMETRY_RATE_REPORTS_PER_INSTALLATION"] = "1000000000"
    harness.django_start(env)
    return port, env


def generate(args, bodies: Path) -> dict:
    """The batches written, saying how many, how long it took and how big one is."""
    per_batch = args.installations_per_batch * args.reports_per_installation
    print(
        f"Generating {args.batches:,} batches of {per_batch} reports "
        f"({args.installations_per_batch} installations x {args.reports_per_installation} "
        f"reports, {args.installed} installed programs each)...",
        flush=True,
    )
    generated = telemetry_batches.batches_generate(bodies, args)
    print(
        f"  {generated['seconds']:.1f} s; a batch is {generated['json_bytes']:,} bytes of "
        f"JSON, {generated['gzip_bytes']:,} bytes gzip'd",
        flush=True,
    )
    return generated


def describe(args, port: int, started: datetime, pg: dict[str, str], load: float) -> None:
    """The machine, PostgreSQL's settings, gunicorn and wrk, before the load."""
    print(
        harness.machine_line(started, pg["server_version"], python="Python ", load=load),
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


def measure(args, env: dict[str, str], port: int, scratch_dir: Path, bodies: Path) -> dict:
    """gunicorn started, a warm-up, the measured load with the rows and CPU it cost, stopped."""
    from django.db import connection

    script = scratch_dir / "batches.lua"
    script.write_text(LUA)
    log = scratch_dir / "gunicorn.log"
    probe = "/api/v1/telemetry/schema"
    with harness.serving(env, port, args.workers, log, probe=probe) as server:
        base = f"http://127.0.0.1:{port}"
        preflight(base, (bodies / f"{args.batches - 1:06d}.json.gz").read_bytes())
        available = args.batches - 1
        # Warm-up and measurement send different files: the warm-up the first share.
        share = max(args.threads, available // (args.duration + args.warmup) * args.warmup)
        if args.warmup:
            wrk_run(args, base, script, bodies, 0, share, args.warmup)
        time.sleep(0.5)
        measured = {"before": stored_reports(), "load": os.getloadavg()[0]}
        measured["cpu_before"] = cpu_snapshot(server)
        count = available - share
        measured["figures"] = wrk_run(args, base, script, bodies, share, count, args.duration)
        measured["cpu_after"] = cpu_snapshot(server)
        time.sleep(1.0)  # requests in flight when wrk stopped
        measured["after"] = stored_reports()
        connection.close()
    return measured


def summary(args, measured: dict, started: datetime, load_before: float, setup: dict) -> dict:
    """What the run measured, as written to --json; ``setup`` holds PostgreSQL's settings and
    the figures of the generated batches."""
    figures, seconds = measured["figures"], measured["figures"]["seconds"]
    stored = measured["after"] - measured["before"]
    return {
        "started": started.isoformat(),
        "load_before": load_before,
        "load_at_measurement": measured["load"],
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
        "postgres": setup["postgres"],
        "generated": setup["generated"],
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }


def report_load(args, result: dict, measured: dict) -> None:
    """Reports accepted, batches and latency, and where the CPU went per batch."""
    figures, seconds = measured["figures"], result["seconds"]
    print()
    print(
        f"Accepted: {result['reports_per_second']:,.0f} reports/s "
        f"({result['reports_stored']:,} rows stored in {seconds:.1f} s); the 202 answers say "
        f"{figures['accepted']:,} accepted ({result['accepted_per_second_answers']:,.0f}/s), "
        f"{figures['duplicates']} duplicates, {figures['rejected']} rejected"
    )
    per_batch = args.installations_per_batch * args.reports_per_installation
    print(
        f"Batches: {result['batches_per_second']:,.1f}/s of {per_batch} reports; latency p50 "
        f"{figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms; non-202 answers "
        f"{figures['other']}, failed requests {figures['errors']} (socket errors: "
        f"{figures['socket_errors']})"
    )
    cpu = cpu_used(measured["cpu_before"], measured["cpu_after"])
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
            f"{cpu['other'] / seconds:.2f} cores; load average {measured['load']:.2f} at its start"
        )
    if figures["wrapped"]:
        print(
            f"WARNING: the batches ran out {figures['wrapped']} times and were sent again "
            "(duplicates); raise --batches"
        )


def report_copy(result: dict, database_url: str) -> None:
    """Plain COPY of the stored rows, and how ingestion compares with it."""
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


def main() -> None:
    args = arguments()
    port, env = start(args)
    from django.db import connection

    with tempfile.TemporaryDirectory(prefix="novadesk-bench-telemetry-") as scratch:
        scratch_dir = Path(scratch)
        bodies = scratch_dir / "bodies"
        bodies.mkdir()
        generated = generate(args, bodies)
        print("Emptying the telemetry tables, registering the installations...", flush=True)
        database_prepare(args)
        pg = postgres_settings()
        connection.close()

        if args.wait_idle:
            harness.wait_idle(args.wait_idle)
        load_before = os.getloadavg()[0]
        started = datetime.now(UTC)
        describe(args, port, started, pg, load_before)
        measured = measure(args, env, port, scratch_dir, bodies)

    result = summary(args, measured, started, load_before, {"postgres": pg, "generated": generated})
    report_load(args, result, measured)
    if not args.no_copy:
        report_copy(result, env["DATABASE_URL"])
    verdict = "pass" if result["reports_per_second"] >= BUDGET else "FAIL"
    print(
        f"Budget >= {BUDGET:,} reports/s: {verdict} "
        f"({result['reports_per_second'] / BUDGET:.0%}); load average after "
        f"{os.getloadavg()[0]:.2f}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    if measured["figures"]["other"] or measured["figures"]["errors"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
