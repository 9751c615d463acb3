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
import os
import platform
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != HERE)]
sys.path.append(str(HERE))

import run as bench  # noqa: E402 - benchmarks/run.py: environment, gunicorn, wrk output

SLUG_PREFIX = "bench-"
BENCH_USER = "bench.help@novadesk.test"
SUGGEST_P99_BUDGET_MS = 50.0

# --- Generated articles -----------------------------------------------------------------------

CODES = [
    "0x80070005", "0x800423f3", "0x800423f2", "0x80070020", "0x8004230f", "0x80042306",
    "0x80070057", "0x8007045d", "0x80070079", "0x800704c7", "0x80004005", "0x80070070",
    "0x80042317", "0x8004231f", "0x80070035", "0x80070043", "0x800706ba", "0x80040154",
    "E_ACCESSDENIED", "ERROR_SHARING_VIOLATION", "VSS_E_SNAPSHOT_SET_IN_PROGRESS",
    "VSS_E_INSUFFICIENT_STORAGE", "VSS_E_WRITERERROR_TIMEOUT", "ERROR_DISK_FULL",
]  # fmt: skip
# (English, German)
THINGS = [
    ("SQL Server database", "SQL-Server-Datenbank"),
    ("Exchange mailbox", "Exchange-Postfach"),
    ("Hyper-V virtual machine", "virtuelle Hyper-V-Maschine"),
    ("system image", "Systemabbild"),
    ("network share", "Netzwerkfreigabe"),
    ("user profile", "Benutzerprofil"),
    ("Outlook PST file", "Outlook-PST-Datei"),
    ("QuickBooks company file", "QuickBooks-Firmendatei"),
    ("SharePoint site", "SharePoint-Website"),
    ("Active Directory", "Active Directory"),
    ("VMware guest", "VMware-Gast"),
    ("OneDrive folder", "OneDrive-Ordner"),
    ("file server", "Dateiserver"),
    ("laptop", "Notebook"),
]
DESTINATIONS = [
    ("Amazon S3 bucket", "Amazon-S3-Bucket"),
    ("Azure Blob container", "Azure-Blob-Container"),
    ("Wasabi bucket", "Wasabi-Bucket"),
    ("NAS share", "NAS-Freigabe"),
    ("USB disk", "USB-Festplatte"),
    ("LTO tape", "LTO-Band"),
    ("SFTP server", "SFTP-Server"),
    ("Backblaze B2 bucket", "Backblaze-B2-Bucket"),
]
EVENTS = [
    ("a Windows update", "einem Windows-Update"),
    ("a hardware change", "einem Hardwaretausch"),
    ("moving to a new server", "dem Umzug auf einen neuen Server"),
    ("the upgrade to 21.2", "dem Upgrade auf 21.2"),
    ("a password change", "einer Kennwortänderung"),
    ("a domain migration", "einer Domänenmigration"),
]
SYSTEMS = ["Windows Server 2019", "Windows Server 2022", "Windows Server 2025", "Windows 11"]
# (category, English title, German title, English summary, German summary)
SUBJECTS = [
    (
        "error-messages",
        "Backup of the {thing} fails with error {code}",
        "Sicherung der {thing_de} bricht mit Fehler {code} ab",
        "What error {code} means for a {thing} backup, and how to clear it.",
        "Was Fehler {code} bei der Sicherung bedeutet und wie Sie ihn beheben.",
    ),
    (
        "error-messages",
        "Error {code} when writing to the {dest}",
        "Fehler {code} beim Schreiben auf {dest_de}",
        "The destination refuses the data with {code}: rights, space or connection.",
        "Das Ziel lehnt die Daten mit {code} ab: Rechte, Platz oder Verbindung.",
    ),
    (
        "troubleshooting",
        "Restore of the {thing} is slow",
        "Wiederherstellung der {thing_de} ist langsam",
        "Where a slow restore from the {dest} loses its time, and what speeds it up.",
        "Wo eine langsame Wiederherstellung Zeit verliert und was sie beschleunigt.",
    ),
    (
        "troubleshooting",
        "Scheduled backup skipped after {event}",
        "Geplante Sicherung nach {event_de} ausgelassen",
        "The job did not start on time after {event}: service account and schedule.",
        "Der Auftrag startete nach {event_de} nicht: Dienstkonto und Zeitplan prüfen.",
    ),
    (
        "troubleshooting",
        "Cannot connect to the {dest} on {system}",
        "Keine Verbindung zu {dest_de} unter {system}",
        "Connection tests to the {dest} fail: firewall, proxy, credentials and clock.",
        "Der Verbindungstest schlägt fehl: Firewall, Proxy, Anmeldedaten und Uhrzeit.",
    ),
    (
        "how-to",
        "Back up a {thing} to the {dest}",
        "{thing_de} auf {dest_de} sichern",
        "A step-by-step job for the {thing}, with retention and e-mail reports.",
        "Ein Auftrag Schritt für Schritt, mit Aufbewahrung und E-Mail-Bericht.",
    ),
    (
        "how-to",
        "Restore a {thing} to another computer",
        "{thing_de} auf einem anderen Rechner wiederherstellen",
        "Read the backup on a second computer and restore the {thing} there.",
        "Die Sicherung auf einem zweiten Rechner lesen und dort wiederherstellen.",
    ),
    (
        "licensing",
        "Licence key rejected after {event}",
        "Lizenzschlüssel nach {event_de} abgelehnt",
        "Activation fails after {event}: release the old activation and activate again.",
        "Die Aktivierung schlägt fehl: alte Aktivierung freigeben und neu aktivieren.",
    ),
    (
        "release-notes",
        "Changes to {thing} backups in version {version}",
        "Änderungen an der Sicherung von {thing_de} in Version {version}",
        "What version {version} changed for {thing} backups and restores.",
        "Was Version {version} bei Sicherung und Wiederherstellung geändert hat.",
    ),
]
STEPS = [
    (
        "Open **Settings → Service account** and check that the account may read the source.",
        "Öffnen Sie **Einstellungen → Dienstkonto** und prüfen Sie die Leserechte.",
    ),
    (
        "Run `vssadmin list writers` and restart every writer that is not stable.",
        "Führen Sie `vssadmin list writers` aus und starten Sie instabile Writer neu.",
    ),
    (
        "Test the destination with **Test connection** and enter the credentials again.",
        "Testen Sie das Ziel mit **Verbindung testen** und geben Sie die Anmeldedaten neu ein.",
    ),
    (
        "Check the free space on the destination; retention needs room for one more chain.",
        "Prüfen Sie den freien Platz am Ziel; die Aufbewahrung braucht Platz für eine Kette.",
    ),
    (
        "Move the job away from antivirus scans and other heavy jobs.",
        "Legen Sie den Auftrag weg von Virenscans und anderen großen Aufträgen.",
    ),
    (
        "Turn on **Run missed backups at start-up** for computers that sleep at night.",
        "Schalten Sie **Verpasste Sicherungen beim Start nachholen** ein.",
    ),
    (
        "Export the job settings before you change them.",
        "Exportieren Sie die Auftragseinstellungen, bevor Sie sie ändern.",
    ),
    (
        "Restart the NovaBACKUP service and run the job once by hand.",
        "Starten Sie den NovaBACKUP-Dienst neu und führen Sie den Auftrag einmal von Hand aus.",
    ),
    (
        "Look in the job log for the first file that failed and check its path.",
        "Suchen Sie im Protokoll die erste fehlgeschlagene Datei und prüfen Sie ihren Pfad.",
    ),
    (
        "Encrypt the backup and keep the password outside the computer.",
        "Verschlüsseln Sie die Sicherung und bewahren Sie das Kennwort getrennt auf.",
    ),
]
INTROS = [
    (
        "This happens most often on {system} after {event}. The job log names the file or "
        "component that failed; start there.",
        "Das tritt meist unter {system} nach {event_de} auf. Das Protokoll nennt die Datei "
        "oder Komponente, die fehlschlug; beginnen Sie dort.",
    ),
    (
        "NovaBACKUP reports {code} when Windows refuses the operation. The cause is rarely the "
        "backup itself: rights, locks and snapshots come first.",
        "NovaBACKUP meldet {code}, wenn Windows den Vorgang ablehnt. Die Ursache liegt selten "
        "in der Sicherung selbst: zuerst Rechte, Sperren und Schattenkopien prüfen.",
    ),
    (
        "A {thing} changes while it is backed up, so the backup relies on a consistent "
        "snapshot. Without one, the copy may not restore.",
        "Eine {thing_de} ändert sich während der Sicherung; die Sicherung braucht daher eine "
        "konsistente Schattenkopie.",
    ),
    (
        "Backups to the {dest} go through the network stack of the service, not of your "
        "session: mapped drives and personal proxies do not apply.",
        "Sicherungen auf {dest_de} laufen über das Netzwerk des Dienstes, nicht Ihrer Sitzung: "
        "verbundene Laufwerke und eigene Proxys gelten nicht.",
    ),
]
COMMANDS = [
    "vssadmin list writers",
    "vssadmin list shadowstorage",
    "sc query NovaBackupService",
    "net stop NovaBackupService && net start NovaBackupService",
    "w32tm /resync",
    "Test-NetConnection backup.example.com -Port 443",
    'findstr /C:"{code}" "%ProgramData%\\NovaBACKUP\\Logs\\job.log"',
    "Get-VMIntegrationService -VMName FS01",
]
PRODUCTS = ["professional", "server", "business-essentials", "network", "xsp", "remote-workforce"]
VERSIONS = ["", "", "19.0", "20.0", "20.1", "21.0", "21.1", "21.2"]


