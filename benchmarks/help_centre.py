#!/usr/bin/env python
"""The help centre under load: search page, search API and suggestions, gunicorn + wrk.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/novadesk_hd_bench \\
        python benchmarks/help_centre.py

Needs a migrated PostgreSQL database of its own (``make bench-help`` creates one), Redis and
``wrk``. The script fills the database with ``--articles`` published articles (5,000 by default:
English and German, every product, error codes in the tags) unless it has them already, plus
the demo help centre. It then starts gunicorn (2 sync workers, production settings, loopback
only) and runs wrk against the home page, the help-centre search page and the search API with
a different query on each request, and against the suggestion endpoint of the new-request form
as a signed-in customer. It prints requests/s, p50 and p99 per page, the SQL queries of one
request, and ``EXPLAIN ANALYZE`` of the full-text query. Everything it starts it stops.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
sys.path.append(str(HERE))

import harness  # noqa: E402 - benchmarks/harness.py: environment, gunicorn, wrk output
from harness import Result  # noqa: E402
from help_articles import PRODUCTS, SLUG_PREFIX, articles_generate  # noqa: E402

BENCH_USER = "bench.help@novadesk.test"
SUGGEST_P99_BUDGET_MS = 50.0
EXPLAINED = [
    ("VSS writer timeout", "en"),
    ("Sicherung startet nicht", "de"),
    ("0x8007005", "en"),
    ("backup", None),
]


def database_prepare(args) -> dict:
    """The catalogue, the demo help centre, the generated articles and the customer."""
    from django.contrib.auth import get_user_model

    from entitlements.services import catalogue_load
    from knowledge import demo
    from knowledge.models import Article

    catalogue_load()
    demo.seed()
    existing = Article.objects.filter(slug__startswith=SLUG_PREFIX).count()
    if args.regenerate and existing:
        Article.objects.filter(slug__startswith=SLUG_PREFIX).delete()
        existing = 0
    started = time.perf_counter()
    added = (
        articles_generate(args.articles - existing, args.seed) if existing < args.articles else 0
    )
    seconds = time.perf_counter() - started
    if added:
        print(f"Generated {added:,} articles in {seconds:.1f} s.", flush=True)
    user, created = get_user_model().objects.get_or_create(
        email=BENCH_USER, defaults={"name": "Bench Customer", "country": "US", "language": "en"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return {
        "published": Article.objects.published().count(),
        "german": Article.objects.published().filter(language="de").count(),
        "user": user,
        "generated_seconds": seconds if added else None,
    }


# --- What is requested ------------------------------------------------------------------------

# Queries as customers type them: words, phrases, error codes, typos, both languages.
QUERIES_EN = [
    "VSS writer timeout", "0x80070005", "0x8007005", "access denied", "tape drive not detected",
    "exchange mailbox restore", "sql server backup", "hyper-v", "licence activation",
    "move licence new computer", "upgrade 21", "cloud credentials 403", "backup schedule not "
    "running", "email notification", "restore another computer", "boot media", "ransomware",
    "retention", "0x800423f3", "S3 bucket", "NAS share", "slow restore", "LTO tape",
    "scheduled backup skipped", "outlook pst", "quickbooks", "active directory", "wasabi",
    "system image restore", "VSS_E_SNAPSHOT_SET_IN_PROGRESS", "error 0x80042306", "disk full",
]  # fmt: skip
QUERIES_DE = [
    "Sicherung startet nicht", "Zugriff verweigert", "Bandlaufwerk", "Postfach wiederherstellen",
    "Lizenz übertragen", "Wiederherstellung langsam", "Datenbank sichern", "Zeitplan",
    "Cloud Anmeldedaten", "Fehler 0x80070005", "Netzwerkfreigabe", "Schattenkopie",
]  # fmt: skip


def search_paths(kind: str) -> list[str]:
    paths = []
    for language, queries in (("en", QUERIES_EN), ("de", QUERIES_DE)):
        for query in queries:
            if kind == "page":
                paths.append("/help/?" + urllib.parse.urlencode({"q": query}))
            else:
                params = {"q": query, "language": language}
                paths.append("/api/v1/help/articles/?" + urllib.parse.urlencode(params))
    return paths


def suggest_paths(base: str, count: int = 60) -> list[str]:
    """What the new-request form asks while a customer types a subject: product, version and
    the draft's compose key."""
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    subjects = QUERIES_EN + QUERIES_DE
    paths = []
    for _n in range(count):
        params = {
            "q": rng.choice(subjects),
            "product": rng.choice(PRODUCTS),
            "version": rng.choice(["20.2", "21.1", "21.2", "21.2.1"]),
            "compose": secrets.token_urlsafe(16),
        }
        paths.append(base + "?" + urllib.parse.urlencode(params))
    return paths


