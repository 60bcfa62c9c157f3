"""Figures for the posting page: the pipeline funnel, and the summary strip (pipeline by status,
score distribution and median, the person's review) in two queries."""

from dataclasses import dataclass, field
from typing import cast

from django.core.cache import cache
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Floor, Greatest, Least

from dashboard.core import labels, scores
from dashboard.core.stamps import team_stamp
from dashboard.review.models import Decision, Rating
from dashboard.review.selectors import candidate_rows

BINS = 10  # score buckets of 10 points on HeyMilo's 0-100 scale
STEP = 5  # counted in 5-point steps: the Good band starts at 65, inside the 60s bar
CHART_HEIGHT = 120  # SVG units
# How long a cached strip may outlive a change no writer announced (as the sidebar's count).
SUMMARY_TTL = 300


@dataclass
class Segment:
    """Part of a histogram bar in one score band (the 60s bar is Mixed below 65, Good above)."""

    band: str | None
    count: int
    y: int = 0
    height: int = 0


@dataclass
class Bar:
    label: str
    count: int
    percent: int  # of the largest bar, for drawing
    x: int = 0
    height: int = 0
    y: int = 0
    segments: list[Segment] = field(default_factory=list)


def _counted(posting):
    """The posting's candidates as the table lists them, filtered by team first: the list indexes
    lead with (team, posting, missing), so the counts below read an index alone. Through the
    posting's own index each row was read from the table as well (docs/performance.md)."""
    return candidate_rows(posting.team_id, posting)


def funnel(posting, steps) -> list[Bar]:
    """Candidates who completed at least the first k workflow steps, for k = 1..n.

    Steps complete in order, so "completed k steps" is "reached step k"; one aggregate query."""
    interviews = _counted(posting)
    types = [step.type for step in steps]
    names = [labels.step_label(kind, types) for kind in types]
    counts = interviews.aggregate(
        total=Count("id"),
        **{f"s{k}": Count("id", filter=Q(steps_complete__gte=k)) for k in range(1, len(names) + 1)},
    )
    bars = [Bar("Candidates", counts["total"], 100)]
    bars += [Bar(f"{name} done", counts[f"s{k}"], 0) for k, name in enumerate(names, start=1)]
    top = max(bars[0].count, 1)
    for bar in bars:
        bar.percent = round(100 * bar.count / top)
    return bars