def _choices(rng: random.Random) -> dict[str, str]:
    thing, thing_de = rng.choice(THINGS)
    dest, dest_de = rng.choice(DESTINATIONS)
    event, event_de = rng.choice(EVENTS)
    return {
        "thing": thing,
        "thing_de": thing_de,
        "dest": dest,
        "dest_de": dest_de,
        "event": event,
        "event_de": event_de,
        "code": rng.choice(CODES),
        "system": rng.choice(SYSTEMS),
        "version": rng.choice(["21.0", "21.1", "21.2", "21.2.1"]),
    }


def _body(rng: random.Random, values: dict[str, str], german: bool) -> str:
    side = 1 if german else 0
    parts = [rng.choice(INTROS)[side].format(**values)]
    for intro in rng.sample(INTROS, 2):
        parts.append(intro[side].format(**values))
    steps = rng.sample(STEPS, rng.randint(3, 6))
    parts.append("\n".join(f"{n}. {step[side]}" for n, step in enumerate(steps, 1)))
    parts.append("```\n" + rng.choice(COMMANDS).format(**values) + "\n```")
    if rng.random() < 0.3:
        header = "| Version | Status |" if not german else "| Version | Zustand |"
        parts.append(header + "\n|---|---|\n| 20.x | - |\n| 21.x | ok |")
    return "\n\n".join(parts) + "\n"


