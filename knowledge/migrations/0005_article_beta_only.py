"""Articles only the beta group reads.

On SQLite, adding a column rebuilds the article table, and the triggers that keep the FTS5 index
in step go with the old table: they are created again here and the index is rebuilt.
"""

import importlib

from django.db import migrations, models

_search = importlib.import_module("knowledge.migrations.0002_search")

SQLITE_TRIGGERS = [
    "DROP TRIGGER IF EXISTS knowledge_article_fts_update",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_insert",
    # Everything 0002 creates on SQLite but the FTS table itself: the triggers and the rebuild.
    *_search.SQLITE_FORWARD[1:],
]


def triggers_restore(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0004_trigram_gist")]

    # Forward the triggers come back after the column is added, backward after it is removed.
    operations = [
        migrations.RunPython(migrations.RunPython.noop, triggers_restore),
        migrations.AddField(
            model_name="article",
            name="beta_only",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "For articles about beta releases: only members of the beta group who take "
                    "part for one of the article's products find and read it."
                ),
                verbose_name="only for the beta group",
            ),
        ),
        migrations.RunPython(triggers_restore, migrations.RunPython.noop),
    ]
