"""Stores a planned population: PostgreSQL COPY where it can, else ``bulk_create``.

Reads what the plan refers to (catalogue, teams), creates the engineers through the ORM,
reserves primary keys and ticket numbers and moves the sequences past the rows written. For
the bulk load it drops the loaded tables' foreign keys and secondary indexes and adds them
back at the end: one check and one build each, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import CommandError
from django.db import connection, models
from django.db.models import Max

from entitlements.models import Offering, Product
from entitlements.services import catalogue_load
from portal.accounts.models import SupportTeam
from teams.models import Team
from tickets.models import EngineerProfile, TicketNumber
from tickets.scale import vocabulary as v
from tickets.scale.base import LOADED_MODELS, Engineer, Keys, Row

TICKET_NUMBER_SEQUENCE = "tickets_ticket_number_seq"


class Table:
    """One model's rows on their way to the database, each keyed by field name (attname).

    The first row sets the columns. Fields the rows leave out (a field added later) get their
    default, NULL or ""; a required field without any of these stops the command with a clear
    error, and so does a row whose fields differ from the first one's.
    """

    def __init__(self, model: type[models.Model], *, use_copy: bool) -> None:
        self.model = model
        self.use_copy = use_copy
        self.written = 0
        self.names: list[str] = []
        self.db_columns: list[str] = []
        self.db_types: list[str] = []
        self._keys: frozenset[str] = frozenset()
        self._get: Callable[[Row], tuple] = tuple
        self._extras: tuple = ()

    def _layout(self, row: Row) -> None:
        model = self.model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        names = list(row)
        unknown = [name for name in names if name not in fields]
        if unknown:
            raise CommandError(f"{model.__name__} has no field {', '.join(unknown)}")
        extra_names, extras = [], []
        for name, model_field in fields.items():
            if name in row:
                continue
            extra_names.append(name)
            extras.append(self._fill(model_field))
        self.names = [*names, *extra_names]
        columns = [_column(fields[name]) for name in self.names]
        self.db_columns = [column for column, _type in columns]
        self.db_types = [db_type for _column, db_type in columns]
        self._get = itemgetter(*names) if len(names) > 1 else lambda r: (r[names[0]],)
        self._keys = frozenset(names)
        self._extras = tuple(extras)

    def _fill(self, model_field: models.Field) -> Any:
        """The value of a field the generator does not set."""
        if model_field.has_default():
            value = model_field.get_default()
        elif model_field.null:
            value = None
        elif isinstance(model_field, models.CharField | models.TextField):
            value = ""
        else:
            raise CommandError(
                f"seed_scale does not know how to fill {self.model.__name__}."
                f"{model_field.attname}; add it to the generator"
            )
        if isinstance(model_field, models.JSONField) and self.use_copy:
            from psycopg.types.json import Jsonb

            value = Jsonb(value)
        return value

    def write(self, rows: list[Row]) -> None:
        """Store ``rows`` and empty the list."""
        if not rows:
            return
        if not self.db_columns:
            self._layout(rows[0])
        if self.use_copy:
            self._copy(rows)
        else:
            for row in rows:
                if row.keys() != self._keys:
                    raise CommandError(f"A {self.model.__name__} row has other fields: {row}")
            self.model._default_manager.bulk_create(
                [self.model(**row) for row in rows], batch_size=500
            )
        self.written += len(rows)
        rows.clear()

    def _copy(self, rows: list[Row]) -> None:
        quoted = ", ".join(connection.ops.quote_name(c) for c in self.db_columns)
        name = connection.ops.quote_name(self.model._meta.db_table)
        width = len(self.names) - len(self._extras)
        get, extras = self._get, self._extras
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {name} ({quoted}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(self.db_types)
            write = copy.write_row
            for row in rows:
                if len(row) != width:
                    raise CommandError(f"A {self.model.__name__} row has other fields: {row}")
                write(get(row) + extras if extras else get(row))


def _column(model_field: models.Field) -> tuple[str, str]:
    """The field's column and its type for binary COPY ("varchar(20)" is sent as varchar, the
    length is checked by the server)."""
    db_type = model_field.db_type(connection)
    if model_field.column is None or db_type is None:
        raise CommandError(f"seed_scale cannot load {model_field}: it has no column of its own")
    return model_field.column, db_type.split("(")[0].strip()


class Writer:
    """The loaded tables, written in the order of ``LOADED_MODELS``."""

    def __init__(self, *, use_copy: bool) -> None:
        self.tables = {model: Table(model, use_copy=use_copy) for model in LOADED_MODELS}

    def flush(self, rows: dict[type[models.Model], list[Row]]) -> None:
        """Store every planned row so far, parents before the rows that refer to them."""
        for model, table in self.tables.items():
            table.write(rows[model])

    def counts(self) -> dict[str, int]:
        """Rows written, by table name."""
        return {
            table.model._meta.db_table: table.written
            for table in self.tables.values()
            if table.written
        }


# --- What the plan refers to ------------------------------------------------------------------


def load_catalogue() -> tuple[dict[str, int], dict[str, Offering], dict[str, int]]:
    """Products and teams by code (primary keys) and the offerings by kind."""
    catalogue_load()
    products = {p.code: p.pk for p in Product.objects.all()}
    offerings = {o.kind: o for o in Offering.objects.all()}
    teams = {t.code: t.pk for t in Team.objects.all()}
    missing = set(SupportTeam.values) - set(teams)
    if missing:
        raise CommandError(f"Teams {sorted(missing)} are missing: run migrate first")
    return products, offerings, teams


def create_engineers(
    accounts: list[Row], *, password: str, teams: dict[str, int]
) -> dict[str, list[Engineer]]:
    """The engineers (a few dozen: through the ORM), with a profile for every product."""
    User = get_user_model()
    group = engineer_group()
    all_products = list(Product.objects.all())
    engineers: dict[str, list[Engineer]] = {team: [] for team, _c, _l in v.ENGINEER_TEAMS}
    for account in accounts:
        team, email = account["team"], account["email"]
        user, made = User.objects.get_or_create(
            email=email,
            defaults={
                "name": account["name"],
                "is_staff": True,
                "country": account["country"],
                "language": account["language"],
                "support_team_override": team,
                "password": password,
            },
        )
        if made:
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        user.groups.add(group)
        profile, _ = EngineerProfile.objects.get_or_create(
            user=user, defaults={"team_id": teams[team]}
        )
        profile.products.set(all_products)
        engineers[team].append(Engineer(user.pk, str(user)))
    return engineers


def engineer_group() -> Group:
    """The project's engineer role group where it exists, else the demo data's group."""
    try:
        from portal.accounts.roles import SUPPORT_ENGINEER as role_name
    except ImportError:  # an installation without staff roles
        role_name = ""
    role = Group.objects.filter(name=role_name).first() if role_name else None
    if role is not None:
        return role
    group, created = Group.objects.get_or_create(name=v.ENGINEER_GROUP)
    if created:
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label__in=["tickets", "entitlements", "surveys", "core"]
            )
        )
    return group


# --- Keys and ticket numbers ------------------------------------------------------------------


def reserve_keys(*, postgres: bool) -> dict[type[models.Model], int]:
    """The first free primary key of every loaded table (drawn from its sequence)."""
    first = {}
    with connection.cursor() as cursor:
        for model in LOADED_MODELS:
            if postgres:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
                cursor.execute("SELECT nextval(%s)", [cursor.fetchone()[0]])
                first[model] = cursor.fetchone()[0]
            else:
                top = model._default_manager.aggregate(top=Max("pk"))["top"]
                first[model] = (top or 0) + 1
    return first


def finish_keys(keys: dict[type[models.Model], Keys], *, postgres: bool) -> None:
    """Move each sequence past every key written (SQLite's AUTOINCREMENT follows by itself)."""
    if not postgres:
        return
    with connection.cursor() as cursor:
        for model, block in keys.items():
            if block.next > block.first:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
                cursor.execute("SELECT setval(%s, %s)", [cursor.fetchone()[0], block.next - 1])


def reserve_numbers(*, postgres: bool) -> int:
    """The first free ticket number."""
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT nextval('{TICKET_NUMBER_SEQUENCE}')")
            return cursor.fetchone()[0]
    return (TicketNumber.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def finish_numbers(last: int, *, postgres: bool) -> None:
    """Ticket numbers continue after the last one written: new tickets never collide."""
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval('{TICKET_NUMBER_SEQUENCE}', %s)", [last])
    else:
        # SQLite's AUTOINCREMENT continues after the highest key ever inserted.
        TicketNumber.objects.bulk_create([TicketNumber(pk=last)])


# --- Constraints and indexes during the load --------------------------------------------------


def commit_without_waiting() -> None:
    """The transaction's commit does not wait for the disk: a failed load is simply redone."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = off")


def drop_foreign_keys() -> list[tuple[str, str, str]]:
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


def drop_indexes() -> list[str]:
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


def restore_indexes(definitions: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for definition in definitions:
            cursor.execute(definition)


def restore_foreign_keys(dropped: list[tuple[str, str, str]]) -> None:
    with connection.cursor() as cursor:
        for table, name, definition in dropped:
            cursor.execute(
                f"ALTER TABLE {connection.ops.quote_name(table)} "
                f"ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )


def analyze(tables: list[str]) -> None:
    """Fresh planner statistics for the loaded tables."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
