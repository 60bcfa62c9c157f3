"""The scorecard pages: a reviewer's scorecard on the profile (a region of it), the team's templates
(admins), a posting's choice of template (admins) and the calibration page (reviewers and admins)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts.access import admin_required, member_required, reviewer_required
from dashboard.accounts.http import TeamRequest
from dashboard.analytics.charts import BAR_WIDTH, HBar
from dashboard.core.csv_cells import csv_download
from dashboard.mirror.models import Interview, Posting
from dashboard.scorecards import selectors, services
from dashboard.scorecards.forms import CalibrationFilter, PostingTemplateForm, TemplateForm, scorecard_data
from dashboard.scorecards.models import Rating, Recommendation, ScorecardTemplate

REGION = "scorecard-panel"


# --- the profile's scorecard region -------------------------------------------------------------------


def _template_for(request: TeamRequest, interview, cards, *, create: bool = False):
    """The template of my scorecard, else the one the candidate's posting uses. A GET writes
    nothing: before anyone starts a scorecard for the posting there is none (create: seed it)."""
    mine = next((c for c in cards if c.user_id == request.user.pk), None)
    if mine is not None:
        return mine.template
    if interview.posting_id:
        if create:
            return services.template_for_posting(request.team, posting=interview.posting, user=request.user)
        return selectors.posting_template(interview.posting)
    if create:
        return services.template_for_team(request.team, user=request.user)
    return ScorecardTemplate.objects.for_team(request.team).order_by("id").first()


def panel_context(request: TeamRequest, interview, *, create: bool = False, **extra) -> dict:
    """What templates/scorecards/_panel.html needs (the profile includes it through the tag)."""
    cards = selectors.visible_cards(request.team, user=request.user, interview=interview)
    template = _template_for(request, interview, cards, create=create)
    panel = selectors.panel(
        request.team,
        user=request.user,
        interview=interview,
        template=template,
        cards=cards,
        can_review=request.membership.can_review,
    )
    if extra.get("posted") is not None:
        selectors.keep_posted(panel, extra["posted"])
    return {
        "interview": interview,
        "panel": panel,
        "ratings": Rating.choices,
        "recommendations": Recommendation.choices,
        "membership": request.membership,
        "can_score": request.membership.can_review,
        **extra,
    }


@member_required
@vary_on_headers("HX-Request")
def scorecard(request: TeamRequest, remote_id: str):
    """GET: the region (htmx) or the profile at it. POST (reviewers): save a draft, submit, amend."""
    interview = get_object_or_404(
        Interview.objects.for_team(request.team).select_related("posting"), remote_id=remote_id
    )
    profile = reverse("interview", args=[interview.remote_id]) + f"#{REGION}"
    if request.method != "POST":
        if not request.htmx:
            return redirect(profile)
        return render(request, "scorecards/_panel.html", panel_context(request, interview))
    if not request.membership.can_review:
        return render(
            request,
            "scorecards/_panel.html",
            panel_context(request, interview, error="Your role in this team does not allow scoring."),
            status=403,
        )
    if request.POST.get("action") == "start":  # the posting's first scorecard: its template now
        context = panel_context(request, interview, create=True)
        if request.htmx:
            return render(request, "scorecards/_panel.html", context)
        return redirect(profile)
    cards = selectors.visible_cards(request.team, user=request.user, interview=interview)
    template = _template_for(request, interview, cards, create=True)
    criteria = list(template.criteria.filter(archived_at__isnull=True))
    sections = list(template.sections.filter(archived_at__isnull=True))
    try:
        data = scorecard_data(request.POST, criteria=criteria, sections=sections)
        card = services.scorecard_save(request.team, user=request.user, interview=interview, **data)
    except services.ScorecardError as error:
        context = panel_context(request, interview, error=str(error), posted=request.POST)
        if request.htmx:
            return render(request, "scorecards/_panel.html", context, status=422)
        messages.error(request, str(error))
        return redirect(profile)
    done = (
        "Amendment saved."
        if card.revisions.count() > 1
        else "Scorecard submitted: the team's scorecards are shown below."
        if card.submitted
        else "Draft saved: only you can see it."
    )
    if request.htmx:
        return render(request, "scorecards/_panel.html", panel_context(request, interview, done=done))
    messages.success(request, done)
    return redirect(profile)


# --- templates (admins) ------------------------------------------------------------------------------


@admin_required
def templates(request: TeamRequest):
    rows = ScorecardTemplate.objects.for_team(request.team).prefetch_related("postings__posting")
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.template_create(
                request.team,
                user=request.user,
                name=form.cleaned_data["name"],
                outline=form.cleaned_data["outline"],
            )
        except services.ScorecardError as error:
            form.add_error("outline", str(error))
        else:
            messages.success(request, f"Template “{created.name}” created.")
            return redirect("scorecard_templates")
    return render(
        request,
        "scorecards/templates.html",
        {"rows": rows, "form": form, "nav": "settings", "help": form.fields["outline"].help_text},
    )


@admin_required
def template_edit(request: TeamRequest, template_id: int):
    template = get_object_or_404(ScorecardTemplate.objects.for_team(request.team), pk=template_id)
    form = TemplateForm(
        request.POST or None, initial={"name": template.name, "outline": services.outline_of(template)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.template_update(
                request.team,
                user=request.user,
                template=template,
                name=form.cleaned_data["name"],
                outline=form.cleaned_data["outline"],
            )
        except services.ScorecardError as error:
            form.add_error("outline", str(error))
        else:
            messages.success(request, "Template saved. Criteria you took out stay on submitted scorecards.")
            return redirect("scorecard_template", template.pk)
    return render(
        request,
        "scorecards/template.html",
        {
            "template": template,
            "form": form,
            "nav": "settings",
            "postings": template.postings.select_related("posting"),
        },
    )


@admin_required
@require_POST
def posting_scorecard(request: TeamRequest, remote_id: str):
    """A posting's choice of template (the Manage tab's panel)."""
    posting = get_object_or_404(Posting.objects.for_team(request.team), remote_id=remote_id)
    form = PostingTemplateForm(request.POST, team=request.team)
    if form.is_valid():
        services.posting_template_set(
            request.team, user=request.user, posting=posting, template=form.cleaned_data["template"]
        )
        messages.success(request, f"Reviewers of this posting now fill in “{form.cleaned_data['template']}”.")
    else:
        messages.error(request, "Choose one of the team's templates.")
    return redirect("posting_manage", posting.remote_id)


# --- calibration -----------------------------------------------------------------------------------------


def _scope(request: TeamRequest) -> tuple[CalibrationFilter, Posting | None]:
    postings = list(Posting.objects.for_team(request.team).only("remote_id", "title").order_by("title", "id"))
    form = CalibrationFilter(request.GET or None, postings=postings)
    posting = None
    if form.is_valid() and form.cleaned_data.get("posting"):
        posting = next(p for p in postings if p.remote_id == form.cleaned_data["posting"])
    return form, posting


def rate_bars(figures: selectors.Figures) -> list[HBar]:
    """The two rates as bars on 0-100 (a rate below the minimum sample draws no bar)."""
    bars = []
    for key, label, rate in (
        ("rejected", "AI scored high, people rejected", figures.total.high_rejected),
        ("advanced", "AI scored low, people advanced", figures.total.low_advanced),
    ):
        percent = rate.percent
        parts = [(key, 0.0, round(percent, 2), rate.part)] if percent else []
        text = f"{percent:.0f}% of {rate.whole}" if percent is not None else f"Too few ({rate.whole})"
        bars.append(HBar(label, parts, rate.whole, text))
    return bars


def rho_bars(figures: selectors.Figures) -> list[HBar]:
    """Each criterion's rank correlation drawn from the middle: right for agreement, left against."""
    bars = []
    for c in figures.criteria:
        if c.rho is None:
            continue
        half = BAR_WIDTH / 2
        width = round(abs(c.rho) * half, 2)
        part = ("agree", half, width, 0) if c.rho >= 0 else ("disagree", round(half - width, 2), width, 0)
        bars.append(HBar(c.name, [part], c.n, f"{c.rho:+.2f} (n={c.n})"))
    return bars


