"""No engineer can hold two overlapping confirmed OnSite Protect windows, whoever writes the rows.

PostgreSQL: an exclusion constraint over the engineer and the half-open range [start, end), so
a window that ends when the next begins is allowed. SQLite has no such constraint; triggers
refuse the same rows with the same name in the message. A later migration that makes SQLite
rebuild the table (most AlterField operations) drops the triggers and must create them again;
tests/onsite/test_constraints.py fails if it does not.
"""

from django.db import migrations

NAME = "onsite_booking_no_overlap"

POSTGRES_FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""
    ALTER TABLE onsite_booking ADD CONSTRAINT {NAME}
    EXCLUDE USING gist (engineer_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&)
    WHERE (status = 'confirmed')
    """,
]
POSTGRES_BACKWARDS = [f"ALTER TABLE onsite_booking DROP CONSTRAINT IF EXISTS {NAME}"]

_SQLITE_CLASH = """
    SELECT RAISE(ABORT, '{name}: the engineer is already booked in this window')
    WHERE EXISTS (
        SELECT 1 FROM onsite_booking AS other
        WHERE other.engineer_id = NEW.engineer_id
          AND other.status = 'confirmed'
          AND other.start_at < NEW.end_at
          AND NEW.start_at < other.end_at
          {exclude_self}
    );
"""
SQLITE_FORWARDS = [
    f"""
    CREATE TRIGGER {NAME}_insert BEFORE INSERT ON onsite_booking
    WHEN NEW.status = 'confirmed' AND NEW.engineer_id IS NOT NULL
    BEGIN {_SQLITE_CLASH.format(name=NAME, exclude_self="")} END
    """,
    f"""
    CREATE TRIGGER {NAME}_update BEFORE UPDATE ON onsite_booking
    WHEN NEW.status = 'confirmed' AND NEW.engineer_id IS NOT NULL
    BEGIN {_SQLITE_CLASH.format(name=NAME, exclude_self="AND other.id <> NEW.id")} END
    """,
]
SQLITE_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS {NAME}_insert",
    f"DROP TRIGGER IF EXISTS {NAME}_update",
]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"No overlap guard for OnSite Protect bookings on {vendor}.")
    for statement in statements[vendor]:
        schema_editor.execute(statement)


def forwards(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRES_FORWARDS, "sqlite": SQLITE_FORWARDS})


def backwards(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRES_BACKWARDS, "sqlite": SQLITE_BACKWARDS})


class Migration(migrations.Migration):
    dependencies = [("onsite", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
