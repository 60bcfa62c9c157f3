"""Reads for pages that name interviews and postings by id (imports, webhook events, syncs): the
names people know them by, a constant number of queries per page, and the Syncs page timeline."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from dashboard.mirror.models import Interview, Posting, SyncRun


@dataclass(frozen=True)
class InterviewLabel:
    name: str
    posting_remote_id: str
    posting_title: str


def interview_labels(team, remote_ids) -> dict[str, InterviewLabel]:
    """The mirrored name and posting of each id, in one query (ids not mirrored are absent)."""
    ids = {i for i in remote_ids if i}
    if not ids:
        return {}
    rows = (
        Interview.objects.for_team(team)
        .filter(remote_id__in=ids)
        .values_list("remote_id", "name", "posting__remote_id", "posting__title")
    )
    return {rid: InterviewLabel(name, posting_id or "", title or "") for rid, name, posting_id, title in rows}


def posting_titles(team, remote_ids) -> dict[str, str]:
    ids = {i for i in remote_ids if i}
    if not ids:
        return {}
    return dict(Posting.objects.for_team(team).filter(remote_id__in=ids).values_list("remote_id", "title"))


def last_synced_at(team, posting=None) -> datetime | None:
    """When the data on a page was last fetched whole: the team's last good sync, or on a posting's
    page that posting's own refresh when it came later."""
    runs = SyncRun.objects.for_team(team).filter(state=SyncRun.State.DONE)
    scope = Q(scope=SyncRun.Scope.TEAM)
    if posting is not None:
        scope |= Q(scope=SyncRun.Scope.POSTING, target=posting.remote_id)
    return runs.filter(scope).order_by("-finished_at").values_list("finished_at", flat=True).first()


# --- the Syncs page --------------------------------------------------------------------------

RUNS_SHOWN = 100
# Single-interview refreshes (one per webhook delivery or opened link) come by the hundred: they
# are shown as one line per hour, the latest REFRESHES_READ of them at most.
REFRESHES_READ = 2000
NAMES_LISTED = 30


@dataclass
class RefreshGroup:
    """Single-interview refreshes of one hour, summed up in one row of the Syncs page."""

    hour: datetime
    last_at: datetime
    count: int = 0
    failed: int = 0
    # Each interview once, its latest refresh: remote id -> [state, error, times refreshed].
    latest: dict[str, list] = field(default_factory=dict)
    items: list[tuple[str, str, str, int]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    is_group = True

    @property
    def interviews(self) -> int:
        return len(self.latest)

    @property
    def listed(self) -> list[dict]:
        return [
            {"id": rid, "name": self.names.get(rid, ""), "state": state, "message": message, "times": times}
            for rid, state, message, times in self.items
        ]

    @property
    def unlisted(self) -> int:
        return len(self.latest) - len(self.items)


def sync_timeline(team) -> list:
    """Team and posting syncs one row each (posting titles filled in), interleaved by time with
    single-interview refreshes grouped by hour. Four queries whatever the number of rows."""
    runs = list(
        SyncRun.objects.for_team(team)
        .exclude(scope=SyncRun.Scope.INTERVIEW)
        .select_related("requested_by")[:RUNS_SHOWN]
    )
    titles = posting_titles(team, [r.target for r in runs if r.scope == SyncRun.Scope.POSTING])
    for run in runs:
        run.target_title = titles.get(run.target, "")
        run.is_group = False
    refreshes = (
        SyncRun.objects.for_team(team)
        .filter(scope=SyncRun.Scope.INTERVIEW)
        .order_by("-created_at", "-id")
        .values_list("target", "state", "message", "created_at")[:REFRESHES_READ]
    )
    groups: dict[datetime, RefreshGroup] = {}
    for target, state, message, created_at in refreshes:
        hour = timezone.localtime(created_at).replace(minute=0, second=0, microsecond=0)
        group = groups.get(hour)
        if group is None:
            group = groups[hour] = RefreshGroup(hour=hour, last_at=created_at)
        group.count += 1
        if state in (SyncRun.State.FAILED, SyncRun.State.INTERRUPTED):
            group.failed += 1
        if target in group.latest:
            group.latest[target][2] += 1
        else:
            group.latest[target] = [state, message, 1]
    for group in groups.values():
        # What went wrong first (an admin opens the row for that), then the latest.
        items = [(rid, state, message, times) for rid, (state, message, times) in group.latest.items()]
        items.sort(key=lambda item: item[1] == SyncRun.State.DONE)
        group.items = items[:NAMES_LISTED]
    names = (
        dict(
            Interview.objects.for_team(team)
            .filter(remote_id__in={item[0] for g in groups.values() for item in g.items})
            .values_list("remote_id", "name")
        )
        if groups
        else {}
    )
    for group in groups.values():
        group.names = names
    # Hour groups sort by their latest refresh, so the newest line is on top either way.
    rows = [*runs, *groups.values()]
    rows.sort(key=lambda r: r.last_at if r.is_group else r.created_at, reverse=True)
    if runs and len(runs) == RUNS_SHOWN:
        # Beyond the oldest run listed, refreshes would show with nothing of their time around them.
        oldest = runs[-1].created_at - timedelta(hours=1)
        rows = [r for r in rows if not r.is_group or r.last_at >= oldest]
    return rows
