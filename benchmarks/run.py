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
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = "portal.settings.production"


@dataclass
class Target:
    """One page (or API call) under load."""

    key: str
    label: str
    path: str
    budget: int | None  # requests/s; None: a reference figure only
    fixed_queries: bool  # the budget asks for a fixed SQL query count
    cookie: str = ""
    method: str = "GET"
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    expect: int = 200
    queries: list[int] = field(default_factory=list)  # one per sample page, e.g. small and big
    render_ms: float | None = None  # one request in this process, no other load from us
    sql_ms: float | None = None
    note: str = ""


@dataclass
class Result:
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


def fail(message: str, code: int = 2) -> None:
    print(f"benchmarks: {message}", file=sys.stderr)
    sys.exit(code)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load per page.")
    parser.add_argument("--warmup", type=int, default=2, help="Seconds of load before each run.")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
    parser.add_argument("--port", type=int, default=0, help="Default: a free port.")
    parser.add_argument(
        "--only",
        help="Comma-separated keys: static,home,healthz,list,ticket,link,queue,mine,admin,submit",
    )
    parser.add_argument("--no-sweep", action="store_true", help="Skip timing the sweep.")
    parser.add_argument("--no-collectstatic", action="store_true")
    parser.add_argument(
        "--wait-idle",
        type=int,
        default=0,
        metavar="SECONDS",
        help="First wait up to this long for the 1-minute load average to fall below 1.",
    )
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    parser.add_argument("--markdown", action="store_true", help="Print the table as Markdown.")
    return parser.parse_args()


