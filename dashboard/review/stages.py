"""Pipeline writes: moving candidates between stages (one, or many as an undoable batch), and the
admins' edits to the stages, reject reasons and each posting's hidden stages.

Each action is one transaction with its audit entry (review's audit_record, which also tells the
cached counts that the team's reviews changed). Bad input raises StageError with a sentence the
page shows as it is; nothing is written then."""

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from dashboard.review import selectors
from dashboard.review.models import (
    DEFAULT_REJECT_REASONS,
    DEFAULT_STAGES,
    AuditEntry,
    BulkAction,
    BulkDecision,
    CandidateStage,
    Decision,
    DecisionValue,
    HiddenStage,
    RejectReason,
    Stage,
    StageMove,
)
from dashboard.review.services import audit_record, decision_record


class StageError(ValueError):
    """What the person asked cannot be done; the message says why, in their words."""


def stages_ensure_defaults(team) -> None:
    """The default pipeline and reasons for a team that has none (a new team)."""
    if not Stage.objects.filter(team=team).exists():
        Stage.objects.bulk_create(
            [
                Stage(team=team, name=name, position=n, kind=kind, role=role)
                for n, (name, kind, role) in enumerate(DEFAULT_STAGES)
            ]
        )
    if not RejectReason.objects.filter(team=team).exists():
        RejectReason.objects.bulk_create(
            [RejectReason(team=team, name=name, position=n) for n, name in enumerate(DEFAULT_REJECT_REASONS)]
        )


def _state(stage, entered_at) -> dict:
    return {"stage": stage.name if stage else None, "since": entered_at.isoformat() if entered_at else None}


def _check_target(team, stage, reason) -> None:
    if stage.team_id != team.pk:
        raise StageError("That stage is not one of this team's.")
    if stage.archived_at is not None:
        raise StageError(f"“{stage.name}” is archived: restore it in the pipeline settings first.")
    if stage.closed and reason is None:
        raise StageError(f"Choose a reason to move a candidate to “{stage.name}”.")
    if reason is not None and (reason.team_id != team.pk or reason.archived_at is not None):
        raise StageError("Choose one of the team's current reasons.")


@transaction.atomic
def stage_move(team, *, user, interview, stage, reason=None, note: str = "") -> StageMove | None:
    """Moves one candidate to `stage` (a closed stage needs a reason). Returns the move, or None
    when the candidate was in that stage already (nothing is written then)."""
    _check_target(team, stage, reason if stage.closed else None)
    if not stage.closed:
        reason = None
    entry = selectors.stage_entry(team)
    current = CandidateStage.objects.select_for_update().filter(interview=interview).first()
    before = current.stage if current else entry
    if before.pk == stage.pk:
        return None
    now = timezone.now()
    move = StageMove.objects.create(
        team=team,
        interview=interview,
        user=user,
        from_stage=before,
        to_stage=stage,
        from_entered_at=current.entered_at if current else None,
        reason=reason,
        note=note.strip(),
        created_at=now,
    )
    CandidateStage.objects.update_or_create(
        interview=interview,
        defaults={"team": team, "posting_id": interview.posting_id, "stage": stage, "entered_at": now},
    )
    audit_record(
        team,
        user=user,
        action=AuditEntry.Action.STAGE,
        interview=interview,
        before=_state(before, current.entered_at if current else None),
        after={**_state(stage, now), "reason": reason.name if reason else None, "note": move.note},
    )
    return move


def stage_advance(team, *, user, interview) -> StageMove | None:
    """Moves the candidate to the next active open stage its posting uses."""
    following = selectors.stage_next(team, interview)
    if following is None:
        raise StageError("This candidate is in the last stage already.")
    return stage_move(team, user=user, interview=interview, stage=following)


def stage_reject(team, *, user, interview, reason, note: str = "") -> StageMove | None:
    return stage_move(
        team, user=user, interview=interview, stage=selectors.stage_rejected(team), reason=reason, note=note
    )


