"""Searching every transcript line of a team with the database's own full-text index."""

from dataclasses import dataclass, field

from django.db import connection

from dashboard.mirror.models import Interview, TranscriptLine
from dashboard.review.models import latest_decision
from dashboard.transcripts import query as q

RESULT_LINES = 300  # best-ranked lines fetched; grouped into candidates afterwards
RANKED_MATCHES_MAX = 2_000  # above this many matching lines, newest first instead of ranked


@dataclass
class Hit:
    line: TranscriptLine
    pieces: list[tuple[str, bool]]


@dataclass
class CandidateResult:
    interview: Interview
    hits: list[Hit] = field(default_factory=list)


def _matching_line_ids(team, terms, *, posting=None, speaker="", status="", decision="") -> list[int]:
    """Line ids, best first. Only our own SQL fragments are formatted in; values are params."""
    filters, params = ["i.team_id = %s", "i.missing = %s"], [team.id, False]
    if decision:
        # The team decision is the latest Decision: the ORM writes that subquery for us.
        decided = (Interview.objects.for_team(team).annotate(decision=latest_decision())
                   .filter(decision=decision).values("id"))
        subquery, subparams = decided.query.sql_with_params()
        filters.append(f"i.id IN ({subquery})")
        params.extend(subparams)
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
    postgres = connection.vendor == "postgresql"
    if postgres:
        match = "to_tsvector('simple', l.text) @@ to_tsquery('simple', %s)"
        rank = "ts_rank(to_tsvector('simple', l.text), to_tsquery('simple', %s)) DESC"
        source = "mirror_transcriptline l"
        query = q.to_tsquery(terms)
        newest = "l.id DESC"
    else:
        match = "transcripts_line_fts MATCH %s"
        rank = "f.rank"
        source = "transcripts_line_fts f JOIN mirror_transcriptline l ON l.id = f.rowid"
        query = q.to_fts5(terms)
        newest = "f.rowid DESC"  # the full-text index's own order
    # The team's own matches decide: counted across every team, another team's many matches
    # would deny this one its ranking. Only the team, not the other filters: the count stops at
    # the cap however narrow they are.
    count_sql = (f"SELECT count(*) FROM (SELECT 1 FROM {source} "  # noqa: S608
                 "JOIN mirror_interview i ON i.id = l.interview_id "
                 f"WHERE {match} AND i.team_id = %s AND i.missing = %s LIMIT %s) c")
    with connection.cursor() as cursor:
        cursor.execute(count_sql, [query, team.id, False, RANKED_MATCHES_MAX + 1])
        huge = cursor.fetchone()[0] > RANKED_MATCHES_MAX
    # Ranking every line of a very common word costs more than it tells: newest lines first,
    # which the index walks in order and stops at a page of this team's results.
    order = newest if huge else f"{rank}, l.id"
    sql = (f"SELECT l.id FROM {source} JOIN mirror_interview i ON i.id = l.interview_id "  # noqa: S608
           f"WHERE {match} AND {where} ORDER BY {order} LIMIT %s")
    params = [query, *params, *([query] if postgres and not huge else []), RESULT_LINES]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def search(team, text: str, *, posting=None, speaker="candidate", status="", decision="") -> tuple[
        list[q.Term], list[CandidateResult]]:
    """Parses `text` (raising QueryError with a friendly message) and returns the results grouped
    by candidate, in the order of each candidate's best line."""
    terms = q.parse(text)
    if not terms:
        return terms, []
    ids = _matching_line_ids(team, terms, posting=posting, speaker=speaker, status=status,
                             decision=decision)
    order = {line_id: rank for rank, line_id in enumerate(ids)}
    # By primary key only (a join on the team here makes SQLite walk every line); the ids come
    # from a team-scoped query, and the team is checked again on each row below.
    rows = (TranscriptLine.objects.filter(id__in=ids)
            .select_related("interview", "interview__posting")
            .defer("interview__document", "interview__posting__document"))
    lines = sorted((line for line in rows if line.interview.team_id == team.id),
                   key=lambda line: order[line.id])
    grouped: dict[int, CandidateResult] = {}
    for line in lines:
        result = grouped.setdefault(line.interview_id, CandidateResult(line.interview))
        result.hits.append(Hit(line, q.highlight(line.text, terms)))
    for result in grouped.values():
        result.hits.sort(key=lambda hit: hit.line.position)
    return terms, list(grouped.values())
