"""Searching every transcript line of a team with the database's own full-text index."""

import math
from collections import Counter
from dataclasses import dataclass, field

from django.db import connection

from dashboard.mirror.models import Interview, TranscriptLine
from dashboard.transcripts import query as q
from dashboard.transcripts.documents import Documents

CANDIDATES_PER_PAGE = 20  # results are paged by candidate
SNIPPETS = 3  # matching lines shown per candidate; the rest are a link into their transcript
# A search reads at most this many of the team's newest matching lines to count and order them.
# Up to it, counts are exact and the best matches come first; above it, the counts say "2,000+"
# and candidates come newest first, so a word said in millions of lines costs what a rare one does.
RANKED_MATCHES_MAX = 2_000


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


@dataclass
class SearchPage:
    terms: list
    results: list[CandidateResult]
    matches: int = 0  # matching lines, all pages (RANKED_MATCHES_MAX when `more_than`: more)
    candidates: int = 0  # candidates with a matching line, all pages (idem)
    number: int = 1
    pages: int = 1  # when `more_than`, the pages known so far: this one, and the next if any
    more_than: bool = False  # over RANKED_MATCHES_MAX matching lines: counts are lower bounds

    @property
    def find_text(self) -> str:
        """What the reader's find looks for (plain text, no query syntax): the first word or phrase."""
        return " ".join(self.terms[0].words) if self.terms else ""


def _where(team, *, posting=None, speaker="", status="", within=None, lines="l") -> tuple[str, list]:
    """The filters as SQL over lines `l` (or PostgreSQL's documents: `lines`, which have a team
    and a speaker too) of interviews `i`: only our own fragments, values as params."""
    filters, params = [f"{lines}.team_id = %s", "i.missing = %s"], [team.id, False]
    if within is not None:
        # The caller's own filter (the Search page's team decision): the ORM writes that subquery.
        subquery, subparams = within.values("id").query.sql_with_params()
        filters.append(f"i.id IN ({subquery})")
        params.extend(subparams)
    if posting is not None:
        filters.append("i.posting_id = %s")
        params.append(posting.id)
    if speaker:
        filters.append(f"{lines}.speaker = %s")
        params.append(speaker)
    if status:
        filters.append("i.status = %s")
        params.append(status)
    return " AND ".join(filters), params


@dataclass
class _Matching:
    """SQLite: the team's matching lines `l` (joined to their interviews `i`) through FTS5.
    PostgreSQL reads its search documents instead (documents.py)."""

    tables: str  # FROM ...
    match: str  # the full-text condition, one parameter
    query: str  # its parameter
    where: str  # the filters, over l and i
    params: list  # theirs
    newest: str  # the column that orders the matches newest first along the index

    @property
    def source(self) -> str:
        return f"{self.tables} WHERE {self.match} AND {self.where}"

    @property
    def source_params(self) -> list:
        return [self.query, *self.params]


def _matching(team, terms, filters: dict) -> "_Matching | Documents":
    if connection.vendor == "postgresql":
        where, params = _where(team, **filters, lines="d")
        narrowed = bool(filters["posting"] or filters["status"]) or filters["within"] is not None
        return Documents(terms, team.id, filters["speaker"], where, params, narrowed)
    # The index holds each line's team (transcripts 0003): FTS5 reads this team's lines only,
    # newest first, and the words in the text column only. CROSS JOIN keeps the index the outer
    # loop: SQLite's planner would otherwise walk every line of the team and probe the index.
    where, params = _where(team, **filters)
    return _Matching(
        "FROM transcripts_line_fts f CROSS JOIN mirror_transcriptline l ON l.id = f.rowid "
        "JOIN mirror_interview i ON i.id = l.interview_id",
        "transcripts_line_fts MATCH %s",
        _fts5_match(team, terms),
        where,
        params,
        "f.rowid",
    )


def _fts5_match(team, terms) -> str:
    return f'team_id : "{int(team.id)}" AND text : ({q.to_fts5(terms)})'


def _newest_lines(matching: "_Matching | Documents", limit: int) -> list[tuple]:
    """(id, interview id, position, text) of the newest `limit` matching lines (PostgreSQL's:
    position and text only when fewer)."""
    if isinstance(matching, Documents):
        return matching.newest_lines(limit)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.id, l.interview_id, l.position, l.text {matching.source} "
            f"ORDER BY {matching.newest} DESC LIMIT %s",
            [*matching.source_params, limit],
        )
        return cursor.fetchall()


