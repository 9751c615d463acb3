"""Trigram indexes that can also order: GiST instead of GIN on lower(title) and lower(tags).

The typo search asks for the few titles and tags nearest to what was typed. A GIN index can
only say which rows pass a threshold, so PostgreSQL computed the similarity of every one of
them (thousands for a mistyped error code) before sorting; a GiST index hands them over in
order of distance, and the search stops after the first rows. PostgreSQL only.
"""

from django.db import migrations

PG_FORWARD = [
    "DROP INDEX IF EXISTS knowledge_article_title_trgm",
    "DROP INDEX IF EXISTS knowledge_article_tags_trgm",
    "CREATE INDEX knowledge_article_title_trgm ON knowledge_article "
    "USING gist (lower(title) gist_trgm_ops)",
    "CREATE INDEX knowledge_article_tags_trgm ON knowledge_article "
    "USING gist (lower(tags) gist_trgm_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_article_title_trgm",
    "DROP INDEX IF EXISTS knowledge_article_tags_trgm",
    "CREATE INDEX knowledge_article_title_trgm ON knowledge_article "
    "USING gin (lower(title) gin_trgm_ops)",
    "CREATE INDEX knowledge_article_tags_trgm ON knowledge_article "
    "USING gin (lower(tags) gin_trgm_ops)",
]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement)


def forward(apps, schema_editor):
    _run(schema_editor, PG_FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, PG_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_images_release_notes_training_suggestions")]

    operations = [migrations.RunPython(forward, backward)]
