"""Create the day partitions around the day of migrating, so reports land in them at once
rather than in the default partition until the hourly beat task first runs."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from telemetry import storage


def forwards(apps, schema_editor):
    if storage.is_partitioned(schema_editor.connection):
        storage.partitions_ensure(
            first=timezone.now().date() - timedelta(days=1),
            days=settings.TELEMETRY_PARTITIONS_AHEAD_DAYS + 2,
        )


class Migration(migrations.Migration):
    dependencies = [("telemetry", "0003_raw_report_lz4")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
