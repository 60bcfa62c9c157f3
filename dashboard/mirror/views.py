"""Mirror pages: sync start, progress and history (the review app shows postings and interviews)."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts.access import admin_required, member_required, reviewer_required
from dashboard.accounts.http import TeamRequest
from dashboard.core.jobs import JobRegion
from dashboard.mirror import selectors, services
from dashboard.mirror.models import Posting, SyncRun

# Fired by the response that first shows a run finished: the page header's freshness line and the
# candidate table listen for it and fetch themselves again.
SYNC_FINISHED = "sync-finished"
PROGRESS_REGION = JobRegion(template="mirror/progress.html", event=SYNC_FINISHED, name="run", model=SyncRun)


@reviewer_required
@require_POST
def sync_start(request: TeamRequest):
    """Refresh the whole team, or one posting when the form names it."""
    remote_id = request.POST.get("posting", "")
    if remote_id:
        get_object_or_404(Posting, team=request.team, remote_id=remote_id)
        run = services.sync_request(
            request.team, scope=SyncRun.Scope.POSTING, target=remote_id, user=request.user
        )
    else:
        run = services.sync_request(request.team, user=request.user)
    fallback = reverse("posting", args=[remote_id]) if remote_id else reverse("sync_runs")
    return PROGRESS_REGION.started(request, run, fallback=fallback)


@member_required
def sync_progress(request: TeamRequest, run_id: int):
    return PROGRESS_REGION.poll(request, run_id)


@member_required
def freshness(request: TeamRequest):
    """The page header's "Synced … ago", fetched again when a sync the page watched has ended."""
    posting = None
    if request.GET.get("posting"):
        posting = get_object_or_404(Posting, team=request.team, remote_id=request.GET["posting"])
    return render(request, "mirror/freshness.html", {"posting": posting})


@admin_required
@vary_on_headers("HX-Request", "HX-Target")
def sync_runs(request: TeamRequest):
    context = {"rows": selectors.sync_timeline(request.team)}
    if request.htmx and request.htmx.target == "sync-table":
        return render(request, "mirror/sync_runs.html#sync-table", context)
    return render(request, "mirror/sync_runs.html", context)
