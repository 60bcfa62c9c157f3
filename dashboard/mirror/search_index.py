"""Keeping SQLite's full-text index in step with transcript lines written in bulk.

Triggers index one row per statement, and FTS5 flushes its pending terms to disk at every
statement: a page of thousands of lines cost ten times more through the triggers than as one
INSERT … SELECT (docs/performance.md). So the sync pauses the triggers inside its transaction and
indexes the rows itself. Single-row writes (the ORM, the admin, tests) keep using the triggers.
PostgreSQL needs none of this: its search documents are rebuilt by statement-level triggers, once
per statement (transcripts 0004), and transcript_lines_insert writes a page in one statement.

It lives in mirror, which writes the lines, though the index and its triggers are the transcripts
app's migrations: the writer keeps the index in step, search only reads it.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

FTS = "transcripts_line_fts"
LINES = "mirror_transcriptline"


@contextmanager
def bulk_writes(interview_ids: list[int]) -> Iterator[None]:
    """Lines of these interviews may be deleted and inserted inside the block; the index is
    updated for them in two statements instead of one per row."""
    if connection.vendor != "sqlite" or not interview_ids:
        yield
        return
    marks = ", ".join(["%s"] * len(interview_ids))
    # Only our own table names and placeholders are formatted in; the ids are parameters.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO transcripts_index_pause DEFAULT VALUES")
        cursor.execute(
            f"INSERT INTO {FTS}({FTS}, rowid, text, team_id) "  # noqa: S608
            f"SELECT 'delete', id, text, team_id FROM {LINES} WHERE interview_id IN ({marks})",
            interview_ids,
        )
        yield
        cursor.execute(
            f"INSERT INTO {FTS}(rowid, text, team_id) "  # noqa: S608
            f"SELECT id, text, team_id FROM {LINES} WHERE interview_id IN ({marks})",
            interview_ids,
        )
        cursor.execute("DELETE FROM transcripts_index_pause")
