"""Mirror pages: sync start, progress and history (the review app shows postings and interviews)."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseStopPolling

from dashboard.accounts.access import admin_required, member_required, reviewer_required
from dashboard.mirror import services
from dashboard.mirror.models import Posting, SyncRun


def _stop_polling_when_finished(request, response, run: SyncRun):
    if run.is_finished and request.htmx:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@reviewer_required
@require_POST
def sync_start(request):
    """Refresh the whole team, or one posting when the form names it."""
    remote_id = request.POST.get("posting", "")
    if remote_id:
        get_object_or_404(Posting, team=request.team, remote_id=remote_id)
        run = services.request_sync(request.team, SyncRun.Scope.POSTING, remote_id, request.user)
    else:
        run = services.request_sync(request.team, user=request.user)
    if not request.htmx:
        return redirect("posting", remote_id) if remote_id else redirect("sync_runs")
    return render(request, "mirror/progress.html", {"run": run})


@member_required
def sync_progress(request, run_id: int):
    run = get_object_or_404(SyncRun, id=run_id, team=request.team)
    response = render(request, "mirror/progress.html", {"run": run})
    return _stop_polling_when_finished(request, response, run)


@admin_required
def sync_runs(request):
    runs = SyncRun.objects.for_team(request.team).select_related("requested_by")[:100]
    return render(request, "mirror/sync_runs.html", {"runs": runs})
