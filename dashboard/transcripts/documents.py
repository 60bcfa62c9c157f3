"""PostgreSQL: a team's matching transcript lines, newest first, read from its search documents.

A document (transcripts 0004) holds one speaker's lines of a transcript, up to a chunk of them,
as one tsvector with positions, the lines joined by SEPARATOR, and the ids of its lines in
order. The documents are walked newest first (their newest line); each one passed says which of
its lines match from the positions of the query's own words in it, read in Python: a line
matches when each term (a word, a prefix, a phrase of consecutive positions) has a position
between the same two separators. So the newest N matching lines are the same lines a test of
every line would give, at the cost of the documents passed, without tokenising a line.

A document whose positions are not complete (`exact` false: see the migration) is passed
whatever its words, and its lines are tested one by one.
"""

import json
import math
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from django.db import connection

from dashboard.transcripts import query as q

SEPARATOR = "x0linebreak0x"  # the word joining lines in a document (transcripts 0004)
FIRST_BATCH = 200  # documents the walk reads first; then as many as it found lines say it needs
# Up to this many documents expected by the planner, the first step reads them all (half as many
# again, in case): the planner's estimate of a word outside its statistics is low, so a common
# word taken for a rare one reads at most this much more than it needed.
FEW_DOCUMENTS = 2_000


def _cursor() -> psycopg.Cursor:
    """A cursor binding its parameters on the server (Django's binds them in the text of the
    query: a list of a thousand ids is formatted into it) on Django's connection. Its queries are
    never prepared: a prepared statement may be given one generic plan, and the walk and the
    index each suit other words (a rare word walked would read every document of the team)."""
    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _array(ids: Iterable[int]) -> str:
    """Ids as an array's text: psycopg dumps a list element by element, in Python."""
    return "{" + ",".join(map(str, ids)) + "}"


_LINES = (
    "SELECT id, interview_id, position, {} FROM mirror_transcriptline "
    "WHERE id = ANY(%s::bigint[]) ORDER BY id DESC"
)
_LINES_WITH_TEXT, _LINES_WITHOUT_TEXT = _LINES.format("text"), _LINES.format("''")


def _line_rows(found: Iterable[tuple[int, int]], *, with_text: bool) -> list[tuple]:
    """(id, interview id, position, text or '') of the found lines ((id, interview id) pairs),
    newest first."""
    with _cursor() as cursor:
        cursor.execute(
            _LINES_WITH_TEXT if with_text else _LINES_WITHOUT_TEXT,
            [_array(line_id for line_id, _ in found)],
            prepare=False,
        )
        return cursor.fetchall()


@dataclass
class _Document:
    interview_id: int
    newest: int
    line_ids: list[int]
    breaks: list[int]  # the positions of the separators, in order
    exact: bool
    words: str | None  # the query's words' positions in it (a tsvector's text), when exact
    lowered: list[str]  # the query's words as the index lowers them, in q.Term order


