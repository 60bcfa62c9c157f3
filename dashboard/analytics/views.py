"""The team analytics page and a CSV of each of its figures, for reviewers and admins.

Viewers are refused (403): the page's workload figure is each colleague's review count, a
management figure for the people who share the reviewing, and a viewer's own questions ("how far
along is this posting?") are answered on the posting page's summary strip, which they see."""

from datetime import date
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify

from dashboard.accounts.access import reviewer_required
from dashboard.accounts.http import TeamRequest
from dashboard.analytics import charts, selectors, services
from dashboard.analytics.forms import AnalyticsFilter
from dashboard.core import scores
from dashboard.core.csv_cells import csv_download
from dashboard.mirror.models import Posting


def _filter(request: TeamRequest) -> tuple[AnalyticsFilter, selectors.Scope]:
    postings = list(Posting.objects.for_team(request.team).only("remote_id", "title").order_by("title", "id"))
    # Always bound, the default range filled in where none was given, so the date boxes show
    # the range the figures are for.
    data = request.GET.copy()
    default_start, default_end = AnalyticsFilter.default_range(timezone.localdate())
    for key, value in (("start", default_start), ("end", default_end)):
        if not data.get(key):
            data[key] = value.isoformat()
    form = AnalyticsFilter(data, request.team, postings)
    return form, form.scope()


def _query(scope: selectors.Scope) -> str:
    params = {"start": scope.start.isoformat(), "end": scope.end.isoformat()}
    if scope.posting is not None:
        params["posting"] = scope.posting.remote_id
    return urlencode(params)


# Each figure's card: its CSV name, title, chart template and whether it spans the page.
CARDS = [
    ("weekly", "Candidates and interviews per week", "analytics/_chart_weekly.html", True),
    ("completion", "Completion rate", "analytics/_chart_completion.html", False),
    ("review-time", "Time to first review", "analytics/_chart_review_time.html", False),
    ("scores", "Score distribution by posting", "analytics/_chart_scores.html", True),
    ("workload", "Reviewer workload", "analytics/_chart_workload.html", False),
    ("sources", "Outcome by source", "analytics/_chart_sources.html", False),
]


def _page_figures(scope: selectors.Scope) -> tuple[dict, selectors.CachedFigures | None]:
    """The figures to draw now: the cached ones, even stale (a recompute is then queued, once, and
    the page says they are updating); computed here only when this filter has none at all yet
    (its first view ever, or evicted), since there is nothing else to show."""
    cached = selectors.cached_figures(scope)
    if cached is None:
        return selectors.store_figures(scope), None
    if not cached.current:
        services.figures_recompute_enqueue(scope=scope)
    return cached.figures, cached


@reviewer_required
def analytics(request: TeamRequest):
    form, scope = _filter(request)
    figures, cached = _page_figures(scope)
    weeks, completion, review_time = figures["weeks"], figures["completion"], figures["review_time"]
    people, by_source = figures["workload"], figures["sources"]
    context = {
        "nav": "analytics",
        "cards": CARDS,
        "filter": form,
        "scope": scope,
        "query": _query(scope),
        "updating": cached is not None and not cached.current,
        "computed_at": cached.computed_at if cached is not None else None,
        "weeks": weeks,
        "weekly": charts.weekly_chart(weeks),
        "weekly_phone": charts.weekly_chart(weeks, charts.PHONE_WIDTH),
        "completion": completion,
        "completion_bar_list": [charts.completion_bar(completion)],
        "bands": [(name, scores.BAND_WORDS[name]) for _, name in reversed(scores.BANDS)],
        "scores": figures["scores"],
        "review_time": review_time,
        "review_median": charts.duration_words(review_time.median),
        "review_p90": charts.duration_words(review_time.p90),
        "review_bars": charts.review_bars(review_time),
        "workload": people,
        "workload_bars": charts.workload_bars(people),
        "sources": by_source,
        "source_bars": charts.source_bars(by_source),
    }
    # The updating region polls itself: the same view, drawing only the figures.
    template = "analytics/analytics.html#figures" if request.htmx else "analytics/analytics.html"
    return render(request, template, context)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _rows(figure: str, scope: selectors.Scope) -> list[list]:
    """The figure as a table: a header row, then a row per week, posting, person or source.

    From the page's cached figures when they are current; otherwise this one figure is computed
    here (one or two queries, a sixth of the page's work), not the stale ones: a file carries no
    "as of" line, and it is asked for to be used elsewhere, so it must be the data as it is now."""
    cached = selectors.cached_figures(scope)
    found = cached.figures if cached is not None and cached.current else None

    def get(name, compute):
        return found[name] if found is not None else compute(scope)

    if figure == "weekly":
        weeks = get("weeks", lambda s: selectors.weekly(s)[0])
        return [["Week of", "Candidates added", "Interviews started", "Interviews completed"]] + [
            [w.start, w.ingested, w.started, w.completed] for w in weeks
        ]
    if figure == "completion":
        c = get("completion", lambda s: selectors.weekly(s)[1])
        return [
            ["Interviews started", "Completed", "Completion rate (%)"],
            [c.started, c.completed, _percent(c.percent)],
        ]
    if figure == "scores":
        figures = get("scores", selectors.scores_by_posting)
        labels = [bar.label for bar in figures[0].bars] if figures else []
        header = ["Posting", "HeyMilo posting id", "Scored", *[f"Score {label} (/100)" for label in labels]]
        return [header] + [[f.title, f.remote_id, f.scored, *[bar.count for bar in f.bars]] for f in figures]
    if figure == "review-time":
        r = get("review_time", selectors.review_time)
        return [
            [
                "Completed interviews",
                "Reviewed",
                "Waiting for a first review",
                "Median (hours)",
                "90th percentile (hours)",
            ],
            [r.completed, r.reviewed, r.waiting, charts.hours(r.median), charts.hours(r.p90)],
        ]
    if figure == "workload":
        return [["Reviewer", "Decisions", "Ratings"]] + [
            [p.name, p.decisions, p.ratings] for p in get("workload", selectors.workload)
        ]
    if figure == "sources":
        header = ["Source", "Candidates", "Completed", "Advance", "Hold", "Reject", "No decision"]
        return [header] + [
            [s.name, s.candidates, s.completed, s.advance, s.hold, s.reject, s.undecided]
            for s in get("sources", selectors.sources)
        ]
    raise Http404("No such figure.")


FIGURES = [card[0] for card in CARDS]


@reviewer_required
def analytics_csv(request: TeamRequest, figure: str):
    """One figure as CSV, under the page's filter. Another team's posting is a 404 here: a
    download has nowhere to show the page's message."""
    if figure not in FIGURES:
        raise Http404("No such figure.")
    form, scope = _filter(request)
    if form.errors.get("posting"):
        raise Http404("No such posting.")
    part = slugify(scope.posting.remote_id) + "-" if scope.posting is not None else ""
    name = f"analytics-{figure}-{part}{_day(scope.start)}-{_day(scope.end)}.csv"
    return csv_download(_rows(figure, scope), filename=name)


def _day(day: date) -> str:
    return day.strftime("%Y%m%d")
