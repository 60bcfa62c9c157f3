"""Review actions (Zulip style: one function, one transaction each, its audit entry inside it)."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from dashboard.core.stamps import team_changed
from dashboard.mirror.models import Interview
from dashboard.review import selectors
from dashboard.review.models import (
    AuditEntry,
    BulkAction,
    BulkDecision,
    CandidateStage,
    Decision,
    Mention,
    Note,
    Rating,
    ReviewSettings,
    SavedFilter,
    Shortlist,
)
from dashboard.review.signals import review_recorded


def audit_record(
    team,
    *,
    user,
    action: str,
    interview=None,
    interview_ids=None,
    before=None,
    after=None,
    count: int | None = None,
) -> AuditEntry:
    """One audit entry; called inside the action's transaction so both land or neither does.

    Every review write comes through here, so here it tells cached counts (the sidebar's
    "Waiting for you") that the team's reviews changed."""
    team_changed(team.pk)
    ids = list(interview_ids) if interview_ids is not None else ([interview.remote_id] if interview else [])
    entry = AuditEntry.objects.create(
        team=team,
        user=user,
        action=action,
        interview=interview,
        interview_ids=ids,
        count=len(ids) if count is None else count,
        before=before,
        after=after,
    )
    # After the commit: listeners (notifications) read what the action wrote, and a rolled-back
    # action notifies nobody.
    transaction.on_commit(lambda: review_recorded.send(sender=AuditEntry, entry=entry))
    return entry


def _decision_state(decision) -> dict | None:
    return {"value": decision.value, "reason": decision.reason} if decision else None


# Ids per statement when marking a list: well under SQLite's and PostgreSQL's limits on parameters.
CHUNK = 2000


def _chunks(ids: list) -> list[list]:
    return [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]


def _latest(decisions):
    """The ids of the latest (by when it was made) of `decisions` for each interview."""
    order = [F("created_at").desc(), F("id").desc()]
    ranked = decisions.annotate(rank=Window(RowNumber(), partition_by=F("interview_id"), order_by=order))
    return ranked.filter(rank=1).values("pk")


def decisions_current_mark(interview_ids: list[int]) -> None:
    """Marks the latest Decision of each of these interviews current and every other one not:
    for decisions written in bulk outside these services (the bench's). Each service here marks
    the decisions it writes."""
    for ids in _chunks(interview_ids):
        rows = Decision.objects.filter(interview_id__in=ids)
        # Unmarked first: at no moment may an interview have two current decisions.
        rows.filter(current=True).exclude(pk__in=_latest(rows)).update(current=False)
        rows.filter(current=False, pk__in=_latest(rows)).update(current=True)