LUA = """
-- Each request takes the next path of the list; each thread starts at its own place.
local paths = {%s}
local i = 0
function init(args)
  i = math.random(#paths)
end
function request()
  i = (i %% #paths) + 1
  return wrk.format("GET", paths[i])
end
"""


class Page:
    def __init__(self, key: str, label: str, paths: list[str], cookie: str = "", p99_budget=None):
        self.key, self.label, self.paths, self.cookie = key, label, paths, cookie
        self.p99_budget = p99_budget
        self.queries: list[int] = []
        self.render_ms: float | None = None
        self.sql_ms: float | None = None
        self.note = ""


def measure(client, paths: list[str]) -> tuple[list[int], float, float]:
    """SQL queries of a few requests, and the median time and SQL time of one, in ms."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(paths[0])  # caches fill on the first request of a process
    counts, times, sql = [], [], []
    for path in paths[:12]:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code} in the test client")
        counts.append(len(captured))
        times.append(elapsed * 1000)
        sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
    return sorted(set(counts)), statistics.median(times), statistics.median(sql)


def explain(query: str, language: str | None) -> tuple[str, float]:
    """EXPLAIN ANALYZE of the statements ``article_search`` runs for ``query``; the slowest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from knowledge.selectors import article_search

    with CaptureQueriesContext(connection) as captured:
        article_search(query=query, language=language)
    slowest, plan = -1.0, ""
    with connection.cursor() as cursor:
        for statement in captured.captured_queries:
            sql = statement["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines = [row[0] for row in cursor.fetchall()]
            total = next(
                (float(line.split()[2]) for line in lines if line.startswith("Execution Time")),
                0.0,
            )
            if total > slowest:
                slowest, plan = total, "\n".join(lines)
    return plan, slowest


def prepare(context: dict) -> list[Page]:
    """The pages under load, each with the SQL queries and time of a few requests."""
    from django.conf import settings
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    anonymous = Client(HTTP_HOST="127.0.0.1")
    customer = Client(HTTP_HOST="127.0.0.1")
    customer.force_login(context["user"])
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={customer.cookies[settings.SESSION_COOKIE_NAME].value}"
    )
    try:
        suggest = reverse("knowledge:suggest")
    except NoReverseMatch:
        suggest = ""
    pages = [
        Page("home", "home page (baseline, anonymous)", ["/"]),
        Page("search", "help search page /help/?q= (varied)", search_paths("page")),
        Page("api", "search API /api/v1/help/articles/?q= (varied)", search_paths("api")),
        Page(
            "suggest",
            "suggestions /help/suggest/ (signed in, varied)",
            suggest_paths(suggest or "/help/suggest/"),
            cookie=cookie,
            p99_budget=SUGGEST_P99_BUDGET_MS,
        ),
    ]
    clients = {"home": anonymous, "search": anonymous, "api": anonymous, "suggest": customer}
    for page in pages:
        if page.key == "suggest" and not suggest:
            page.note = "knowledge:suggest does not exist yet"
            continue
        try:
            page.queries, page.render_ms, page.sql_ms = measure(clients[page.key], page.paths)
        except RuntimeError as error:
            page.note = str(error)
    return pages


