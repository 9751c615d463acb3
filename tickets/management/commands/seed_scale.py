"""Build a realistic, large NovaDesk database fast, for benchmarks and load tests.

    python manage.py seed_scale --tickets 100000            # ~20,000 customers, 300,000 messages

Customers of both teams with verified e-mail addresses and a registered product; entitlements
of every kind (Premium and xSP plans renewed year after year, Per Incident credits used and
unused, Setup and Restore packages, Free Trial windows, Upgrade Protection); engineers of both
teams with their profiles; tickets over the last two years in every state, with first-response
targets, contact attempts and due steps of the waiting period, resolutions, the conversation
(customer, support, internal notes, calls, automatic reminders), attachment metadata (no files
on disk), the audit history, one private link and one reply address each and the entitlement
events they caused.

On PostgreSQL the rows go in with binary COPY, the foreign keys and secondary indexes of the
loaded tables dropped and added back at the end (one check and one build each), all in one
transaction; elsewhere (SQLite) with ``bulk_create``. Primary keys are reserved from each
table's sequence, ticket numbers from ``tickets_ticket_number_seq`` (or the ``TicketNumber``
counter), and both are moved past the rows written, so tickets created afterwards get fresh IDs.
The same ``--seed`` gives the same data relative to ``--now``. It refuses a database that has
tickets unless ``--append``; it locks the loaded tables while it runs (not for a live portal).

Every customer and engineer signs in with the password printed at the end.
"""

from __future__ import annotations

import bisect
import hashlib
import random
import time
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from entitlements.catalogue import RELEASES
from entitlements.models import Entitlement, EntitlementEvent, Offering, Product, Registration
from entitlements.services import catalogue_load
from portal.accounts.selectors import support_team_for
from teams.models import Team
from tickets.models import (
    AccessLink,
    Attachment,
    EngineerProfile,
    Message,
    ReplyToken,
    Ticket,
    TicketEvent,
    TicketNumber,
)

PASSWORD = "novadesk-scale"  # noqa: S105 - printed on purpose, generated accounts only
EMAIL_DOMAIN = "scale.example.com"
ENGINEER_DOMAIN = "scale.novadesk.test"
ENGINEER_GROUP = "Support engineers"

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0
HISTORY_DAYS = 730

# Status codes of the plan, kept small for the first pass over every ticket.
NEW, OPEN, WAITING, CLOSED = "new", "open", "waiting", "closed"
RESOLVED, CUSTOMER_CLOSED, AUTO_CLOSED = "resolved", "customer-closed", "auto-closed"
CANNOT_RESOLVE, CANCELLED = "cannot-resolve", "cancelled"
# The most recent tickets get these (status, team) pairs, so even a tiny run has them all.
GUARANTEED = [
    (NEW, "us"),
    (OPEN, "us"),
    (WAITING, "us"),
    (CLOSED, "us"),
    (NEW, "de"),
    (OPEN, "de"),
    (WAITING, "de"),
    (CLOSED, "de"),
]

PREMIUM_PRODUCTS = ["professional", "server", "business-essentials"]
PER_INCIDENT_PRODUCTS = ["professional", "server", "business-essentials", "remote-workforce"]
TRIAL_PRODUCTS = [*PER_INCIDENT_PRODUCTS, "network"]
PROFILES = ["premium", "xsp", "per-incident", "free-trial"]

# country, weight, language ("" draws English or German by country)
COUNTRIES = [
    ("US", 34), ("CA", 6), ("AU", 4), ("BR", 2), ("MX", 2), ("JP", 1), ("IN", 2),
    ("DE", 22), ("AT", 4), ("CH", 4), ("GB", 8), ("FR", 3), ("NL", 3), ("IT", 2),
    ("ES", 1), ("PL", 1), ("SE", 1),
]  # fmt: skip
GERMAN_SPEAKING = {"DE", "AT", "CH"}
FIRST_NAMES = [
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Hannah", "Isaac", "Julia",
    "Karl", "Laura", "Max", "Nina", "Oliver", "Paula", "Quentin", "Rosa", "Stefan", "Tina",
    "Uwe", "Vera", "William", "Xenia", "Yusuf", "Zoe", "Jürgen", "Mia", "Noah", "Sophie",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Miller", "Brown", "Davis", "Garcia", "Wilson", "Taylor", "Clark",
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
    "Schulz", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Schwarz", "Lopez", "Martin",
]  # fmt: skip
SUBJECTS = {
    "technical": [
        "Backup job fails with error 0x80070005",
        "Nightly image backup stops at {pct}%",
        "VSS snapshot error during image backup",
        "Backup to NAS share fails after password change",
        "Scheduled job does not start since the update to {version}",
        "Cloud upload very slow ({mbit} Mbit/s)",
        "Error 1450: insufficient system resources",
        "Exchange backup reports corrupt database",
        "SQL Server backup fails with timeout",
        "Service NovaBACKUP Agent does not start",
    ],
    "setup": [
        "Installation on Windows Server 2022 fails",
        "How do I set up a backup to a USB drive rotation?",
        "Migrating NovaBACKUP to a new server",
        "Setting up Hyper-V backups for {count} VMs",
        "Central management console: adding agents",
    ],
    "restore": [
        "Restore of a single mailbox fails",
        "Bare-metal restore does not boot",
        "Need to restore files deleted {count} days ago",
        "Restore from cloud aborts at {pct}%",
        "Restoring a SQL database to another server",
    ],
    "licensing": [
        "Licence key not accepted",
        "Moving my licence to a new computer",
        "Licence shows expired although renewed",
        "Upgrade price for version {version}",
    ],
}
CUSTOMER_BODIES = [
    'Hello,\n\nsince {when} the job "{job}" fails every night. The log says:\n\n'
    "  {error}\n\nWe did not change anything on the server. Can you help?\n\nRegards",
    "Hi support team,\n\nafter updating to {version} the backup stops with {error}. "
    "I attached the log file. The machine runs Windows Server 2019 with {count} GB free space.",
    "Guten Tag,\n\nunsere Sicherung auf das NAS bricht seit {when} ab ({error}). Das Ziel ist "
    "erreichbar, Zugangsdaten sind korrekt. Bitte um Rückmeldung.\n\nMit freundlichen Grüßen",
    "We need to get this working before the end of the week, our auditors ask for "
    "proof of working backups. Error: {error}",
    "Thanks, I tried that but the problem is still there. New log attached.",
    "It worked once last night and failed again this morning with {error}.",
    "Here is the screenshot you asked for.",
    "Danke, das hat geholfen. Eine Frage noch: wie lange werden die alten Sicherungen aufbewahrt?",
    "Any news on this? The backups are still failing.",
]
ENGINEER_BODIES = [
    "Thank you for your request. Could you please send us the log files from "
    "C:\\ProgramData\\NovaStor\\NovaBACKUP\\Logs so we can look into it?",
    "This error means the backup user has no write permission on the target. Please add the "
    "account to the share with full control and run the job again.",
    "Vielen Dank für Ihre Anfrage. Bitte aktualisieren Sie auf Version {version} und starten "
    "Sie den Dienst neu; der Fehler ist dort behoben.",
    "We looked at the logs: the VSS writer of {job} is in a failed state. Please restart the "
    "service, then run `vssadmin list writers` and send us the output.",
    "Could you tell us when it would suit you for a remote session? We need about 30 minutes.",
    "The fix is included in {version}. After the update the job ran successfully on our test "
    "system with the same settings.",
    "Glad to hear it works now. I'll close this request; reply here if anything comes back.",
]
NOTE_BODIES = [
    "Known issue NB-{count}, fixed in {version}.",
    "Customer is an MSP, handle with care; escalated to second level.",
    "Logs show disk full on target at 02:13. Asked customer.",
    "Same problem as in an earlier ticket of this customer.",
]
CALL_NOTES = ["Walked through the settings together.", "Customer will test tonight.", ""]
REMINDER = "Automatic reminder: we are waiting for your reply."
ERRORS = ["0x80070005 (access denied)", "0x8004230F (VSS)", "error 1450", "timeout after 600 s",
          "0x80070070 (disk full)", "network path not found"]  # fmt: skip
