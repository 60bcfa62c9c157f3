"""Figures for the posting page: the pipeline funnel and the score distribution, one query each."""

from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Floor, Greatest, Least

from dashboard.core import labels, scores
from dashboard.review.models import candidate_rows

BINS = 10  # score buckets of 10 points on HeyMilo's 0-100 scale
STEP = 5  # counted in 5-point steps: the Good band starts at 65, inside the 60s bar
CHART_HEIGHT = 120  # SVG units


@dataclass
class Segment:
    """Part of a histogram bar in one score band (the 60s bar is Mixed below 65, Good above)."""

    band: str
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


def score_histogram(posting) -> list[Bar]:
    """Candidates per 10 points of score, 100 (and above) in the top bar, each bar in its score
    bands' colours: one GROUP BY, which cost half as much as ten filtered counts over the same rows.

    Scores are counted as the table writes them (rounded half up, scores.score_html), so a 79.6
    written "80/100", Strong, is in the Strong bar; by 5-point steps, so the 60s bar can be drawn
    Mixed up to 64 and Good from 65, as the table colours those scores."""
    steps_per_bin = 10 // STEP
    last = BINS * steps_per_bin - 1.0
    step = Greatest(Least(Floor((F("score") + 0.5) / STEP), Value(last)), Value(0.0))
    counts = {int(row["step"]): row["n"] for row in _counted(posting).filter(score__isnull=False)
              .annotate(step=step).values("step").annotate(n=Count("id")).order_by()}
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
            segment.height = (bar.height - (CHART_HEIGHT - bottom) if number == len(bar.segments)
                              else round(CHART_HEIGHT * segment.count / top))
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
    reviewed_by_me: int
    decided: int

    @property
    def waiting_for_me(self) -> int:
        return self.completed - self.reviewed_by_me

    @property
    def reviewed_percent(self) -> int:
        return round(100 * self.reviewed_by_me / self.completed) if self.completed else 0

    @property
    def decided_percent(self) -> int:
        return round(100 * self.decided / self.completed) if self.completed else 0


def summary(posting, user, histogram: list[Bar]) -> Summary:
    """One aggregate query over the posting's candidates (the histogram is drawn already): counts
    per status, completed, reviewed by this person (decided or rated, as the review queue counts),
    decided by the team."""
    from django.db.models import Exists, OuterRef

    from dashboard.review.models import Decision, Rating

    # Correlated EXISTS: measured cheaper on SQLite than "id IN (subquery)" for the whole posting
    # page (bench/pages.py; figures in docs/performance.md).
    mine = Q(interview=OuterRef("pk"), user=user)
    reviewed = Exists(Decision.objects.filter(mine)) | Exists(Rating.objects.filter(mine))
    decided = Exists(Decision.objects.filter(interview=OuterRef("pk")))
    known = list(labels.STATUS_LABELS)
    counts = _counted(posting).aggregate(
        total=Count("id"),
        reviewed=Count("id", filter=Q(status="completed") & reviewed),
        decided=Count("id", filter=Q(status="completed") & decided),
        **{f"s_{status}": Count("id", filter=Q(status=status)) for status in known},
    )
    stages = [Stage(status, labels.status_label(status), counts[f"s_{status}"]) for status in known]
    other = counts["total"] - sum(stage.count for stage in stages)
    if other:
        stages.append(Stage("other", "Other", other))
    start = 0.0
    for stage in stages:
        stage.width = round(100 * stage.count / counts["total"], 2) if counts["total"] else 0
        stage.x = round(start, 2)
        start += stage.width
    strong = sum(segment.count for bar in histogram for segment in bar.segments if segment.band == "strong")
    return Summary(
        total=counts["total"], stages=[stage for stage in stages if stage.count],
        scored=sum(bar.count for bar in histogram), strong=strong, completed=counts["s_completed"],
        reviewed_by_me=counts["reviewed"], decided=counts["decided"],
    )