def _interviews_locked(interview_ids: list[int]) -> None:
    """Holds these interviews' rows until the transaction ends, in one order: two decisions on one
    candidate at once would each unmark what came before and both be current, which
    one_current_decision refuses (the second reviewer would get an error). Now the second waits."""
    for ids in _chunks(sorted(set(interview_ids))):
        list(
            Interview.objects.select_for_update(no_key=True)
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _decisions_superseded(interview_ids: list[int]) -> None:
    """Unmarks these interviews' current decisions, before each gets a new one (their rows locked
    first: _interviews_locked)."""
    for ids in _chunks(interview_ids):
        Decision.objects.filter(current=True, interview_id__in=ids).update(current=False)


@transaction.atomic
def decision_record(team, *, user, interview, value: str, reason: str = "") -> Decision:
    _interviews_locked([interview.pk])
    previous = interview.decisions.filter(current=True).first()
    _decisions_superseded([interview.pk])
    decision = Decision.objects.create(
        team=team, interview=interview, user=user, value=value, reason=reason.strip(), current=True
    )
    audit_record(
        team,
        user=user,
        action=AuditEntry.Action.DECISION,
        interview=interview,
        before=_decision_state(previous),
        after=_decision_state(decision),
    )
    return decision


@transaction.atomic
def rating_set(team, *, user, interview, stars: int) -> Rating:
    previous = Rating.objects.filter(interview=interview, user=user).values_list("stars", flat=True).first()
    rating, _ = Rating.objects.update_or_create(
        interview=interview,
        user=user,
        defaults={"team": team, "stars": stars, "updated_at": timezone.now()},
    )
    audit_record(
        team,
        user=user,
        action=AuditEntry.Action.RATING,
        interview=interview,
        before={"stars": previous} if previous is not None else None,
        after={"stars": stars},
    )
    return rating


@transaction.atomic
def note_add(team, *, user, interview, body: str) -> Note:
    note = Note.objects.create(team=team, interview=interview, author=user, body=body.strip())
    people = selectors.mentioned_members(team, note.body, author=user)
    Mention.objects.bulk_create(
        [Mention(team=team, note=note, user=person, created_at=note.created_at) for person in people]
    )
    names = sorted(p.get_username() for p in people)
    audit_record(
        team,
        user=user,
        action=AuditEntry.Action.NOTE,
        interview=interview,
        after={"note": note.pk, "body": note.body, "mentions": names},
    )
    return note


def mentions_mark_read(team, *, user, mentions=None) -> int:
    """Marks the person's unread mentions in this team read (all of them, or those given)."""
    rows = Mention.objects.for_team(team).filter(user=user, read_at__isnull=True)
    if mentions is not None:
        rows = rows.filter(pk__in=[m.pk for m in mentions])
    return rows.update(read_at=timezone.now())


@transaction.atomic
def bulk_decision_record(team, *, user, interviews, value: str, reason: str = "") -> BulkDecision:
    """One Decision per interview, all tied to the batch so the batch can be undone.

    `interviews` comes from models.candidates(), which carries each one's current decision."""
    batch = BulkDecision.objects.create(team=team, user=user, value=value, reason=reason.strip())
    now = timezone.now()
    decisions, before, remote_ids = [], {}, []
    for pk, remote_id, previous in interviews.values_list("pk", "remote_id", "decision").iterator(
        chunk_size=2000
    ):
        decisions.append(
            Decision(
                team=team,
                interview_id=pk,
                user=user,
                value=value,
                reason=batch.reason,
                batch=batch,
                created_at=now,
                current=True,
            )
        )
        before[remote_id] = previous
        remote_ids.append(remote_id)
    _interviews_locked([decision.interview_id for decision in decisions])
    _decisions_superseded([decision.interview_id for decision in decisions])
    Decision.objects.bulk_create(decisions, batch_size=1000)
    batch.count = len(decisions)
    batch.save(update_fields=["count"])
    audit_record(
        team,
        user=user,
        action=AuditEntry.Action.BULK_DECISION,
        interview_ids=remote_ids,
        before={"decisions": before},
        after={"value": value, "reason": batch.reason, "batch": batch.pk},
    )
    return batch


@transaction.atomic
def bulk_shortlist_update(team, *, user, interviews, action: str) -> BulkDecision:
    """Adds the interviews to the shortlist, or removes them; counts only those that changed."""
    batch = BulkDecision.objects.create(team=team, user=user, action=action)
    pks = dict(interviews.values_list("pk", "remote_id").iterator(chunk_size=2000))
    current = Shortlist.objects.for_team(team).filter(interview_id__in=list(pks))
    if action == BulkAction.SHORTLIST_ADD:
        present = set(current.values_list("interview_id", flat=True))
        now = timezone.now()
        created = Shortlist.objects.bulk_create(
            [
                Shortlist(team=team, interview_id=pk, added_by=user, added_at=now, batch=batch)
                for pk in pks
                if pk not in present
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        changed = [pks[row.interview_id] for row in created]
    else:
        removed = list(current.values("interview_id", "interview__remote_id", "added_by_id", "added_at"))
        current.delete()
        batch.removed = [{**row, "added_at": row["added_at"].isoformat()} for row in removed]
        changed = [row["interview__remote_id"] for row in removed]
    batch.count = len(changed)
    batch.save(update_fields=["count", "removed"])
    adding = action == BulkAction.SHORTLIST_ADD
    audit_record(
        team,
        user=user,
        action=action,
        interview_ids=changed,
        before={"shortlisted": not adding},
        after={"shortlisted": adding, "batch": batch.pk},
    )
    return batch


def _stage_batch_revert(batch: BulkDecision) -> list[str]:
    """Puts each candidate the batch moved back where it was, unless someone moved them since (then
    that later move stands); the batch's moves leave the history, as an undone decision does."""
    moves = list(
        batch.stage_moves.values(
            "interview_id", "interview__remote_id", "from_stage_id", "from_entered_at", "created_at"
        )
    )
    if moves:
        # Still where the batch put them: same stage, entered at the batch's moment.
        unmoved = set(
            CandidateStage.objects.filter(
                interview_id__in=[m["interview_id"] for m in moves],
                stage=batch.stage,
                entered_at=moves[0]["created_at"],
            ).values_list("interview_id", flat=True)
        )
        back: dict[tuple, list[int]] = {}
        for move in moves:
            if move["interview_id"] in unmoved:
                back.setdefault((move["from_stage_id"], move["from_entered_at"]), []).append(
                    move["interview_id"]
                )
        for (stage_id, entered_at), ids in back.items():
            rows = CandidateStage.objects.filter(interview_id__in=ids)
            if entered_at is None:  # they had no row: in the entry stage since they arrived
                rows.delete()
            else:
                rows.update(stage_id=stage_id, entered_at=entered_at)
    batch.stage_moves.all().delete()
    return [m["interview__remote_id"] for m in moves]


@transaction.atomic
def bulk_action_undo(batch: BulkDecision, *, user) -> bool:
    """Reverts exactly what the batch changed: its decisions are removed (so each interview's previous
    decision is current again), its shortlist additions removed, its removals put back.

    Once only: returns False when the batch was undone already.
    """
    batch = BulkDecision.objects.select_for_update().get(pk=batch.pk)
    if batch.undone_at is not None:
        return False
    if batch.action == BulkAction.DECISION:
        remote_ids = list(batch.decisions.values_list("interview__remote_id", flat=True))
        _interviews_locked(list(batch.decisions.values_list("interview_id", flat=True)))
        # Where the batch's decision is the current one, the latest one before it is current again.
        undone = batch.decisions.filter(current=True).values("interview_id")
        before = list(_latest(Decision.objects.filter(interview_id__in=undone).exclude(batch=batch)))
        batch.decisions.all().delete()
        for pks in _chunks([row["pk"] for row in before]):
            Decision.objects.filter(pk__in=pks).update(current=True)
    elif batch.action == BulkAction.STAGE:
        remote_ids = _stage_batch_revert(batch)
    elif batch.action == BulkAction.SHORTLIST_ADD:
        added = Shortlist.objects.filter(batch=batch)
        remote_ids = list(added.values_list("interview__remote_id", flat=True))
        added.delete()
    else:
        # Whoever added them may have left since: the rows come back without an adder then.
        people = set(
            get_user_model()
            .objects.filter(pk__in={row["added_by_id"] for row in batch.removed})
            .values_list("pk", flat=True)
        )
        # ignore_conflicts: someone may have shortlisted one of them again meanwhile.
        Shortlist.objects.bulk_create(
            [
                Shortlist(
                    team=batch.team,
                    interview_id=row["interview_id"],
                    added_by_id=row["added_by_id"] if row["added_by_id"] in people else None,
                    added_at=datetime.fromisoformat(row["added_at"]),
                )
                for row in batch.removed
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        remote_ids = [row["interview__remote_id"] for row in batch.removed]
    batch.undone_at = timezone.now()
    batch.undone_by = user
    batch.save(update_fields=["undone_at", "undone_by"])
    audit_record(
        batch.team,
        user=user,
        action=AuditEntry.Action.BULK_UNDO,
        interview_ids=remote_ids,
        before={"batch": batch.pk, "action": batch.action, "value": batch.value or None},
        after={"undone": True},
    )
    return True


@transaction.atomic
def review_settings_update(team, *, user, ratings_private: bool) -> ReviewSettings:
    current = ReviewSettings.for_team(team)
    before = {"ratings_private": current.ratings_private}
    current.ratings_private = ratings_private
    current.save()
    audit_record(
        team,
        user=user,
        action=AuditEntry.Action.SETTINGS,
        before=before,
        after={"ratings_private": ratings_private},
    )
    return current


# ---------------------------------------------------------------------------------------------
# Remembered filters


# Real filters fit easily; a longer query string is junk not worth a row.
MAX_SAVED_QUERY = 2000


def saved_filter_set(team, *, user, posting, query: str, current: SavedFilter | None) -> None:
    """Remembers the query (forgets it when empty); writes only when it changed."""
    if len(query) > MAX_SAVED_QUERY:
        return
    if not query:
        if current is not None:
            current.delete()
        return
    if current is not None:
        if current.query != query:
            SavedFilter.objects.filter(pk=current.pk).update(query=query, updated_at=timezone.now())
        return
    # One statement, no savepoint: if the same person's other tab saved first, theirs stands.
    SavedFilter.objects.bulk_create(
        [SavedFilter(team=team, user=user, posting=posting, query=query)], ignore_conflicts=True
    )