JOBS = ["Daily Server", "Exchange", "SQL nightly", "File share", "Image C:"]
FILES = [
    ("backup.log", "text/plain", 40_000),
    ("NovaBACKUP-logs.zip", "application/zip", 2_500_000),
    ("screenshot.png", "image/png", 350_000),
    ("error.jpg", "image/jpeg", 200_000),
    ("settings-export.pdf", "application/pdf", 120_000),
]


# Every table the generator writes in bulk (engineers and their profiles go through the ORM).
LOADED_MODELS = [
    get_user_model(),
    EmailAddress,
    Registration,
    Entitlement,
    EntitlementEvent,
    Ticket,
    Message,
    Attachment,
    TicketEvent,
    AccessLink,
    ReplyToken,
]


def _ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=UTC)


def _skip_weekend(ts: float) -> float:
    """Move a due time off Saturday and Sunday (an approximation of the team calendar)."""
    weekday = time.gmtime(ts).tm_wday
    if weekday == 5:
        return ts + 2 * DAY
    if weekday == 6:
        return ts + DAY
    return ts


# --- Writing rows -----------------------------------------------------------------------------


class Table:
    """One model's rows as tuples in ``columns`` order (attnames), with fixed values for the rest.

    Columns the generator does not know (a field added later) get their default, NULL or "";
    a required field without any of these stops the command with a clear error.
    """

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [name for name in columns if name not in fields]
        if unknown:
            raise CommandError(f"{model.__name__} has no field {', '.join(unknown)}")
        self.extra_names: list[str] = []
        self.extra_values: tuple = ()
        extras = []
        for name, model_field in fields.items():
            if name in columns:
                continue
            if model_field.has_default():
                value = model_field.get_default()
            elif model_field.null:
                value = None
            elif isinstance(model_field, models.CharField | models.TextField):
                value = ""
            else:
                raise CommandError(
                    f"seed_scale does not know how to fill {model.__name__}.{name}; "
                    "add it to the generator"
                )
            if isinstance(model_field, models.JSONField) and connection.vendor == "postgresql":
                from psycopg.types.json import Jsonb

                value = Jsonb(value)
            self.extra_names.append(name)
            extras.append(value)
        self.extra_values = tuple(extras)
        self.names = [*columns, *self.extra_names]
        self.db_columns = [fields[name].column for name in self.names]
        # For binary COPY: "varchar(20)" is sent as varchar, the length is checked by the server.
        self.db_types = [
            fields[name].db_type(connection).split("(")[0].strip() for name in self.names
        ]
        self.rows: list[tuple] = []
        self.written = 0

    def add(self, row: tuple) -> None:
        self.rows.append(row + self.extra_values if self.extra_values else row)


class Writer:
    """Writes tables with PostgreSQL COPY where it can, else with ``bulk_create``."""

    def __init__(self, *, use_copy: bool) -> None:
        self.use_copy = use_copy

    def flush(self, table: Table) -> None:
        if not table.rows:
            return
        if self.use_copy:
            quoted = ", ".join(connection.ops.quote_name(c) for c in table.db_columns)
            name = connection.ops.quote_name(table.model._meta.db_table)
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {name} ({quoted}) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.set_types(table.db_types)
                for row in table.rows:
                    copy.write_row(row)
        else:
            names = table.names
            table.model.objects.bulk_create(
                [table.model(**dict(zip(names, row, strict=True))) for row in table.rows],
                batch_size=500,
            )
        table.written += len(table.rows)
        table.rows.clear()


class Ids:
    """Primary keys handed out in a block, and the table's sequence moved past them after."""

    def __init__(self, model: type[models.Model], *, postgres: bool) -> None:
        self.model = model
        self.postgres = postgres
        self.table = model._meta.db_table
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [self.table])
                self.sequence = cursor.fetchone()[0]
                cursor.execute("SELECT nextval(%s)", [self.sequence])
                self.next = cursor.fetchone()[0]
        else:
            self.sequence = None
            self.next = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
        self.first = self.next

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value

    def finish(self) -> None:
        """Move the sequence past every key written (SQLite's AUTOINCREMENT follows by itself)."""
        if self.postgres and self.next > self.first:
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval(%s, %s)", [self.sequence, self.next - 1])


# --- The plan of the population ---------------------------------------------------------------


@dataclass(slots=True)
class Customer:
    pk: int
    team: str
    language: str
    profile: str
    product: str
    email: str
    plan: list[tuple[int, float, float]] = field(default_factory=list)  # (pk, starts, ends)
    trial: tuple[int, float, float] | None = None


@dataclass(slots=True)
class Plan:
    """What the first pass decides for one ticket: enough to count its messages."""

    created: float
    customer: int
    status: str
    resolution: str = ""
    attempts: int = 0
    responded: bool = True
    proposal: bool = False
    extra: int = 0


