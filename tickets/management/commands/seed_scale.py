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

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.backends.postgresql.psycopg_any import is_psycopg3
from django.utils import timezone

from tickets.models import Ticket
from tickets.scale import (
    EMAIL_DOMAIN,
    ENGINEER_DOMAIN,
    PASSWORD,
    Outcome,
    SeedOptions,
    seed_database,
)


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

    def handle(self, *args: Any, **options: Any) -> None:
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
        postgres = connection.vendor == "postgresql"
        seed_options = SeedOptions(
            tickets=tickets,
            customers=options["customers"] or max(10, tickets // 5),
            per_team=options["engineers"] or max(2, min(25, tickets // 4000)),
            per_ticket=options["messages_per_ticket"],
            batch=options["batch"],
            seed=options["seed"],
            now=now.timestamp(),
            use_copy=postgres and is_psycopg3 and not options["no_copy"],
            keep_constraints=options["keep_constraints"],
            quiet=options["verbosity"] == 0 or options["no_progress"],
        )
        outcome = seed_database(seed_options)
        if options["verbosity"]:
            self._report(outcome, use_copy=seed_options.use_copy)

    def _report(self, outcome: Outcome, *, use_copy: bool) -> None:
        method = "COPY" if use_copy else "bulk_create"
        self.stdout.write(self.style.SUCCESS(f"Seeded in {outcome.elapsed:.1f} s ({method}):"))
        for table, count in outcome.counts.items():
            self.stdout.write(f"  {table:<34} {count:>10,}")
        self.stdout.write(
            "Time spent: "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in outcome.timings.items())
        )
        self.stdout.write(
            f"Customers sign in as <name>.<id>@{EMAIL_DOMAIN}, engineers as "
            f"engineer.<team>.<n>@{ENGINEER_DOMAIN}, all with password '{PASSWORD}'."
        )
