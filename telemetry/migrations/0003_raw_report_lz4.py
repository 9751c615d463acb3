"""Compress the raw table's JSON columns with lz4 where the server supports it (PostgreSQL)."""

from django.db import migrations

from telemetry import storage


def forwards(apps, schema_editor):
    storage.compression_set(schema_editor, "lz4")


def backwards(apps, schema_editor):
    storage.compression_set(schema_editor, "default")


class Migration(migrations.Migration):
    dependencies = [("telemetry", "0002_raw_table")]

    operations = [migrations.RunPython(forwards, backwards)]