def articles_generate(count: int, seed: int) -> int:
    """Add ``count`` published articles (about 60% English, 40% German, most German ones
    translations), in batches; return how many were written."""
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from entitlements.models import Product
    from knowledge.models import Article, ArticleState

    rng = random.Random(seed)  # noqa: S311 - text, not secrets
    now = timezone.now()
    products = {p.code: p.pk for p in Product.objects.filter(code__in=PRODUCTS)}
    Through = Article.products.through
    written = 0
    batch = 1000
    originals: list[tuple] = []  # (article, values, subject, products) of English ones
    with transaction.atomic():
        while written < count:
            rows: list[Article] = []
            product_codes: list[list[str]] = []  # per row
            for _n in range(min(batch, count - written)):
                number = written + len(rows)
                german = rng.random() < 0.4
                original = rng.choice(originals) if german and originals else None
                if original is not None and rng.random() < 0.75:
                    # A translation: the same subject, values and products as its original.
                    source, values, subject, codes = original
                else:
                    source, values = None, _choices(rng)
                    subject = rng.choice(SUBJECTS)
                    codes = rng.sample(PRODUCTS, rng.randint(1, 3))
                category, title, title_de, summary, summary_de = subject
                low = source.min_version if source else rng.choice(VERSIONS)
                high = source.max_version if source else ""
                if source is None and low < "21":
                    high = rng.choice(["", "", "", "20.x", "21.x"])
                text = (title_de if german else title).format(**values)
                article = Article(
                    slug=f"{SLUG_PREFIX}{number:05d}-{slugify(text)[:80]}",
                    title=text[:200],
                    summary=(summary_de if german else summary).format(**values)[:300],
                    body=_body(rng, values, german),
                    category=category,
                    language="de" if german else "en",
                    translation_of=source,
                    min_version=low,
                    max_version=high,
                    tags=" ".join(sorted({values["code"], *rng.sample(CODES, rng.randint(0, 2))})),
                    state=ArticleState.PUBLISHED,
                    published_at=now,
                    review_by=now.date() + timedelta(days=365),
                    views=rng.randint(0, 5000),
                )
                rows.append(article)
                if not german:
                    originals.append((article, values, subject, codes))
                product_codes.append(codes)
            # Originals first, so the translations can point at their ids.
            english = [a for a in rows if a.language == "en"]
            german_rows = [a for a in rows if a.language == "de"]
            Article.objects.bulk_create(english, batch_size=500)
            for article in german_rows:
                if article.translation_of is not None:
                    article.translation_of_id = article.translation_of.pk
            Article.objects.bulk_create(german_rows, batch_size=500)
            Through.objects.bulk_create(
                [
                    Through(article_id=a.pk, product_id=products[code])
                    for a, codes in zip(rows, product_codes, strict=True)
                    for code in codes
                    if code in products
                ],
                batch_size=2000,
            )
            written += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_article")
        cursor.execute("ANALYZE knowledge_article_products")
    return written


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