class Command(BaseCommand):
    help = "Fill the database with a realistic volume of customers, entitlements and tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=100_000)
        parser.add_argument(
            "--messages-per-ticket",
            type=float,
            default=3.0,
            help="Average messages a ticket (at least what each ticket's state needs).",
        )
        parser.add_argument("--customers", type=int, help="Default: a fifth of --tickets.")
        parser.add_argument(
            "--engineers", type=int, help="Engineers per team (default: tickets / 4000, 2-25)."
        )
        parser.add_argument("--batch", type=int, default=5000, help="Tickets written at a time.")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--now", help="The moment the history ends, ISO 8601 (default: now, to the minute)."
        )
        parser.add_argument(
            "--append", action="store_true", help="Add to a database that already has tickets."
        )
        parser.add_argument(
            "--no-copy", action="store_true", help="Use bulk_create even on PostgreSQL."
        )
        parser.add_argument(
            "--keep-constraints",
            action="store_true",
            help="Keep foreign keys and indexes during the load (slower; checked row by row).",
        )
        parser.add_argument("--no-progress", action="store_true")

    # --- Entry point ------------------------------------------------------------------------

    def handle(self, *args, **options) -> None:
        tickets = options["tickets"]
        if tickets < 1:
            raise CommandError("--tickets must be at least 1")
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        existing = Ticket.objects.count()
        if existing and not options["append"]:
            raise CommandError(
                f"The database already has {existing} tickets: seed_scale fills an empty "
                "database. Pass --append to add to it, or seed a fresh database."
            )
        if options["now"]:
            now = datetime.fromisoformat(options["now"])
            if timezone.is_naive(now):
                now = now.replace(tzinfo=UTC)
        else:
            now = timezone.now().replace(second=0, microsecond=0)
        self.rng = random.Random(options["seed"])  # noqa: S311 - test data, not secrets
        self.seed = options["seed"]
        self.now = now.timestamp()
        self.postgres = connection.vendor == "postgresql"
        use_copy = self.postgres and is_psycopg3 and not options["no_copy"]
        self.quiet = options["verbosity"] == 0 or options["no_progress"]
        customers = options["customers"] or max(10, tickets // 5)
        per_team = options["engineers"] or max(2, min(25, tickets // 4000))

        started = time.monotonic()
        self.timings: dict[str, float] = {}
        with transaction.atomic():
            dropped: list[tuple[str, str, str]] = []
            indexes: list[str] = []
            if use_copy:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
                if not options["keep_constraints"]:
                    dropped = self._drop_foreign_keys()
                    indexes = self._drop_indexes()
            counts = self._build(
                tickets=tickets,
                customers=customers,
                per_team=per_team,
                per_ticket=options["messages_per_ticket"],
                batch=options["batch"],
                writer=Writer(use_copy=use_copy),
            )
            if indexes:
                with self._phase("indexes rebuilt"):
                    self._restore_indexes(indexes)
            if dropped:
                with self._phase("foreign keys checked"):
                    self._restore_foreign_keys(dropped)
            if self.postgres:
                with self._phase("analyze"), connection.cursor() as cursor:
                    for table in counts:
                        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
            commit_started = time.monotonic()
        self.timings["commit"] = time.monotonic() - commit_started
        elapsed = time.monotonic() - started
        if options["verbosity"]:
            self._report(counts, elapsed, use_copy)

    @contextmanager
    def _phase(self, name: str):
        started = time.monotonic()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.monotonic() - started

    def _drop_foreign_keys(self) -> list[tuple[str, str, str]]:
        """Drop the foreign keys of the tables about to be loaded, to add them back after.

        PostgreSQL's advice for bulk loads: checking each key once over the loaded table (when it
        is added back) is far faster than a trigger for every row. It all happens in the
        command's transaction, so a failure leaves every constraint as it was.
        """
        dropped = []
        with connection.cursor() as cursor:
            for model in LOADED_MODELS:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    dropped.append((table, name, definition))
            for table, name, _definition in dropped:
                cursor.execute(
                    f"ALTER TABLE {connection.ops.quote_name(table)} "
                    f"DROP CONSTRAINT {connection.ops.quote_name(name)}"
                )
        return dropped

    def _drop_indexes(self) -> list[str]:
        """Drop the secondary indexes of the loaded tables: one build each after the load beats
        updating them row by row. Primary keys and indexes behind constraints stay."""
        definitions = []
        with connection.cursor() as cursor:
            for model in LOADED_MODELS:
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                    "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                    "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
                    " ORDER BY 1",
                    [model._meta.db_table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {name}")
                    definitions.append(definition)
        return definitions

    def _restore_indexes(self, definitions: list[str]) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for definition in definitions:
                cursor.execute(definition)

    def _restore_foreign_keys(self, dropped: list[tuple[str, str, str]]) -> None:
        with connection.cursor() as cursor:
            for table, name, definition in dropped:
                cursor.execute(
                    f"ALTER TABLE {connection.ops.quote_name(table)} "
                    f"ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
                )

    def _report(self, counts: dict[str, int], elapsed: float, use_copy: bool) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {elapsed:.1f} s ({'COPY' if use_copy else 'bulk_create'}):"
            )
        )
        for table, count in counts.items():
            self.stdout.write(f"  {table:<34} {count:>10,}")
        self.stdout.write(
            "Time spent: "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.timings.items())
        )
        self.stdout.write(
            f"Customers sign in as <name>.<id>@{EMAIL_DOMAIN}, engineers as "
            f"engineer.<team>.<n>@{ENGINEER_DOMAIN}, all with password '{PASSWORD}'."
        )

    # --- The build --------------------------------------------------------------------------

    def _build(self, *, tickets, customers, per_team, per_ticket, batch, writer) -> dict[str, int]:
        catalogue_load()
        self.products = {p.code: p.pk for p in Product.objects.all()}
        self.offerings = {o.kind: o for o in Offering.objects.all()}
        self.teams = {t.code: t.pk for t in Team.objects.all()}
        missing = {"us", "de"} - set(self.teams)
        if missing:
            raise CommandError(f"Teams {sorted(missing)} are missing: run migrate first")
        self.password = make_password(PASSWORD)
        self.engineers = self._engineers(per_team)
        self.versions = sorted(
            (datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp(), v)
            for v, d in RELEASES["professional"]
        )

        self.ids = {model: Ids(model, postgres=self.postgres) for model in LOADED_MODELS}
        self.tables = self._tables()
        self.writer = writer

        with self._phase("customers and plan"):
            population = self._customers(customers)
            plans = self._plan(tickets, population, per_ticket)
            first_number = self._reserve_numbers(len(plans))

        loop_started = time.monotonic()
        written_before = self.timings.get("write", 0.0)
        bar = tqdm(
            total=len(plans),
            unit="ticket",
            desc="seed_scale",
            disable=self.quiet,
            mininterval=0.5,
            dynamic_ncols=True,
        )
        self._write(["user", "email", "registration", "entitlement", "entitlement_event"])
        for index, plan in enumerate(plans):
            self._ticket(plan, population[plan.customer], first_number + index)
            if (index + 1) % batch == 0:
                self._write(list(self.tables))
                bar.update(batch)
        self._write(list(self.tables))
        bar.update(len(plans) % batch)
        bar.close()
        self.timings["generate"] = (
            time.monotonic() - loop_started - (self.timings["write"] - written_before)
        )
        for counter in self.ids.values():
            counter.finish()
        self._finish_numbers(first_number + len(plans) - 1)
        return {
            table.model._meta.db_table: table.written
            for table in self.tables.values()
            if table.written
        }

    def _write(self, names: Iterable[str]) -> None:
        with self._phase("write"):
            for name in names:
                self.writer.flush(self.tables[name])

    def _tables(self) -> dict[str, Table]:
        User = get_user_model()
        return {
            "user": Table(User, ["id", "password", "last_login", "is_superuser", "is_staff",
                                 "is_active", "date_joined", "email", "name", "language",
                                 "country", "phone", "release_notifications",
                                 "support_team_override"]),
            "email": Table(EmailAddress, ["id", "user_id", "email", "verified", "primary"]),
            "registration": Table(Registration, ["id", "customer_id", "product_id", "kind", "key",
                                                 "version", "purchased_on", "registered_at"]),
            "entitlement": Table(Entitlement, ["id", "customer_id", "product_id", "offering_id",
                                               "kind", "starts_at", "ends_at", "uses_total",
                                               "uses_left", "source", "order_item_id",
                                               "registration_id", "revoked_at", "revoke_reason",
                                               "created_at"]),
            "entitlement_event": Table(EntitlementEvent, ["id", "entitlement_id", "at",
                                                          "actor_id", "action", "reference",
                                                          "reason"]),
            "ticket": Table(Ticket, ["id", "ticket_id", "customer_id", "product_id", "version",
                                     "category", "channel", "subject", "language", "phone",
                                     "remote_id", "status", "priority", "resolution", "team_id",
                                     "assignee_id", "entitlement_id", "entitlement_kind",
                                     "created_at", "last_activity_at", "first_response_due",
                                     "first_responded_at", "callback_due", "callback_done_at",
                                     "closed_at", "closure_proposed_at", "contact_attempts",
                                     "first_attempt_at", "last_attempt_at", "next_action_at"]),
            "message": Table(Message, ["id", "ticket_id", "author_id", "kind", "via", "body",
                                       "awaits_customer", "created_at"]),
            "attachment": Table(Attachment, ["id", "message_id", "ticket_id_ref", "storage_key",
                                             "file", "name", "content_type", "size", "sha256"]),
            "event": Table(TicketEvent, ["id", "ticket_id", "at", "actor_id", "action",
                                         "from_status", "to_status", "detail"]),
            "link": Table(AccessLink, ["id", "ticket_id", "token_hash", "created_at",
                                       "expires_at", "revoked_at", "revoke_reason",
                                       "last_used_at"]),
            "reply": Table(ReplyToken, ["id", "ticket_id", "token_hash", "created_at",
                                        "superseded_at"]),
        }  # fmt: skip

    # --- Engineers (a few dozen: through the ORM) --------------------------------------------

    def _engineers(self, per_team: int) -> dict[str, list[tuple[int, str]]]:
        User = get_user_model()
        group = self._engineer_group()
        all_products = list(Product.objects.all())
        engineers: dict[str, list[tuple[int, str]]] = {}
        for team, country, language in (("us", "US", "en"), ("de", "DE", "de")):
            engineers[team] = []
            for n in range(1, per_team + 1):
                name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
                email = f"engineer.{team}.{n}@{ENGINEER_DOMAIN}"
                user, made = User.objects.get_or_create(
                    email=email,
                    defaults={
                        "name": name,
                        "is_staff": True,
                        "country": country,
                        "language": language,
                        "support_team_override": team,
                        "password": self.password,
                    },
                )
                if made:
                    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
                user.groups.add(group)
                profile, _ = EngineerProfile.objects.get_or_create(
                    user=user, defaults={"team_id": self.teams[team]}
                )
                profile.products.set(all_products)
                engineers[team].append((user.pk, str(user)))
        return engineers

    @staticmethod
    def _engineer_group() -> Group:
        """The project's engineer role group where it exists, else the demo data's group."""
        try:
            from portal.accounts.roles import SUPPORT_ENGINEER as role_name
        except ImportError:  # an installation without staff roles
            role_name = ""
        role = Group.objects.filter(name=role_name).first() if role_name else None
        if role is not None:
            return role
        group, created = Group.objects.get_or_create(name=ENGINEER_GROUP)
        if created:
            group.permissions.set(
                Permission.objects.filter(
                    content_type__app_label__in=["tickets", "entitlements", "surveys", "core"]
                )
            )
        return group

    # --- Customers and their entitlements -----------------------------------------------------

    def _customers(self, count: int) -> list[Customer]:
        rng = self.rng
        countries = [c for c, _w in COUNTRIES]
        weights = [w for _c, w in COUNTRIES]
        heavy = max(1, count // 50)
        population = []
        users, emails = self.tables["user"], self.tables["email"]
        for index in range(count):
            pk = self.ids[get_user_model()].take()
            country = rng.choices(countries, weights)[0]
            language = "de" if country in GERMAN_SPEAKING and rng.random() < 0.9 else "en"
            team = str(support_team_for(country=country, language=language))
            if index < heavy:
                profile = "premium" if rng.random() < 0.8 else "xsp"
            else:
                profile = rng.choices(PROFILES, [40, 4, 36, 20])[0]
            if profile == "premium":
                product = rng.choices(PREMIUM_PRODUCTS, [60, 25, 15])[0]
            elif profile == "xsp":
                product = "xsp"
            elif profile == "per-incident":
                product = rng.choices(PER_INCIDENT_PRODUCTS, [50, 25, 15, 10])[0]
            else:
                product = rng.choices(TRIAL_PRODUCTS, [45, 20, 15, 10, 10])[0]
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{first}.{last}.{pk}@{EMAIL_DOMAIN}".lower()
            joined = self.now - (HISTORY_DAYS + 400) * DAY * rng.random()
            users.add((pk, self.password, _ts(self.now - rng.random() * 90 * DAY), False, False,
                       True, _ts(joined), email, f"{first} {last}", language, country, "", False,
                       ""))  # fmt: skip
            emails.add((self.ids[EmailAddress].take(), pk, email, True, True))
            population.append(Customer(pk, team, language, profile, product, email))
        return population

    def _registration(self, customer: Customer, at: float, kind: str) -> int:
        pk = self.ids[Registration].take()
        code = customer.product
        version = self._version(at)
        self.tables["registration"].add(
            (pk, customer.pk, self.products[code], kind,
             f"NB-{code[:3].upper()}-{self.seed}-{pk:08d}", version,
             _ts(at).date() if kind == "licence" else None, _ts(at))
        )  # fmt: skip
        return pk

    def _entitlement(
        self,
        customer: Customer,
        kind: str,
        *,
        product: str | None = None,
        starts: float,
        ends: float | None = None,
        uses: int | None = None,
        left: int | None = None,
        registration: int | None = None,
    ) -> int:
        pk = self.ids[Entitlement].take()
        source = "registration" if registration else f"CB-{self.seed}{pk:07d}"
        self.tables["entitlement"].add(
            (pk, customer.pk, self.products[product or customer.product],
             self.offerings[kind].pk, kind, _ts(starts), _ts(ends) if ends else None, uses,
             left, source, None, registration, None, "", _ts(starts))
        )  # fmt: skip
        self.tables["entitlement_event"].add(
            (self.ids[EntitlementEvent].take(), pk, _ts(starts), None, "granted", source, "")
        )
        return pk

    def _customer_entitlements(self, customer: Customer, first_ticket: float | None) -> None:
        rng = self.rng
        now = self.now
        if customer.profile in ("premium", "xsp"):
            self._registration(customer, now - (HISTORY_DAYS + 300 * rng.random()) * DAY, "licence")
            start = now - (HISTORY_DAYS + 1 + 365 * rng.random()) * DAY
            while start < now:
                end = start + 365 * DAY
                customer.plan.append(
                    (
                        self._entitlement(customer, customer.profile, starts=start, ends=end),
                        start,
                        end,
                    )
                )
                start = end
            if rng.random() < 0.05:
                start = now - 365 * DAY * rng.random()
                self._entitlement(customer, "upgrade-protection", starts=start,
                                  ends=start + 365 * DAY)  # fmt: skip
        elif customer.profile == "free-trial":
            start = (first_ticket if first_ticket is not None else now - HISTORY_DAYS * DAY
                     * rng.random()) - 5 * DAY * rng.random()  # fmt: skip
            registration = self._registration(customer, start, "evaluation")
            end = start + self.offerings["free-trial"].term_days * DAY
            pk = self._entitlement(customer, "free-trial", starts=start, ends=end,
                                   registration=registration)  # fmt: skip
            customer.trial = (pk, start, end)
        else:
            self._registration(customer, now - HISTORY_DAYS * DAY * rng.random(), "licence")
            roll = rng.random()
            if roll < 0.30:  # an unused credit bought recently
                self._entitlement(customer, "per-incident", starts=now - 200 * DAY * rng.random(),
                                  uses=1, left=1)  # fmt: skip
            elif roll < 0.35:  # a three-pack, partly used
                self._entitlement(customer, "per-incident", starts=now - 200 * DAY * rng.random(),
                                  uses=3, left=rng.randint(1, 3))  # fmt: skip
            elif roll < 0.45:
                kind = "setup" if roll < 0.40 else "restore"
                start = now - 300 * DAY * rng.random()
                self._entitlement(customer, kind, starts=start, ends=start + 365 * DAY,
                                  uses=1, left=1)  # fmt: skip

    # --- First pass: who, when, which state --------------------------------------------------

    def _plan(self, count: int, population: list[Customer], per_ticket: float) -> list[Plan]:
        rng = self.rng
        size = len(population)
        by_team: dict[str, list[int]] = {"us": [], "de": []}
        for index, customer in enumerate(population):
            by_team[customer.team].append(index)
        plans = []
        for _ in range(count):
            customer = min(size - 1, int(size * rng.random() ** 2.2))
            plans.append(Plan(created=self._created_at(population[customer].team),
                              customer=customer, status=""))  # fmt: skip
        plans.sort(key=lambda p: p.created)
        # The most recent tickets cover every state in both teams.
        for offset, (status, team) in enumerate(GUARANTEED[: len(plans)]):
            plan = plans[len(plans) - len(GUARANTEED[: len(plans)]) + offset]
            if by_team[team]:
                plan.customer = by_team[team][offset % len(by_team[team])]
            plan.status = status
        first_ticket: dict[int, float] = {}
        for plan in plans:
            first_ticket.setdefault(plan.customer, plan.created)
        for index, customer in enumerate(population):
            self._customer_entitlements(customer, first_ticket.get(index))

        for plan in plans:
            self._decide(plan)
        self._spread_messages(plans, per_ticket)
        return plans

    def _created_at(self, team: str) -> float:
        """More tickets lately, on weekdays, in the team's business hours."""
        rng = self.rng
        day = int(HISTORY_DAYS * rng.random() ** 1.25)
        midnight = (self.now // DAY - day) * DAY
        weekday = time.gmtime(midnight).tm_wday
        if weekday >= 5 and rng.random() < 0.75:
            midnight -= (weekday - 4) * DAY
        local_hour = rng.choice((7, 8, 8, 9, 9, 9, 10, 10, 10, 11, 11, 12, 13, 13, 14, 14, 15, 15,
                                 16, 16, 17, 18, 19, 21, 23, 3))  # fmt: skip
        offset = -8 if team == "us" else 1
        created = midnight + (local_hour - offset) * HOUR + rng.random() * HOUR
        if created > self.now - 10 * MINUTE:
            created = self.now - rng.random() * 6 * HOUR - 10 * MINUTE
        return created

    def _decide(self, plan: Plan) -> None:
        rng = self.rng
        age = self.now - plan.created
        if not plan.status:
            if age < 2 * DAY:
                weights = (30, 35, 15, 20)
            elif age < 14 * DAY:
                weights = (2, 28, 25, 45)
            elif age < 45 * DAY:
                weights = (0, 7, 6, 87)
            else:
                weights = (0, 0.4, 0, 99.6)
            plan.status = rng.choices((NEW, OPEN, WAITING, CLOSED), weights)[0]
        if plan.status == OPEN:
            plan.responded = age > 2 * HOUR and rng.random() < 0.7
        elif plan.status == WAITING:
            # Every attempt after the first comes a reminder interval later: old enough?
            interval = settings.TICKET_REMINDER_INTERVAL_DAYS * DAY
            most = 1 + max(0, int((age - HOUR) // interval))
            wanted = rng.choices((1, 2, 3), (50, 30, 20))[0]
            plan.attempts = max(1, min(wanted, most, settings.TICKET_CONTACT_ATTEMPTS))
            plan.proposal = rng.random() < 0.05
        elif plan.status == CLOSED:
            resolution = rng.choices(
                (RESOLVED, CUSTOMER_CLOSED, AUTO_CLOSED, CANNOT_RESOLVE, CANCELLED),
                (70, 12, 12, 3, 3),
            )[0]
            if resolution == AUTO_CLOSED and age < settings.TICKET_AUTOCLOSE_DAYS * DAY + DAY:
                resolution = RESOLVED
            plan.resolution = resolution
            plan.attempts = settings.TICKET_CONTACT_ATTEMPTS if resolution == AUTO_CLOSED else 0
            plan.responded = resolution not in (CANCELLED, CUSTOMER_CLOSED) or rng.random() < 0.6
            if resolution == CANCELLED:
                plan.responded = False

    @staticmethod
    def _minimum(plan: Plan) -> int:
        """Messages the state needs: the description, then what led to the state."""
        if plan.status == WAITING:
            return 1 + plan.attempts
        if plan.status == CLOSED:
            if plan.resolution == AUTO_CLOSED:
                return 1 + plan.attempts
            return {RESOLVED: 2, CANNOT_RESOLVE: 2}.get(plan.resolution, 1)
        if plan.status == OPEN and plan.responded:
            return 2
        return 1

    def _spread_messages(self, plans: list[Plan], per_ticket: float) -> None:
        """Hand out the messages beyond each state's minimum, so the total hits the average."""
        target = round(len(plans) * per_ticket)
        extra = target - sum(self._minimum(p) for p in plans)
        if extra <= 0:
            return
        cumulative = []
        total = 0.0
        for plan in plans:
            if plan.resolution == CANCELLED:
                weight = 0.0
            elif plan.status == NEW:
                weight = 0.05
            elif plan.status == OPEN and not plan.responded:
                weight = 0.3
            else:
                weight = 1.0
            total += weight
            cumulative.append(total)
        for index in self.rng.choices(range(len(plans)), cum_weights=cumulative, k=extra):
            plans[index].extra += 1

    # --- Second pass: one ticket with its conversation and history ----------------------------

    def _reserve_numbers(self, count: int) -> int:
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT nextval('tickets_ticket_number_seq')")
                return cursor.fetchone()[0]
        return (TicketNumber.objects.aggregate(top=Max("pk"))["top"] or 0) + 1

    def _finish_numbers(self, last: int) -> None:
        """Ticket numbers continue after the last one written: new tickets never collide."""
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("SELECT setval('tickets_ticket_number_seq', %s)", [last])
        else:
            # SQLite's AUTOINCREMENT continues after the highest key ever inserted.
            TicketNumber.objects.bulk_create([TicketNumber(pk=last)])

    def _version(self, at: float) -> str:
        released = bisect.bisect_right(self.versions, (at, "~"))
        candidates = [version for _released, version in self.versions[max(0, released - 3) :]]
        candidates = candidates[: max(1, min(3, released))]
        if released == 0:
            return self.versions[0][1]
        newest_first = candidates[::-1]
        return self.rng.choices(newest_first, (60, 30, 10)[: len(newest_first)])[0]

    def _coverage(self, customer: Customer, at: float) -> tuple[int, str, str, str]:
        """The entitlement a ticket at ``at`` uses: (pk, kind, product, category)."""
        rng = self.rng
        category = rng.choices(("technical", "setup", "restore", "licensing"), (60, 15, 15, 10))[0]
        for pk, starts, ends in customer.plan:
            if starts <= at < ends:
                return pk, customer.profile, customer.product, category
        if customer.trial and customer.trial[1] <= at < customer.trial[2]:
            return customer.trial[0], "free-trial", customer.product, category
        # A credit bought for this request and used up by it.
        product = customer.product
        per_incident = product in PER_INCIDENT_PRODUCTS
        if not per_incident and category not in ("setup", "restore"):
            category = rng.choice(("setup", "restore"))
        if category == "restore":
            kind = "restore"
        elif category == "setup" and (not per_incident or rng.random() < 0.5):
            kind = "setup"
        else:
            kind = "per-incident"
        starts = at - (HOUR + 20 * DAY * rng.random())
        ends = starts + 365 * DAY if kind != "per-incident" else None
        pk = self._entitlement(customer, kind, starts=starts, ends=ends, uses=1, left=0)
        return pk, kind, product, category

    def _ticket(self, plan: Plan, customer: Customer, number: int) -> None:
        rng = self.rng
        now = self.now
        c = plan.created
        pk = self.ids[Ticket].take()
        ticket_id = f"{settings.TICKET_ID_PREFIX}-{time.gmtime(c).tm_year}-{number:06d}"
        entitlement, kind, product, category = self._coverage(customer, c)
        offering = self.offerings[kind]
        channel = "phone" if offering.serves("phone") and rng.random() < 0.12 else "online"
        if channel == "phone":
            hours, days = offering.phone_response_hours, offering.phone_response_days
        else:
            hours, days = offering.online_response_hours, offering.online_response_days
        due = _skip_weekend(c + (hours * HOUR if hours else (days or 1) * DAY))
        callback_due = None
        if channel == "phone" and offering.phone_response_hours:
            callback_due = _skip_weekend(c + 3 * HOUR)
        engineer = None if plan.status == NEW else rng.choice(self.engineers[customer.team])
        language = customer.language if rng.random() < 0.95 else rng.choice(("en", "de"))
        fill = {
            "version": self._version(c),
            "pct": rng.randint(3, 97),
            "mbit": rng.randint(1, 40),
            "count": rng.randint(2, 400),
            "when": rng.choice(("Monday", "the update", "last week", "yesterday")),
            "error": rng.choice(ERRORS),
            "job": rng.choice(JOBS),
        }
        subject = rng.choice(SUBJECTS[category]).format(**fill)

        # The timeline: the description at c, the conversation, then the tail of the state.
        first_via = rng.choices(("web", "api"), (92, 8))[0]
        messages: list[list] = [
            [c, "customer", first_via, customer.pk, False, rng.choice(CUSTOMER_BODIES[:4])]
        ]
        tail: list[list] = []
        closed_at = closing_actor = None
        close_detail = ""
        attempts = 0
        first_attempt = last_attempt = next_action = proposed = None
        extra = plan.extra
        speakers: tuple[str, ...] | None = None  # None: a conversation with support
        if plan.status == NEW:
            speakers, end = ("customer",), now - MINUTE
        elif plan.status == OPEN and not plan.responded:
            speakers, end = ("customer", "note"), now - MINUTE
        elif plan.status == OPEN:
            end = now - MINUTE
            extra += 1  # the first answer opens the conversation
        elif plan.status == WAITING:
            tail, first_attempt, last_attempt, next_action = self._waiting_tail(plan, engineer, c)
            attempts = plan.attempts
            proposed = first_attempt if plan.proposal else None
            end = first_attempt
        else:
            closed_at, closing_actor, close_detail, tail = self._closing(
                plan, customer, engineer, c
            )
            end = tail[0][0] if tail else closed_at
            if not plan.responded:
                speakers = ("customer",)
            if plan.resolution == AUTO_CLOSED:
                attempts = plan.attempts
                first_attempt, last_attempt = tail[0][0], tail[-1][0]
        if extra > 0:
            span = max(end - c, 1.0)
            response = c + min(span * 0.5, (due - c) * (0.05 + rng.random() * 1.05))
            times = [response, *sorted(response + (end - response) * rng.random()
                                       for _ in range(extra - 1))]  # fmt: skip
            self._conversation(messages, times, speakers, customer, engineer, channel)
        # A waiting period starts only in the tail: no earlier answer still waits.
        for message in reversed(messages):
            if message[1] in ("engineer", "call"):
                message[4] = False
                break
        messages.extend(tail)
        for message in messages:
            if "{" in message[5]:
                message[5] = message[5].format(**fill)

        first_responded = next(
            (m[0] for m in messages if m[1] == "engineer" or (m[1] == "call" and not m[4])), None
        )
        callback_done = None
        if callback_due is not None:
            callback_done = next((m[0] for m in messages if m[1] == "call" and not m[4]), None)
        last_activity = closed_at or max(m[0] for m in messages)
        phone = f"+1 555 {rng.randint(1000000, 9999999)}" if channel == "phone" else ""
        remote = ""
        if category in ("setup", "restore") and rng.random() < 0.3:
            remote = f"{rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
        priority = rng.choices((1, 2, 3, 4), (3, 90, 5, 2))[0]
        reply_draw = rng.getrandbits(64)
        self.tables["ticket"].add(
            (pk, ticket_id, customer.pk, self.products[product], fill["version"], category,
             channel, subject, language, phone, remote, plan.status, priority, plan.resolution,
             self.teams[customer.team], engineer[0] if engineer else None, entitlement, kind,
             _ts(c), _ts(last_activity), _ts(due), _opt(first_responded), _opt(callback_due),
             _opt(callback_done), _opt(closed_at), _opt(proposed), attempts,
             _opt(first_attempt), _opt(last_attempt), _opt(next_action))
        )  # fmt: skip
        self._history(pk, ticket_id, plan, customer, engineer, kind, messages)
        if closed_at is not None:
            self.tables["event"].add(
                (self.ids[TicketEvent].take(), pk, _ts(closed_at), closing_actor,
                 f"closed: {plan.resolution}", self._status, CLOSED, close_detail)
            )  # fmt: skip

        # The entitlement: used by this request (a cancelled one gets its credit back).
        events = self.tables["entitlement_event"]
        events.add((self.ids[EntitlementEvent].take(), entitlement, _ts(c), None, "consumed",
                    ticket_id, ""))  # fmt: skip
        if plan.resolution == CANCELLED and kind in ("per-incident", "setup", "restore"):
            events.add((self.ids[EntitlementEvent].take(), entitlement, _ts(closed_at),
                        closing_actor, "given-back", ticket_id, "Opened by mistake"))  # fmt: skip
            self._give_back(entitlement)
        # The private link of the confirmation mail: only its hash is stored.
        expires = closed_at + settings.TICKET_LINK_DAYS_AFTER_CLOSE * DAY if closed_at else None
        token = hashlib.sha256(f"{self.seed}:{pk}:{rng.getrandbits(64)}".encode()).hexdigest()
        self.tables["link"].add(
            (self.ids[AccessLink].take(), pk, token, _ts(c), _opt(expires), None, "", None)
        )
        # The reply address of the same mail, the ticket's current one: a hash only, too.
        reply = hashlib.sha256(f"{self.seed}:{pk}:reply:{reply_draw}".encode()).hexdigest()
        self.tables["reply"].add((self.ids[ReplyToken].take(), pk, reply, _ts(c), None))

    def _conversation(self, messages, times, speakers, customer, engineer, channel) -> None:
        """Messages at ``times``: support and customer taking turns, with notes and calls."""
        rng = self.rng
        if speakers is not None:
            for at in times:
                if rng.choice(speakers) == "note":
                    messages.append([at, "note", "admin", engineer[0], False,
                                     rng.choice(NOTE_BODIES)])  # fmt: skip
                else:
                    messages.append([at, "customer", rng.choice(("web", "email")), customer.pk,
                                     False, rng.choice(CUSTOMER_BODIES)])  # fmt: skip
            return
        support_turn = True
        for index, at in enumerate(times):
            roll = rng.random()
            if support_turn and index and roll < 0.25:
                messages.append([at, "note", "admin", engineer[0], False, rng.choice(NOTE_BODIES)])
            elif support_turn:
                if (channel == "phone" and index == 0) or roll > 0.94:
                    body = f"We called you and spoke with you.\n\n{rng.choice(CALL_NOTES)}"
                    messages.append([at, "call", "admin", engineer[0], False, body.strip()])
                else:
                    messages.append([at, "engineer", "admin", engineer[0], rng.random() < 0.45,
                                     rng.choice(ENGINEER_BODIES)])  # fmt: skip
                support_turn = False
            else:
                via = rng.choices(("web", "email", "link"), (55, 35, 10))[0]
                messages.append([at, "customer", via, customer.pk, False,
                                 rng.choice(CUSTOMER_BODIES[3:])])  # fmt: skip
                support_turn = True

    def _give_back(self, entitlement: int) -> None:
        rows = self.tables["entitlement"].rows
        for index in range(len(rows) - 1, -1, -1):
            if rows[index][0] == entitlement:
                row = list(rows[index])
                row[8] = row[7]  # uses_left = uses_total
                rows[index] = tuple(row)
                return

    def _waiting_tail(self, plan: Plan, engineer, c: float):
        """The contact attempts of the current waiting period and the sweep's next step."""
        rng = self.rng
        attempts = plan.attempts
        interval = settings.TICKET_REMINDER_INTERVAL_DAYS * DAY
        window = settings.TICKET_AUTOCLOSE_DAYS * DAY
        # Time since the last attempt; about one in ten is due already (the sweep runs soon).
        if attempts < settings.TICKET_CONTACT_ATTEMPTS:
            period = interval
        else:
            period = max(window - interval * (attempts - 1), DAY)
        overdue = rng.random() < 0.1
        gap = period * (1.0 + 0.25 * rng.random()) if overdue else period * rng.random()
        earliest = c + 5 * MINUTE
        slack = self.now - earliest - interval * (attempts - 1)
        if gap > slack:
            gap = max(slack, 0.0) * rng.random()
        last = self.now - gap
        first = last - interval * (attempts - 1)
        tail = []
        if plan.proposal:
            body = ("We cannot solve this problem in the current version; a fix is planned for "
                    "{version}. May we close the request?")  # fmt: skip
            tail.append([first, "proposal", "admin", engineer[0], True, body])
        elif rng.random() < 0.2:
            tail.append([first, "call", "admin", engineer[0], True,
                         "We tried to call you but could not reach you."])  # fmt: skip
        else:
            tail.append([first, "engineer", "admin", engineer[0], True,
                         rng.choice(ENGINEER_BODIES[:5])])  # fmt: skip
        tail += [
            [first + interval * n, "system", "system", None, True, REMINDER]
            for n in range(1, attempts)
        ]
        if attempts < settings.TICKET_CONTACT_ATTEMPTS:
            next_action = last + interval
        else:
            next_action = max(first + window, last + DAY)
        return tail, first, last, next_action

    def _closing(self, plan: Plan, customer: Customer, engineer, c: float):
        """When and by whom a closed ticket closed, and the messages that led there."""
        rng = self.rng
        latest = self.now - MINUTE
        resolution = plan.resolution
        if resolution == CANCELLED:
            closed = min(c + 5 * MINUTE + DAY * rng.random() ** 3, latest)
            return closed, engineer[0], "Opened by mistake", []
        lifetime = rng.lognormvariate(0, 1.1) * 2.5 * DAY + HOUR
        if resolution == AUTO_CLOSED:
            interval = settings.TICKET_REMINDER_INTERVAL_DAYS * DAY
            window = settings.TICKET_AUTOCLOSE_DAYS * DAY
            room = max(self.now - c - window - 2 * HOUR, HOUR)
            first = c + min(lifetime, room * rng.random())
            tail = [[first, "engineer", "admin", engineer[0], True, rng.choice(ENGINEER_BODIES)]]
            tail += [
                [first + interval * n, "system", "system", None, True, REMINDER]
                for n in range(1, plan.attempts)
            ]
            closed = min(first + window + rng.random() * MINUTE, latest)
            return closed, None, f"{plan.attempts} unanswered contact attempts", tail
        closed = c + lifetime
        if closed > latest:
            closed = c + (latest - c) * (0.5 + 0.45 * rng.random())
        if resolution == RESOLVED:
            at = closed - (closed - c) * 0.02
            return (
                closed,
                engineer[0],
                "",
                [[at, "engineer", "admin", engineer[0], False, ENGINEER_BODIES[-1]]],
            )
        if resolution == CANNOT_RESOLVE:
            at = closed - (closed - c) * 0.3
            body = "We cannot solve this problem in the current version. May we close the request?"
            return closed, customer.pk, "", [[at, "proposal", "admin", engineer[0], True, body]]
        return closed, customer.pk, "", []  # closed by the customer

    def _history(self, pk, ticket_id, plan, customer, engineer, kind, messages) -> None:
        """Message rows, attachment rows and the audit trail, walking the status as services do.

        Leaves the status reached in ``self._status`` for the closing event.
        """
        rng = self.rng
        events = self.tables["event"]
        rows = self.tables["message"]
        files = self.tables["attachment"]
        event_ids = self.ids[TicketEvent]
        message_ids = self.ids[Message]
        c = messages[0][0]
        events.add((event_ids.take(), pk, _ts(c), customer.pk, "created", "", NEW,
                    f"{kind} · {messages[0][2]}"))  # fmt: skip
        status = NEW
        if engineer is not None:
            events.add((event_ids.take(), pk, _ts(c), None, "assigned automatically", NEW, OPEN,
                        engineer[1]))  # fmt: skip
            status = OPEN
        attempt = 0
        for index, (at, what, via, author, awaits, body) in enumerate(messages):
            message_pk = message_ids.take()
            stored = "engineer" if what == "proposal" else what
            rows.add((message_pk, pk, author, stored, via, body, awaits, _ts(at)))
            if what in ("customer", "engineer") and rng.random() < 0.13:
                name, content_type, typical = rng.choice(FILES)
                key = f"{rng.getrandbits(64):016x}{message_pk:016x}"
                files.add((self.ids[Attachment].take(), message_pk, ticket_id, key,
                           f"attachments/{ticket_id}/{key}", name, content_type,
                           max(200, int(typical * rng.lognormvariate(0, 0.8))),
                           f"{rng.getrandbits(256):064x}"))  # fmt: skip
            if index == 0:
                continue
            before = status
            detail = ""
            if what == "customer":
                status = NEW if status == NEW else OPEN
                action, detail, attempt = "customer wrote", via, 0
            elif what == "note":
                action = "internal note"
            elif what == "engineer":
                status = WAITING if awaits else OPEN
                action, attempt = "replied", int(awaits)
                detail = "asks customer" if awaits else ""
            elif what == "proposal":
                status, action, detail, attempt = WAITING, "closure proposed", body[:200], 1
            elif what == "call":
                status = WAITING if awaits else OPEN
                action, attempt = ("call not reached" if awaits else "call reached"), int(awaits)
            else:
                attempt += 1
                action, detail = "reminder sent", f"attempt {attempt}"
            events.add((event_ids.take(), pk, _ts(at), author, action, before, status, detail))
        self._status = status


def _opt(value: float | None) -> datetime | None:
    return None if value is None else _ts(value)
