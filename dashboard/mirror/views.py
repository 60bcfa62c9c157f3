"""Mirror pages: postings, a posting's candidates, read-through interviews, sync progress and history."""

from django.core.cache import cache
from django.db.models import Avg, Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh, HttpResponseStopPolling

from dashboard.accounts.access import admin_required, member_required, reviewer_required
from dashboard.mirror import services
from dashboard.mirror.models import Interview, Posting, SyncRun


def _stop_polling_when_finished(request, response, run: SyncRun):
    if run.is_finished and request.htmx:
        response.status_code = HttpResponseStopPolling.status_code
    return response


@member_required
@vary_on_headers("HX-Request")
def postings(request):
    rows = (
        Posting.objects.for_team(request.team)
        .filter(missing=False)
        .annotate(
            candidates=Count("interviews", filter=Q(interviews__missing=False)),
            completed=Count("interviews", filter=Q(interviews__status="completed",
                                                   interviews__missing=False)),
            average_score=Avg("interviews__score", filter=Q(interviews__missing=False)),
        )
        .order_by("archived", "title")
    )
    return render(request, "mirror/postings.html", {"postings": rows})


@member_required
@vary_on_headers("HX-Request")
def posting(request, remote_id: str):
    item = get_object_or_404(Posting, team=request.team, remote_id=remote_id)
    interviews = item.interviews.filter(missing=False).order_by("-score", "name")[:200]
    run = (SyncRun.objects.for_team(request.team)
           .filter(scope=SyncRun.Scope.POSTING, target=remote_id).first())
    return render(request, "mirror/posting.html",
                  {"posting": item, "interviews": interviews, "run": run})


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


@member_required
@vary_on_headers("HX-Request")
def interview(request, remote_id: str):
    """Read-through: an interview not mirrored yet is fetched by a worker while this polls."""
    row = (Interview.objects.for_team(request.team).select_related("posting")
           .filter(remote_id=remote_id).first())
    if row is not None:
        if request.htmx and request.GET.get("poll"):
            # The row arrived while the loading page polled: reload it as the real page.
            return HttpResponseClientRefresh()
        return render(request, "mirror/interview.html", {"interview": row})
    run = (SyncRun.objects.for_team(request.team)
           .filter(scope=SyncRun.Scope.INTERVIEW, target=remote_id).first())
    if run is not None and run.is_finished and run.error_code == "not_found":
        raise Http404("HeyMilo has no interview with this id for this team.")
    # One fetch per id per minute, however many people open the link.
    refetch = run is not None and run.is_finished and cache.add(
        f"team:{request.team.id}:read-through:{remote_id}", 1, 60)
    if run is None or refetch:
        run = services.request_sync(request.team, SyncRun.Scope.INTERVIEW, remote_id, request.user)
    return render(request, "mirror/interview_loading.html", {"remote_id": remote_id, "run": run})

