"""What every benchmark needs to measure NovaDesk under load on one machine.

Production settings for gunicorn and for the benchmark process, gunicorn on a loopback port,
wrk commands and their figures, a wait for an idle machine and the result table. The scripts
in this folder (run.py, help_centre.py, telemetry.py) share it.
"""

from __future__ import annotations

import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "portal.settings.production"
WRK_MISSING = "wrk is not installed: `apt-get install -y wrk` or `brew install wrk`"
DATABASE_MISSING = (
    "DATABASE_URL must point at a PostgreSQL database filled by seed_scale, e.g.\n"
    "  make seed-scale && make bench   (or see benchmarks/README.md)"
)


@dataclass
class Result:
    """The figures of one page under load, with its budget and verdict."""

    key: str
    label: str
    requests_per_second: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    requests: int = 0
    errors: int = 0
    queries: list[int] = field(default_factory=list)
    render_ms: float | None = None
    sql_ms: float | None = None
    budget: int | None = None
    fixed_queries: bool = False
    verdict: str = ""
    note: str = ""
    load_before: float = 0.0


def result_for(page, **figures) -> Result:
    """A result for ``page`` (anything with a key, label, queries and timings), load noted."""
    return Result(
        key=page.key,
        label=page.label,
        queries=page.queries,
        render_ms=page.render_ms,
        sql_ms=page.sql_ms,
        **figures,
        load_before=round(os.getloadavg()[0], 2),
    )


def fail(message: str, code: int = 2) -> None:
    """Stop the benchmark with a message on stderr."""
    print(f"benchmarks: {message}", file=sys.stderr)
    sys.exit(code)


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_server_arguments(parser) -> None:
    """The options for the load: wrk connections and threads, gunicorn workers."""
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")


def add_wait_and_json(parser) -> None:
    """The options to wait for an idle machine first and to write the results as JSON."""
    parser.add_argument(
        "--wait-idle",
        type=int,
        default=0,
        metavar="SECONDS",
        help="First wait up to this long for the 1-minute load average to fall below 1.",
    )
    parser.add_argument("--json", type=Path, help="Also write the results here.")


def require_wrk(message: str = WRK_MISSING) -> None:
    """Stop with ``message`` when wrk is not on the path."""
    if shutil.which("wrk") is None:
        fail(message)


def environment(port: int, database_missing: str = DATABASE_MISSING) -> dict[str, str]:
    """What production settings require, for gunicorn and for this process alike."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        fail(database_missing)
    return {
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DJANGO_SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(40),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        # A database of its own: the confirmation mails of the submissions become Celery tasks
        # there, which no worker of the test suite (on /0) must pick up. run.py removes them.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        # Production wants a provider; no worker consumes these mails, so none is sent.
        "EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
        "ANYMAIL_POSTMARK_SERVER_TOKEN": "bench",
        "ANYMAIL_WEBHOOK_SECRET": "bench:bench",
        "SHOP_CHECKOUT_URL": "https://shop.invalid/checkout",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "ORDER_WEBHOOK_SECRET": "bench",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        # The budgets are about throughput: rate limits would answer 429 after a few requests.
        "TICKET_RATE_SUBMIT": "1000000/h",
        "TICKET_RATE_LINK": "1000000/h",
        "TICKET_RATE_COMMENT": "1000000/h",
        "LOG_LEVEL": "WARNING",
    }


def django_start(env: dict[str, str], check_redis: bool = True) -> None:
    """Set this process up like gunicorn: same environment, project root, Django ready."""
    os.environ.update(env)
    if sys.path[:1] != [str(ROOT)]:
        sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)

    import django

    django.setup()
    if not check_redis:
        return
    import redis
    from django.conf import settings

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        fail(f"Redis does not answer at {settings.REDIS_URL}: {error}")


def collectstatic(skip: bool) -> None:
    """Production storage serves static files from its manifest: build it unless told not to."""
    if skip:
        return
    from django.core.management import call_command

    print("Collecting static files (production storage needs its manifest)...", flush=True)
    call_command("collectstatic", interactive=False, verbosity=0)


def server_version() -> str:
    """The PostgreSQL version of the benchmark database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def wait_idle(seconds: int) -> None:
    """Wait up to ``seconds`` for the 1-minute load average to fall below 1."""
    deadline = time.monotonic() + seconds
    while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
        time.sleep(5)


def machine_line(
    started: datetime, postgres: str, facts: str = "", python: str = "", load: float | None = None
) -> str:
    """When and on what the figures were taken: time, CPUs, Python, PostgreSQL, load."""
    load = os.getloadavg()[0] if load is None else load
    middle = f"{facts}; " if facts else ""
    return (
        f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {python}"
        f"{platform.python_version()}, PostgreSQL {postgres}; {middle}load average {load:.2f}"
    )


def load_line(args, port: int) -> str:
    """How the pages are loaded: gunicorn workers and port, wrk threads, connections, time."""
    return (
        f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}; wrk: {args.threads} "
        f"threads, {args.connections} connections, {args.warmup} s warm-up + "
        f"{args.duration} s per page"
    )


# --- The server -------------------------------------------------------------------------------


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path, probe: str = "/"):
    """gunicorn with sync workers on a loopback port, once ``probe`` answers."""
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
            fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2)
            return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    stop(process)
    fail(f"gunicorn did not answer within 60 s:\n{log.read_text()[-3000:]}")
    return None


def worker_pids(process) -> set[int]:
    """The gunicorn workers (children of the master), where /proc tells."""
    path = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    try:
        return {int(pid) for pid in path.read_text().split()}
    except (OSError, ValueError):
        return set()


