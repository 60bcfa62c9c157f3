"""Full-text search over transcript lines: FTS5 kept in step by triggers on SQLite, a GIN
expression index on PostgreSQL. Both tokenise without stemming so they agree on results."""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE transcripts_line_fts USING fts5(
        text, content='mirror_transcriptline', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER transcripts_line_ai AFTER INSERT ON mirror_transcriptline BEGIN
        INSERT INTO transcripts_line_fts(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER transcripts_line_ad AFTER DELETE ON mirror_transcriptline BEGIN
        INSERT INTO transcripts_line_fts(transcripts_line_fts, rowid, text)
        VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER transcripts_line_au AFTER UPDATE OF text ON mirror_transcriptline BEGIN
        INSERT INTO transcripts_line_fts(transcripts_line_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
        INSERT INTO transcripts_line_fts(rowid, text) VALUES (new.id, new.text); END""",
    "INSERT INTO transcripts_line_fts(transcripts_line_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS transcripts_line_au",
    "DROP TRIGGER IF EXISTS transcripts_line_ad",
    "DROP TRIGGER IF EXISTS transcripts_line_ai",
    "DROP TABLE IF EXISTS transcripts_line_fts",
]
POSTGRES_UP = [
    "CREATE INDEX transcripts_line_tsv ON mirror_transcriptline "
    "USING GIN (to_tsvector('simple', text))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS transcripts_line_tsv"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("mirror", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]