def environment(port: int) -> dict[str, str]:
    """What production settings require, for gunicorn and for this process alike."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        fail(
            "DATABASE_URL must point at a PostgreSQL database filled by seed_scale, e.g.\n"
            "  make seed-scale && make bench   (or see benchmarks/README.md)"
        )
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


# --- Data: who signs in, which pages ----------------------------------------------------------


def prepare(port: int) -> tuple[list[Target], dict]:
    """Sessions, a token and private links for the pages, and each page's SQL query count."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from entitlements import services as entitlement_services
    from entitlements.models import Entitlement, Release, SupportKind
    from tickets import links
    from tickets.models import Message, Ticket

    User = get_user_model()
    tickets = Ticket.objects.count()
    if tickets < 1000:
        fail(f"the database has {tickets} tickets: fill it first with `make seed-scale`")
    now = timezone.now()

    # The customer with the most tickets who holds a Premium plan today.
    customer = premium = None
    busiest = (
        Ticket.objects.values("customer").annotate(n=Count("pk")).order_by("-n", "customer")[:50]
    )
    for row in busiest:
        premium = (
            Entitlement.objects.active()
            .filter(customer_id=row["customer"], kind=SupportKind.PREMIUM)
            .select_related("product")
            .first()
        )
        if premium is not None:
            customer = User.objects.get(pk=row["customer"])
            break
    if customer is None:
        fail("no busy customer with an active Premium plan: was the database seeded?")
    quiet = (
        Ticket.objects.values("customer").annotate(n=Count("pk")).filter(n=1).order_by("customer")
    ).first()
    quiet = quiet or list(busiest)[-1]
    light = User.objects.get(pk=quiet["customer"])
    engineer = next(
        (
            user
            for user in User.objects.filter(
                is_staff=True, is_active=True, engineer__isnull=False
            ).order_by("pk")[:20]
            if user.has_perm("tickets.view_ticket")
        ),
        None,
    )
    if engineer is None:
        fail("no support engineer may view tickets in the admin: seed with seed_scale first")

    # Tickets whose private links still work (not closed long ago), the typical one and the one
    # with the longest conversation, to see whether the query count depends on the size.
    linkable = Ticket.objects.filter(customer=customer).filter(
        Q(closed_at__isnull=True)
        | Q(closed_at__gt=now - timedelta(days=settings.TICKET_LINK_DAYS_AFTER_CLOSE - 1))
    )
    counted = linkable.annotate(n=Count("messages")).order_by("-last_activity_at", "-pk")
    typical = counted.filter(n__gte=3).first() or counted.first()
    if typical is None:
        fail("the busy customer has no recent ticket to open: seed a larger database")
    # Small and big in the same state: an open ticket's page shows more than a closed one's.
    same_state = counted.filter(status=typical.status)
    longest = same_state.order_by("-n", "-pk").first()
    shortest = same_state.order_by("n", "-pk").first()
    token_typical = links.link_issue(ticket=typical)
    token_longest = links.link_issue(ticket=longest)
    token_shortest = links.link_issue(ticket=shortest)
    api_token, _created = Token.objects.get_or_create(user=customer)

    today = now.date()
    release = (
        Release.objects.filter(product=premium.product, released_on__lte=today)
        .order_by("-major", "-minor", "-patch")
        .first()
    )
    payload = {
        "product": premium.product.code,
        "version": release.version,
        "category": "technical",
        "subject": "Benchmark: backup job fails with error 0x80070005",
        "description": "The nightly job fails since the update. Log excerpt: access denied.",
    }
    decision = entitlement_services.check(
        customer=customer, product=premium.product, version=release.version, category="technical"
    )
    if not decision.allowed:
        fail(f"the benchmark customer may not open a request: {decision.reason}")

    def signed_in(user) -> tuple[Client, str]:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        return client, client.cookies[settings.SESSION_COOKIE_NAME].value

    customer_client, customer_session = signed_in(customer)
    light_client, _light_session = signed_in(light)
    staff_client, staff_session = signed_in(engineer)
    anonymous = Client(HTTP_HOST="127.0.0.1")
    queue_mine = resolve(staff_client, "/admin/tickets/ticket/")
    queue_all = resolve(staff_client, "/admin/tickets/ticket/?assigned=all")
    if "e=1" in queue_all:  # an admin without that filter: the whole list is the default
        queue_all = "/admin/tickets/ticket/"
    customer_cookie = f"{settings.SESSION_COOKIE_NAME}={customer_session}"
    staff_cookie = f"{settings.SESSION_COOKIE_NAME}={staff_session}"

    from django.contrib.staticfiles.storage import staticfiles_storage

    static = staticfiles_storage.url("css/site.css")
    targets = [
        Target("static", "static file, WhiteNoise (no view)", static, None, False),
        Target("home", "home page (baseline, anonymous)", "/", None, False),
        Target("healthz", "/healthz (DB, broker, outbox)", "/healthz", None, False),
        Target("list", 'customer "My requests"', "/tickets/", 1000, True, cookie=customer_cookie),
        Target(
            "ticket",
            "customer ticket page",
            f"/tickets/{typical.ticket_id}/",
            1000,
            True,
            cookie=customer_cookie,
        ),
        Target("link", "private-link page", f"/t/{token_typical}/", 1000, True),
        Target(
            "queue",
            "staff queue, all requests (50 rows)",
            queue_all,
            300,
            True,
            cookie=staff_cookie,
        ),
        Target(
            "mine",
            "staff queue, my open requests",
            queue_mine,
            300,
            True,
            cookie=staff_cookie,
        ),
        Target(
            "admin",
            "admin ticket page",
            f"/admin/tickets/ticket/{typical.pk}/change/",
            300,
            True,
            cookie=staff_cookie,
        ),
        Target(
            "submit",
            "ticket submission (API)",
            "/api/v1/tickets/",
            300,
            False,
            method="POST",
            body=json.dumps(payload),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Token {api_token.key}",
            },
            expect=201,
        ),
    ]

    # SQL queries per request: each page rendered for a small and a big case, after one warm-up
    # render (caches such as content types fill on the first request of a process).
    def measure(client: Client, path: str, **extra) -> tuple[int, float, float]:
        """Queries of one request, and its median time and SQL time over three, in ms."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        method = extra.pop("method", "get")
        call = getattr(client, method)
        call(path, **extra)
        expected = 201 if method == "post" else 200
        runs = []
        for _run in range(3):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = call(path, **extra)
                elapsed = time.perf_counter() - started
            if response.status_code != expected:
                fail(f"{path} answered {response.status_code} in the test client")
            sql = sum(float(query["time"]) for query in captured.captured_queries)
            runs.append((len(captured), elapsed * 1000, sql * 1000))
        return (
            runs[-1][0],
            statistics.median(r[1] for r in runs),
            statistics.median(r[2] for r in runs),
        )

    samples = {
        "static": [(anonymous, static)],
        "home": [(anonymous, "/")],
        "healthz": [(anonymous, "/healthz")],
        "list": [(light_client, "/tickets/"), (customer_client, "/tickets/")],
        "ticket": [
            (customer_client, f"/tickets/{shortest.ticket_id}/"),
            (customer_client, f"/tickets/{longest.ticket_id}/"),
        ],
        "link": [(anonymous, f"/t/{token_shortest}/"), (anonymous, f"/t/{token_longest}/")],
        "queue": [
            (staff_client, queue_all),
            (staff_client, queue_all + ("&" if "?" in queue_all else "?") + "p=40"),
        ],
        "mine": [(staff_client, queue_mine)],
        "admin": [
            (staff_client, f"/admin/tickets/ticket/{shortest.pk}/change/"),
            (staff_client, f"/admin/tickets/ticket/{longest.pk}/change/"),
        ],
    }
    own_client = {
        "static": anonymous,
        "home": anonymous,
        "healthz": anonymous,
        "list": customer_client,
        "ticket": customer_client,
        "link": anonymous,
        "queue": staff_client,
        "mine": staff_client,
        "admin": staff_client,
    }
    for target in targets:
        if target.key == "submit":
            extra = {
                "method": "post",
                "data": payload,
                "content_type": "application/json",
                "HTTP_AUTHORIZATION": f"Token {api_token.key}",
            }
            queries, target.render_ms, target.sql_ms = measure(
                Client(HTTP_HOST="127.0.0.1"), target.path, **extra
            )
            target.queries = [queries]
            continue
        target.queries = [measure(client, path)[0] for client, path in samples[target.key]]
        _queries, target.render_ms, target.sql_ms = measure(own_client[target.key], target.path)
    context = {
        "tickets": tickets,
        "messages": Message.objects.count(),
        "customer": customer.email,
        "customer_tickets": Ticket.objects.filter(customer=customer).count(),
        "engineer": engineer.email,
        "ticket": f"{typical.ticket_id} ({typical.n} messages)",
        "query_samples": (
            f"small/big: list {light.email} vs the busy customer; ticket, link and admin page "
            f"({typical.status}) {shortest.ticket_id} ({shortest.n} messages) vs "
            f"{longest.ticket_id} ({longest.n} messages); queue page 1 vs page 40"
        ),
    }
    return targets, context


def resolve(client, path: str) -> str:
    """The address a page ends up at: the admin sends an engineer's bare queue to a filter."""
    from urllib.parse import urljoin

    for _hop in range(3):
        response = client.get(path)
        if response.status_code not in (301, 302):
            break
        location = urljoin(path, response["Location"])
        if "login" in location:
            fail(f"{path} sends the engineer to the sign-in page: no admin access")
        path = location
    if response.status_code != 200:
        fail(f"{path} answered {response.status_code} in the test client")
    return path