@transaction.atomic
def decision_stage_record(
    team, *, user, interview, value: str, reason=None, note: str = ""
) -> tuple[Decision, StageMove | None]:
    """The profile's decision and where it puts the candidate, as one action: Advance also moves
    them to the next active stage their posting uses (none from the last open stage or a closed
    one), Reject to the Rejected stage with one of the team's reasons (required), Hold leaves the
    stage as it is. The decision keeps the reason's name and the note as its reason."""
    if value == DecisionValue.REJECT and reason is None:
        raise StageError("Choose a reason to reject: the team's reasons are under “Add a reason”.")
    if reason is not None and value != DecisionValue.REJECT:
        reason = None
    note = note.strip()
    said = f"{reason.name}: {note}" if reason is not None and note else (reason.name if reason else note)
    decision = decision_record(team, user=user, interview=interview, value=value, reason=said)
    move = None
    if value == DecisionValue.ADVANCE:
        following = selectors.stage_next(team, interview)
        if following is not None:
            move = stage_move(team, user=user, interview=interview, stage=following)
    elif value == DecisionValue.REJECT:
        move = stage_reject(team, user=user, interview=interview, reason=reason, note=note)
    return decision, move


@transaction.atomic
def bulk_stage_move(team, *, user, interviews, stage, reason=None) -> BulkDecision:
    """Moves every one of `interviews` to `stage` as one batch that bulk_action_undo reverts;
    those in that stage already are left as they are (and not counted)."""
    _check_target(team, stage, reason if stage.closed else None)
    if not stage.closed:
        reason = None
    entry = selectors.stage_entry(team)
    batch = BulkDecision.objects.create(
        team=team, user=user, action=BulkAction.STAGE, stage=stage, reason=reason.name if reason else ""
    )
    now = timezone.now()
    rows = interviews.values_list(
        "pk", "remote_id", "posting_id", "pipeline__stage_id", "pipeline__entered_at"
    )
    moves, current, before, remote_ids = [], [], {}, []
    for pk, remote_id, posting_id, stage_id, entered_at in rows.iterator(chunk_size=2000):
        from_id = stage_id or entry.pk
        if from_id == stage.pk:
            continue
        moves.append(
            StageMove(
                team=team,
                interview_id=pk,
                user=user,
                from_stage_id=from_id,
                to_stage=stage,
                from_entered_at=entered_at,
                reason=reason,
                batch=batch,
                created_at=now,
            )
        )
        current.append(
            CandidateStage(team=team, interview_id=pk, posting_id=posting_id, stage=stage, entered_at=now)
        )
        before[remote_id] = from_id
        remote_ids.append(remote_id)
    StageMove.objects.bulk_create(moves, batch_size=1000)
    CandidateStage.objects.bulk_create(
        current,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["interview"],
        update_fields=["stage", "entered_at", "posting"],
    )
    batch.count = len(moves)
    batch.save(update_fields=["count"])
    audit_record(
        team,
        user=user,
        action=AuditEntry.Action.BULK_STAGE,
        interview_ids=remote_ids,
        before={"stages": before},
        after={"stage": stage.name, "reason": batch.reason, "batch": batch.pk},
    )
    return batch


# ---------------------------------------------------------------------------------------------
# Admins' edits: stages, reasons, hidden stages


def _clean_name(name: str, model, team, *, exclude=None) -> str:
    name = " ".join(name.split())
    if not name:
        raise StageError("Give it a name.")
    same = model.objects.filter(team=team, name__iexact=name, archived_at__isnull=True)
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
    if same.exists():
        raise StageError(f"There is a “{name}” already.")
    return name


def _pipeline_audit(team, *, user, before, after) -> None:
    audit_record(team, user=user, action=AuditEntry.Action.PIPELINE, before=before, after=after)


@transaction.atomic
def stage_create(team, *, user, name: str, kind: str) -> Stage:
    """A new stage; an open one goes after the last open stage, a closed one at the end."""
    name = _clean_name(name, Stage, team)
    stages = list(Stage.objects.for_team(team).select_for_update())
    if kind == Stage.Kind.OPEN:
        opens = [s.position for s in stages if not s.closed]
        position = (max(opens) + 1) if opens else 0
        Stage.objects.filter(team=team, position__gte=position).update(position=F("position") + 1)
    else:
        position = (max((s.position for s in stages), default=-1)) + 1
    stage = Stage.objects.create(team=team, name=name, kind=kind, position=position)
    _pipeline_audit(team, user=user, before=None, after={"stage": name, "kind": kind})
    return stage


def _rename(item, *, user, name: str, label: str):
    """A new name; histories show it too (they point at the row, not its old name)."""
    name = _clean_name(name, type(item), item.team, exclude=item)
    before = item.name
    item.name = name
    item.save(update_fields=["name"])
    _pipeline_audit(item.team, user=user, before={label: before}, after={label: name})
    return item


