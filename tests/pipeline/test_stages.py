"""Stages as the pipeline's services see them: defaults, moves with history and audit, advance,
reject with a reason, bulk moves and their undo, and the admins' edits keeping history."""

import pytest

from dashboard.accounts.models import Team
from dashboard.review import selectors, services, stages
from dashboard.review.models import (
    AuditEntry,
    BulkAction,
    CandidateStage,
    RejectReason,
    Stage,
    StageMove,
)
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db


def stage(team, name) -> Stage:
    return Stage.objects.get(team=team, name=name)


def reason(team, name="Skills do not match") -> RejectReason:
    return RejectReason.objects.get(team=team, name=name)


def where(team, interview) -> str:
    return selectors.stage_current(team, interview)[0].name


def test_a_new_team_starts_with_the_default_pipeline(team):
    names = list(selectors.stage_rows(team).values_list("name", "kind"))
    assert names == [
        ("New", "open"),
        ("Reviewed", "open"),
        ("Hiring-manager interview", "open"),
        ("Offer", "open"),
        ("Hired", "open"),
        ("Rejected", "closed"),
        ("Withdrawn", "closed"),
    ]
    assert selectors.reason_rows(team).count() == 7
    fresh = Team.objects.create(slug="fresh", name="Fresh")
    assert selectors.stage_rows(fresh).count() == 7 and selectors.stage_entry(fresh).name == "New"


def test_a_mirrored_candidate_is_in_new_without_a_row(team, posting):
    row = make_interview(team, posting)
    assert where(team, row) == "New" and not CandidateStage.objects.exists()


def test_advance_walks_the_active_open_stages_the_posting_uses(team, posting, reviewer):
    row = make_interview(team, posting)
    stages.stage_advance(team, user=reviewer, interview=row)
    assert where(team, row) == "Reviewed"
    stages.posting_stages_hide(
        team, user=reviewer, posting=posting, hidden=[stage(team, "Hiring-manager interview")]
    )
    stages.stage_advance(team, user=reviewer, interview=row)
    assert where(team, row) == "Offer"
    stages.stage_advance(team, user=reviewer, interview=row)
    assert where(team, row) == "Hired"
    with pytest.raises(stages.StageError, match="last stage"):
        stages.stage_advance(team, user=reviewer, interview=row)
    history = [(m.from_stage.name, m.to_stage.name) for m in selectors.stage_history(row)]
    assert history == [("Offer", "Hired"), ("Reviewed", "Offer"), ("New", "Reviewed")]
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.STAGE)
    assert entries.count() == 3 and entries.first().after["stage"] == "Hired"


def test_reject_needs_a_reason_and_keeps_it(team, posting, reviewer):
    row = make_interview(team, posting)
    with pytest.raises(stages.StageError, match="Choose a reason"):
        stages.stage_move(team, user=reviewer, interview=row, stage=stage(team, "Rejected"))
    assert where(team, row) == "New" and not StageMove.objects.exists()  # nothing written
    move = stages.stage_reject(
        team, user=reviewer, interview=row, reason=reason(team), note="No Go experience"
    )
    assert move is not None and move.reason.name == "Skills do not match" and move.note == "No Go experience"
    assert where(team, row) == "Rejected"
    audit = AuditEntry.objects.filter(action=AuditEntry.Action.STAGE).get()
    assert audit.user == reviewer and audit.after["reason"] == "Skills do not match"
    assert audit.before["stage"] == "New"


def test_another_teams_stage_or_reason_is_refused(team, other_team, posting, reviewer):
    row = make_interview(team, posting)
    with pytest.raises(stages.StageError):
        stages.stage_move(team, user=reviewer, interview=row, stage=stage(other_team, "Reviewed"))
    with pytest.raises(stages.StageError):
        stages.stage_reject(team, user=reviewer, interview=row, reason=reason(other_team))
    assert not StageMove.objects.exists()


def test_a_stage_move_counts_as_my_review_and_nobody_elses(team, posting, reviewer, admin):
    row = make_interview(team, posting, status="completed")
    assert selectors.waiting_count(team, reviewer) == 1
    stages.stage_advance(team, user=reviewer, interview=row)
    assert selectors.waiting_count(team, reviewer) == 0
    assert selectors.waiting_count(team, admin) == 1
    assert selectors.waiting_for(team, admin)["total"] == 1


def test_bulk_move_and_undo_put_everyone_back_where_they_were(team, posting, reviewer):
    rows = [make_interview(team, posting) for _ in range(4)]
    stages.stage_move(team, user=reviewer, interview=rows[0], stage=stage(team, "Offer"))
    before_offer = CandidateStage.objects.get(interview=rows[0]).entered_at
    stages.stage_move(
        team, user=reviewer, interview=rows[3], stage=stage(team, "Rejected"), reason=reason(team)
    )
    batch = stages.bulk_stage_move(
        team,
        user=reviewer,
        interviews=selectors.candidate_rows(team, posting),
        stage=stage(team, "Rejected"),
        reason=reason(team, "Hired someone else"),
    )
    assert batch.action == BulkAction.STAGE and batch.count == 3  # rows[3] was there already
    assert {where(team, r) for r in rows} == {"Rejected"}
    assert batch.label == "Moved to Rejected"
    # Someone moves rows[1] on after the batch: undo leaves that later move alone.
    stages.stage_move(team, user=reviewer, interview=rows[1], stage=stage(team, "Reviewed"))
    assert services.bulk_action_undo(batch, user=reviewer)
    assert [where(team, r) for r in rows] == ["Offer", "Reviewed", "New", "Rejected"]
    assert CandidateStage.objects.get(interview=rows[0]).entered_at == before_offer
    assert not CandidateStage.objects.filter(interview=rows[2]).exists()
    assert not StageMove.objects.filter(batch=batch).exists()
    assert not services.bulk_action_undo(batch, user=reviewer)  # once only
    assert AuditEntry.objects.filter(action=AuditEntry.Action.BULK_STAGE).count() == 1