# --- The server -------------------------------------------------------------------------------


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path):
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
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


def stop(process) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def preflight(base: str, target: Target) -> str:
    """One request as wrk will send it: a redirect to the sign-in page would measure nothing."""
    request = urllib.request.Request(  # noqa: S310 - loopback URL built here
        base + target.path,
        method=target.method,
        data=target.body.encode() if target.body else None,
        headers={**target.headers, **({"Cookie": target.cookie} if target.cookie else {})},
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != target.expect:
        return f"answered {status} instead of {target.expect}"
    return ""


# --- wrk --------------------------------------------------------------------------------------


def wrk_command(args, base: str, target: Target, seconds: int, script_dir: Path) -> list[str]:
    command = [
        "wrk",
        "-t", str(args.threads),
        "-c", str(max(args.connections, args.threads)),
        "-d", f"{seconds}s",
        "--timeout", "10s",
        "--latency",
    ]  # fmt: skip
    if target.cookie:
        command += ["-H", f"Cookie: {target.cookie}"]
    for name, value in target.headers.items():
        command += ["-H", f"{name}: {value}"]
    if target.method != "GET":
        script = script_dir / f"{target.key}.lua"
        script.write_text(f'wrk.method = "{target.method}"\nwrk.body = [==[{target.body}]==]\n')
        command += ["-s", str(script)]
    return [*command, base + target.path]


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(output: str) -> dict:
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
        "p50": _ms(found["p50"].group(1)) if found["p50"] else None,
        "p99": _ms(found["p99"].group(1)) if found["p99"] else None,
        "requests": int(found["requests"].group(1)) if found["requests"] else 0,
        "errors": errors,
    }


