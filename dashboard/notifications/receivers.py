"""Who hears of what: the lower apps' signals turned into notifications (connected in apps.ready)."""

from collections import defaultdict
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.accounts.signals import key_rejected
from dashboard.core.signals import job_finished
from dashboard.mirror.models import Interview, Posting, SyncRun
from dashboard.mirror.signals import interviews_completed, sync_failed
from dashboard.notifications import services
from dashboard.notifications.models import Follow, Kind, Notification
from dashboard.review.models import AuditEntry, DecisionValue, Mention, Note, Rating
from dashboard.review.signals import review_recorded
from dashboard.webhooks.models import Delivery
from dashboard.webhooks.signals import delivery_rejected

# Review actions that mean the person works in the posting (so they follow it).
TOUCHING = {AuditEntry.Action.DECISION, AuditEntry.Action.RATING, AuditEntry.Action.NOTE, "bulk_decision"}
# Review actions a rater hears of: a decision, and whatever moves a candidate between stages.
DECIDING = {AuditEntry.Action.DECISION, AuditEntry.Action.BULK_DECISION}
SYNC_FAILING_AFTER = timedelta(hours=1)
WEBHOOK_REJECTIONS = 5  # within an hour, before admins hear of it
WEBHOOK_WINDOW = timedelta(hours=1)


def connect() -> None:
    review_recorded.connect(on_review_recorded, dispatch_uid="notifications.review")
    interviews_completed.connect(on_interviews_completed, dispatch_uid="notifications.completed")
    job_finished.connect(on_job_finished, dispatch_uid="notifications.job")
    key_rejected.connect(on_key_rejected, dispatch_uid="notifications.key")
    sync_failed.connect(on_sync_failed, dispatch_uid="notifications.sync")
    delivery_rejected.connect(on_delivery_rejected, dispatch_uid="notifications.webhooks")


def _who(user) -> str:
    if user is None:
        return "Someone"
    return user.get_full_name() or user.get_username()


