"""The analytics page's recompute: asked for once per (team, filter) while it is pending, and
carried out in a worker, so a view after a change never waits on the six aggregates."""

from datetime import date

from django.core.cache import cache
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.analytics import selectors
from dashboard.core.tasks import task_named
from dashboard.mirror.models import Posting

# While a recompute is queued or running, views of the same filter ask for no other. The lock
# expires by itself, so a task lost with its worker is asked for again by a later view.
LOCK_SECONDS = 60


def recompute_enqueue(*, key: str, task: str, args: list) -> bool:
    """Queues `task` with `args` unless a recompute of the figures cached under `key` is pending
    (queued or running); True if queued. Also used by the calibration page."""
    if not cache.add(key + ":recompute", 1, LOCK_SECONDS):
        return False
    task_named(task).delay_on_commit(*args)
    return True


def recompute_done(*, key: str) -> None:
    """The recompute of `key` ended (done or failed): the next stale view may queue another."""
    cache.delete(key + ":recompute")


def figures_recompute_enqueue(*, scope: selectors.Scope) -> bool:
    """Queues one recompute of this (team, filter)'s figures unless one is pending; True if queued."""
    posting = scope.posting.pk if scope.posting is not None else None
    return recompute_enqueue(
        key=selectors.figures_key(scope),
        task="dashboard.analytics.tasks.recompute_figures",
        args=[
            scope.team.pk,
            posting,
            scope.start.isoformat(),
            scope.end.isoformat(),
            timezone.get_current_timezone_name(),
        ],
    )


def team_and_posting(*, team_id: int, posting_id: int | None) -> tuple[Team, Posting | None] | None:
    """A recompute task's team and posting (None: all postings) by id; None when either was
    deleted after the task was queued, leaving nothing to compute. Also the calibration page's."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        return None
    if posting_id is None:
        return team, None
    posting = Posting.objects.for_team(team).filter(pk=posting_id).first()
    return None if posting is None else (team, posting)


def figures_recompute(*, team_id: int, posting_id: int | None, start: str, end: str, zone: str) -> None:
    """Computes and caches the figures; a team or posting deleted meanwhile leaves nothing to do."""
    found = team_and_posting(team_id=team_id, posting_id=posting_id)
    if found is None:
        return
    team, posting = found
    # The request's time zone, so the weeks and the cache key are the page's.
    with timezone.override(zone):
        scope = selectors.Scope(team, posting, date.fromisoformat(start), date.fromisoformat(end))
        try:
            selectors.store_figures(scope)
        finally:
            recompute_done(key=selectors.figures_key(scope))
