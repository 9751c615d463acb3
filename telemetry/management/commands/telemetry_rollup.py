"""Recompute the daily usage roll-ups for past days, e.g. after a change to how they count."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from telemetry import rollups


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a day in the form YYYY-MM-DD: {value!r}") from exc


class Command(BaseCommand):
    help = (
        "Recompute the daily usage roll-ups of --days UTC days starting at --day "
        "(safe to run again; each day is replaced in its own transaction)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", required=True, type=_day, help="first day, YYYY-MM-DD")
        parser.add_argument("--days", type=int, default=1, help="how many days (default 1)")

    def handle(self, *args: Any, day: date, days: int, **options: Any) -> None:
        if days < 1:
            raise CommandError("--days must be at least 1.")
        totals = rollups.rollup_days(first=day, days=days)
        rows = ", ".join(f"{name} {count}" for name, count in totals.items())
        self.stdout.write(self.style.SUCCESS(f"Rolled up {days} day(s) from {day}: {rows}."))
