"""The whole database as text, to search for values that must not be stored anywhere."""

from __future__ import annotations

from django.db import connection


def tables() -> list[str]:
    """Every table: on PostgreSQL each table of the public schema, partitions included."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname"
            )
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return [name for (name,) in cursor.fetchall()]


def dump() -> str:
    """Every row of every table, one line a row (PostgreSQL: the row cast to text)."""
    lines = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables():
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT t::text FROM {quote(table)} AS t")  # noqa: S608
                lines += [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608
                lines += ["\t".join(map(str, row)) for row in cursor.fetchall()]
    return "\n".join(lines)
