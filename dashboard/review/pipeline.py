"""Pipeline pages: a posting's board (a column per stage, moves by button, keyboard and drag) and
the admins' pipeline settings (stages, reject reasons, a posting's hidden stages)."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from dashboard.accounts.access import admin_required, member_required, reviewer_required
from dashboard.accounts.http import TeamRequest
from dashboard.core.params import whole_number
from dashboard.mirror.models import Interview, Posting
from dashboard.review import selectors, stages, views
from dashboard.review.models import RejectReason, Stage
from dashboard.review.views import _url_maker as url_maker  # the tables' quick profile URLs

# Client event after a move: anything else on the page showing the candidate reloads itself.
REVIEW_CHANGED = "review-changed"


def _posting(request: TeamRequest, remote_id: str) -> Posting:
    return get_object_or_404(Posting.objects.for_team(request.team), remote_id=remote_id)


def _shown(request: TeamRequest) -> dict[int, int]:
    """Which column asked for more cards (?stage=<id>&shown=<n>)."""
    try:
        return {int(request.GET["stage"]): int(request.GET["shown"])}
    except (KeyError, ValueError):
        return {}


def _board_context(request: TeamRequest, posting: Posting, **extra) -> dict:
    columns = selectors.board(request.team, request.user, posting, shown=_shown(request))
    now = timezone.now()
    # ← and → step between the open stages shown; closed ones are reached through "Move…".
    opens = [c["stage"] for c in columns if not c["stage"].closed]
    # Worked out here once, not per card in the template: a board shows some seventy cards.
    profile = url_maker("interview")
    move = request.GET.get("move", "")
    move_card = None
    for column in columns:
        stage = column["stage"]
        at = opens.index(stage) if stage in opens else None
        column["prev"] = opens[at - 1] if at else None
        column["next"] = opens[at + 1] if at is not None and at + 1 < len(opens) else None
        for card in column["cards"]:
            days = (now - card["since"]).days if card["since"] else None
            card["in_stage"] = "—" if days is None else ("today" if days == 0 else f"{days} d")
            card["href"] = profile(card["remote_id"])
            card["label"] = card["name"] or card["email"] or "Unnamed candidate"
            card["move_query"] = quote(card["remote_id"])
            if card["remote_id"] == move:
                move_card = {"remote_id": move, "name": card["label"], "stage": stage.pk}
    context = {
        "posting": posting,
        "columns": columns,
        "move_url": reverse("board_move", args=[posting.remote_id]),
        "board_url": reverse("board", args=[posting.remote_id]),
        "move_card": move_card,
        "closed_names": ", ".join(c["stage"].name for c in columns if c["stage"].closed),
        "reasons": list(selectors.reason_rows(request.team)),
        "tab": "board",
        "total_candidates": sum(c["count"] for c in columns),
        "step": selectors.BOARD_CARDS,
        **extra,
    }
    if request.membership.is_admin:
        context["all_stages"] = list(selectors.stage_rows(request.team))
        context["hidden_ids"] = selectors.hidden_stage_ids(posting)
    return context


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def board(request: TeamRequest, remote_id: str):
    posting = _posting(request, remote_id)
    context = _board_context(request, posting)
    target = request.htmx.target if request.htmx else None
    if target and target.startswith("column-"):
        wanted = target.removeprefix("column-")
        column = next((c for c in context["columns"] if str(c["stage"].pk) == wanted), None)
        if column is not None:
            return render(request, "review/board.html#column", {**context, "column": column})
    if target == "board":
        return render(request, "review/board.html#board", context)
    return render(request, "review/board.html", context)


def _reason(request: TeamRequest) -> RejectReason | None:
    chosen = whole_number(request.POST.get("reason"))
    if chosen is None:
        return None
    return get_object_or_404(RejectReason.objects.for_team(request.team), pk=chosen)


@reviewer_required
@require_POST
def board_move(request: TeamRequest, remote_id: str):
    """Moves one card: a card's ← or → sends `move` ("interview:stage"); the Move… dialog sends
    `interview`, `to`, a reason and a note; `advance` moves to the next stage. A closed stage needs
    a reason; without one the board comes back saying so, the card where it was."""
    posting = _posting(request, remote_id)
    card, _, card_stage = request.POST.get("move", "").rpartition(":")
    ours = Interview.objects.for_team(request.team).filter(posting=posting)
    interview = get_object_or_404(ours, remote_id=request.POST.get("interview") or card)
    error, moved = "", None
    try:
        if request.POST.get("advance"):
            moved = stages.stage_advance(request.team, user=request.user, interview=interview)
        else:
            value = card_stage or request.POST.get("stage") or request.POST.get("to", "")
            stage = get_object_or_404(Stage.objects.for_team(request.team), pk=whole_number(value) or 0)
            moved = stages.stage_move(
                request.team,
                user=request.user,
                interview=interview,
                stage=stage,
                reason=_reason(request),
                note=request.POST.get("note", "")[:2000],
            )
    except stages.StageError as problem:
        error = str(problem)
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif moved is not None:
            messages.success(request, f"{interview.name or 'The candidate'} moved to {moved.to_stage}.")
        return redirect("board", posting.remote_id)
    notice = error or (f"{interview.name or 'The candidate'} moved to {moved.to_stage}." if moved else "")
    response = render(
        request,
        "review/board.html#board",
        _board_context(request, posting, notice=notice, notice_error=bool(error), focus=interview.remote_id),
        status=200,
    )
    return trigger_client_event(response, REVIEW_CHANGED) if moved else response


@admin_required
@require_POST
def board_stages(request: TeamRequest, remote_id: str):
    """The stages this posting hides (the board's "Stages shown" form sends the shown ones)."""
    posting = _posting(request, remote_id)
    shown = {n for n in map(whole_number, request.POST.getlist("shown")) if n is not None}
    every = list(selectors.stage_rows(request.team))
    try:
        stages.posting_stages_hide(
            request.team, user=request.user, posting=posting, hidden=[s for s in every if s.pk not in shown]
        )
        messages.success(request, "Stages shown on this posting saved.")
    except stages.StageError as problem:
        messages.error(request, str(problem))
    return redirect("board", posting.remote_id)


# ---------------------------------------------------------------------------------------------
# Pipeline settings (admins)

ACTIONS = {"create", "rename", "up", "down", "archive", "restore"}


def _settings_context(request: TeamRequest, **extra) -> dict:
    return {
        "stages": list(selectors.stage_rows(request.team, archived=True)),
        "reasons": list(selectors.reason_rows(request.team, archived=True)),
        "kinds": Stage.Kind.choices,
        "nav": "review",
        **extra,
    }


def _apply(request: TeamRequest, what: str, action: str) -> str:
    """Runs one settings action; returns what to tell the person."""
    team, user, name = request.team, request.user, request.POST.get("name", "")[:80]
    if action == "create":
        if what == "stage":
            kind = request.POST.get("kind", Stage.Kind.OPEN)
            stage = stages.stage_create(
                team, user=user, name=name, kind=kind if kind in Stage.Kind.values else Stage.Kind.OPEN
            )
            return f"Stage “{stage.name}” added."
        reason = stages.reject_reason_create(team, user=user, name=name)
        return f"Reason “{reason.name}” added."
    model = Stage if what == "stage" else RejectReason
    item = get_object_or_404(model.objects.for_team(team), pk=whole_number(request.POST.get("id")) or 0)
    rename, reorder, archive = (
        (stages.stage_rename, stages.stage_reorder, stages.stage_archive)
        if what == "stage"
        else (stages.reject_reason_rename, stages.reject_reason_reorder, stages.reject_reason_archive)
    )
    if action == "rename":
        old = item.name
        rename(item, user=user, name=name)
        return f"“{old}” is now “{item.name}”."
    if action in {"up", "down"}:
        reorder(item, user=user, up=action == "up")
        return f"“{item.name}” moved {action}."
    archive(item, user=user, archived=action == "archive")
    return f"“{item.name}” {'archived' if action == 'archive' else 'restored'}."


@admin_required
@require_http_methods(["GET", "POST"])
def pipeline_settings(request: TeamRequest):
    """Stages and reject reasons: add, rename, reorder (up/down buttons, which the keyboard reaches),
    archive and restore. Every change is one POST; htmx swaps the page's lists in place."""
    status, notice, error = 200, "", False
    if request.method == "POST":
        what = request.POST.get("what", "")
        action = request.POST.get("action", "")
        if what not in {"stage", "reason"} or action not in ACTIONS:
            notice, error, status = "That change is not one this page makes.", True, 400
        else:
            try:
                notice = _apply(request, what, action)
            except stages.StageError as problem:
                notice, error, status = str(problem), True, 400
        if not request.htmx:
            (messages.error if error else messages.success)(request, notice)
            return redirect("pipeline_settings")
    context = _settings_context(request, notice=notice, notice_error=error)
    if request.htmx and request.htmx.target == "pipeline":
        # An htmx error answers 200 so htmx swaps the message in (it ignores 4xx bodies).
        return render(request, "review/pipeline_settings.html#lists", context)
    return render(request, "review/pipeline_settings.html", context, status=status)


class StageMoveForm(forms.Form):
    """The profile's "Move to…": a stage, a reason (closed stages) and a note."""

    to = forms.IntegerField()
    reason = forms.IntegerField(required=False)
    note = forms.CharField(required=False, max_length=2000)


@reviewer_required
@require_POST
def interview_stage(request: TeamRequest, remote_id: str):
    """Moves the candidate from their profile to any stage the team has (a closed one with a
    reason), as the board's Move… does; the header comes back with the outcome, or the sentence
    saying what is missing."""
    row = views._get_interview(request, remote_id)
    form = StageMoveForm(request.POST)
    done = ""
    if form.is_valid():
        stage = get_object_or_404(Stage.objects.for_team(request.team), pk=form.cleaned_data["to"])
        reason = None
        if form.cleaned_data["reason"]:
            reason = get_object_or_404(
                RejectReason.objects.for_team(request.team), pk=form.cleaned_data["reason"]
            )
        try:
            moved = stages.stage_move(
                request.team,
                user=request.user,
                interview=row,
                stage=stage,
                reason=reason,
                note=form.cleaned_data["note"],
            )
        except stages.StageError as problem:
            form.add_error(None, str(problem))
        else:
            done = f"Moved to {stage.name}." if moved is not None else f"Already in {stage.name}."
    return views._after_review(request, row, done, "stage_form", form)