def run_page(args, base: str, page: Page, scratch: Path) -> Result:
    """One page under load with a different path on each request; p99 against its budget."""
    result = harness.result_for(page)
    if page.note:
        result.verdict, result.note = "ERROR", page.note
        return result
    for path in page.paths[:5]:
        problem = harness.preflight(base + path, cookie=page.cookie)
        if problem:
            result.verdict, result.note = "ERROR", f"{path}: {problem}"
            return result
    script = scratch / f"{page.key}.lua"
    script.write_text(LUA % ", ".join(json.dumps(p) for p in page.paths))
    cookie = ["-H", f"Cookie: {page.cookie}"] if page.cookie else []

    def command(seconds: int) -> list[str]:
        return [*harness.wrk_command(args, seconds), "-s", str(script), *cookie, base + "/"]

    if not harness.wrk_load(args, command, result):
        return result
    if result.errors:
        result.verdict, result.note = "ERROR", f"{result.errors} failed requests"
    elif page.p99_budget is None:
        result.verdict = "info"
    elif result.p99_ms is not None and result.p99_ms < page.p99_budget:
        result.verdict = "pass"
    else:
        result.verdict, result.note = "FAIL", f"p99 over {page.p99_budget:.0f} ms"
    return result


def table(results: list[Result], budgets: dict[str, float | None], markdown: bool) -> str:
    """The results with their p99 budgets, plain text or Markdown."""
    return harness.table(
        results,
        markdown,
        queries=lambda r: " / ".join(str(q) for q in r.queries) or "-",
        budget=lambda r: f"p99 < {budgets[r.key]:.0f} ms" if budgets.get(r.key) else "(reference)",
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="Generated articles wanted.")
    parser.add_argument("--regenerate", action="store_true", help="Replace generated articles.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load per page.")
    parser.add_argument("--warmup", type=int, default=2)
    harness.add_server_arguments(parser)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--only", help="Comma-separated keys: home,search,api,suggest")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--no-collectstatic", action="store_true")
    parser.add_argument("--wait-idle", type=int, default=0, metavar="SECONDS")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", action="store_true")
    return parser.parse_args()


def start(args) -> tuple[int, dict[str, str]]:
    """Production settings in this process, rate limits raised, static files collected."""
    harness.require_wrk()
    port = args.port or harness.free_port()
    env = harness.environment(port)
    # All load comes from one address and one customer.
    env["KNOWLEDGE_RATE_SUGGEST"] = "1000000/m"
    env["KNOWLEDGE_RATE_FEEDBACK"] = "1000000/h"
    harness.django_start(env, check_redis=False)
    harness.collectstatic(args.no_collectstatic)
    return port, env


def load(args, env: dict[str, str], port: int, pages: list[Page]) -> list[Result]:
    """gunicorn started, each page under load, gunicorn stopped."""
    with tempfile.TemporaryDirectory(prefix="novadesk-bench-help-") as scratch:
        scratch_dir = Path(scratch)
        with harness.serving(env, port, args.workers, scratch_dir / "gunicorn.log"):
            base = f"http://127.0.0.1:{port}"
            return harness.load_each(pages, lambda page: run_page(args, base, page, scratch_dir))


def report(results: list[Result], pages: list[Page], plans: list[dict], markdown: bool) -> None:
    """The table, then the query plans of the full-text search."""
    print()
    print(table(results, {p.key: p.p99_budget for p in pages}, markdown))
    for entry in plans:
        print(
            f"\nEXPLAIN ANALYZE, slowest statement of article_search({entry['query']!r}, "
            f"language={entry['language']!r}): {entry['ms']:.2f} ms"
        )
        print(entry["plan"])


def main() -> None:
    args = arguments()
    port, env = start(args)
    from django.db import connection

    print("Preparing the help centre...", flush=True)
    context = database_prepare(args)
    pages = prepare(context)
    if args.only:
        keep = {key.strip() for key in args.only.split(",")}
        pages = [p for p in pages if p.key in keep]
    plans = []
    if not args.no_explain:
        for query, language in EXPLAINED:
            plan, ms = explain(query, language)
            plans.append({"query": query, "language": language, "ms": ms, "plan": plan})
    server_version = harness.server_version()
    connection.close()

    if args.wait_idle:
        harness.wait_idle(args.wait_idle)
    started = datetime.now(UTC)
    facts = f"{context['published']:,} published articles ({context['german']:,} German)"
    print(harness.machine_line(started, server_version, facts), flush=True)
    print(harness.load_line(args, port), flush=True)
    results = load(args, env, port, pages)
    report(results, pages, plans, args.markdown)
    if args.json:
        payload = {
            "started": started.isoformat(),
            "articles": context["published"],
            "results": [vars(r) for r in results],
            "plans": plans,
        }
        args.json.write_text(json.dumps(payload, indent=2))
    if any(r.verdict in ("FAIL", "ERROR") for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