def _scores(lines: list[tuple], terms) -> dict[int, float]:
    """Each line's BM25 term-frequency score (k1 1.2, b 0.75) over the matching lines: more of
    the words in a shorter line scores higher. Every line has every term, so the terms' rarity
    (BM25's other half) would not change the order."""
    lengths = {line_id: max(1, len(q.WORD.findall(text))) for line_id, _, _, text in lines}
    average = sum(lengths.values()) / max(1, len(lengths))
    scores, said = {}, q.matcher(terms)
    for line_id, _, _, text in lines:
        found = sum(1 for _ in said.finditer(text))
        norm = 1.2 * (0.25 + 0.75 * lengths[line_id] / average)
        scores[line_id] = found * 2.2 / (found + norm) if found else 0.0
    return scores


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
    """One page of candidates whose transcripts match, each with its number of matching lines and
    its first few (SNIPPETS) in transcript order. Up to RANKED_MATCHES_MAX matching lines the best
    match comes first, by its best line; above it the newest. On SQLite three queries when the
    counts are exact (the newest lines, the page's rows, their snippets), five above (each shown
    candidate's own lines: their id ranges and the probes), whatever the team's size; on
    PostgreSQL the newest lines are a walk of the search documents (documents.py: a query for
    each step, the steps four times longer each time, the lines' rows after) and the shown
    candidates' own lines two queries. A deep page of a very common word reads more lines.

    `within`: an Interview queryset only whose interviews can match (the Search page's team
    decision); `annotate`: annotations each result's interview carries (its decision). The search
    knows nothing of what they mean, so it depends on no app above mirror."""
    terms = q.parse(text)
    if not terms:
        return SearchPage(terms, [])
    filters = {"posting": posting, "speaker": speaker, "status": status, "within": within}
    matching = _matching(team, terms, filters)
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1

    limit = RANKED_MATCHES_MAX + 1
    lines = _newest_lines(matching, limit)
    if not lines:
        return SearchPage(terms, [], 0, 0, 1, 1)
    more_than = len(lines) == limit
    if not more_than:
        scores = _scores(lines, terms)
        best: dict[int, tuple[float, int]] = {}
        counts = Counter(interview_id for _, interview_id, _, _ in lines)
        for line_id, interview_id, _, _ in lines:
            mine = (scores[line_id], line_id)
            best[interview_id] = max(best.get(interview_id, mine), mine)
        order = sorted(best, key=lambda pk: (-best[pk][0], -best[pk][1], pk))
        pages = max(1, math.ceil(len(order) / per_page))
        number = min(number, pages)
        ids = order[(number - 1) * per_page : number * per_page]
        shown = set(ids)
        snippets = _first_lines(row for row in lines if row[1] in shown)
        found = SearchPage(terms, [], len(lines), len(order), number, pages)
    else:
        # Newest first: candidates in the order their newest matching line comes; read further
        # back only as far as this page needs.
        order = _in_order_of_appearance(lines)
        while len(order) <= number * per_page and len(lines) == limit:
            limit *= 4
            lines = _newest_lines(matching, limit)
            order = _in_order_of_appearance(lines)
        last = max(1, math.ceil(len(order) / per_page))
        number = min(number, last)
        more_than = len(lines) == limit  # else every line was read: the counts are exact again
        ids = order[(number - 1) * per_page : number * per_page]
        has_next = len(order) > number * per_page
        counts, snippets = _counts_and_first_lines(matching, ids)
        if more_than:
            found = SearchPage(terms, [], RANKED_MATCHES_MAX, len(order), number, number + has_next, True)
        else:
            found = SearchPage(terms, [], len(lines), len(order), number, last)
    interviews = {
        row.id: row
        for row in Interview.objects.for_team(team)
        .filter(id__in=ids)
        .select_related("posting")
        .defer("document", "content_hash", "posting__document")
        .annotate(**(annotate or {}))
    }
    results = {pk: CandidateResult(interviews[pk], matches=counts[pk]) for pk in ids if pk in interviews}
    for line in TranscriptLine.objects.filter(id__in=snippets).order_by("position", "id"):
        if line.interview_id in results:
            results[line.interview_id].hits.append(Hit(line, q.highlight(line.text, terms)))
    found.results = [results[pk] for pk in ids if pk in results]
    return found


def _in_order_of_appearance(lines: list[tuple]) -> list[int]:
    return list(dict.fromkeys(interview_id for _, interview_id, _, _ in lines))


def _first_lines(lines) -> list[int]:
    """The ids of each interview's first SNIPPETS lines in transcript order."""
    by_interview: dict[int, list[tuple[int, int]]] = {}
    for line_id, interview_id, position, _ in lines:
        by_interview.setdefault(interview_id, []).append((position, line_id))
    return [line_id for found in by_interview.values() for _, line_id in sorted(found)[:SNIPPETS]]


def _counts_and_first_lines(
    matching: "_Matching | Documents", ids: list[int]
) -> tuple[Counter[int], list[int]]:
    """Each of these candidates' matching lines (a transcript's few dozen), counted, and the
    first SNIPPETS of each."""
    if not ids:
        return Counter(), []
    if isinstance(matching, Documents):
        lines = matching.lines_of(ids)
        return Counter(interview_id for _, interview_id, _, _ in lines), _first_lines(lines)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        # A transcript's lines are written together: one index probe per candidate over its
        # range of ids finds them, at a probe per candidate rather than per line.
        # MATERIALIZED keeps the probes first; else the planner walks the team's lines.
        cursor.execute(
            "SELECT MIN(id), MAX(id) FROM mirror_transcriptline "  # noqa: S608
            f"WHERE interview_id IN ({marks}) GROUP BY interview_id",
            ids,
        )
        ranges = cursor.fetchall()
        probe = (
            f"SELECT rowid AS id FROM transcripts_line_fts WHERE {matching.match} "  # noqa: S608
            "AND rowid BETWEEN %s AND %s"
        )
        cursor.execute(
            f"WITH f AS MATERIALIZED ({' UNION ALL '.join([probe] * len(ranges))}) "  # noqa: S608
            "SELECT l.id, l.interview_id, l.position, '' FROM f CROSS JOIN mirror_transcriptline l "
            "ON l.id = f.id JOIN mirror_interview i ON i.id = l.interview_id "
            f"WHERE l.interview_id IN ({marks}) AND {matching.where}",
            [
                *(value for low, high in ranges for value in (matching.query, low, high)),
                *ids,
                *matching.params,
            ],
        )
        lines = cursor.fetchall()
    return Counter(interview_id for _, interview_id, _, _ in lines), _first_lines(lines)


def search(
    team, text: str, *, posting=None, speaker="candidate", status="", within=None
) -> tuple[list[q.Term], list[CandidateResult]]:
    """Parses `text` (raising QueryError with a friendly message) and returns the first page of
    results grouped by candidate, best match first."""
    found = search_page(team, text, posting=posting, speaker=speaker, status=status, within=within)
    return found.terms, found.results
