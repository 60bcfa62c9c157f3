"""Figures for the posting page: the pipeline funnel and the score distribution, one query each."""

from dataclasses import dataclass

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Floor, Least

from dashboard.review.models import candidate_rows

BINS = 10  # score buckets of 10 points on HeyMilo's 0-100 scale
CHART_HEIGHT = 120  # SVG units


@dataclass
class Bar:
    label: str
    count: int
    percent: int  # of the largest bar, for drawing
    x: int = 0
    height: int = 0
    y: int = 0


def _counted(posting):
    """The posting's candidates as the table lists them, filtered by team first: the list indexes
    lead with (team, posting, missing), so the counts below read an index alone. Through the
    posting's own index each of 10,000 rows was read from the table, 15 ms per chart on SQLite."""
    return candidate_rows(posting.team_id, posting)


def funnel(posting, steps) -> list[Bar]:
    """Candidates who completed at least the first k workflow steps, for k = 1..n.

    Steps complete in order, so "completed k steps" is "reached step k"; one aggregate query."""
    interviews = _counted(posting)
    labels = [(step.type or "step").replace("_", " ") for step in steps] or []
    counts = interviews.aggregate(
        total=Count("id"),
        **{f"s{k}": Count("id", filter=Q(steps_complete__gte=k)) for k in range(1, len(labels) + 1)},
    )
    bars = [Bar("Candidates", counts["total"], 100)]
    bars += [Bar(f"{label.capitalize()} done", counts[f"s{k}"], 0)
             for k, label in enumerate(labels, start=1)]
    top = max(bars[0].count, 1)
    for bar in bars:
        bar.percent = round(100 * bar.count / top)
    return bars


def score_histogram(posting) -> list[Bar]:
    """Candidates per 10 points of score, 100 (and above) in the top bucket: one GROUP BY, which
    cost half as much as ten filtered counts over the same rows."""
    ranges = [(i * 10, i * 10 + 10) for i in range(BINS)]
    bucket = Least(Floor(F("score") / 10), Value(BINS - 1.0))
    counts = {int(row["bucket"]): row["n"] for row in _counted(posting).filter(score__isnull=False)
              .annotate(bucket=bucket).values("bucket").annotate(n=Count("id")).order_by()}
    bars = [Bar(f"{low}–{high}", counts.get(index, 0), 0) for index, (low, high) in enumerate(ranges)]
    top = max((bar.count for bar in bars), default=0) or 1
    width = 30
    for index, bar in enumerate(bars):
        bar.percent = round(100 * bar.count / top)
        bar.height = round(CHART_HEIGHT * bar.count / top)
        bar.x = index * (width + 6)
        bar.y = CHART_HEIGHT - bar.height
    return bars