@dataclass
class Documents:
    """The team's documents that may match `terms` (of `speaker`'s lines, or everyone's), with
    the filters `where` over `d` and `i` (the team's and speaker's too)."""

    terms: list
    team_id: int
    speaker: str
    where: str
    params: list
    interview_filters: bool  # `where` filters the interview on more than `missing`
    _planned: list[list[tuple[str, bool]]] | None = None
    _missing: set[int] | None = None

    @property
    def query(self) -> str:
        return q.to_tsquery(self.terms)

    def _words(self) -> list[str]:
        return [word for term in self.terms for word in term.words]

    def _prefixes(self) -> list[str]:
        return [term.words[-1] + "%" for term in self.terms if term.prefix]

    def _select(self, condition: str, params: list, limit: int | None = None) -> list[_Document]:
        """Documents passing the filters and `condition`, newest first, with the positions of
        the query's words in each (and of every word of it a prefix starts).

        With filters on the interview (posting, status, decision) they are a lateral subquery
        behind OFFSET 0, a probe by primary key per document: joined plainly, the planner read
        every interview of the database to hash them. Without, only `missing` is left: the
        team's interviews no longer in HeyMilo (few) are read once, and their documents dropped."""
        speaker = "AND d.speaker = %s" if self.speaker else ""
        prefixed = (
            "|| ARRAY(SELECT x FROM unnest(tsvector_to_array(d.doc)) x WHERE x LIKE ANY(w.prefixes))"
            if self._prefixes()
            else ""
        )
        interview = (
            "CROSS JOIN LATERAL (SELECT 1 FROM mirror_interview i WHERE i.id = d.interview_id "  # noqa: S608
            f"AND {self.where} OFFSET 0) i"
            if self.interview_filters
            else ""
        )
        # Only our own fragments are formatted in; every value is a parameter.
        sql = f"""
            SELECT d.interview_id, d.newest, d.line_ids, d.breaks, d.exact,
                CASE WHEN d.exact
                    THEN ts_filter(setweight(d.doc, 'A', w.lowered {prefixed}), '{{a}}')::text END,
                w.lowered
            FROM (
                SELECT d.interview_id, d.newest, d.line_ids, d.breaks, d.exact, d.doc
                FROM transcripts_document d {interview}
                WHERE (d.doc @@ to_tsquery('simple', %s) OR NOT d.exact) AND d.team_id = %s {speaker}
                    AND {condition}
                {"ORDER BY d.newest DESC LIMIT %s" if limit else ""}
            ) d, (SELECT ARRAY(SELECT lower(x) FROM unnest(%s::text[]) x) AS lowered,
                    ARRAY(SELECT lower(x) FROM unnest(%s::text[]) x) AS prefixes) w
            ORDER BY d.newest DESC"""  # noqa: S608
        values = [
            *(self.params if self.interview_filters else []),
            self.query,
            self.team_id,
            *([self.speaker] if self.speaker else []),
            *params,
            *([limit] if limit else []),
            self._words(),
            self._prefixes(),
        ]
        # Binary results: the arrays of ids and positions arrive as lists without parsing text.
        with _cursor() as cursor:
            cursor.execute(sql, values, binary=True, prepare=False)
            documents = [_Document(*row) for row in cursor.fetchall()]
        if self.interview_filters or not documents:
            return documents
        if self._missing is None:
            with _cursor() as cursor:
                cursor.execute(
                    "SELECT id FROM mirror_interview WHERE team_id = %s AND missing",
                    [self.team_id],
                    prepare=False,
                )
                self._missing = {row[0] for row in cursor.fetchall()}
        gone = self._missing
        return [document for document in documents if document.interview_id not in gone]

    def _matching(self, documents: list[_Document]) -> list[tuple[int, int]]:
        """(line id, interview id) of the documents' matching lines."""
        found: list[tuple[int, int]] = []
        untested: list[int] = []
        for document in documents:
            lines = self._lines(document) if document.exact else None
            if lines is None:
                untested.extend(document.line_ids)
                continue
            found.extend((document.line_ids[k], document.interview_id) for k in lines)
        if untested:
            with _cursor() as cursor:
                cursor.execute(
                    "SELECT id, interview_id FROM mirror_transcriptline WHERE id = ANY(%s::bigint[]) "
                    "AND to_tsvector('simple', text) @@ to_tsquery('simple', %s)",
                    [_array(untested), self.query],
                    prepare=False,
                )
                found.extend(cursor.fetchall())
        return found

    def _plan(self, lowered: list[str]) -> list[list[tuple[str, bool]]]:
        """Each term's words as the keys of a tsvector's text form ('word'), each with whether
        it is a prefix, from the words as the index lowers them (in q.Term order)."""
        words = iter(lowered)
        return [
            [
                (f"'{next(words)}", term.prefix and index == len(term.words) - 1)
                for index in range(len(term.words))
            ]
            for term in self.terms
        ]

    def _lines(self, document: _Document) -> list[int] | None:
        """Indexes (in document.line_ids) of the document's lines that match every term, or
        None when its positions cannot say."""
        breaks = document.breaks
        if len(breaks) != len(document.line_ids) - 1:
            return None
        # 'lexeme':3A,17A ... : lexemes are lower case and hold no space (the parser splits at
        # them), so the weight letters and the spaces between entries split it.
        entries = {}
        for entry in (document.words or "").replace("A", "").split(" "):
            lexeme, _, at = entry.rpartition(":")
            entries[lexeme] = at
        if self._planned is None:
            self._planned = self._plan(document.lowered)
        matching: set[int] | None = None
        for term in self._planned:
            starts: list[int] = []
            for offset, (key, prefix) in enumerate(term):
                if prefix:
                    said = ",".join(at for lexeme, at in entries.items() if lexeme.startswith(key))
                else:
                    said = entries.get(key + "'", "")
                if not said:
                    return []
                if offset == 0:
                    starts = list(map(int, said.split(",")))
                else:
                    later = set(map(int, said.split(",")))
                    starts = [p for p in starts if p + offset in later]
            # A word's line is the number of breaks before it (a phrase's words are consecutive
            # positions, so never on both sides of one).
            lines = {bisect_left(breaks, p) for p in starts}
            matching = lines if matching is None else matching & lines
            if not matching:
                return []
        return sorted(matching or ())

    def _first_batch(self) -> int:
        """FIRST_BATCH, or when the planner expects few documents (a rare word: it will read them
        all through the index and sort them either way) all of them at once, within a bound. Not
        for a prefix: the planner's guess of kube* at 10,000 interviews was a tenth of the truth,
        and a bigger first step turned its walk into reading and sorting every match."""
        if self._prefixes():
            return FIRST_BATCH
        speaker = "AND d.speaker = %s" if self.speaker else ""
        with _cursor() as cursor:
            cursor.execute(
                "EXPLAIN (FORMAT JSON) SELECT 1 FROM transcripts_document d "  # noqa: S608
                f"WHERE d.doc @@ to_tsquery('simple', %s) AND d.team_id = %s {speaker}",
                [self.query, self.team_id, *([self.speaker] if self.speaker else [])],
                prepare=False,
            )
            (plan,) = cursor.fetchone() or ([{"Plan": {"Plan Rows": FEW_DOCUMENTS + 1}}],)
        expected = int((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"])
        return max(FIRST_BATCH, expected * 3 // 2) if expected <= FEW_DOCUMENTS else FIRST_BATCH

    def newest_lines(self, limit: int) -> list[tuple]:
        """(id, interview id, position, text) of the `limit` newest matching lines, newest first;
        position and text only when there are fewer (the caller ranks those)."""
        found: list[tuple[int, int]] = []
        before, batch, read = None, self._first_batch(), 0
        while True:
            condition, params = ("d.newest < %s", [before]) if before is not None else ("true", list[int]())
            documents = self._select(condition, params, batch)
            found.extend(self._matching(documents))
            read += len(documents)
            if len(documents) < batch:
                break  # every matching document was read
            before = documents[-1].newest
            # Every line at or after the last document's newest is found: later documents are older.
            certain = sum(1 for line_id, _ in found if line_id >= before)
            if certain >= limit:
                break
            # As many more documents as the lines found so far say are needed (a fifth more), at
            # most sixteen times the last step.
            wanted = math.ceil((limit - certain) * read / certain * 1.2) if certain else batch * 4
            batch = max(FIRST_BATCH, min(batch * 16, wanted))
        found.sort(reverse=True)
        if len(found) >= limit:
            return [(line_id, interview_id, 0, "") for line_id, interview_id in found[:limit]]
        return _line_rows(found, with_text=True)

    def lines_of(self, interview_ids: list[int]) -> list[tuple]:
        """(id, interview id, position, '') of every matching line of these interviews."""
        return _line_rows(
            self._matching(self._select("d.interview_id = ANY(%s)", [interview_ids])), with_text=False
        )