def stop(process) -> None:
    """Stop gunicorn: politely first, then for good."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def log_errors(log: Path) -> None:
    """Show the end of gunicorn's error log on stderr when it holds errors."""
    errors = log.read_text() if log.exists() else ""
    if "Traceback" in errors or "ERROR" in errors:
        print("gunicorn logged errors:\n" + errors[-2000:], file=sys.stderr)


@contextmanager
def serving(
    env: dict[str, str],
    port: int,
    workers: int,
    log: Path,
    probe: str = "/",
    before_stop: Callable | None = None,
    after_stop: Callable | None = None,
) -> Iterator:
    """gunicorn for the time of the block; stopped at its end, with its errors shown.

    ``before_stop`` and ``after_stop`` are called with the server process around its stop.
    """
    server = start_gunicorn(env, port, workers, log, probe)
    try:
        yield server
    finally:
        if before_stop is not None:
            before_stop(server)
        stop(server)
        if after_stop is not None:
            after_stop(server)
        log_errors(log)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def preflight(
    url: str,
    method: str = "GET",
    body: str = "",
    headers: dict[str, str] | None = None,
    cookie: str = "",
    expect: int = 200,
) -> str:
    """One request as wrk will send it: a redirect to the sign-in page would measure nothing."""
    request = urllib.request.Request(  # noqa: S310 - loopback URL built here
        url,
        method=method,
        data=body.encode() if body else None,
        headers={**(headers or {}), **({"Cookie": cookie} if cookie else {})},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != expect:
        return f"answered {status} instead of {expect}"
    return ""


# --- wrk --------------------------------------------------------------------------------------


def wrk_command(args, seconds: int) -> list[str]:
    """wrk with the threads and connections asked for, for ``seconds``, with latencies."""
    return [
        "wrk",
        "-t", str(args.threads),
        "-c", str(max(args.connections, args.threads)),
        "-d", f"{seconds}s",
        "--timeout", "10s",
        "--latency",
    ]  # fmt: skip


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def duration_ms(text: str) -> float:
    """A wrk duration such as ``1.5ms`` or ``20.01s``, in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict:
    """Requests/s, p50, p99, requests and failed requests from wrk's report."""
    found = {
        "rps": re.search(r"Requests/sec:\s+([\d.]+)", output),
        "p50": re.search(r"^\s+50%\s+(\S+)", output, re.M),
        "p99": re.search(r"^\s+99%\s+(\S+)", output, re.M),
        "requests": re.search(r"(\d+) requests in", output),
        "non2xx": re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output),
        "socket": re.search(
            r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
        ),
    }
    if not found["rps"]:
        raise ValueError(f"unexpected wrk output:\n{output}")
    errors = int(found["non2xx"].group(1)) if found["non2xx"] else 0
    if found["socket"]:
        # Sync workers close each connection after answering; wrk may count that as a read
        # error although the answer arrived. Only failed connects, writes and timeouts count.
        connect, _read, write, timeout = (int(g) for g in found["socket"].groups())
        errors += connect + write + timeout
    return {
        "rps": float(found["rps"].group(1)),
        "p50": duration_ms(found["p50"].group(1)) if found["p50"] else None,
        "p99": duration_ms(found["p99"].group(1)) if found["p99"] else None,
        "requests": int(found["requests"].group(1)) if found["requests"] else 0,
        "errors": errors,
    }


def wrk_load(args, command: Callable[[int], list[str]], result: Result) -> bool:
    """Warm up, then load for the measured time and put wrk's figures into ``result``.

    ``command`` gives the wrk command for a number of seconds. False, with an ERROR verdict,
    when wrk itself failed.
    """
    if args.warmup:
        subprocess.run(  # noqa: S603 - wrk with arguments built here
            command(args.warmup),
            capture_output=True,
            timeout=args.warmup + 30,
            check=False,
        )
    completed = subprocess.run(  # noqa: S603 - wrk with arguments built here
        command(args.duration),
        capture_output=True,
        text=True,
        timeout=args.duration + 60,
        check=False,
    )
    if completed.returncode != 0:
        result.verdict, result.note = "ERROR", completed.stderr.strip()[-300:]
        return False
    figures = parse_wrk(completed.stdout)
    result.requests_per_second = figures["rps"]
    result.p50_ms, result.p99_ms = figures["p50"], figures["p99"]
    result.requests, result.errors = figures["requests"], figures["errors"]
    return True


def load_each(items: Iterable, load: Callable[..., Result]) -> list[Result]:
    """Load each page in turn, saying which one and its requests/s as it goes."""
    results = []
    for item in items:
        print(f"  {item.label} ...", end=" ", flush=True)
        result = load(item)
        results.append(result)
        print(f"{fmt(result.requests_per_second)} req/s {result.verdict}", flush=True)
    return results


# --- Output -----------------------------------------------------------------------------------

HEADER = [
    "page",
    "req/s",
    "p50 ms",
    "p99 ms",
    "SQL queries",
    "1 request ms (SQL)",
    "budget",
    "verdict",
    "load",
]


def fmt(value: float | None, digits: int = 1) -> str:
    """A figure with thousands separators, or ``-`` when there is none."""
    return "-" if value is None else f"{value:,.{digits}f}"


def table(
    results: list[Result],
    markdown: bool,
    queries: Callable[[Result], str],
    budget: Callable[[Result], str],
) -> str:
    """One row a page: figures, SQL queries, budget, verdict; plain text or Markdown."""
    rows = [
        [
            r.label,
            fmt(r.requests_per_second),
            fmt(r.p50_ms, 2),
            fmt(r.p99_ms, 2),
            queries(r),
            f"{fmt(r.render_ms)} ({fmt(r.sql_ms)})",
            budget(r),
            f"{r.verdict}{': ' + r.note if r.note else ''}",
            f"{r.load_before:.1f}",
        ]
        for r in results
    ]
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(HEADER))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    return "\n".join(lines)
