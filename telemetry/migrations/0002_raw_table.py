"""The raw report table: partitioned by receive day on PostgreSQL, a plain table on SQLite."""

from django.db import migrations

from telemetry import storage


def create(apps, schema_editor):
    storage.table_create(schema_editor)


def drop(apps, schema_editor):
    storage.table_drop(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("telemetry", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
