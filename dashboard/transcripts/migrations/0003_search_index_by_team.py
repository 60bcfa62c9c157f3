"""SQLite: the full-text index holds each line's team as a second column, and a prefix index.

A search asks FTS5 for `team_id : "<team>" AND text : (...)`, newest first with a limit, so it
reads its own team's newest matches and stops, however many lines other teams have; the prefix
index answers `kube*` (3 to 6 letters) without merging every matching word's list.
(docs/performance.md, transcript search at 100,000.) Mirror 0013 rebuilt the lines table on
SQLite, which dropped the old triggers with it; they are made again here with the team.
PostgreSQL's expression index needs no change: the team is filtered through the line's own column.
"""

from django.db import migrations

TRIGGERS = ["transcripts_line_ai", "transcripts_line_ad", "transcripts_line_au"]
SKIP_WHEN_PAUSED = "WHEN NOT EXISTS (SELECT 1 FROM transcripts_index_pause)"

SQLITE_UP = [
    *[f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS],
    "DROP TABLE IF EXISTS transcripts_line_fts",
    """CREATE VIRTUAL TABLE transcripts_line_fts USING fts5(
        text, team_id, content='mirror_transcriptline', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0', prefix='3 4 5 6')""",
    f"""CREATE TRIGGER transcripts_line_ai AFTER INSERT ON mirror_transcriptline {SKIP_WHEN_PAUSED} BEGIN
        INSERT INTO transcripts_line_fts(rowid, text, team_id) VALUES (new.id, new.text, new.team_id); END""",
    f"""CREATE TRIGGER transcripts_line_ad AFTER DELETE ON mirror_transcriptline {SKIP_WHEN_PAUSED} BEGIN
        INSERT INTO transcripts_line_fts(transcripts_line_fts, rowid, text, team_id)
        VALUES ('delete', old.id, old.text, old.team_id); END""",
    """CREATE TRIGGER transcripts_line_au AFTER UPDATE OF text, team_id ON mirror_transcriptline BEGIN
        INSERT INTO transcripts_line_fts(transcripts_line_fts, rowid, text, team_id)
        VALUES ('delete', old.id, old.text, old.team_id);
        INSERT INTO transcripts_line_fts(rowid, text, team_id) VALUES (new.id, new.text, new.team_id); END""",
    "INSERT INTO transcripts_line_fts(transcripts_line_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    *[f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS],
    "DROP TABLE IF EXISTS transcripts_line_fts",
    """CREATE VIRTUAL TABLE transcripts_line_fts USING fts5(
        text, content='mirror_transcriptline', content_rowid='id',
        tokenize='unicode61 remove_diacritics 0')""",
    f"""CREATE TRIGGER transcripts_line_ai AFTER INSERT ON mirror_transcriptline {SKIP_WHEN_PAUSED} BEGIN
        INSERT INTO transcripts_line_fts(rowid, text) VALUES (new.id, new.text); END""",
    f"""CREATE TRIGGER transcripts_line_ad AFTER DELETE ON mirror_transcriptline {SKIP_WHEN_PAUSED} BEGIN
        INSERT INTO transcripts_line_fts(transcripts_line_fts, rowid, text)
        VALUES ('delete', old.id, old.text); END""",
    """CREATE TRIGGER transcripts_line_au AFTER UPDATE OF text ON mirror_transcriptline BEGIN
        INSERT INTO transcripts_line_fts(transcripts_line_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
        INSERT INTO transcripts_line_fts(rowid, text) VALUES (new.id, new.text); END""",
    "INSERT INTO transcripts_line_fts(transcripts_line_fts) VALUES ('rebuild')",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("transcripts", "0002_bulk_index_pause"), ("mirror", "0013_transcriptline_team")]

    operations = [migrations.RunPython(run(SQLITE_UP), run(SQLITE_DOWN))]