def _archive(item, *, user, archived: bool, label: str):
    item.archived_at = timezone.now() if archived else None
    item.save(update_fields=["archived_at"])
    _pipeline_audit(item.team, user=user, before=None, after={label: item.name, "archived": archived})
    return item


@transaction.atomic
def stage_rename(stage, *, user, name: str) -> Stage:
    return _rename(stage, user=user, name=name, label="stage")


def _reorder(item, model, *, user, up: bool, label: str) -> None:
    """Swaps the item with its neighbour above or below (among the active ones); a stage keeps to
    its own kind, so closed stages stay after the open ones."""
    rows = list(model.objects.for_team(item.team).select_for_update().filter(archived_at__isnull=True))
    if model is Stage:
        rows = [r for r in rows if r.kind == item.kind]
    ids = [r.pk for r in rows]
    if item.pk not in ids:
        raise StageError("Restore it before moving it.")
    index = ids.index(item.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(rows):
        return
    rows[index], rows[other] = rows[other], rows[index]
    positions = sorted(r.position for r in rows)
    if len(set(positions)) != len(positions):  # renumber when positions collide
        positions = list(range(positions[0], positions[0] + len(rows)))
    for row, position in zip(rows, positions, strict=True):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])
    _pipeline_audit(
        item.team, user=user, before=None, after={label: item.name, "moved": "up" if up else "down"}
    )


@transaction.atomic
def stage_reorder(stage, *, user, up: bool) -> None:
    _reorder(stage, Stage, user=user, up=up, label="stage")


@transaction.atomic
def stage_archive(stage, *, user, archived: bool) -> Stage:
    """Archives a stage (it leaves the board and takes no one new; histories keep naming it), or
    restores it. The entry and Rejected stages stay, and so does any stage with candidates in it."""
    if archived:
        if stage.role:
            raise StageError(f"“{stage.name}” is where the pipeline puts candidates: rename it instead.")
        held = CandidateStage.objects.filter(stage=stage).count()
        if held:
            raise StageError(
                f"{held} candidate{'s are' if held != 1 else ' is'} in “{stage.name}”: move them first."
            )
    return _archive(stage, user=user, archived=archived, label="stage")


@transaction.atomic
def reject_reason_create(team, *, user, name: str) -> RejectReason:
    name = _clean_name(name, RejectReason, team)
    position = (RejectReason.objects.filter(team=team).aggregate(m=Max("position"))["m"] or 0) + 1
    reason = RejectReason.objects.create(team=team, name=name, position=position)
    _pipeline_audit(team, user=user, before=None, after={"reason": name})
    return reason


@transaction.atomic
def reject_reason_rename(reason, *, user, name: str) -> RejectReason:
    return _rename(reason, user=user, name=name, label="reason")


@transaction.atomic
def reject_reason_reorder(reason, *, user, up: bool) -> None:
    _reorder(reason, RejectReason, user=user, up=up, label="reason")


@transaction.atomic
def reject_reason_archive(reason, *, user, archived: bool) -> RejectReason:
    return _archive(reason, user=user, archived=archived, label="reason")


@transaction.atomic
def posting_stages_hide(team, *, user, posting, hidden) -> None:
    """The stages this posting does not use (a list of the team's stages). The entry and Rejected
    stages cannot be hidden, nor a stage someone on this posting is in."""
    hidden = [s for s in hidden if s.team_id == team.pk]
    for stage in hidden:
        if stage.role:
            raise StageError(f"“{stage.name}” is where the pipeline puts candidates: it cannot be hidden.")
        if CandidateStage.objects.filter(posting=posting, stage=stage).exists():
            raise StageError(f"Candidates of this posting are in “{stage.name}”: move them first.")
    HiddenStage.objects.filter(posting=posting).delete()
    HiddenStage.objects.bulk_create([HiddenStage(team=team, posting=posting, stage=s) for s in hidden])
    _pipeline_audit(
        team, user=user, before=None, after={"posting": posting.remote_id, "hidden": [s.name for s in hidden]}
    )


def team_created(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A new team starts with the default pipeline (post_save of accounts' Team)."""
    if created and not raw:
        stages_ensure_defaults(instance)
