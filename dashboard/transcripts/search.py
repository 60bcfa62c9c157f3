"""Searching every transcript line of a team with the database's own full-text index."""

from dataclasses import dataclass, field

from django.db import connection

from dashboard.mirror.models import Interview, TranscriptLine
from dashboard.transcripts import query as q

CANDIDATES_PER_PAGE = 20  # results are paged by candidate
SNIPPETS = 3  # matching lines shown per candidate; the rest are a link into their transcript
RANKED_MATCHES_MAX = 2_000  # above this many matching lines, newest first instead of ranked


@dataclass
class Hit:
    line: TranscriptLine
    pieces: list[tuple[str, bool]]


@dataclass
class CandidateResult:
    interview: Interview
    hits: list[Hit] = field(default_factory=list)
    matches: int = 0  # matching lines in this transcript, shown or not

    @property
    def more(self) -> int:
        return max(0, self.matches - len(self.hits))


def _where(team, *, posting=None, speaker="", status="", within=None) -> tuple[str, list]:
    """The filters as SQL over lines `l` of interviews `i`: only our own fragments, values as params."""
    filters, params = ["i.team_id = %s", "i.missing = %s"], [team.id, False]
    if within is not None:
        # The caller's own filter (the Search page's team decision): the ORM writes that subquery.
        subquery, subparams = within.values("id").query.sql_with_params()
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
    return " AND ".join(filters), params


def _engine(terms):
    """The full-text parts of the SQL for this database: (match, best-first aggregate, source,
    the query's text, the newest-first aggregate)."""
    if connection.vendor == "postgresql":
        return (
            "to_tsvector('simple', l.text) @@ to_tsquery('simple', %s)",
            "MAX(ts_rank(to_tsvector('simple', l.text), to_tsquery('simple', %s))) DESC",
            "mirror_transcriptline l",
            q.to_tsquery(terms),
            True,
        )
    # FTS5's rank is lower for better matches.
    return (
        "transcripts_line_fts MATCH %s",
        "MIN(f.rank)",
        "transcripts_line_fts f JOIN mirror_transcriptline l ON l.id = f.rowid",
        q.to_fts5(terms),
        False,
    )


@dataclass
class SearchPage:
    terms: list
    results: list[CandidateResult]
    matches: int = 0  # matching lines, all pages
    candidates: int = 0  # candidates with a matching line, all pages
    number: int = 1
    pages: int = 1

    @property
    def find_text(self) -> str:
        """What the reader's find looks for (plain text, no query syntax): the first word or phrase."""
        return " ".join(self.terms[0].words) if self.terms else ""


def search_page(
    team,
    text: str,
    *,
    page=1,
    per_page: int = CANDIDATES_PER_PAGE,
    posting=None,
    speaker="candidate",
    status="",
    within=None,
    annotate=None,
) -> SearchPage:
    """One page of candidates whose transcripts match, best match first, each with its number of
    matching lines and its first few (SNIPPETS) in transcript order. Four queries whatever the page
    or the team's size: the counts, the page's candidates, their snippets, their rows.

    `within`: an Interview queryset only whose interviews can match (the Search page's team
    decision); `annotate`: annotations each result's interview carries (its decision). The search
    knows nothing of what they mean, so it depends on no app above mirror. Without a `within` no
    subquery is added: restricting to all the team's interviews cost the rare-word search several
    times over."""
    terms = q.parse(text)
    if not terms:
        return SearchPage(terms, [])
    where, params = _where(team, posting=posting, speaker=speaker, status=status, within=within)
    match, best, source, query, postgres = _engine(terms)
    joined = f"FROM {source} JOIN mirror_interview i ON i.id = l.interview_id WHERE {match} AND {where}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), count(DISTINCT l.interview_id) {joined}", [query, *params])
        matches, candidates = cursor.fetchone()
    pages = max(1, -(-candidates // per_page))
    try:
        number = min(max(1, int(page)), pages)
    except (TypeError, ValueError):
        number = 1
    if not candidates:
        return SearchPage(terms, [], 0, 0, 1, 1)
    # Ranking every line of a very common word costs more than it tells: newest lines first.
    order = "MAX(l.id) DESC" if matches > RANKED_MATCHES_MAX else f"{best}, MAX(l.id) DESC"
    rank_params = [query] if postgres and matches <= RANKED_MATCHES_MAX else []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.interview_id, count(*) {joined} GROUP BY l.interview_id "
            f"ORDER BY {order}, l.interview_id LIMIT %s OFFSET %s",
            [query, *params, *rank_params, per_page, (number - 1) * per_page],
        )
        found = cursor.fetchall()
    ids = [interview_id for interview_id, _ in found]
    marks = ", ".join(["%s"] * len(ids))
    # The first few matching lines of each of the page's candidates, in transcript order.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM (SELECT l.id, ROW_NUMBER() OVER (PARTITION BY l.interview_id "  # noqa: S608
            f"ORDER BY l.position, l.id) AS n {joined} AND l.interview_id IN ({marks})) s "
            "WHERE n <= %s",
            [query, *params, *ids, SNIPPETS],
        )
        line_ids = [row[0] for row in cursor.fetchall()]
    interviews = {
        row.id: row
        for row in Interview.objects.for_team(team)
        .filter(id__in=ids)
        .select_related("posting")
        .defer("document", "content_hash", "posting__document")
        .annotate(**(annotate or {}))
    }
    results = {pk: CandidateResult(interviews[pk], matches=count) for pk, count in found if pk in interviews}
    for line in TranscriptLine.objects.filter(id__in=line_ids).order_by("position", "id"):
        if line.interview_id in results:
            results[line.interview_id].hits.append(Hit(line, q.highlight(line.text, terms)))
    return SearchPage(terms, [results[pk] for pk in ids if pk in results], matches, candidates, number, pages)


def search(
    team, text: str, *, posting=None, speaker="candidate", status="", within=None
) -> tuple[list[q.Term], list[CandidateResult]]:
    """Parses `text` (raising QueryError with a friendly message) and returns the first page of
    results grouped by candidate, best match first."""
    found = search_page(team, text, posting=posting, speaker=speaker, status=status, within=within)
    return found.terms, found.results