def _snippet(text: str, size: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _candidate(interview) -> str:
    return interview.name or "A candidate"


def _interview_link(interview, note_id: int | None = None) -> str:
    url = reverse("interview", args=[interview.remote_id])
    return f"{url}?note={note_id}#note-{note_id}" if note_id else url


def _is_stage_move(action: str) -> bool:
    # The pipeline's stage moves (review adds them as audit actions named "stage…").
    return action.startswith("stage")


def on_review_recorded(sender, *, entry: AuditEntry, **kwargs) -> None:
    team, actor = entry.team, entry.user
    interviews: list[Interview] = []
    if entry.interview is not None:
        interviews = [entry.interview]
    elif entry.interview_ids and (entry.action in DECIDING or _is_stage_move(entry.action)):
        interviews = list(
            Interview.objects.for_team(team)
            .filter(remote_id__in=entry.interview_ids)
            .only("id", "posting_id", "name", "remote_id")
        )
    if entry.action in TOUCHING or _is_stage_move(entry.action):
        services.follows_touch(team, user_id=entry.user_id, posting_ids={i.posting_id for i in interviews})
    if entry.action == AuditEntry.Action.NOTE and entry.interview is not None:
        _note_added(team, actor, entry)
    elif (entry.action in DECIDING or _is_stage_move(entry.action)) and interviews:
        _decided(team, actor, entry, interviews)


def _note_added(team, actor, entry: AuditEntry) -> None:
    note_id = (entry.after or {}).get("note")
    note = (
        Note.objects.for_team(team).filter(pk=note_id).select_related("interview").first()
        if note_id
        else None
    )
    if note is None:
        return
    interview, who, said = note.interview, _who(actor), _snippet(note.body)
    mentions = list(Mention.objects.for_team(team).filter(note=note))
    # Each @mention links to the Inbox's own mention (opening it marks that read too).
    for mention in mentions:
        services.notifications_create(
            team,
            recipient_ids=[mention.user_id],
            kind=Kind.MENTION,
            text=f"{who} mentioned you on {_candidate(interview)}: “{said}”",
            link=reverse("inbox_open", args=[mention.pk]),
            interview=interview,
            posting=interview.posting,
            mentions={mention.user_id: mention},
            actor_id=entry.user_id,
        )
    mentioned = {m.user_id for m in mentions}
    earlier = set(
        Note.objects.for_team(team)
        .filter(interview=interview, pk__lt=note.pk)
        .values_list("author_id", flat=True)
    )
    services.notifications_create(
        team,
        recipient_ids=earlier - mentioned,
        kind=Kind.REPLY,
        text=f"{who} added a note on {_candidate(interview)} after yours: “{said}”",
        link=_interview_link(interview, note.pk),
        interview=interview,
        posting=interview.posting,
        actor_id=entry.user_id,
    )


def _decided(team, actor, entry: AuditEntry, interviews: list) -> None:
    after = entry.after or {}
    value = after.get("value") or ""
    decided = value in DecisionValue.values
    # A decision's value in people's words, or the stage a candidate was moved to.
    label = DecisionValue(value).label if decided else str(after.get("stage") or "another stage")
    by_rater: dict[int, list] = defaultdict(list)
    by_id = {i.pk: i for i in interviews}
    for user_id, interview_id in (
        Rating.objects.for_team(team).filter(interview_id__in=by_id).values_list("user_id", "interview_id")
    ):
        by_rater[user_id].append(by_id[interview_id])
    who = _who(actor)
    for user_id, rated in by_rater.items():
        # Bulk work is one notification a person, however many candidates it touched.
        if len(rated) == 1:
            one = rated[0]
            if decided:
                text = f"{who} decided {label} on {_candidate(one)}, whom you rated"
            else:
                text = f"{who} moved {_candidate(one)}, whom you rated, to {label}"
            link, interview = _interview_link(one), one
        else:
            if decided:
                text = f"{who} decided {label} on {len(rated)} candidates you rated"
            else:
                text = f"{who} moved {len(rated)} candidates you rated to {label}"
            posting = Posting.objects.filter(pk=rated[0].posting_id).first()
            link, interview = (reverse("posting", args=[posting.remote_id]) if posting else ""), None
        services.notifications_create(
            team,
            recipient_ids=[user_id],
            kind=Kind.DECISION,
            text=text,
            link=link,
            interview=interview,
            actor_id=entry.user_id,
        )


def on_interviews_completed(sender, *, team: Team, interview_ids: list[int], **kwargs) -> None:
    """One notification per follower per posting for the whole batch, however many completed."""
    rows = list(
        Interview.objects.for_team(team)
        .filter(pk__in=interview_ids, posting__isnull=False)
        .select_related("posting")
        .only("id", "remote_id", "name", "posting__id", "posting__remote_id", "posting__title")
    )
    by_posting: dict[int, list] = defaultdict(list)
    for row in rows:
        by_posting[row.posting_id].append(row)
    followers: dict[int, list[int]] = defaultdict(list)
    for posting_id, user_id in (
        Follow.objects.for_team(team)
        .filter(posting_id__in=by_posting, following=True)
        .values_list("posting_id", "user_id")
    ):
        followers[posting_id].append(user_id)
    for posting_id, done in by_posting.items():
        if not followers.get(posting_id):
            continue
        posting = done[0].posting
        title = posting.title or "a posting you follow"
        if len(done) == 1:
            text = f"{_candidate(done[0])} completed the interview for {title}"
            link, interview = _interview_link(done[0]), done[0]
        else:
            text = f"{len(done)} interviews completed in {title}"
            link, interview = reverse("posting", args=[posting.remote_id]), None
        services.notifications_create(
            team,
            recipient_ids=followers[posting_id],
            kind=Kind.INTERVIEW_COMPLETED,
            text=text,
            link=link,
            posting=posting,
            interview=interview,
        )


def on_job_finished(sender, *, job, **kwargs) -> None:
    """An import or export ended: one notification to whoever started it (10,000 rows are one)."""
    from dashboard.ingestion.models import Export, ImportJob

    if not isinstance(job, (ImportJob, Export)):
        return
    user_id = getattr(job, "created_by_id", None) or getattr(job, "requested_by_id", None)
    if user_id is None:
        return
    posting = Posting.objects.filter(pk=job.posting_id).first()
    title = posting.title if posting else "a posting"
    failed = job.state == job.State.FAILED
    if isinstance(job, ImportJob):
        what = f"Import of {job.file_name} into {title}"
        link = reverse("import_detail", args=[job.pk])
        services.follows_touch(job.team, user_id=user_id, posting_ids=[job.posting_id])
    else:
        what = f"Export of {title}"
        link = reverse("exports", args=[posting.remote_id]) if posting else ""
    text = f"{what} failed: {_snippet(job.message, 150)}" if failed else f"{what} finished"
    if not failed and job.message:
        text = f"{text}: {_snippet(job.message, 150)}"
    services.notifications_create(
        job.team, recipient_ids=[user_id], kind=Kind.JOB, text=text, link=link, posting=posting
    )


def _tell_admins(team: Team, kind: str, *, text: str, link: str) -> None:
    # notifications_create keeps the admins among the team's members for these kinds.
    services.notifications_create(
        team,
        recipient_ids=team.memberships.values_list("user_id", flat=True),
        kind=kind,
        text=text,
        link=link,
    )


def on_key_rejected(sender, *, team: Team, **kwargs) -> None:
    _tell_admins(
        team,
        Kind.KEY_REJECTED,
        text=f"HeyMilo rejected {team.name}'s API key: syncs stop until an admin replaces it in Settings",
        link=reverse("team_settings"),
    )


def on_sync_failed(sender, *, team: Team, run: SyncRun, **kwargs) -> None:
    """Admins hear once that syncs have failed for over an hour (since the last that worked)."""
    now = timezone.now()
    runs = SyncRun.objects.for_team(team)
    last_good = (
        runs.filter(state=SyncRun.State.DONE)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    failing = runs.filter(state=SyncRun.State.FAILED)
    if last_good:
        failing = failing.filter(finished_at__gt=last_good)
    first_failure = failing.order_by("finished_at").values_list("finished_at", flat=True).first()
    if first_failure is None or now - first_failure < SYNC_FAILING_AFTER:
        return
    already = Notification.objects.for_team(team).filter(
        kind=Kind.SYNC_FAILING, created_at__gte=first_failure
    )
    if already.exists():
        return
    _tell_admins(
        team,
        Kind.SYNC_FAILING,
        text=f"Syncs with HeyMilo have failed for over an hour: {_snippet(run.message, 150)}",
        link=reverse("sync_runs"),
    )


def on_delivery_rejected(sender, *, team_id: int, **kwargs) -> None:
    now = timezone.now()
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        return
    recent = Delivery.objects.filter(
        team=team, state=Delivery.State.REJECTED, received_at__gte=now - WEBHOOK_WINDOW
    )
    if recent.count() < WEBHOOK_REJECTIONS:
        return
    if (
        Notification.objects.for_team(team)
        .filter(kind=Kind.WEBHOOKS_REJECTED, created_at__gte=now - WEBHOOK_WINDOW)
        .exists()
    ):
        return
    _tell_admins(
        team,
        Kind.WEBHOOKS_REJECTED,
        text=f"{recent.count()} webhook deliveries were rejected in the last hour: see the event log",
        link=reverse("webhook_events"),
    )
