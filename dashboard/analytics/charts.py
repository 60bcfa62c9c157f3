"""Geometry for the analytics page's server-drawn SVG charts: coordinates in attributes, colours
from classes in static/css/analytics.css (the CSP allows no style attribute)."""

import math
from dataclasses import dataclass, field
from datetime import timedelta

from dashboard.analytics.selectors import OUTCOMES, Completion, ReviewTime, Source, Week, Workload

WIDTH = 1000  # SVG units: about one to a pixel in a wide card, so the labels read at their size
PHONE_WIDTH = 360  # the same chart drawn for a phone's card, shown instead of it there
HEIGHT = 220
LEFT = 40  # room for the y axis labels
BOTTOM = 24  # room for the x axis labels
BAR_WIDTH = 100  # horizontal bars are drawn on 0-100, stretched to the card


@dataclass
class Series:
    key: str
    label: str
    points: str  # a polyline's "x,y x,y ..."
    total: int


@dataclass
class LineChart:
    series: list[Series]
    top: int  # the y axis's highest value
    ticks: list[tuple[float, str]]  # x position, label (a week's Monday)
    grid: list[tuple[float, int]] = field(default_factory=list)  # y position, value
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    base: int = HEIGHT - BOTTOM


def _nice_top(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above the value (at least 1)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= factor * step:
                return factor * step
        step *= 10


def weekly_chart(weeks: list[Week], width: int = WIDTH) -> LineChart:
    top = _nice_top(max((max(w.ingested, w.started, w.completed) for w in weeks), default=0))
    base = HEIGHT - BOTTOM
    span = width - LEFT - 8
    step = span / max(len(weeks) - 1, 1)

    def xy(index: int, value: int) -> str:
        return f"{LEFT + index * step:.1f},{base - (base - 8) * value / top:.1f}"

    series = [
        Series(
            key,
            label,
            " ".join(xy(i, getattr(w, key)) for i, w in enumerate(weeks)),
            sum(getattr(w, key) for w in weeks),
        )
        for key, label in (
            ("ingested", "Candidates added"),
            ("started", "Interviews started"),
            ("completed", "Completed"),
        )
    ]
    every = max(1, math.ceil(len(weeks) / (6 if width >= WIDTH else 3)))
    ticks = [(LEFT + i * step, f"{w.start:%b} {w.start.day}") for i, w in enumerate(weeks) if i % every == 0]
    grid = [(base - (base - 8) * part / 2, top * part // 2) for part in (1, 2)]
    return LineChart(series, top, ticks, grid, width=width)


@dataclass
class HBar:
    """A horizontal bar on a 0-100 scale: one or more parts, each with its class."""

    label: str
    parts: list[tuple[str, float, float, int]]  # class, x, width, count
    total: int
    text: str = ""  # shown instead of the total (a duration)


def _stack(label: str, values: list[tuple[str, int]], top: int) -> HBar:
    x, parts = 0.0, []
    for key, count in values:
        width = round(BAR_WIDTH * count / top, 2) if top else 0.0
        if count:
            parts.append((key, round(x, 2), width, count))
        x += width
    return HBar(label, parts, sum(count for _, count in values))


def workload_bars(people: list[Workload]) -> list[HBar]:
    top = max((person.total for person in people), default=0)
    return [_stack(p.name, [("decisions", p.decisions), ("ratings", p.ratings)], top) for p in people]


def source_bars(rows: list[Source]) -> list[HBar]:
    """Each source's candidates by the team's current decision, as shares of that source."""
    bars = []
    for row in rows:
        values = [(value, getattr(row, value)) for value in OUTCOMES] + [("undecided", row.undecided)]
        bars.append(_stack(row.name, values, row.candidates))
    return bars


def completion_bar(figure: Completion) -> HBar:
    return _stack("Completed", [("completed", figure.completed)], figure.started)


def duration_words(value: timedelta | None) -> str:
    """ "45 minutes", "5.5 hours", "3.2 days": a unit a recruiter reads at a glance."""
    if value is None:
        return ""
    minutes = value.total_seconds() / 60
    if minutes < 90:
        return f"{max(0, round(minutes))} minute{'s' if round(minutes) != 1 else ''}"
    hours = minutes / 60
    if hours < 48:
        return f"{hours:.1f} hours"
    return f"{hours / 24:.1f} days"


def hours(value: timedelta | None) -> str:
    """For the CSV: hours with one decimal."""
    return "" if value is None else f"{value.total_seconds() / 3600:.1f}"


def review_bars(figure: ReviewTime) -> list[HBar]:
    top = max(figure.p90 or timedelta(), figure.median or timedelta()).total_seconds()
    bars = []
    for key, label, value in (("median", "Median", figure.median), ("p90", "90th percentile", figure.p90)):
        seconds = value.total_seconds() if value is not None else 0
        width = round(BAR_WIDTH * seconds / top, 2) if top else 0.0
        bars.append(HBar(label, [(key, 0.0, width, 0)] if seconds else [], 0, duration_words(value) or "–"))
    return bars