def run_page(args, base: str, page: Page, scratch: Path) -> bench.Result:
    result = bench.Result(
        key=page.key,
        label=page.label,
        queries=page.queries,
        render_ms=page.render_ms,
        sql_ms=page.sql_ms,
        load_before=round(os.getloadavg()[0], 2),
    )
    if page.note:
        result.verdict, result.note = "ERROR", page.note
        return result
    for path in page.paths[:5]:
        problem = bench.preflight(base, bench.Target(page.key, page.label, path, None, False,
                                                     cookie=page.cookie))  # fmt: skip
        if problem:
            result.verdict, result.note = "ERROR", f"{path}: {problem}"
            return result
    script = scratch / f"{page.key}.lua"
    script.write_text(LUA % ", ".join(json.dumps(p) for p in page.paths))
    command = [
        "wrk", "-t", str(args.threads), "-c", str(max(args.connections, args.threads)),
        "--timeout", "10s", "--latency", "-s", str(script),
    ]  # fmt: skip
    if page.cookie:
        command += ["-H", f"Cookie: {page.cookie}"]
    if args.warmup:
        subprocess.run(  # noqa: S603 - wrk with arguments built here
            [*command, "-d", f"{args.warmup}s", base + "/"],
            capture_output=True,
            timeout=args.warmup + 30,
            check=False,
        )
    completed = subprocess.run(  # noqa: S603 - wrk with arguments built here
        [*command, "-d", f"{args.duration}s", base + "/"],
        capture_output=True,
        text=True,
        timeout=args.duration + 60,
        check=False,
    )
    if completed.returncode != 0:
        result.verdict, result.note = "ERROR", completed.stderr.strip()[-300:]
        return result
    figures = bench.parse_wrk(completed.stdout)
    result.requests_per_second = figures["rps"]
    result.p50_ms, result.p99_ms = figures["p50"], figures["p99"]
    result.requests, result.errors = figures["requests"], figures["errors"]
    if result.errors:
        result.verdict, result.note = "ERROR", f"{result.errors} failed requests"
    elif page.p99_budget is None:
        result.verdict = "info"
    elif result.p99_ms is not None and result.p99_ms < page.p99_budget:
        result.verdict = "pass"
    else:
        result.verdict, result.note = "FAIL", f"p99 over {page.p99_budget:.0f} ms"
    return result