def test_bulk_move_to_a_closed_stage_without_a_reason_is_refused(team, posting, reviewer):
    make_interview(team, posting)
    with pytest.raises(stages.StageError, match="reason"):
        stages.bulk_stage_move(
            team, user=reviewer, interviews=selectors.candidate_rows(team), stage=stage(team, "Withdrawn")
        )
    assert not StageMove.objects.exists()


def test_renaming_reordering_and_archiving_keep_history(team, posting, admin, reviewer):
    row = make_interview(team, posting)
    offer = stage(team, "Offer")
    stages.stage_move(team, user=reviewer, interview=row, stage=offer)
    stages.stage_rename(offer, user=admin, name="  Offer   made ")
    assert selectors.stage_history(row)[0].to_stage.name == "Offer made"
    with pytest.raises(stages.StageError, match="already"):
        stages.stage_rename(stage(team, "Hired"), user=admin, name="offer MADE")
    with pytest.raises(stages.StageError, match="1 candidate is in"):
        stages.stage_archive(offer, user=admin, archived=True)
    stages.stage_move(team, user=reviewer, interview=row, stage=stage(team, "Hired"))
    stages.stage_archive(offer, user=admin, archived=True)
    assert "Offer made" not in [s.name for s in selectors.stage_rows(team)]
    assert [m.from_stage.name for m in selectors.stage_history(row)][:1] == ["Offer made"]  # still named
    with pytest.raises(stages.StageError, match="archived"):
        stages.stage_move(team, user=reviewer, interview=row, stage=offer)
    with pytest.raises(stages.StageError, match="rename it instead"):
        stages.stage_archive(stage(team, "New"), user=admin, archived=True)
    # Reorder: Hired up past Hiring-manager interview; closed stages stay after the open ones.
    stages.stage_reorder(stage(team, "Hired"), user=admin, up=True)
    assert [s.name for s in selectors.stage_rows(team)][:4] == [
        "New",
        "Reviewed",
        "Hired",
        "Hiring-manager interview",
    ]
    stages.stage_reorder(stage(team, "Withdrawn"), user=admin, up=True)
    names = [s.name for s in selectors.stage_rows(team)]
    assert names[-2:] == ["Withdrawn", "Rejected"]
    stages.stage_archive(offer, user=admin, archived=False)
    assert "Offer made" in [s.name for s in selectors.stage_rows(team)]
    assert AuditEntry.objects.filter(action=AuditEntry.Action.PIPELINE).count() >= 5


def test_new_open_stage_goes_after_the_open_ones(team, admin):
    stages.stage_create(team, user=admin, name="Take-home task", kind="open")
    names = [s.name for s in selectors.stage_rows(team)]
    assert names.index("Take-home task") == names.index("Hired") + 1
    with pytest.raises(stages.StageError, match="name"):
        stages.stage_create(team, user=admin, name="   ", kind="open")


def test_reasons_are_edited_and_archived_reasons_stay_in_history(team, posting, admin, reviewer):
    row = make_interview(team, posting)
    new = stages.reject_reason_create(team, user=admin, name="Failed reference check")
    stages.stage_reject(team, user=reviewer, interview=row, reason=new)
    stages.reject_reason_rename(new, user=admin, name="References")
    stages.reject_reason_archive(new, user=admin, archived=True)
    assert "References" not in [r.name for r in selectors.reason_rows(team)]
    assert selectors.stage_history(row)[0].reason.name == "References"
    other = make_interview(team, posting)
    with pytest.raises(stages.StageError, match="current reasons"):
        stages.stage_reject(team, user=reviewer, interview=other, reason=new)
    stages.reject_reason_reorder(reason(team, "Other"), user=admin, up=True)
    assert [r.name for r in selectors.reason_rows(team)][-2:] == ["Other", "Candidate withdrew"]


def test_hiding_a_stage_in_use_on_the_posting_is_refused(team, admin, reviewer):
    posting = make_posting(team)
    row = make_interview(team, posting)
    stages.stage_move(team, user=reviewer, interview=row, stage=stage(team, "Offer"))
    with pytest.raises(stages.StageError, match="move them first"):
        stages.posting_stages_hide(team, user=admin, posting=posting, hidden=[stage(team, "Offer")])
    with pytest.raises(stages.StageError, match="cannot be hidden"):
        stages.posting_stages_hide(team, user=admin, posting=posting, hidden=[stage(team, "Rejected")])