def gap_bars(figures: selectors.Figures) -> list[HBar]:
    return [
        HBar(
            c.name,
            [("gap", 0.0, round(min(c.gap, 100.0), 2), 0)],
            c.n,
            f"{c.gap:.0f} points, people {'higher' if c.lean >= 0 else 'lower'}",
        )
        for c in figures.widest
    ]


@reviewer_required
@vary_on_headers("HX-Request")
def calibration(request: TeamRequest):
    form, posting = _scope(request)
    # The last figures, even stale: a change queues one recompute in a worker and the page says
    # they are updating. Computed here only when this posting has none at all yet (its first view
    # ever, or evicted): there is nothing else to show.
    cached = selectors.cached_figures(request.team, posting)
    if cached is None:
        figures = selectors.store_figures(request.team, posting)
    else:
        figures = cached.figures
        if not cached.current:
            services.calibration_recompute_enqueue(request.team, posting=posting)
    updating = cached is not None and not cached.current
    # The updating region polls itself: the same view, drawing only the figures.
    page = "scorecards/calibration.html#figures" if request.htmx else "scorecards/calibration.html"
    return render(
        request,
        page,
        {
            "nav": "analytics",
            "filter": form,
            "posting": posting,
            "query": f"posting={posting.remote_id}" if posting else "",
            "updating": updating,
            "computed_at": cached.computed_at if cached is not None else None,
            "figures": figures,
            "rate_bars": rate_bars(figures),
            "rho_bars": rho_bars(figures),
            "gap_bars": gap_bars(figures),
            "high": selectors.HIGH,
            "low": selectors.LOW,
        },
    )


