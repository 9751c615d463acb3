"""A full-text index on the messages' text, for the support queue's search. PostgreSQL only.

The index is on ``to_tsvector('simple', body)``, the expression the queue's search compares
with the words searched; the embedded SQLite database searches without it.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations


def message_body_index():
    return GinIndex(SearchVector("body", config="simple"), name="message_body_fts")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("tickets", "Message"), message_body_index())


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("tickets", "Message"), message_body_index())


class Migration(migrations.Migration):
    dependencies = [("tickets", "0013_macros")]

    operations = [migrations.RunPython(forward, backward)]
