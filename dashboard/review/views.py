"""Review pages: postings, candidate tables, profiles with tabs, decisions, ratings, notes, bulk actions,
CSV, the review queue, the mentions inbox, the audit log and review settings."""

import re
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh, trigger_client_event

from dashboard.accounts.access import admin_required, member_required, reviewer_required
from dashboard.accounts.http import TeamRequest
from dashboard.core.csv_cells import csv_download
from dashboard.core.params import whole_number
from dashboard.mirror import services as mirror_services
from dashboard.mirror.models import Posting, SyncRun
from dashboard.review import charts, compare, exports, profile, selectors, services, stages
from dashboard.review import columns as table_columns
from dashboard.review.forms import (
    DEFAULT_SORT,
    FILTER_KEYS,
    PAGE_SIZE,
    SORTS,
    AuditFilter,
    BulkDecisionForm,
    CandidateFilter,
    DecisionForm,
    NoteForm,
    RatingForm,
    ReviewSettingsForm,
)
from dashboard.review.models import (
    BulkAction,
    BulkDecision,
    Decision,
    RejectReason,
    ReviewSettings,
    Shortlist,
    Stage,
)
from dashboard.review.selectors import candidate_rows, candidates, list_position, with_review
from heymilo.errors import MalformedResponse
from heymilo.models import Posting as APIPosting

# Lines of the transcript shown beside the recording on the profile's first screen.
EXCERPT_LINES = 6
TABS = [
    ("overview", "Overview"),
    ("resume", "Resume"),
    ("interview", "Interview"),
    ("workflow", "Workflow"),
    ("activity", "Activity"),
]
# Rows a candidate table shows at most after "Show N more" (ten pages); then it moves on a page.
SHOWN_MAX = 10 * PAGE_SIZE
# Client event that tells the table and the Activity tab to reload themselves.
REVIEW_CHANGED = "review-changed"
# The start of a document's content hash: the version of it a profile page shows.
SEEN_VERSION = re.compile(r"[0-9a-f]{12}")


def _query(params: QueryDict, **changes) -> str:
    """The query string with some keys replaced (None drops the key), as QueryDict.urlencode()
    would write it: a table builds twenty of these, and copying the QueryDict for each was slow."""
    pairs = [(key, value) for key, values in params.lists() if key not in changes for value in values]
    pairs += [(key, value) for key, value in changes.items() if value is not None]
    return urlencode(pairs)


def _get_posting(request: TeamRequest, remote_id: str):
    return get_object_or_404(Posting.objects.for_team(request.team), remote_id=remote_id)


def _htmx_target(request: TeamRequest) -> str | None:
    return request.htmx.target if request.htmx else None


# ---------------------------------------------------------------------------------------------
# Postings


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def postings(request: TeamRequest):
    # NULs break PostgreSQL text queries; a very long pattern is "too complex" for SQLite LIKE.
    q = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    state = request.GET.get("state", "")
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") not in selectors.POSTING_SORTS:
        sort = ""
    rows = selectors.posting_rows(request.team, q=q, state=state, sort=sort)
    context = {
        "postings": rows,
        "q": q,
        "state": state,
        "sort": sort,
        "nav": "postings",
        "sort_urls": {
            key: "?" + _query(request.GET, sort=key if sort != key else f"-{key}")
            for key in selectors.POSTING_SORTS
        },
    }
    if _htmx_target(request) == "postings-table":
        return render(request, "review/postings.html#table", context)
    return render(request, "review/postings.html", context)


# ---------------------------------------------------------------------------------------------
# Candidate tables


def _show_all_ratings(request: TeamRequest, private: bool | None = None) -> bool:
    """Whether this person sees teammates' ratings on candidates they have not rated themselves
    (`private`: the team's setting, when the caller read it already)."""
    # Kept on the request (one query per request, however many tables ask); not a declared attribute.
    if not hasattr(request, "_show_all_ratings"):
        if private is None:
            private = ReviewSettings.for_team(request.team).ratings_private
        request._show_all_ratings = not request.membership.can_review or not private  # type: ignore[attr-defined]
    return request._show_all_ratings  # type: ignore[attr-defined]


def _team_candidates(request: TeamRequest, posting=None):
    return candidates(request.team, request.user, posting, show_all_ratings=_show_all_ratings(request))


def _listed(request: TeamRequest, form, posting=None, keep=None):
    """The candidates a table's filters and sort select, in order; with those of the review
    columns that they read (CandidateFilter.review_columns)."""
    rows = candidate_rows(request.team, posting)
    columns = form.review_columns
    if columns:
        rows = with_review(rows, request.user, show_all_ratings=_show_all_ratings(request), columns=columns)
    return form.apply(rows, request.user, keep=keep)


