"""One run of the scale generator: plan the population, write it, in one transaction.

On PostgreSQL the rows go in with binary COPY, the foreign keys and secondary indexes of the
loaded tables dropped and added back at the end; elsewhere (SQLite) with ``bulk_create``.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from tqdm import tqdm

from tickets.scale import writer
from tickets.scale.base import Catalogue
from tickets.scale.planner import Planner, engineer_accounts, release_versions
from tickets.scale.timeline import TicketBuilder
from tickets.scale.vocabulary import PASSWORD


@dataclass(frozen=True)
class SeedOptions:
    """How large a population, from which seed, ending when, written how."""

    tickets: int
    customers: int
    per_team: int  # engineers
    per_ticket: float  # average messages
    batch: int  # tickets written at a time
    seed: int
    now: float  # POSIX timestamp
    use_copy: bool
    keep_constraints: bool = False
    quiet: bool = True


@dataclass
class Outcome:
    """Rows written by table, the whole run's seconds and the seconds of each phase."""

    counts: dict[str, int]
    elapsed: float
    timings: dict[str, float] = field(default_factory=dict)


class Stopwatch:
    """Seconds spent in each named phase, in the order the phases first ran."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        yield
        self.timings[name] = self.timings.get(name, 0.0) + time.monotonic() - started


def seed_database(options: SeedOptions) -> Outcome:
    """Fill the database with the planned population; all or nothing."""
    postgres = connection.vendor == "postgresql"
    watch = Stopwatch()
    started = time.monotonic()
    with transaction.atomic():
        dropped: list[tuple[str, str, str]] = []
        indexes: list[str] = []
        if options.use_copy:
            writer.commit_without_waiting()
            if not options.keep_constraints:
                dropped = writer.drop_foreign_keys()
                indexes = writer.drop_indexes()
        with _collector_paused():
            counts = _build(options, watch, postgres=postgres)
        if indexes:
            with watch.phase("indexes rebuilt"):
                writer.restore_indexes(indexes)
        if dropped:
            with watch.phase("foreign keys checked"):
                writer.restore_foreign_keys(dropped)
        if postgres:
            with watch.phase("analyze"):
                writer.analyze(list(counts))
        commit_started = time.monotonic()
    watch.timings["commit"] = time.monotonic() - commit_started
    return Outcome(counts=counts, elapsed=time.monotonic() - started, timings=watch.timings)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold the cyclic garbage collector off while planned rows pile up between writes.

    The rows are plain data without reference cycles, freed by reference counting once
    written; the collector would only walk the hundreds of thousands waiting, again and again.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _planner(options: SeedOptions, *, postgres: bool) -> Planner:
    """The planner over the catalogue and the engineers, who are created first."""
    rng = random.Random(options.seed)  # noqa: S311 - test data, not secrets
    products, offerings, teams = writer.load_catalogue()
    password = make_password(PASSWORD)
    engineers = writer.create_engineers(
        engineer_accounts(rng, options.per_team), password=password, teams=teams
    )
    catalogue = Catalogue(
        products=products,
        offerings=offerings,
        teams=teams,
        engineers=engineers,
        versions=release_versions(),
    )
    return Planner(
        rng=rng,
        seed=options.seed,
        now=options.now,
        password=password,
        catalogue=catalogue,
        first_keys=writer.reserve_keys(postgres=postgres),
    )


def _build(options: SeedOptions, watch: Stopwatch, *, postgres: bool) -> dict[str, int]:
    """Plan and write every row; returns the rows written by table."""
    planner = _planner(options, postgres=postgres)
    tickets = TicketBuilder(planner)
    out = writer.Writer(use_copy=options.use_copy)
    with watch.phase("customers and plan"):
        population = planner.customers(options.customers)
        plans = planner.tickets(options.tickets, population, options.per_ticket)
        first_number = writer.reserve_numbers(postgres=postgres)

    loop_started = time.monotonic()
    written_before = watch.timings.get("write", 0.0)
    bar = tqdm(
        total=len(plans),
        unit="ticket",
        desc="seed_scale",
        disable=options.quiet,
        mininterval=0.5,
        dynamic_ncols=True,
    )
    batch = options.batch
    with watch.phase("write"):
        out.flush(planner.rows)  # the customers and their entitlements
    for index, plan in enumerate(plans):
        tickets.build(plan, population[plan.customer], first_number + index)
        if (index + 1) % batch == 0:
            with watch.phase("write"):
                out.flush(planner.rows)
            bar.update(batch)
    with watch.phase("write"):
        out.flush(planner.rows)
    bar.update(len(plans) % batch)
    bar.close()
    watch.timings["generate"] = (
        time.monotonic() - loop_started - (watch.timings["write"] - written_before)
    )
    writer.finish_keys(planner.keys, postgres=postgres)
    writer.finish_numbers(first_number + len(plans) - 1, postgres=postgres)
    return out.counts()
