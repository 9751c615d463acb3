"""The search index the database keeps up to date.

PostgreSQL: a generated ``search_vector`` column (title A, tags B, summary C, body D) in the
article's own text search configuration, a GIN index on it, and pg_trgm with trigram indexes on
title and tags for typo tolerance. SQLite: an FTS5 table over the same four columns, kept in
sync by triggers.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """
    ALTER TABLE knowledge_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(CASE WHEN language = 'de' THEN 'german'::regconfig
                                   ELSE 'english'::regconfig END, coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple'::regconfig,
                                 replace(coalesce(tags, ''), ',', ' ')), 'B')
        || setweight(to_tsvector(CASE WHEN language = 'de' THEN 'german'::regconfig
                                      ELSE 'english'::regconfig END, coalesce(summary, '')), 'C')
        || setweight(to_tsvector(CASE WHEN language = 'de' THEN 'german'::regconfig
                                      ELSE 'english'::regconfig END, coalesce(body, '')), 'D')
    ) STORED
    """,
    "CREATE INDEX knowledge_article_search ON knowledge_article USING gin (search_vector)",
    "CREATE INDEX knowledge_article_title_trgm ON knowledge_article "
    "USING gin (lower(title) gin_trgm_ops)",
    "CREATE INDEX knowledge_article_tags_trgm ON knowledge_article "
    "USING gin (lower(tags) gin_trgm_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_article_tags_trgm",
    "DROP INDEX IF EXISTS knowledge_article_title_trgm",
    "DROP INDEX IF EXISTS knowledge_article_search",
    "ALTER TABLE knowledge_article DROP COLUMN IF EXISTS search_vector",
]

_FTS_COLUMNS = "title, tags, summary, body"
SQLITE_FORWARD = [
    # External content: the FTS table stores only the index, the text stays in the article.
    f"""
    CREATE VIRTUAL TABLE knowledge_article_fts USING fts5(
        {_FTS_COLUMNS}, content='knowledge_article', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    f"""
    CREATE TRIGGER knowledge_article_fts_insert AFTER INSERT ON knowledge_article BEGIN
        INSERT INTO knowledge_article_fts(rowid, {_FTS_COLUMNS})
        VALUES (new.id, new.title, new.tags, new.summary, new.body);
    END
    """,
    f"""
    CREATE TRIGGER knowledge_article_fts_delete AFTER DELETE ON knowledge_article BEGIN
        INSERT INTO knowledge_article_fts(knowledge_article_fts, rowid, {_FTS_COLUMNS})
        VALUES ('delete', old.id, old.title, old.tags, old.summary, old.body);
    END
    """,
    f"""
    CREATE TRIGGER knowledge_article_fts_update AFTER UPDATE OF {_FTS_COLUMNS}
    ON knowledge_article BEGIN
        INSERT INTO knowledge_article_fts(knowledge_article_fts, rowid, {_FTS_COLUMNS})
        VALUES ('delete', old.id, old.title, old.tags, old.summary, old.body);
        INSERT INTO knowledge_article_fts(rowid, {_FTS_COLUMNS})
        VALUES (new.id, new.title, new.tags, new.summary, new.body);
    END
    """,
    "INSERT INTO knowledge_article_fts(knowledge_article_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_article_fts_update",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_delete",
    "DROP TRIGGER IF EXISTS knowledge_article_fts_insert",
    "DROP TABLE IF EXISTS knowledge_article_fts",
]


def _run(schema_editor, statements: list[str]) -> None:
    for statement in statements:
        schema_editor.execute(statement)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_FORWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, PG_BACKWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