def _filter_query(params: QueryDict, keys) -> str:
    """The filter and sort part of a query string, empty values dropped, in a stable order."""
    kept = QueryDict(mutable=True)
    for key in keys:
        values = [v for v in params.getlist(key) if v.strip()]
        if values:
            kept.setlist(key, values)
    return kept.urlencode()


def _remembered_query(params: QueryDict) -> str:
    """What is worth remembering of a table's query: its filters and a sort other than the default."""
    query = QueryDict(_filter_query(params, FILTER_KEYS), mutable=True)
    if query.get("sort") == DEFAULT_SORT:
        del query["sort"]
    return query.urlencode()


def _table_params(request: TeamRequest, posting, params: QueryDict, saved) -> tuple[QueryDict, bool]:
    """The table's query and whether it was restored: a bare URL brings back the person's last
    filters for this table (`saved`, selectors.table_settings'); a URL with filters is remembered
    as the last ones."""
    if not params:
        if saved is not None:
            return QueryDict(saved.query), True
        return params, False
    if any(key in params for key in FILTER_KEYS):
        services.saved_filter_set(
            request.team, user=request.user, posting=posting, query=_remembered_query(params), current=saved
        )
    return params, False


def _table_columns(request: TeamRequest, posting, choice) -> tuple[QueryDict, tuple[str, ...]]:
    """The person's columns (`choice`, selectors.table_settings'), saving a choice the column
    chooser sent (its GET form: viewers choose too, as they keep their filters), and the query
    without the chooser's keys."""
    params: QueryDict = request.GET
    if table_columns.MARKER in params or table_columns.FIELD in params:
        if params.get(table_columns.MARKER) == "1":
            choice = table_columns.remember(
                request.team, request.user, params, choice, posting_table=posting is not None
            )
        params = params.copy()
        for key in (table_columns.MARKER, table_columns.FIELD):
            params.pop(key, None)
    return params, table_columns.chosen(choice)


def _forget_filters(request: TeamRequest, posting=None):
    """ "Clear" forgets the remembered filters and shows the table as it is without any."""
    saved = selectors.saved_filter_get(request.team, request.user, posting)
    services.saved_filter_set(request.team, user=request.user, posting=posting, query="", current=saved)
    return redirect(request.path)


def _url_maker(name: str):
    """URLs of the pattern `name` for remote ids, as reverse() gives them: reversing for each of a
    page's 50 rows was a quarter of the table's rendering. The pattern is reversed once with a
    marker in place of the id, and each id quoted as reverse() quotes it."""
    marker = "REMOTE-ID"
    prefix, suffix = reverse(name, args=[marker]).split(marker)
    return lambda remote_id: prefix + quote(remote_id, safe=RFC3986_SUBDELIMS + "/~:@") + suffix


def _shown(params: QueryDict) -> int:
    """How many rows the table shows from its page on: a page, and a page more for each "Show N
    more", at most SHOWN_MAX (a made-up number in the URL renders no more than that)."""
    try:
        shown = int(params.get("shown", ""))
    except ValueError:
        return PAGE_SIZE
    return min(max(shown, PAGE_SIZE), SHOWN_MAX)


