"""SQLite: bulk writers index transcript lines themselves, in one statement, while the
per-row triggers stand aside (see dashboard/mirror/search_index.py for why)."""

from django.db import migrations

SQLITE_UP = [
    # A row here, written and removed inside the bulk writer's own transaction, pauses the
    # triggers for that transaction only: no other connection ever sees it.
    "CREATE TABLE transcripts_index_pause (id INTEGER PRIMARY KEY)",
    "DROP TRIGGER transcripts_line_ai",
    "DROP TRIGGER transcripts_line_ad",
    """CREATE TRIGGER transcripts_line_ai AFTER INSERT ON mirror_transcriptline
        WHEN NOT EXISTS (SELECT 1 FROM transcripts_index_pause) BEGIN
        INSERT INTO transcripts_line_fts(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER transcripts_line_ad AFTER DELETE ON mirror_transcriptline
        WHEN NOT EXISTS (SELECT 1 FROM transcripts_index_pause) BEGIN
        INSERT INTO transcripts_line_fts(transcripts_line_fts, rowid, text)
        VALUES ('delete', old.id, old.text); END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER transcripts_line_ai",
    "DROP TRIGGER transcripts_line_ad",
    """CREATE TRIGGER transcripts_line_ai AFTER INSERT ON mirror_transcriptline BEGIN
        INSERT INTO transcripts_line_fts(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER transcripts_line_ad AFTER DELETE ON mirror_transcriptline BEGIN
        INSERT INTO transcripts_line_fts(transcripts_line_fts, rowid, text)
        VALUES ('delete', old.id, old.text); END""",
    "DROP TABLE transcripts_index_pause",
]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("transcripts", "0001_search_index")]

    operations = [
        migrations.RunPython(run({"sqlite": SQLITE_UP}), run({"sqlite": SQLITE_DOWN})),
    ]