def score_step() -> Case:
    """The histogram's 5-point step of a row's score, as the table writes it (rounded half up);
    None without a score. Analytics counts its per-posting histograms by the same expression."""
    last = BINS * (10 // STEP) - 1.0
    # No step without a score: PostgreSQL's GREATEST would make a missing score a 0.
    return Case(
        When(
            score__isnull=False,
            then=Greatest(Least(Floor((F("score") + 0.5) / STEP), Value(last)), Value(0.0)),
        ),
        default=Value(None),
    )


def _tally(posting, user=None, *, decided: bool = False) -> list[dict]:
    """The posting's candidates counted by status and score step in one GROUP BY (status and score
    are both in the list index, so it reads no row), with how many completed ones `user` reviewed
    (decided or rated, as unreviewed_by counts) or, with `decided`, the team decided on. Each
    EXISTS is a lookup per completed row: only the one the page shows is asked for.

    Scores are counted as the table writes them (rounded half up, scores.score_html), so a 79.6
    written "80/100", Strong, is in the Strong bar; by 5-point steps, so the 60s bar can be drawn
    Mixed up to 64 and Good from 65, as the table colours those scores."""
    step = score_step()
    counts = {"n": Count("id")}
    completed = Q(status="completed")
    if user is not None:
        mine = Q(interview=OuterRef("pk"), user=user)
        counts["reviewed"] = Count(
            "id",
            filter=completed & (Exists(Decision.objects.filter(mine)) | Exists(Rating.objects.filter(mine))),
        )
    if decided:
        team_decided = Exists(Decision.objects.filter(interview=OuterRef("pk")))
        # Q & an expression is a Q when it runs; the stubs type it Combinable, which Count refuses.
        counts["decided"] = Count("id", filter=cast(Q, completed & team_decided))
    return list(_counted(posting).annotate(step=step).values("status", "step").annotate(**counts).order_by())


def histogram(tally: list[dict]) -> list[Bar]:
    return _histogram(tally)


def score_histogram(posting) -> list[Bar]:
    """Candidates per 10 points of score, 100 (and above) in the top bar, each bar in its score
    bands' colours (one query)."""
    return _histogram(_tally(posting))


def _histogram(tally: list[dict]) -> list[Bar]:
    """Bars from rows of {"step": score_step(), "n": count} (analytics draws its own from these)."""
    steps_per_bin = 10 // STEP
    counts: dict[int, int] = {}
    for row in tally:
        if row["step"] is not None:
            counts[int(row["step"])] = counts.get(int(row["step"]), 0) + row["n"]
    bars = []
    for index in range(BINS):
        low = index * 10
        bar = Bar(f"{low}–{low + 9 if index < BINS - 1 else 100}", 0, 0)
        for part in range(steps_per_bin):
            number = index * steps_per_bin + part
            band = scores.band(number * STEP, scores.OVERALL)
            count = counts.get(number, 0)
            if bar.segments and bar.segments[-1].band == band:
                bar.segments[-1].count += count
            else:
                bar.segments.append(Segment(band, count))
            bar.count += count
        bars.append(bar)
    top = max((bar.count for bar in bars), default=0) or 1
    width = 30
    for index, bar in enumerate(bars):
        bar.percent = round(100 * bar.count / top)
        bar.height = round(CHART_HEIGHT * bar.count / top)
        bar.x = index * (width + 6)
        bar.y = CHART_HEIGHT - bar.height
        # Stacked from the bottom, lower scores first; the last segment takes the rounding.
        bottom = CHART_HEIGHT
        for number, segment in enumerate(bar.segments, start=1):
            segment.height = (
                bar.height - (CHART_HEIGHT - bottom)
                if number == len(bar.segments)
                else round(CHART_HEIGHT * segment.count / top)
            )
            bottom -= segment.height
            segment.y = bottom
    return bars


@dataclass
class Stage:
    status: str
    label: str
    count: int
    x: float = 0.0  # where its part of the stacked bar starts, in percent
    width: float = 0.0


@dataclass
class Summary:
    """The posting page's strip above the table: the pipeline by status, the score distribution in
    a line, and the signed-in person's review progress."""

    total: int
    stages: list[Stage]
    scored: int
    strong: int  # written 80/100 or more
    completed: int
    reviewed_by_me: int  # counted for reviewers only
    decided: int  # counted for viewers only (their strip shows the team's decisions)
    median: float | None = None
    histogram: list[Bar] = field(default_factory=list)

    @property
    def waiting_for_me(self) -> int:
        return self.completed - self.reviewed_by_me

    @property
    def reviewed_percent(self) -> int:
        return round(100 * self.reviewed_by_me / self.completed) if self.completed else 0

    @property
    def decided_percent(self) -> int:
        return round(100 * self.decided / self.completed) if self.completed else 0


def median_score(posting, scored: int) -> float | None:
    """The middle score of the posting's `scored` scored candidates (the mean of the middle two for
    an even count), picked by the database walking the list's score index: one query."""
    if not scored:
        return None
    middle = list(
        _counted(posting)
        .filter(score__isnull=False)
        .order_by("score")
        .values_list("score", flat=True)[(scored - 1) // 2 : scored // 2 + 1]
    )
    return sum(middle) / len(middle) if middle else None


def summary(posting, user, *, reviewer: bool = True) -> Summary:
    """The strip above the table, cached under the team's stamp (which every mirror and review
    write changes): its GROUP BY and median read every candidate of the posting, which at
    100,000 candidates was most of the page (docs/performance.md, "100,000 candidates")."""
    key = f"posting-summary:{posting.team_id}:{team_stamp(posting.team_id)}:{posting.pk}:"
    key += str(user.pk) if reviewer else "team"
    found = cache.get(key)
    if found is None:
        found = _summary(posting, user, reviewer=reviewer)
        cache.set(key, found, SUMMARY_TTL)
    return found


def _summary(posting, user, *, reviewer: bool) -> Summary:
    """The strip above the table in two queries: one GROUP BY for the pipeline, the histogram and
    this person's review (a reviewer) or the team's decisions (anyone else), then the median.
    Correlated EXISTS for the reviews: measured cheaper on SQLite than "id IN (subquery)"
    (bench/pages.py; figures in docs/performance.md)."""
    tally = _tally(posting, user if reviewer else None, decided=not reviewer)
    histogram = _histogram(tally)
    by_status: dict[str, int] = {}
    for row in tally:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
    total = sum(by_status.values())
    known = list(labels.STATUS_LABELS)
    stages = [Stage(status, labels.status_label(status), by_status.get(status, 0)) for status in known]
    other = total - sum(stage.count for stage in stages)
    if other:
        stages.append(Stage("other", "Other", other))
    start = 0.0
    for stage in stages:
        stage.width = round(100 * stage.count / total, 2) if total else 0
        stage.x = round(start, 2)
        start += stage.width
    strong = sum(segment.count for bar in histogram for segment in bar.segments if segment.band == "strong")
    scored = sum(bar.count for bar in histogram)
    return Summary(
        total=total,
        stages=[stage for stage in stages if stage.count],
        scored=scored,
        strong=strong,
        completed=by_status.get("completed", 0),
        reviewed_by_me=sum(row.get("reviewed", 0) for row in tally),
        decided=sum(row.get("decided", 0) for row in tally),
        median=median_score(posting, scored),
        histogram=histogram,
    )
