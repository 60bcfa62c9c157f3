"""PostgreSQL: one search document per transcript and speaker (in chunks of lines), kept by triggers.

GIN finds every matching line but in no order, so "the team's newest 2,001 matching lines" was
either every match sorted or a walk testing each line (docs/performance.md, transcript search on
PostgreSQL). A document holds a whole transcript's words for one speaker, with positions, the
lines joined by a separator word that no line says: a search walks the team's documents newest
first (or asks their GIN index when the words are rare), and reads which lines match from the
positions of its own words in each document it passes, with the line ids the document lists in
order. 100,000 documents a speaker instead of 5,000,000 lines, and no line is tokenised at search
time.

A document is exact when its positions are complete: PostgreSQL keeps at most 255 positions of a
word and none past 16,383, and an unclosed "<" in a line can swallow the separator (the parser
reads a tag up to the next line's ">"). A document that is not exact always counts as a candidate,
and its lines are tested one by one (dashboard/transcripts/documents.py). Chunks of at most 128
transcript positions keep the first two limits out of reach of real speech.

Statement-level triggers rebuild the documents of the interviews a statement touched, so every
writer keeps them fresh (the sync inserts a page of lines in one statement: see
mirror.services.transcript_lines_insert). The per-line expression index is dropped: nothing
reads it any more, and the sync no longer pays to keep it.

SQLite is untouched: its FTS5 index already reads a team's newest matches first.
"""

from django.db import migrations

SEPARATOR = "x0linebreak0x"  # dashboard/transcripts/documents.py says the same word
CHUNK = 128  # transcript positions per document


def documents_of(lines_where: str) -> str:
    """INSERT of the documents built from the lines matching `lines_where` (over `l`): the
    separator's positions kept apart (`breaks`, so a search need not look them up), and whether
    the positions are complete (no word at 255 positions, none at 16,383, a break between every
    two lines)."""
    return f"""
    INSERT INTO transcripts_document
        (interview_id, speaker, chunk, team_id, newest, line_ids, breaks, exact, doc)
    SELECT built.interview_id, built.speaker, built.chunk, built.team_id, built.newest, built.line_ids,
        coalesce(words.breaks, '{{}}'),
        coalesce(words.complete, true)
            AND cardinality(built.line_ids) - 1 = coalesce(cardinality(words.breaks), 0),
        built.doc
    FROM (
        SELECT l.interview_id, l.speaker, l.position / {CHUNK} AS chunk, min(l.team_id) AS team_id,
            max(l.id) AS newest, array_agg(l.id ORDER BY l.position) AS line_ids,
            to_tsvector('simple', string_agg(l.text, ' {SEPARATOR} ' ORDER BY l.position)) AS doc
        FROM mirror_transcriptline l WHERE {lines_where}
        GROUP BY l.interview_id, l.speaker, l.position / {CHUNK}
    ) built CROSS JOIN LATERAL (
        SELECT bool_and(cardinality(u.positions) < 255 AND u.positions[cardinality(u.positions)] < 16383)
                AS complete,
            max(u.positions) FILTER (WHERE u.lexeme = '{SEPARATOR}') AS breaks
        FROM unnest(built.doc) u
    ) words"""


POSTGRES_UP = [
    """CREATE TABLE transcripts_document (
        interview_id bigint NOT NULL,
        speaker varchar(40) NOT NULL,
        chunk integer NOT NULL,
        team_id bigint NOT NULL,
        newest bigint NOT NULL,
        line_ids bigint[] NOT NULL,
        breaks smallint[] NOT NULL,
        exact boolean NOT NULL,
        doc tsvector NOT NULL,
        PRIMARY KEY (interview_id, speaker, chunk))""",
    f"""CREATE FUNCTION transcripts_documents_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM transcripts_document WHERE interview_id = ANY(ids);
        {documents_of("l.interview_id = ANY(ids)")};
    END $$""",
    """CREATE FUNCTION transcripts_documents_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM transcripts_documents_refresh(ARRAY(SELECT DISTINCT interview_id FROM new_lines));
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION transcripts_documents_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM transcripts_documents_refresh(ARRAY(SELECT DISTINCT interview_id FROM old_lines));
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION transcripts_documents_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM transcripts_documents_refresh(ARRAY(
            SELECT interview_id FROM old_lines UNION SELECT interview_id FROM new_lines));
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION transcripts_documents_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE transcripts_document;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER transcripts_documents_ai AFTER INSERT ON mirror_transcriptline
        REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT
        EXECUTE FUNCTION transcripts_documents_after_insert()""",
    """CREATE TRIGGER transcripts_documents_ad AFTER DELETE ON mirror_transcriptline
        REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT
        EXECUTE FUNCTION transcripts_documents_after_delete()""",
    """CREATE TRIGGER transcripts_documents_au AFTER UPDATE ON mirror_transcriptline
        REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT
        EXECUTE FUNCTION transcripts_documents_after_update()""",
    """CREATE TRIGGER transcripts_documents_at AFTER TRUNCATE ON mirror_transcriptline
        FOR EACH STATEMENT EXECUTE FUNCTION transcripts_documents_after_truncate()""",
    # A document is small and a search reads a few thousand at most: starting parallel workers for
    # that costs more than the read on a busy machine.
    "ALTER TABLE transcripts_document SET (parallel_workers = 0)",
    documents_of("true"),
    "CREATE INDEX transcripts_document_newest ON transcripts_document (team_id, newest)",
    "CREATE INDEX transcripts_document_words ON transcripts_document USING GIN (doc)",
    # Documents that are not exact are candidates whatever they say: the search ORs this in.
    "CREATE INDEX transcripts_document_inexact ON transcripts_document (team_id) WHERE NOT exact",
    "DROP INDEX IF EXISTS transcripts_line_tsv",
    "ANALYZE transcripts_document",
]
POSTGRES_DOWN = [
    "CREATE INDEX transcripts_line_tsv ON mirror_transcriptline USING GIN (to_tsvector('simple', text))",
    "DROP TRIGGER transcripts_documents_at ON mirror_transcriptline",
    "DROP TRIGGER transcripts_documents_au ON mirror_transcriptline",
    "DROP TRIGGER transcripts_documents_ad ON mirror_transcriptline",
    "DROP TRIGGER transcripts_documents_ai ON mirror_transcriptline",
    "DROP FUNCTION transcripts_documents_after_truncate()",
    "DROP FUNCTION transcripts_documents_after_update()",
    "DROP FUNCTION transcripts_documents_after_delete()",
    "DROP FUNCTION transcripts_documents_after_insert()",
    "DROP FUNCTION transcripts_documents_refresh(bigint[])",
    "DROP TABLE transcripts_document",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("transcripts", "0003_search_index_by_team")]

    operations = [migrations.RunPython(run(POSTGRES_UP), run(POSTGRES_DOWN))]