def _percent(rate: selectors.Rate) -> str:
    return "" if rate.percent is None else f"{rate.percent:.1f}"


def _rows(figure: str, figures: selectors.Figures) -> list[list]:
    if figure == "outcomes":
        header = [
            "Posting",
            "HeyMilo posting id",
            f"AI {selectors.HIGH}+ acted on",
            "Of them rejected",
            "Rejected (%)",
            f"AI below {selectors.LOW} acted on",
            "Of them advanced",
            "Advanced (%)",
        ]
        return [header] + [
            [
                o.title,
                o.remote_id,
                o.high_rejected.whole,
                o.high_rejected.part,
                _percent(o.high_rejected),
                o.low_advanced.whole,
                o.low_advanced.part,
                _percent(o.low_advanced),
            ]
            for o in figures.outcomes
        ]
    if figure == "criteria":
        header = [
            "Criterion",
            "Template",
            "Candidates",
            "Rank correlation",
            "Mean gap (points of 100)",
            "People minus AI",
        ]
        return [header] + [
            [
                c.name,
                c.template,
                c.n,
                "" if c.rho is None else f"{c.rho:.3f}",
                f"{c.gap:.1f}",
                f"{c.lean:.1f}",
            ]
            for c in figures.criteria
        ]
    if figure == "disputed":
        header = [
            "Candidate",
            "HeyMilo interview id",
            "AI score (/100)",
            "Mean gap (points of 100)",
            "Criteria",
            "Scorecards",
        ]
        return [header] + [
            [
                d.name,
                d.remote_id,
                "" if d.score is None else f"{d.score:.0f}",
                f"{d.gap:.1f}",
                d.criteria,
                d.reviewers,
            ]
            for d in figures.disputed
        ]
    raise Http404("No such figure.")


@reviewer_required
def calibration_csv(request: TeamRequest, figure: str):
    if figure not in ("outcomes", "criteria", "disputed"):
        raise Http404("No such figure.")
    form, posting = _scope(request)
    if form.errors.get("posting"):
        raise Http404("No such posting.")
    part = f"-{slugify(posting.remote_id)}" if posting is not None else ""
    rows = _rows(figure, selectors.figures(request.team, posting))
    return csv_download(rows, filename=f"calibration-{figure}{part}.csv")