def run_wrk(args, base: str, target: Target, script_dir: Path) -> Result:
    result = Result(
        key=target.key,
        label=target.label,
        queries=target.queries,
        render_ms=target.render_ms,
        sql_ms=target.sql_ms,
        budget=target.budget,
        fixed_queries=target.fixed_queries,
        load_before=round(os.getloadavg()[0], 2),
    )
    problem = preflight(base, target)
    if problem:
        result.verdict, result.note = "ERROR", problem
        return result
    if args.warmup:
        subprocess.run(  # noqa: S603 - wrk with arguments built here
            wrk_command(args, base, target, args.warmup, script_dir),
            capture_output=True,
            timeout=args.warmup + 30,
            check=False,
        )
    completed = subprocess.run(  # noqa: S603 - wrk with arguments built here
        wrk_command(args, base, target, args.duration, script_dir),
        capture_output=True,
        text=True,
        timeout=args.duration + 60,
        check=False,
    )
    if completed.returncode != 0:
        result.verdict, result.note = "ERROR", completed.stderr.strip()[-300:]
        return result
    figures = parse_wrk(completed.stdout)
    result.requests_per_second = figures["rps"]
    result.p50_ms, result.p99_ms = figures["p50"], figures["p99"]
    result.requests, result.errors = figures["requests"], figures["errors"]
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


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


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
    header = [
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
    rows = [
        [
            r.label,
            _fmt(r.requests_per_second),
            _fmt(r.p50_ms, 2),
            _fmt(r.p99_ms, 2),
            _queries(r),
            f"{_fmt(r.render_ms)} ({_fmt(r.sql_ms)})",
            _budget(r),
            f"{r.verdict}{': ' + r.note if r.note else ''}",
            f"{r.load_before:.1f}",
        ]
        for r in results
    ]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(header))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    return "\n".join(lines)


def main() -> None:
    args = arguments()
    if shutil.which("wrk") is None:
        fail(
            "wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu) or "
            "`brew install wrk`, then run again"
        )
    port = args.port or free_port()
    env = environment(port)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)

    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        fail(f"Redis does not answer at {settings.REDIS_URL}: {error}")
    if not args.no_collectstatic:
        print("Collecting static files (production storage needs its manifest)...", flush=True)
        call_command("collectstatic", interactive=False, verbosity=0)

    if args.wait_idle:
        deadline = time.monotonic() + args.wait_idle
        while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
            time.sleep(5)
        print(f"Load average now {os.getloadavg()[0]:.2f}", flush=True)

    print("Preparing sessions, links and SQL query counts...", flush=True)
    targets, context = prepare(port)
    if args.only:
        keep = {key.strip() for key in args.only.split(",")}
        targets = [t for t in targets if t.key in keep]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    connection.close()  # gunicorn gets the database to itself
    started = datetime.now(UTC)
    print(
        f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {platform.python_version()}, "
        f"PostgreSQL {server_version}; {context['tickets']:,} tickets, "
        f"{context['messages']:,} messages; load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(
        f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}; wrk: {args.threads} "
        f"threads, {args.connections} connections, {args.warmup} s warm-up + "
        f"{args.duration} s per page",
        flush=True,
    )

    results = []
    with tempfile.TemporaryDirectory(prefix="novadesk-bench-") as scratch:
        scratch_dir = Path(scratch)
        log = scratch_dir / "gunicorn.log"
        server = start_gunicorn(env, port, args.workers, log)
        producers = {os.getpid(), *worker_pids(server)}
        try:
            base = f"http://127.0.0.1:{port}"
            for target in targets:
                print(f"  {target.label} ...", end=" ", flush=True)
                result = run_wrk(args, base, target, scratch_dir)
                results.append(result)
                print(f"{_fmt(result.requests_per_second)} req/s {result.verdict}", flush=True)
        finally:
            producers |= worker_pids(server)
            stop(server)
            removed = remove_own_tasks(settings.REDIS_URL, producers)
            print(f"Removed {removed} queued mail tasks of this run from Redis.", flush=True)
            errors = log.read_text() if log.exists() else ""
            if "Traceback" in errors or "ERROR" in errors:
                print("gunicorn logged errors:\n" + errors[-2000:], file=sys.stderr)

    sweep = None
    if not args.no_sweep:
        print("Timing the auto-close and reminder sweep (rolled back)...", flush=True)
        sweep = time_sweep()

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
