#!/usr/bin/env python
"""The budgets of docs/performance.md, measured: gunicorn + PostgreSQL + wrk on one machine.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/novadesk_scale python benchmarks/run.py

Needs a PostgreSQL database filled by ``manage.py seed_scale`` (see benchmarks/README.md), Redis
and ``wrk``. The script starts gunicorn (2 sync workers, production settings, loopback only),
signs in a customer with many tickets and a support engineer, runs wrk for a fixed time against
each page, counts the SQL queries of each page once with Django's test client, times the
auto-close sweep (rolled back) and prints one table with the budget and a verdict per row.
Everything it starts it stops; it exits within a few minutes whatever happens.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import harness
from harness import Result
from ticket_pages import Target, prepare

WRK_MISSING = (
    "wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu) or "
    "`brew install wrk`, then run again"
)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load per page.")
    parser.add_argument("--warmup", type=int, default=2, help="Seconds of load before each run.")
    harness.add_server_arguments(parser)
    parser.add_argument("--port", type=int, default=0, help="Default: a free port.")
    parser.add_argument(
        "--only",
        help="Comma-separated keys: static,home,healthz,list,ticket,link,queue,mine,admin,submit",
    )
    parser.add_argument("--no-sweep", action="store_true", help="Skip timing the sweep.")
    parser.add_argument("--no-collectstatic", action="store_true")
    harness.add_wait_and_json(parser)
    parser.add_argument("--markdown", action="store_true", help="Print the table as Markdown.")
    return parser.parse_args()


def remove_own_tasks(redis_url: str, pids: set[int]) -> int:
    """Take the Celery tasks this run queued (mails of the submitted tickets) off the queue.

    Only messages whose origin is this process or one of its gunicorn workers are removed, so
    anything else in the queue stays.
    """
    import redis

    prefixes = tuple(f"gen{pid}@" for pid in pids)
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=3)
    removed = 0
    for raw in client.lrange("celery", 0, -1):
        try:
            origin = json.loads(raw)["headers"].get("origin", "")
        except (ValueError, KeyError, TypeError):
            continue
        if origin.startswith(prefixes):
            removed += client.lrem("celery", 1, raw)
    return removed


# --- wrk --------------------------------------------------------------------------------------


def wrk_command(args, base: str, target: Target, seconds: int, script_dir: Path) -> list[str]:
    """wrk for one page: its cookie and headers, and a Lua script for anything but GET."""
    command = harness.wrk_command(args, seconds)
    if target.cookie:
        command += ["-H", f"Cookie: {target.cookie}"]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    if target.method != "GET":
        script = script_dir / f"{target.key}.lua"
        script.write_text(f'wrk.method = "{target.method}"\nwrk.body = [==[{target.body}]==]\n')
        command += ["-s", str(script)]
    return [*command, base + target.path]


def preflight(base: str, target: Target) -> str:
    """One request as wrk will send it: a redirect to the sign-in page would measure nothing."""
    return harness.preflight(
        base + target.path,
        method=target.method,
        body=target.body,
        headers=target.headers,
        cookie=target.cookie,
        expect=target.expect,
    )


def run_wrk(args, base: str, target: Target, script_dir: Path) -> Result:
    """One page under load, with its verdict against the budget."""
    result = harness.result_for(target, budget=target.budget, fixed_queries=target.fixed_queries)
    problem = preflight(base, target)
    if problem:
        result.verdict, result.note = "ERROR", problem
        return result

    def command(seconds: int) -> list[str]:
        return wrk_command(args, base, target, seconds, script_dir)

    if harness.wrk_load(args, command, result):
        result.verdict, result.note = verdict(result)
    return result


def verdict(result: Result) -> tuple[str, str]:
    reasons = []
    if result.errors:
        reasons.append(f"{result.errors} failed requests")
    if result.budget is None:
        return ("ERROR" if reasons else "info"), "; ".join(reasons)
    if result.requests_per_second < result.budget:
        reasons.append(f"{result.requests_per_second / result.budget:.0%} of the budget")
    if result.fixed_queries and len(set(result.queries)) > 1:
        reasons.append("query count grows with the data")
    return ("FAIL" if reasons else "pass"), "; ".join(reasons)


# --- The sweep --------------------------------------------------------------------------------


def time_sweep() -> dict:
    """The auto-close and reminder sweep over this database, rolled back afterwards."""
    from django.db import transaction

    from tickets.models import Status, Ticket
    from tickets.services import tickets_sweep

    waiting = Ticket.objects.filter(status=Status.WAITING).count()
    with transaction.atomic():
        started = time.perf_counter()
        result = tickets_sweep()
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "seconds": elapsed,
        "tickets": Ticket.objects.count(),
        "waiting": waiting,
        "reminded": result.reminded,
        "closed": result.closed,
    }


# --- Output -----------------------------------------------------------------------------------


def _queries(result: Result) -> str:
    if not result.queries:
        return "-"
    if len(set(result.queries)) == 1:
        return str(result.queries[0])
    return " / ".join(str(q) for q in result.queries) + " (varies)"


def _budget(result: Result) -> str:
    if result.budget is None:
        return "(reference)"
    return f">= {result.budget:,}/s" + (", fixed queries" if result.fixed_queries else "")


def table(results: list[Result], markdown: bool) -> str:
    return harness.table(results, markdown, queries=_queries, budget=_budget)


def report(args, results: list[Result], context: dict, sweep: dict | None) -> None:
    """The table, who and what was measured, and the sweep."""
    print()
    print(table(results, args.markdown))
    print()
    print(
        f"Benchmark customer {context['customer']} ({context['customer_tickets']} tickets); "
        f"page ticket {context['ticket']}; engineer {context['engineer']}."
    )
    print(f"Query counts, {context['query_samples']}.")
    if sweep:
        print(
            f"Sweep: {sweep['seconds']:.2f} s over {sweep['tickets']:,} tickets "
            f"({sweep['waiting']:,} waiting; {sweep['reminded']} reminders, {sweep['closed']} "
            "closures; rolled back). Budget: < 10 s over 1,000,000 tickets (measured elsewhere)."
        )
    print(f"Load average after: {os.getloadavg()[0]:.2f}")


# --- Main -------------------------------------------------------------------------------------


def start(args) -> tuple[int, dict[str, str]]:
    """Production settings in this process, static files collected, an idle machine."""
    harness.require_wrk(WRK_MISSING)
    port = args.port or harness.free_port()
    env = harness.environment(port)
    harness.django_start(env)
    harness.collectstatic(args.no_collectstatic)
    if args.wait_idle:
        harness.wait_idle(args.wait_idle)
        print(f"Load average now {os.getloadavg()[0]:.2f}", flush=True)
    return port, env


def load(args, env: dict[str, str], port: int, targets: list[Target]) -> list[Result]:
    """gunicorn started, each page under load, gunicorn stopped and its mail tasks removed."""
    from django.conf import settings

    producers = {os.getpid()}

    def workers(server) -> None:
        producers.update(harness.worker_pids(server))

    def clean_up(_server) -> None:
        removed = remove_own_tasks(settings.REDIS_URL, producers)
        print(f"Removed {removed} queued mail tasks of this run from Redis.", flush=True)

    with tempfile.TemporaryDirectory(prefix="novadesk-bench-") as scratch:
        scratch_dir = Path(scratch)
        log = scratch_dir / "gunicorn.log"
        with harness.serving(
            env, port, args.workers, log, before_stop=workers, after_stop=clean_up
        ) as server:
            workers(server)
            base = f"http://127.0.0.1:{port}"
            return harness.load_each(
                targets, lambda target: run_wrk(args, base, target, scratch_dir)
            )


def main() -> None:
    args = arguments()
    port, env = start(args)
    from django.db import connection

    print("Preparing sessions, links and SQL query counts...", flush=True)
    targets, context = prepare(port)
    if args.only:
        keep = {key.strip() for key in args.only.split(",")}
        targets = [t for t in targets if t.key in keep]
    server_version = harness.server_version()
    connection.close()  # gunicorn gets the database to itself
    started = datetime.now(UTC)
    facts = f"{context['tickets']:,} tickets, {context['messages']:,} messages"
    print(harness.machine_line(started, server_version, facts), flush=True)
    print(harness.load_line(args, port), flush=True)

    results = load(args, env, port, targets)
    sweep = None
    if not args.no_sweep:
        print("Timing the auto-close and reminder sweep (rolled back)...", flush=True)
        sweep = time_sweep()
    report(args, results, context, sweep)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "started": started.isoformat(),
                    "cpus": os.cpu_count(),
                    "postgres": server_version,
                    "context": context,
                    "results": [asdict(r) for r in results],
                    "sweep": sweep,
                    "settings": vars(args) | {"json": str(args.json)},
                },
                indent=2,
                default=str,
            )
        )
    if any(r.verdict == "ERROR" for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