def _table_context(request: TeamRequest, posting=None) -> dict:
    choice, saved, private = selectors.table_settings(request.team, request.user, posting)
    _show_all_ratings(request, private)
    params, keys = _table_columns(request, posting, choice)
    params, restored = _table_params(request, posting, params, saved)
    form = CandidateFilter(params)
    rows = _listed(request, form, posting)
    # Page through ids, then annotate only the shown rows: an OFFSET over the annotated query
    # made PostgreSQL compute every skipped row's decision and ratings (docs/performance.md).
    # "Show N more" grows `shown` from the page on; the same queries at any length.
    paginator = Paginator(rows.values_list("pk", flat=True), PAGE_SIZE)
    # The list's length as the profiles opened from it count it (cached under the team's stamp).
    paginator.count = selectors.list_count(
        request.team, request.user, rows, posting=posting, query=_query(params, page=None, shown=None)
    )
    page = paginator.get_page(params.get("page"))
    shown = _shown(params)
    offset = max(page.start_index() - 1, 0)
    walk = form.values["sort"].lstrip("-") == "interviewed"
    page.object_list = selectors.table_page(
        request.team,
        request.user,
        rows,
        offset,
        shown,
        posting=posting,
        show_all_ratings=_show_all_ratings(request),
        walk=walk,
    )
    sort = form.values["sort"]
    list_query = _query(params, page=None, shown=None)
    # A profile opened from the table knows the list it came from (prev/next, "12 of 87").
    nav = QueryDict(mutable=True)
    nav["list"] = list_query
    if posting is not None:
        nav["in"] = posting.remote_id
    nav_query = nav.urlencode()
    interview_url, posting_url = _url_maker("interview"), _url_maker("posting")
    for number, row in enumerate(page.object_list, start=offset + 1):
        # The row number goes with the link: the profile shows "12 of 87" without counting.
        row["href"] = f"{interview_url(row['remote_id'])}?{nav_query}&at={number}"
        if posting is None and row["posting_id"]:
            row["posting_href"] = posting_url(row["posting_remote_id"])
    # After "Show N more" the first new row takes the keyboard focus (j/k go on from there), as
    # a list that loads more in place should; the whole table is re-rendered, so it is marked here.
    if request.htmx and request.htmx.trigger == "show-more" and len(page.object_list) > shown - PAGE_SIZE:
        page.object_list[shown - PAGE_SIZE]["focus"] = True
    # The review queue is this list narrowed to what the person has not decided or rated yet.
    queue = QueryDict(mutable=True)
    queue["list"] = _query(QueryDict(list_query), unreviewed="on")
    if posting is not None:
        queue["in"] = posting.remote_id
    sort_urls = {}
    for key in SORTS:
        # Scores read best first; the rest read A→Z first.
        first = (
            f"-{key}"
            if key in {"score", "resume", "match", "rating", "team", "interviewed", "engaged"}
            else key
        )
        other = key if first.startswith("-") else f"-{key}"
        sort_urls[key] = "?" + _query(params, page=None, shown=None, sort=other if sort == first else first)
    end = offset + len(page.object_list)
    remaining = paginator.count - end
    # The stage filter and the bulk bar's "Move to stage" (with the reasons for a closed stage).
    stage_choices, reasons = selectors.table_choices(request.team)
    return {
        "filter": form,
        "page": page,
        "rows": page.object_list,
        "total": paginator.count,
        "sort": sort,
        "sort_urls": sort_urls,
        "first_row": offset + 1,
        "last_row": end,
        # The next rows in place; past SHOWN_MAX, the next ones instead (a page of them).
        "more_count": min(PAGE_SIZE, remaining),
        "more_url": (
            "?" + _query(params, shown=str(shown + PAGE_SIZE))
            if remaining > 0 and shown < SHOWN_MAX
            else None
        ),
        "next_url": (
            "?" + _query(params, page=str(end // PAGE_SIZE + 1), shown=None)
            if remaining > 0 and shown >= SHOWN_MAX
            else None
        ),
        "first_url": "?" + _query(params, page=None, shown=None) if offset else None,
        "list_query": list_query,
        "table_query": params.urlencode(),
        "restored": restored,
        "queue_url": reverse("review_queue") + "?" + queue.urlencode(),
        "posting": posting,
        "export_url": (
            reverse("posting_export", args=[posting.remote_id]) if posting else reverse("candidates_export")
        )
        + ("?" + list_query if list_query else ""),
        "bulk_form": BulkDecisionForm(initial={"filters": list_query}),
        "columns": table_columns.for_table(keys, posting_table=posting is not None),
        "column_choices": table_columns.choices(keys, posting_table=posting is not None),
        "sort_choices": _sort_choices(sort, posting_table=posting is not None),
        "stages": stage_choices,
        "reasons": reasons,
    }


# The sort menu: each column both ways, worded for what it holds.
SORT_WORDS = {
    "name": ("A to Z", "Z to A"),
    "email": ("A to Z", "Z to A"),
    "posting": ("A to Z", "Z to A"),
    "status": ("A to Z", "Z to A"),
    "decision": ("A to Z", "Z to A"),
    "stage": ("first to last", "last to first"),
    "eligible": ("not eligible first", "eligible first"),
    "interviewed": ("oldest first", "newest first"),
    "engaged": ("oldest first", "newest first"),
}


def _sort_choices(current: str, *, posting_table: bool) -> list[tuple[str, str, bool]]:
    """(value, label, selected) for the sort <select>: best first for scores and ratings."""
    out = []
    for column in table_columns.COLUMNS:
        if posting_table and column.key == "posting":
            continue
        low, high = SORT_WORDS.get(column.key, ("low to high", "high to low"))
        pair = [(f"-{column.key}", f"{column.label}, {high}"), (column.key, f"{column.label}, {low}")]
        if column.key in SORT_WORDS and column.key not in {"interviewed", "engaged", "eligible"}:
            pair.reverse()
        out += [(value, label, value == current) for value, label in pair]
    return out


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def candidates_list(request: TeamRequest):
    if "clear" in request.GET:
        return _forget_filters(request)
    context = _table_context(request)
    context["nav"] = "candidates"
    if _htmx_target(request) == "candidate-table":
        return render(request, "review/_candidate_table.html", context)
    return render(request, "review/candidates.html", context)


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def posting(request: TeamRequest, remote_id: str):
    item = _get_posting(request, remote_id)
    if "clear" in request.GET:
        return _forget_filters(request, item)
    context = _table_context(request, item)
    if _htmx_target(request) == "candidate-table":
        return render(request, "review/_candidate_table.html", context)
    run = selectors.sync_run_latest(request.team, SyncRun.Scope.POSTING, remote_id)
    # The charts fold into one strip above the table: the table is what the page is about.
    summary = charts.summary(item, request.user, reviewer=request.membership.can_review)
    context.update(
        {
            "posting": item,
            "run": run,
            "nav": "postings",
            "configs": _posting_configs(item),
            "tab": "candidates",
            "summary": summary,
            "histogram": summary.histogram,
            "posting_queue_url": reverse("review_queue")
            + "?"
            + urlencode({"list": "unreviewed=on&sort=-score", "in": item.remote_id}),
        }
    )
    return render(request, "review/posting.html", context)


@admin_required
@vary_on_headers("HX-Request", "HX-Target")
def posting_manage(request: TeamRequest, remote_id: str):
    """The posting's plumbing, for admins: the ingestion key, live updates (webhooks), candidates in
    and out (imports, exports). Reviewers and viewers never see it: nothing here is theirs to act on."""
    item = _get_posting(request, remote_id)
    run = selectors.sync_run_latest(request.team, SyncRun.Scope.POSTING, remote_id)
    total = candidate_rows(request.team, item).count()
    return render(
        request,
        "review/posting_manage.html",
        {
            "posting": item,
            "run": run,
            "nav": "postings",
            "tab": "manage",
            "total_candidates": total,
            "configs": _posting_configs(item),
        },
    )


def _posting_configs(item):
    """The posting's root-level configs and workflow, parsed from its mirrored document."""
    try:
        return APIPosting.from_dict(item.document or {"posting_id": item.remote_id})
    except MalformedResponse:
        return None


@member_required
def candidates_export(request: TeamRequest, remote_id: str | None = None):
    item = _get_posting(request, remote_id) if remote_id else None
    rows = CandidateFilter(request.GET).apply(_team_candidates(request, item), request.user)
    name = f"candidates-{item.remote_id}" if item else "candidates"
    return csv_download(exports.export_rows(rows), filename=f"{name}-{timezone.now():%Y%m%d-%H%M}.csv")


# ---------------------------------------------------------------------------------------------
# Bulk actions: a decision, or a shortlist change


def _bulk_rows(request: TeamRequest, form):
    posting_id = request.POST.get("posting", "")
    item = _get_posting(request, posting_id) if posting_id else None
    rows = candidates(request.team, request.user, item)
    if form.cleaned_data["scope"] == "all":
        return CandidateFilter(QueryDict(form.cleaned_data["filters"])).apply(rows, request.user), item
    return selectors.with_remote_ids(rows, form.cleaned_data["ids"]), item


def _bulk_stage(request: TeamRequest, form) -> tuple[Stage, RejectReason | None]:
    """The stage (and reason) a bulk "Move to stage" names: the team's own, else a 404."""
    stage = get_object_or_404(Stage.objects.for_team(request.team), pk=form.cleaned_data["stage"])
    reason_id = form.cleaned_data.get("stage_reason")
    reason = (
        get_object_or_404(RejectReason.objects.for_team(request.team), pk=reason_id)
        if reason_id and stage.closed
        else None
    )
    return stage, reason


@reviewer_required
@require_POST
def bulk_decide(request: TeamRequest):
    """First POST shows the count to confirm; the confirmed POST applies the action."""
    form = BulkDecisionForm(request.POST)
    template = "review/bulk.html#slot" if request.htmx else "review/bulk.html"
    if not form.is_valid():
        return render(request, template, {"form": form}, status=200 if request.htmx else 400)
    rows, item = _bulk_rows(request, form)
    action = form.cleaned_data["action"]
    stage, reason = _bulk_stage(request, form) if action == BulkAction.STAGE else (None, None)
    if not form.cleaned_data["confirmed"]:
        context = {"form": form, "count": rows.count(), "posting": item, "action": action}
        if stage is not None:
            context.update(stage=stage, stage_reason=reason)
        if action == BulkAction.DECISION:
            context["value_label"] = Decision.Value(form.cleaned_data["value"]).label
        elif action == BulkAction.SHORTLIST_ADD:
            context["already"] = selectors.shortlisted_count(rows)
        return render(request, template, context)
    if action == BulkAction.DECISION:
        batch = services.bulk_decision_record(
            request.team,
            user=request.user,
            interviews=rows,
            value=form.cleaned_data["value"],
            reason=form.cleaned_data["reason"],
        )
    elif stage is not None:
        try:
            batch = stages.bulk_stage_move(
                request.team, user=request.user, interviews=rows, stage=stage, reason=reason
            )
        except stages.StageError as problem:
            form.add_error("stage_reason" if stage.closed else "stage", str(problem))
            return render(request, template, {"form": form}, status=200 if request.htmx else 400)
    else:
        batch = services.bulk_shortlist_update(
            request.team, user=request.user, interviews=rows, action=action
        )
    if not request.htmx:
        return redirect("bulk_result", batch.id)
    response = render(request, "review/bulk.html#slot", {"batch": batch})
    return trigger_client_event(response, REVIEW_CHANGED)


@member_required
def bulk_result(request: TeamRequest, batch_id: int):
    batch = get_object_or_404(BulkDecision.objects.for_team(request.team), id=batch_id)
    return render(request, "review/bulk.html", {"batch": batch})


@reviewer_required
@require_POST
def bulk_undo(request: TeamRequest, batch_id: int):
    batch = get_object_or_404(BulkDecision.objects.for_team(request.team), id=batch_id)
    if not services.bulk_action_undo(batch, user=request.user):
        messages.warning(request, "This bulk action was undone already.")
    batch.refresh_from_db()
    if not request.htmx:
        return redirect("bulk_result", batch.id)
    response = render(request, "review/bulk.html#slot", {"batch": batch})
    return trigger_client_event(response, REVIEW_CHANGED)


# ---------------------------------------------------------------------------------------------
# Candidate profile


def _list_position(request: TeamRequest, row) -> dict:
    """Prev/next and "12 of 87" within the list the profile was opened from (its query string).

    A review queue (a list filtered to "unreviewed by me") keeps the candidate on screen in it after
    they are reviewed, so prev/next still step on from here to the next unreviewed one."""
    if "list" not in request.GET:
        return {}
    within = request.GET.get("in")
    # Opened from its own posting's table (the usual case): the row came with its posting.
    if within and row.posting is not None and row.posting.remote_id == within:
        item = row.posting
    else:
        item = selectors.posting_by_remote_id(request.team, within) if within else None
    form = CandidateFilter(QueryDict(request.GET["list"]))
    queue = bool(form.values.get("unreviewed"))
    rows = _listed(request, form, item, keep=row.pk if queue else None)
    list_url = reverse("posting", args=[item.remote_id]) if item else reverse("candidates")
    list_url += "?" + request.GET["list"] if request.GET["list"] else ""
    query, keep = request.GET["list"], row.pk if queue else None
    total = selectors.list_count(request.team, request.user, rows, posting=item, query=query, keep=keep)
    # The row number the link carries (list_position). Not in a review queue: a candidate reviewed
    # there leaves it, so the next one's number is this one's or one more.
    at = None if queue else whole_number(request.GET.get("at"))
    position = list_position(rows, row.pk, total=total, at=at)
    # Each step carries its own row number on; the list and the rest of the query stay.
    numbered = at is not None and position["index"] is not None
    for side, number in (("prev", -1), ("next", 1)):
        at_step = str(position["index"] + number) if numbered else None
        position[f"{side}_query"] = _query(request.GET, poll=None, at=at_step)
    return {"list_url": list_url, "queue": queue, "posting": item, **position}


def _activity(request: TeamRequest, row) -> list[dict]:
    return selectors.activity(request.team, request.user, row, show_all_ratings=_show_all_ratings(request))


def _shortlist_entry(row):
    try:
        return row.shortlisted_entry
    except Shortlist.DoesNotExist:
        return None


def _profile_context(request: TeamRequest, row, tab: str, **forms) -> dict:
    doc = profile.parse_document(row)
    everyone = selectors.interview_ratings(row)  # the summary's and the timeline's
    show_all = _show_all_ratings(request)
    ratings = selectors.rating_summary(row, request.user, show_all_ratings=show_all, ratings=everyone)
    context = {
        "interview": row,
        "doc": doc,
        "web": doc.web_interview if doc else None,
        "resume": doc.resume if doc else None,
        "chips": profile.score_chips(row, doc),
        "interview_link": profile.interview_link(doc),
        "my_stars": ratings["mine"],
        "team_rating": ratings,
        "shortlisted": _shortlist_entry(row),
        "tab": tab,
        "tabs": TABS,
        "nav_query": _query(request.GET, poll=None),
        "position": _list_position(request, row),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "rating_form": forms.get("rating_form") or RatingForm(initial={"stars": ratings["mine"]}),
        "note_form": forms.get("note_form") or NoteForm(),
        "stage_form": forms.get("stage_form"),  # the "Move to…" form, back with its error
        "nav": "candidates",
    }
    # Where the candidate is in the pipeline, in the header beside the decision.
    context.update(selectors.stage_panel(request.team, row))
    # The side panel (rating, notes, activity) is on every tab: a new note shows there at once.
    activity = selectors.activity(
        request.team, request.user, row, show_all_ratings=show_all, ratings=everyone
    )
    # The newest decision is the current one (the timeline holds them all, with their users).
    context["decision"] = next((a["item"] for a in activity if a["kind"] == "decision"), None)
    context.update(_side_context(request, activity), ratings_hidden=ratings["hidden"])
    context.update(_fresh_context(request, row))
    if tab == "overview" and doc is not None:
        # The recording beside the opening of the transcript; the reader page has the rest.
        context["video"] = doc.video_recording_link
        context["audio"] = None if doc.video_recording_link else doc.audio_recording_link
        context["excerpt"] = list(row.transcript_lines.all()[:EXCERPT_LINES])
    return context


def _fetched_at(row):
    """When HeyMilo's copy of this interview was last read. A sync rewrites `synced_at` only when
    the document changed, so a refresh or a team sync that found nothing new counts by its end:
    "Fetched just now" right after pressing Refresh. A team sync that no longer finds the
    interview (missing) did not read it."""
    reads = [row.synced_at, getattr(row, "refreshed_at", None)]
    if not row.missing:
        reads.append(getattr(row, "team_synced_at", None))
    return max(at for at in reads if at)


def _fresh_context(request: TeamRequest, row) -> dict:
    """The header's "Fetched … ago", fetched again when a refresh ends. `seen` is the version of the
    document the page shows: when the refresh brought a new one, the line offers to show it."""
    seen = request.GET.get("seen", "")
    if not SEEN_VERSION.fullmatch(seen):  # the page's own version, else this one (nothing to offer)
        seen = row.content_hash[:12]
    return {
        "interview": row,
        "fetched_at": _fetched_at(row),
        "seen": seen,
        "changed": not row.content_hash.startswith(seen),
    }


def _side_context(request: TeamRequest, activity) -> dict:
    """Notes and the timeline for the side panel; ?note=<id> (from an @mention) marks that note."""
    note = request.GET.get("note", "")
    return {
        "activity": activity,
        "notes": [a["item"] for a in activity if a["kind"] == "note"],
        "highlight_note": whole_number(note),
    }


def _get_interview(request: TeamRequest, remote_id: str):
    return get_object_or_404(selectors.profile_rows(request.team), remote_id=remote_id)


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def interview(request: TeamRequest, remote_id: str, tab: str = "overview"):
    """Read-through: an interview not mirrored yet is fetched by a worker while this polls."""
    row = selectors.profile_row(request.team, remote_id)
    if row is not None:
        if request.htmx and request.GET.get("poll"):
            # The row arrived while the loading page polled: reload it as the real page.
            return HttpResponseClientRefresh()
        target = _htmx_target(request)
        if target == "profile-fresh":  # a refresh the page watched has ended (sync-finished)
            return render(request, "review/interview.html#fresh", _fresh_context(request, row))
        if target == "side-activity":  # a decision in the header: the list only, not the note form
            return render(
                request,
                "review/interview.html#side_activity",
                {"interview": row, "activity": _activity(request, row)},
            )
        context = _profile_context(request, row, tab)
        if target == "profile-body":
            return render(request, "review/interview.html#body", context)
        return render(request, "review/interview.html", context)
    if tab != "overview":
        raise Http404("This interview is not in the dashboard yet.")
    run = selectors.sync_run_latest(request.team, SyncRun.Scope.INTERVIEW, remote_id)
    if run is not None and run.is_finished and run.outcome == "not_found":
        raise Http404("HeyMilo has no interview with this id for this team.")
    # One fetch per id per minute, however many people open the link.
    refetch = (
        run is not None
        and run.is_finished
        and cache.add(f"team:{request.team.id}:read-through:{remote_id}", 1, 60)
    )
    if run is None and not _may_read_through(request, remote_id):
        return render(
            request,
            "review/interview_read_through_limited.html",
            {"remote_id": remote_id, "per_minute": settings.READ_THROUGH_PER_MINUTE},
            status=429,
        )
    if run is None or refetch:
        run = mirror_services.sync_request(
            request.team, scope=SyncRun.Scope.INTERVIEW, target=remote_id, user=request.user
        )
    return render(request, "review/interview_loading.html", {"remote_id": remote_id, "run": run})


def _may_read_through(request: TeamRequest, remote_id: str) -> bool:
    """Ids HeyMilo told the team about (a webhook delivery or an import named them) are fetched
    freely; any other id spends one of the person's few a minute, so a URL made up by hand
    cannot turn the dashboard into a way of spending the team's HeyMilo rate limit."""
    if selectors.told_about(request.team, remote_id):
        return True
    key = f"read-through-by:{request.user.pk}"
    cache.add(key, 0, 60)  # the minute starts with the person's first unknown id
    try:
        return cache.incr(key) <= settings.READ_THROUGH_PER_MINUTE
    except ValueError:  # expired between add and incr: a new minute
        cache.add(key, 1, 60)
        return True


@reviewer_required
@require_POST
def interview_refresh(request: TeamRequest, remote_id: str):
    row = _get_interview(request, remote_id)
    run = mirror_services.sync_request(
        request.team, scope=SyncRun.Scope.INTERVIEW, target=row.remote_id, user=request.user
    )
    if not request.htmx:
        return redirect("interview", row.remote_id)
    return render(request, "mirror/progress.html", {"run": run})


def _after_review(request: TeamRequest, row, done: str, form_name: str, form, region: str = "header"):
    """The answer to every review POST: the region that shows the outcome for htmx (the header, or
    the side panel for notes and ratings; the comparison when sent from the compare page), else
    back to the page it came from."""
    from_compare = request.POST.get("from") == "compare"
    if from_compare and (form is None or form.is_valid()):
        if request.htmx:
            return trigger_client_event(compare.comparison(request), REVIEW_CHANGED)
        messages.success(request, done)
        return HttpResponseRedirect(compare.url_for(request))
    if form is not None and not form.is_valid():
        context = _profile_context(request, row, "overview", **{form_name: form})
        if request.htmx:
            return render(request, f"review/interview.html#{region}", context)
        return render(request, "review/interview.html", context, status=400)
    if not request.htmx:
        messages.success(request, done)
        url = reverse("interview", args=[row.remote_id])
        return HttpResponseRedirect(url + ("?" + request.GET.urlencode() if request.GET else ""))
    context = _profile_context(request, row, "overview")
    context["done"] = done
    response = render(request, f"review/interview.html#{region}", context)
    return trigger_client_event(response, REVIEW_CHANGED)


@reviewer_required
@require_POST
def decide(request: TeamRequest, remote_id: str):
    row = _get_interview(request, remote_id)
    form = DecisionForm(request.POST)
    done = ""
    if form.is_valid():
        # Advance and Reject move the stage too (stages.decision_stage_record); Reject needs one
        # of the team's reasons, chosen beside the free text.
        chosen = whole_number(request.POST.get("reject_reason"))
        reason = (
            get_object_or_404(RejectReason.objects.for_team(request.team), pk=chosen)
            if chosen is not None
            else None
        )
        from_compare = request.POST.get("from") == "compare"
        try:
            if from_compare and reason is None and form.cleaned_data["value"] == "reject":
                # The comparison has no reason picker: its Reject is the verdict alone, and the
                # candidate stays in their stage until someone moves them with a reason.
                services.decision_record(request.team, interview=row, user=request.user, value="reject")
                move = None
            else:
                _, move = stages.decision_stage_record(
                    request.team,
                    interview=row,
                    user=request.user,
                    value=form.cleaned_data["value"],
                    reason=reason,
                    note=form.cleaned_data["reason"],
                )
        except stages.StageError as problem:
            form.add_error(None, str(problem))
        else:
            done = f"Decision recorded: {form.cleaned_data['value']}." + (
                f" Moved to {move.to_stage}." if move is not None else ""
            )
    return _after_review(request, row, done, "decision_form", form)


@reviewer_required
@require_POST
def rate(request: TeamRequest, remote_id: str):
    row = _get_interview(request, remote_id)
    form = RatingForm(request.POST)
    done = ""
    if form.is_valid():
        services.rating_set(request.team, interview=row, user=request.user, stars=form.cleaned_data["stars"])
        done = f"Your rating: {form.cleaned_data['stars']} of 5."
    return _after_review(request, row, done, "rating_form", form, region="side")


@reviewer_required
@require_POST
def add_note(request: TeamRequest, remote_id: str):
    row = _get_interview(request, remote_id)
    form = NoteForm(request.POST)
    done = ""
    if form.is_valid():
        services.note_add(request.team, interview=row, user=request.user, body=form.cleaned_data["body"])
        done = "Note added."
    return _after_review(request, row, done, "note_form", form, region="side")


@reviewer_required
@require_POST
def shortlist(request: TeamRequest, remote_id: str):
    """The star on the profile and the compare page: adds the candidate to the team's shortlist or
    takes them off it (as a batch of one, so it is audited like the bulk action)."""
    row = _get_interview(request, remote_id)
    adding = request.POST.get("on") == "1"
    action = BulkAction.SHORTLIST_ADD if adding else BulkAction.SHORTLIST_REMOVE
    rows = selectors.interviews(request.team, [row.remote_id])
    services.bulk_shortlist_update(request.team, user=request.user, interviews=rows, action=action)
    row = _get_interview(request, remote_id)  # afresh: the header shows who added the entry
    return _after_review(
        request, row, "Added to the shortlist." if adding else "Taken off the shortlist.", "", None
    )


# ---------------------------------------------------------------------------------------------
# Review queue


@reviewer_required
def review_queue(request: TeamRequest):
    """Opens the first completed interview of a list that this person has not decided on or rated
    yet (selectors.unreviewed_by, which Home counts with too); the profile's prev/next then walk
    that queue (the list with "unreviewed by me" on). `in` limits it to one posting."""
    item = None
    if request.GET.get("in"):
        if "\x00" in request.GET["in"]:  # no posting id has one, and PostgreSQL refuses to compare it
            raise Http404("No such posting.")
        item = _get_posting(request, request.GET["in"])
    list_query = _query(QueryDict(request.GET.get("list", "")), page=None, unreviewed="on")
    rows = CandidateFilter(QueryDict(list_query)).apply(_team_candidates(request, item), request.user)
    first = rows.values_list("remote_id", flat=True).first()
    list_url = reverse("posting", args=[item.remote_id]) if item else reverse("candidates")
    if first is None:
        messages.info(
            request,
            "Nothing left to review in this list: you have decided on or rated every completed interview.",
        )
        return redirect(list_url + "?" + _query(QueryDict(list_query), unreviewed=None))
    nav = QueryDict(mutable=True)
    nav["list"] = list_query
    if item is not None:
        nav["in"] = item.remote_id
    return redirect(reverse("interview", args=[first]) + "?" + nav.urlencode())


# ---------------------------------------------------------------------------------------------
# Mentions inbox


@member_required
@vary_on_headers("HX-Request", "HX-Target")
def inbox(request: TeamRequest):
    rows = selectors.mention_rows(request.team, request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "mentions": page.object_list,
        "nav": "inbox",
        "unread": selectors.unread_mentions(request.team, request.user),
    }
    if _htmx_target(request) == "inbox-list":
        return render(request, "review/inbox.html#list", context)
    return render(request, "review/inbox.html", context)


@member_required
def inbox_open(request: TeamRequest, mention_id: int):
    """Opening a mention marks it read and shows the note in the candidate's activity."""
    mention = get_object_or_404(selectors.mention_rows(request.team, request.user), id=mention_id)
    services.mentions_mark_read(request.team, user=request.user, mentions=[mention])
    # The profile's side panel lists the notes: ?note= marks this one, the anchor scrolls to it.
    url = reverse("interview", args=[mention.note.interview.remote_id])
    return redirect(f"{url}?note={mention.note_id}#note-{mention.note_id}")


@reviewer_required
@require_POST
def inbox_read_all(request: TeamRequest):
    done = services.mentions_mark_read(request.team, user=request.user)
    if not request.htmx:
        messages.success(request, f"Marked {done} mention{'s' if done != 1 else ''} read.")
        return redirect("inbox")
    # The list comes back with the header's badge swapped in beside it (out of band).
    return inbox(request)


# ---------------------------------------------------------------------------------------------
# Audit log and review settings (admins)


@admin_required
@vary_on_headers("HX-Request", "HX-Target")
def audit(request: TeamRequest):
    form = AuditFilter(request.GET or None, selectors.team_members(request.team))
    rows = form.apply(selectors.audit_rows(request.team))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET
    context = {
        "filter": form,
        "page": page,
        "entries": page.object_list,
        "nav": "audit",
        "prev_url": "?" + _query(params, page=str(page.number - 1)) if page.has_previous() else None,
        "next_url": "?" + _query(params, page=str(page.number + 1)) if page.has_next() else None,
    }
    if _htmx_target(request) == "audit-table":
        return render(request, "review/audit.html#table", context)
    return render(request, "review/audit.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def review_settings(request: TeamRequest):
    current = ReviewSettings.for_team(request.team)
    if request.method == "POST":
        form = ReviewSettingsForm(request.POST, instance=current)
        if form.is_valid():
            services.review_settings_update(
                request.team, user=request.user, ratings_private=form.cleaned_data["ratings_private"]
            )
            messages.success(request, "Review settings saved.")
            return redirect("review_settings")
        return render(request, "review/settings.html", {"form": form, "nav": "review"}, status=400)
    form = ReviewSettingsForm(instance=current)
    return render(request, "review/settings.html", {"form": form, "nav": "review"})
