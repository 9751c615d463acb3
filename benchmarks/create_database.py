#!/usr/bin/env python
"""Create the PostgreSQL database named by a URL when it does not exist yet (for make seed-scale).

python benchmarks/create_database.py postgres://postgres@127.0.0.1:5432/novadesk_scale
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    url = sys.argv[1]
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql") or not parts.path.strip("/"):
        sys.exit(f"not a PostgreSQL database URL: {url}")
    name = parts.path.strip("/")
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            print(f"Database {name} exists.")
            return
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"Database {name} created.")


if __name__ == "__main__":
    main()
