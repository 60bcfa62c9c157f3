"""The analytics page's figures, each one or a few aggregate queries over the mirror and the review
tables: the database counts, groups and orders; Python only lays out what comes back (a row per
week, posting, reviewer or source), so the page takes the same queries at any size."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce, Least, TruncWeek
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.core.stamps import team_stamp
from dashboard.ingestion.models import CandidateIngest, ImportRow
from dashboard.mirror.models import Interview, Posting
from dashboard.review import charts
from dashboard.review.models import Decision, Rating

# Metadata keys read as the candidate's source: CSV headers arrive as written ("Source").
SOURCE_KEYS = ("source", "Source", "SOURCE")
OUTCOMES = ("advance", "hold", "reject")


@dataclass(frozen=True)
class Scope:
    """What every figure is filtered by: the team, one posting or all, and a range of days
    (both ends included, in the team's time zone)."""

    team: Team
    posting: Posting | None
    start: date
    end: date

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    def within(self, column: str) -> Q:
        return Q(**{f"{column}__gte": self.since, f"{column}__lt": self.until})

    def interviews(self):
        rows = Interview.objects.for_team(self.team).filter(missing=False)
        return rows if self.posting is None else rows.filter(posting=self.posting)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- candidates ingested, interviews started and completed, per week --------------------------------


@dataclass
class Week:
    start: date
    ingested: int = 0
    started: int = 0
    completed: int = 0


class WeekOf(TruncWeek):
    """The Monday of a moment's week in the current time zone, as a date. PostgreSQL truncates
    natively; on SQLite Django's TruncWeek calls a Python function per row, so there it is SQLite's
    own date arithmetic on the stored UTC text: shifted by the zone's offset now, back six days,
    then forward to a Monday."""

    def __init__(self, column: str):
        super().__init__(column, output_field=DateField())

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        offset = utc_offset()
        return f"date({sql}, %s, '-6 days', 'weekday 1')", (*params, f"{offset:+d} seconds")


class Seconds(Func):
    """`later - earlier` in seconds (a float), computed natively by each database: Django's own
    datetime subtraction is a Python function per row on SQLite."""

    output_field = FloatField()
    template = "EXTRACT(EPOCH FROM (%(expressions)s))"
    arg_joiner = " - "

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def utc_offset() -> int:
    """The current time zone's offset from UTC now, in seconds."""
    return int((timezone.localtime().utcoffset() or timedelta()).total_seconds())


def _per_week(rows, column: str, **counts) -> dict[date, dict]:
    """Rows per week of `column`, and any other `counts` asked for: each column a count reads must
    be in the index the query walks, or every candidate's wide row is read."""
    counted = rows.annotate(week=WeekOf(column)).values("week").annotate(n=Count("id"), **counts).order_by()
    return {row["week"]: row for row in counted}


@dataclass
class Completion:
    started: int
    completed: int

    @property
    def percent(self) -> float | None:
        return 100 * self.completed / self.started if self.started else None


def weekly(scope: Scope) -> tuple[list[Week], Completion]:
    """Three GROUP BY week queries, each read from an index alone: candidates by the day they
    entered the pipeline, interviews by the day they started (HeyMilo's interviewed_on) with how
    many of those completed (the completion rate: of the interviews started in the range, the
    completed), and completed interviews by their last engagement (the step that completed them).
    Every week of the range is listed, empty or not."""
    rows = scope.interviews()
    ingested = _per_week(rows.filter(scope.within("entered_on")), "entered_on")
    started = _per_week(
        rows.filter(scope.within("interviewed_on")),
        "interviewed_on",
        completed=Count("id", filter=Q(status="completed")),
    )
    completed = _per_week(rows.filter(scope.within("last_engagement"), status="completed"), "last_engagement")
    weeks = []
    day = monday(scope.start)
    while day <= scope.end:
        weeks.append(
            Week(
                day,
                ingested.get(day, {}).get("n", 0),
                started.get(day, {}).get("n", 0),
                completed.get(day, {}).get("n", 0),
            )
        )
        day += timedelta(days=7)
    rate = Completion(
        sum(row["n"] for row in started.values()), sum(row["completed"] for row in started.values())
    )
    return weeks, rate


# --- score distribution by posting ----------------------------------------------------------------


@dataclass
class PostingScores:
    posting_id: int
    title: str
    remote_id: str
    bars: list[charts.Bar]
    scored: int = 0
    strong: int = 0


def scores_by_posting(scope: Scope) -> list[PostingScores]:
    """Scored interviews started in the range, counted per posting and 5-point score step in one
    GROUP BY over the interview_started index alone (the posting page's steps:
    review.charts.score_step), drawn as its histogram; then the postings' names. Joining the
    postings into the count searched them once per interview."""
    tally = (
        scope.interviews()
        .filter(scope.within("interviewed_on"), score__isnull=False)
        .annotate(step=charts.score_step())
        .values("posting_id", "step")
        .annotate(n=Count("id"))
        .order_by()
    )
    grouped: dict[int, list[dict]] = {}
    for row in tally:
        grouped.setdefault(row["posting_id"], []).append(row)
    names = {
        pk: (title or "", remote_id or "")
        for pk, title, remote_id in Posting.objects.for_team(scope.team)
        .filter(pk__in=[pk for pk in grouped if pk is not None])
        .values_list("pk", "title", "remote_id")
    }
    figures = []
    for posting_id, rows in grouped.items():
        bars = charts.histogram(rows)
        title, remote_id = names.get(posting_id, ("", ""))
        figures.append(
            PostingScores(
                posting_id,
                title or remote_id or "No posting",
                remote_id,
                bars,
                scored=sum(bar.count for bar in bars),
                strong=sum(s.count for bar in bars for s in bar.segments if s.band == "strong"),
            )
        )
    figures.sort(key=lambda figure: (-figure.scored, figure.title))
    return figures


# --- time from completion to first human review ---------------------------------------------------


@dataclass
class ReviewTime:
    completed: int
    reviewed: int
    median: timedelta | None = None
    p90: timedelta | None = None

    @property
    def waiting(self) -> int:
        return self.completed - self.reviewed


# Later than any review: LEAST without NULLs on both databases (SQLite's is NULL if either is).
NEVER = datetime(9999, 1, 1, tzinfo=UTC)


def _first_review():
    """When someone first decided on or rated the interview after it completed: the earlier of two
    index lookups (Decision's (interview, created_at) index; ratings are one per person), each
    written once in the SQL."""
    after = Q(interview=OuterRef("pk"), created_at__gte=OuterRef("last_engagement"))
    decided = Decision.objects.filter(after).order_by("created_at").values("created_at")[:1]
    rated = Rating.objects.filter(after).order_by("created_at").values("created_at")[:1]
    never = Value(NEVER, output_field=DateTimeField())
    return Least(Coalesce(Subquery(decided), never), Coalesce(Subquery(rated), never))


NEVER_SECONDS = 1e11  # about 3,000 years: only a wait to NEVER is this long


def _wait(seconds: float) -> timedelta:
    # To the millisecond: SQLite's julianday() difference carries float noise of microseconds.
    return timedelta(seconds=round(float(seconds), 3))


# The review wait's three figures from one pass: the waits are computed once (a materialised
# CTE: each is two index lookups and date arithmetic per interview), the reviewed ones numbered in
# order, and the median's one or two ranks and the 90th percentile's (nearest rank, ceil(9m/10) in
# integers) picked from them. Portable to SQLite, which has no percentile function; PostgreSQL
# and SQLite 3.35+ both read MATERIALIZED.
REVIEW_WAIT_SQL = """
WITH waits AS MATERIALIZED ({waits}),
ranked AS MATERIALIZED (
    SELECT waited, ROW_NUMBER() OVER (ORDER BY waited, id) AS rank FROM waits WHERE waited < %s
),
counts AS (SELECT (SELECT COUNT(*) FROM waits) AS completed, (SELECT COUNT(*) FROM ranked) AS reviewed)
SELECT counts.completed, counts.reviewed, ranked.rank, ranked.waited
FROM counts LEFT JOIN ranked ON ranked.rank IN (
    (counts.reviewed + 1) / 2, counts.reviewed / 2 + 1, (9 * counts.reviewed + 9) / 10
)
ORDER BY ranked.rank
"""


def review_time(scope: Scope) -> ReviewTime:
    """Interviews completed in the range and the wait to their first human review: the median
    (the mean of the middle two for an even count) and the 90th percentile (nearest rank), in one
    query (REVIEW_WAIT_SQL). Three passes over the waits (a count, then each rank by ORDER BY
    ... OFFSET) cost three times the lookups (docs/performance.md)."""
    waits = (
        scope.interviews()
        .filter(scope.within("last_engagement"), status="completed")
        .annotate(waited=Seconds(_first_review(), F("last_engagement")))
        .order_by()
        .values("waited", "id")
    )
    sql, params = waits.query.sql_with_params()
    with connection.cursor() as cursor:
        # A wait to NEVER is no review yet: millions of days, beyond any real one.
        cursor.execute(REVIEW_WAIT_SQL.format(waits=sql), (*params, NEVER_SECONDS))
        rows = cursor.fetchall()
    completed, reviewed = rows[0][0], rows[0][1]
    figure = ReviewTime(completed, reviewed)
    if not reviewed:
        return figure
    at = {rank: value for _, _, rank, value in rows}
    middle = [_wait(at[rank]) for rank in sorted({(reviewed + 1) // 2, reviewed // 2 + 1})]
    figure.median = sum(middle, timedelta()) / len(middle)
    figure.p90 = _wait(at[(9 * reviewed + 9) // 10])
    return figure


# --- workload per reviewer ------------------------------------------------------------------------


@dataclass
class Workload:
    user_id: int | None
    name: str
    decisions: int = 0
    ratings: int = 0

    @property
    def total(self) -> int:
        return self.decisions + self.ratings


def _person(row: dict) -> str:
    full = f"{row['user__first_name']} {row['user__last_name']}".strip()
    return full or row["user__username"] or "Former member"


def workload(scope: Scope) -> list[Workload]:
    """Decisions and ratings each person made in the range, one GROUP BY each."""
    people: dict[int | None, Workload] = {}
    person = ("user_id", "user__username", "user__first_name", "user__last_name")
    for model, attribute in ((Decision, "decisions"), (Rating, "ratings")):
        rows = model.objects.filter(team=scope.team).filter(scope.within("created_at"))
        if scope.posting is not None:
            rows = rows.filter(interview__posting=scope.posting)
        for row in rows.values(*person).annotate(n=Count("id")).order_by():
            entry = people.setdefault(row["user_id"], Workload(row["user_id"], _person(row)))
            setattr(entry, attribute, row["n"])
    return sorted(people.values(), key=lambda entry: (-entry.total, entry.name.lower()))


# --- outcome by source ----------------------------------------------------------------------------


@dataclass
class Source:
    name: str
    candidates: int = 0
    completed: int = 0
    advance: int = 0
    hold: int = 0
    reject: int = 0

    @property
    def undecided(self) -> int:
        return self.candidates - self.advance - self.hold - self.reject


# Each row's source, status and decision computed once (materialised): the source is a JSON
# look-up under three spellings, which a filter in the same query wrote out twice more.
BY_SOURCE_SQL = """
WITH each_row AS MATERIALIZED ({rows})
SELECT source, interview_status, decision, COUNT(*) FROM each_row
WHERE source IS NOT NULL AND source <> '' GROUP BY 1, 2, 3
"""


def _by_source(rows, team) -> list[tuple[str, str | None, str | None, int]]:
    """Rows sent to HeyMilo whose metadata names a source, counted by source, their interview's
    status and the team's current decision: a few groups per source, which the caller adds up.
    Each row's interview and decision are looked up once, by HeyMilo's id (the interview_remote
    index, then Decision's own), in an inner query the GROUP BY reads (BY_SOURCE_SQL): grouped
    directly, SQLite evaluated each lookup twice, and a FILTER per outcome once per outcome."""
    interview = (
        Interview.objects.for_team(team).filter(remote_id=OuterRef("interview_id"), missing=False).order_by()
    )
    latest = Decision.objects.filter(
        current=True,
        interview__team=team,
        interview__remote_id=OuterRef("interview_id"),
        interview__missing=False,
    ).order_by()
    each = (
        rows.exclude(interview_id="")
        .annotate(
            source=Coalesce(*(KT(f"metadata__{key}") for key in SOURCE_KEYS)),
            interview_status=Subquery(interview.values("status")[:1]),
            decision=Subquery(latest.values("value")[:1]),
        )
        .order_by()
        .values("source", "interview_status", "decision")
    )
    sql, params = each.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(BY_SOURCE_SQL.format(rows=sql), params)
        return cursor.fetchall()


def sources(scope: Scope) -> list[Source]:
    """Candidates the dashboard sent to HeyMilo in the range (CSV imports and the single-candidate
    form, whose metadata may carry a source: "source: career fair"), by source: how many HeyMilo
    has, completed, and the team's current decision. Two GROUP BY queries, one per kind."""
    imported = ImportRow.objects.filter(
        job__team=scope.team, outcome=ImportRow.Outcome.INGESTED, job__created_at__gte=scope.since
    ).filter(job__created_at__lt=scope.until)
    added = CandidateIngest.objects.for_team(scope.team).filter(scope.within("created_at"))
    if scope.posting is not None:
        imported = imported.filter(job__posting=scope.posting)
        added = added.filter(posting=scope.posting)
    merged: dict[str, Source] = {}
    for source, status, decision, n in _by_source(imported, scope.team) + _by_source(added, scope.team):
        entry = merged.setdefault(source, Source(source))
        entry.candidates += n
        if status == "completed":
            entry.completed += n
        if decision in OUTCOMES:
            setattr(entry, decision, getattr(entry, decision) + n)
    return sorted((e for e in merged.values() if e.candidates), key=lambda e: (-e.candidates, e.name.lower()))


# --- the page's figures, cached, stale while they are recomputed -------------------------------------

# Figures older than this are recomputed even under the same stamp: a change no writer announces
# (an import row's outcome) shows within minutes.
FRESH_SECONDS = 300
# How long a (team, filter)'s last figures are kept to be served while newer ones are computed.
KEEP_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class CachedFigures:
    """The figures of a (team, filter), when they were computed and whether they are still the
    team's current ones (computed under its stamp of now, recently)."""

    figures: Any
    computed_at: datetime
    current: bool


def figures_key(scope: Scope) -> str:
    """The cache key of a (team, filter): the team, posting, range and the time zone's offset,
    never the stamp, so the last figures can be found (and served) after a change."""
    posting = scope.posting.pk if scope.posting is not None else ""
    return f"analytics:{scope.team.pk}:{posting}:{scope.start}:{scope.end}:{utc_offset()}"


def compute_figures(scope: Scope) -> dict:
    """Every figure the page draws: the six aggregates, the slow part of the page."""
    weeks, rate = weekly(scope)
    return {
        "weeks": weeks,
        "completion": rate,
        "scores": scores_by_posting(scope),
        "review_time": review_time(scope),
        "workload": workload(scope),
        "sources": sources(scope),
    }


def cached_entry(key: str, team_id: int) -> CachedFigures | None:
    """The last figures cached under `key`, None when there are none (first view of the filter,
    or evicted). `current` is False once the team's stamp has been renewed (every mirror upsert and
    review write renews it, dashboard.core.stamps) or they are old. Also the calibration page's."""
    entry = cache.get(key)
    if entry is None:
        return None
    stamp, computed_at, figures = entry
    fresh = timezone.now() - computed_at < timedelta(seconds=FRESH_SECONDS)
    return CachedFigures(figures, computed_at, fresh and stamp == team_stamp(team_id))


def store_entry[T](key: str, team_id: int, compute: Callable[[], T]) -> T:
    """Computes the figures and keeps them with the stamp they were computed under, read before
    computing: a change made meanwhile leaves them stale, to be computed again."""
    stamp = team_stamp(team_id)
    figures = compute()
    cache.set(key, (stamp, timezone.now(), figures), KEEP_SECONDS)
    return figures


def cached_figures(scope: Scope) -> CachedFigures | None:
    return cached_entry(figures_key(scope), scope.team.pk)


def store_figures(scope: Scope) -> dict:
    return store_entry(figures_key(scope), scope.team.pk, lambda: compute_figures(scope))
