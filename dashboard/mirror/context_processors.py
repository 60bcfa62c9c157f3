"""Freshness of the mirror for every page: last good sync and whether the latest one failed."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard.mirror.models import SyncRun


def freshness(request: HttpRequest) -> dict[str, object]:
    team = getattr(request, "team", None)
    if team is None:
        return {}

    def runs():
        return SyncRun.objects.for_team(team).filter(scope=SyncRun.Scope.TEAM).finished()

    def failed():
        latest = runs().exclude(state=SyncRun.State.SKIPPED).order_by("-finished_at").first()
        return latest if latest and latest.state != SyncRun.State.DONE else None

    # Lazy, down to building the queries: an htmx partial (a table page, a tab) that shows
    # neither pays nothing for them.
    return {
        "last_sync": SimpleLazyObject(
            lambda: runs().filter(state=SyncRun.State.DONE).order_by("-finished_at").first()
        ),
        "sync_failed": SimpleLazyObject(failed),
    }