def table(results: list[bench.Result], budgets: dict[str, float | None], markdown: bool) -> str:
    header = ["page", "req/s", "p50 ms", "p99 ms", "SQL queries", "1 request ms (SQL)",
              "budget", "verdict", "load"]  # fmt: skip
    rows = [
        [
            r.label,
            bench._fmt(r.requests_per_second),
            bench._fmt(r.p50_ms, 2),
            bench._fmt(r.p99_ms, 2),
            " / ".join(str(q) for q in r.queries) or "-",
            f"{bench._fmt(r.render_ms)} ({bench._fmt(r.sql_ms)})",
            f"p99 < {budgets[r.key]:.0f} ms" if budgets.get(r.key) else "(reference)",
            f"{r.verdict}{': ' + r.note if r.note else ''}",
            f"{r.load_before:.1f}",
        ]
        for r in results
    ]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(header))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in rows]
    return "\n".join(lines)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="Generated articles wanted.")
    parser.add_argument("--regenerate", action="store_true", help="Replace generated articles.")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--duration", type=int, default=10, help="Seconds of load per page.")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--only", help="Comma-separated keys: home,search,api,suggest")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--no-collectstatic", action="store_true")
    parser.add_argument("--wait-idle", type=int, default=0, metavar="SECONDS")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--markdown", action="store_true")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    if shutil.which("wrk") is None:
        bench.fail("wrk is not installed: `apt-get install -y wrk` or `brew install wrk`")
    port = args.port or bench.free_port()
    env = bench.environment(port)
    # All load comes from one address and one customer.
    env["KNOWLEDGE_RATE_SUGGEST"] = "1000000/m"
    env["KNOWLEDGE_RATE_FEEDBACK"] = "1000000/h"
    os.environ.update(env)
    os.chdir(ROOT)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if not args.no_collectstatic:
        print("Collecting static files (production storage needs its manifest)...", flush=True)
        call_command("collectstatic", interactive=False, verbosity=0)
    print("Preparing the help centre...", flush=True)
    context = database_prepare(args)
    pages = prepare(context)
    if args.only:
        keep = {key.strip() for key in args.only.split(",")}
        pages = [p for p in pages if p.key in keep]
    plans = []
    if not args.no_explain:
        for query, language in (("VSS writer timeout", "en"), ("Sicherung startet nicht", "de"),
                                ("0x8007005", "en"), ("backup", None)):  # fmt: skip
            plan, ms = explain(query, language)
            plans.append({"query": query, "language": language, "ms": ms, "plan": plan})
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_version = cursor.fetchone()[0]
    connection.close()

    if args.wait_idle:
        deadline = time.monotonic() + args.wait_idle
        while os.getloadavg()[0] >= 1.0 and time.monotonic() < deadline:
            time.sleep(5)
    started = datetime.now(UTC)
    print(
        f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {platform.python_version()}, "
        f"PostgreSQL {server_version}; {context['published']:,} published articles "
        f"({context['german']:,} German); load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(
        f"gunicorn: {args.workers} sync workers on 127.0.0.1:{port}; wrk: {args.threads} "
        f"threads, {args.connections} connections, {args.warmup} s warm-up + "
        f"{args.duration} s per page",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="novadesk-bench-help-") as scratch:
        scratch_dir = Path(scratch)
        log = scratch_dir / "gunicorn.log"
        server = bench.start_gunicorn(env, port, args.workers, log)
        try:
            base = f"http://127.0.0.1:{port}"
            for page in pages:
                print(f"  {page.label} ...", end=" ", flush=True)
                result = run_page(args, base, page, scratch_dir)
                results.append(result)
                print(
                    f"{bench._fmt(result.requests_per_second)} req/s {result.verdict}", flush=True
                )
        finally:
            bench.stop(server)
            errors = log.read_text() if log.exists() else ""
            if "Traceback" in errors or "ERROR" in errors:
                print("gunicorn logged errors:\n" + errors[-2000:], file=sys.stderr)

    print()
    print(table(results, {p.key: p.p99_budget for p in pages}, args.markdown))
    for entry in plans:
        print(
            f"\nEXPLAIN ANALYZE, slowest statement of article_search({entry['query']!r}, "
            f"language={entry['language']!r}): {entry['ms']:.2f} ms"
        )
        print(entry["plan"])
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
