"""Searching every transcript line of a team with the database's own full-text index."""

from dataclasses import dataclass, field

from django.db import connection

from dashboard.mirror.models import Interview, TranscriptLine
from dashboard.transcripts import query as q

RESULT_LINES = 300  # best-ranked lines fetched; grouped into candidates afterwards


@dataclass
class Hit:
    line: TranscriptLine
    pieces: list[tuple[str, bool]]


@dataclass
class CandidateResult:
    interview: Interview
    hits: list[Hit] = field(default_factory=list)


def _matching_line_ids(team, terms, *, posting=None, speaker="", status="") -> list[int]:
    """Line ids, best first. Only our own SQL fragments are formatted in; values are params."""
    filters, params = ["i.team_id = %s", "i.missing = %s"], [team.id, False]
    if posting is not None:
        filters.append("i.posting_id = %s")
        params.append(posting.id)
    if speaker:
        filters.append("l.speaker = %s")
        params.append(speaker)
    if status:
        filters.append("i.status = %s")
        params.append(status)
    where = " AND ".join(filters)
    if connection.vendor == "postgresql":
        sql = (
            "SELECT l.id FROM mirror_transcriptline l JOIN mirror_interview i ON i.id = l.interview_id "  # noqa: S608
            "WHERE to_tsvector('simple', l.text) @@ to_tsquery('simple', %s) AND " + where +
            " ORDER BY ts_rank(to_tsvector('simple', l.text), to_tsquery('simple', %s)) DESC, l.id "
            "LIMIT %s"
        )
        tsquery = q.to_tsquery(terms)
        params = [tsquery, *params, tsquery, RESULT_LINES]
    else:
        sql = (
            "SELECT l.id FROM transcripts_line_fts f "  # noqa: S608
            "JOIN mirror_transcriptline l ON l.id = f.rowid "
            "JOIN mirror_interview i ON i.id = l.interview_id "
            "WHERE transcripts_line_fts MATCH %s AND " + where +
            " ORDER BY bm25(transcripts_line_fts), l.id LIMIT %s"
        )
        params = [q.to_fts5(terms), *params, RESULT_LINES]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def search(team, text: str, *, posting=None, speaker="candidate", status="") -> tuple[
        list[q.Term], list[CandidateResult]]:
    """Parses `text` (raising QueryError with a friendly message) and returns the results grouped
    by candidate, in the order of each candidate's best line."""
    terms = q.parse(text)
    if not terms:
        return terms, []
    ids = _matching_line_ids(team, terms, posting=posting, speaker=speaker, status=status)
    order = {line_id: rank for rank, line_id in enumerate(ids)}
    lines = sorted(
        TranscriptLine.objects.filter(id__in=ids, interview__team=team).select_related(
            "interview", "interview__posting"),
        key=lambda line: order[line.id],
    )
    grouped: dict[int, CandidateResult] = {}
    for line in lines:
        result = grouped.setdefault(line.interview_id, CandidateResult(line.interview))
        result.hits.append(Hit(line, q.highlight(line.text, terms)))
    for result in grouped.values():
        result.hits.sort(key=lambda hit: hit.line.position)
    return terms, list(grouped.values())
