"""Freshness of the mirror for every page: last good sync and whether the latest one failed."""

from dashboard.mirror.models import SyncRun


def freshness(request):
    team = getattr(request, "team", None)
    if team is None:
        return {}
    runs = SyncRun.objects.for_team(team).filter(scope=SyncRun.Scope.TEAM).finished()
    last_ok = runs.filter(state=SyncRun.State.SUCCEEDED).order_by("-finished_at").first()
    latest = runs.exclude(state=SyncRun.State.SKIPPED).order_by("-finished_at").first()
    return {
        "last_sync": last_ok,
        "sync_failed": latest if latest and latest.state != SyncRun.State.SUCCEEDED else None,
    }
