"""The profile's stage: where the candidate is and since when, Advance and Reject through the
stages (Reject asks for one of the team's reasons), Hold leaving the stage, "Move to…" any stage,
each move in the candidate's history and the audit log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.review import selectors, stages
from dashboard.review.models import (
    AuditEntry,
    CandidateStage,
    Decision,
    HiddenStage,
    RejectReason,
    Stage,
    StageMove,
)
from tests.review.conftest import make_interview

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "profile-header"}


def stage(team, name) -> Stage:
    return Stage.objects.get(team=team, name=name)


def where(team, interview) -> str:
    return selectors.stage_current(team, interview)[0].name


@pytest.fixture
def row(team, posting):
    return make_interview(team, posting, remote_id="int_s1", name="Stage Person", score=70)


def decide(client, data):
    return client.post(reverse("decide", args=["int_s1"]), data, **HX)


def test_the_profile_shows_the_stage_and_time_in_it(login, reviewer, viewer, team, row):
    page = login(reviewer).get(reverse("interview", args=["int_s1"])).text
    assert '<span class="muted">Stage</span> <span class="badge stage-chip">New</span>' in page
    assert "Advance moves to Reviewed" in page and "Move to…" in page
    # The team's reasons beside Reject, the posting's stages in "Move to…".
    assert (
        "Salary expectations" in page and f'<option value="{stage(team, "Offer").pk}">Offer</option>' in page
    )
    stages.stage_move(team, user=reviewer, interview=row, stage=stage(team, "Offer"))
    page = login(viewer).get(reverse("interview", args=["int_s1"])).text
    # Right after a move: "just now", never "for 0 minutes"; then how long.
    assert '<span class="badge stage-chip">Offer</span> <span class="muted">just now</span>' in page
    CandidateStage.objects.filter(interview=row).update(entered_at=timezone.now() - timedelta(minutes=5))
    page = login(viewer).get(reverse("interview", args=["int_s1"])).text
    assert '<span class="badge stage-chip">Offer</span> <span class="muted">for 5\xa0minutes</span>' in page
    assert "Move to…" not in page and "Advance moves to" not in page  # a viewer cannot move


def test_advance_records_the_decision_and_moves_to_the_next_active_stage(login, reviewer, team, posting, row):
    # The posting hides Reviewed: Advance skips it.
    HiddenStage.objects.create(team=team, posting=posting, stage=stage(team, "Reviewed"))
    response = decide(login(reviewer), {"value": "advance", "reason": "Strong SQL"})
    assert response.status_code == 200
    assert "Decision recorded: advance. Moved to Hiring-manager interview." in response.text
    assert Decision.objects.get(interview=row).value == "advance"
    assert where(team, row) == "Hiring-manager interview"
    move = StageMove.objects.get(interview=row)
    assert (move.user, move.from_stage.name, move.to_stage.name) == (
        reviewer,
        "New",
        "Hiring-manager interview",
    )
    actions = list(AuditEntry.objects.filter(team=team).values_list("action", flat=True))
    assert sorted(actions) == sorted([AuditEntry.Action.DECISION, AuditEntry.Action.STAGE])


def test_reject_asks_for_a_reason_and_writes_nothing_without_one(login, reviewer, team, row):
    client = login(reviewer)
    refused = decide(client, {"value": "reject", "reason": "Not now"})
    assert refused.status_code == 200 and "Choose a reason to reject" in refused.text
    assert '<details class="decide-reason" open>' in refused.text and "autofocus" in refused.text
    assert not Decision.objects.exists() and not StageMove.objects.exists()
    assert where(team, row) == "New"
    # Bad input: a reason id that is no number ("²" passes str.isdigit()) is no reason chosen.
    refused = decide(client, {"value": "reject", "reject_reason": "²"})
    assert refused.status_code == 200 and "Choose a reason to reject" in refused.text
    assert not Decision.objects.exists()
    reason = RejectReason.objects.get(team=team, name="Salary expectations")
    done = decide(client, {"value": "reject", "reject_reason": reason.pk, "reason": "Asked for 2x"})
    assert "Moved to Rejected." in done.text
    assert Decision.objects.get().reason == "Salary expectations: Asked for 2x"
    move = StageMove.objects.get()
    assert (move.to_stage.name, move.reason, move.note) == ("Rejected", reason, "Asked for 2x")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.STAGE)
    assert entry.after["reason"] == "Salary expectations" and entry.user == reviewer


def test_hold_leaves_the_stage_and_another_teams_reason_is_404(login, reviewer, team, other_team, row):
    client = login(reviewer)
    assert "Decision recorded: hold." in decide(client, {"value": "hold"}).text
    assert where(team, row) == "New" and not StageMove.objects.exists()
    theirs = RejectReason.objects.filter(team=other_team).first()
    assert decide(client, {"value": "reject", "reject_reason": theirs.pk}).status_code == 404
    assert Decision.objects.count() == 1


def test_advance_from_the_last_open_stage_records_the_decision_alone(login, reviewer, team, row):
    stages.stage_move(team, user=reviewer, interview=row, stage=stage(team, "Hired"))
    page = login(reviewer).get(reverse("interview", args=["int_s1"])).text
    assert "the last stage" in page
    assert "Decision recorded: advance." in decide(login(reviewer), {"value": "advance"}).text
    assert where(team, row) == "Hired" and StageMove.objects.count() == 1


def test_move_to_any_stage_from_the_profile(login, reviewer, team, other_team, row):
    client = login(reviewer)
    url = reverse("interview_stage", args=["int_s1"])
    done = client.post(url, {"to": stage(team, "Offer").pk, "note": "Fast track"}, **HX)
    assert done.status_code == 200 and "Moved to Offer." in done.text
    assert "review-changed" in done["HX-Trigger"]
    assert where(team, row) == "Offer" and StageMove.objects.get().note == "Fast track"
    # A closed stage needs a reason: the header says so, nothing moves.
    refused = client.post(url, {"to": stage(team, "Withdrawn").pk}, **HX)
    assert "Choose a reason to move a candidate to “Withdrawn”." in refused.text
    assert '<details class="stage-move" open>' in refused.text and where(team, row) == "Offer"
    reason = RejectReason.objects.get(team=team, name="Candidate withdrew")
    client.post(url, {"to": stage(team, "Withdrawn").pk, "reason": reason.pk}, **HX)
    assert where(team, row) == "Withdrawn"
    history = client.get(reverse("interview_tab", args=["int_s1", "activity"])).text
    assert (
        'Moved to <span class="badge stage-chip">Withdrawn</span>' in history
        and "Candidate withdrew" in history
    )
    assert AuditEntry.objects.filter(action=AuditEntry.Action.STAGE).count() == 2
    # Without script: back to the profile with the outcome.
    again = client.post(url, {"to": stage(team, "Offer").pk})
    assert again.status_code == 302 and again["Location"].startswith(reverse("interview", args=["int_s1"]))
    # Another team's stage is a 404 and moves nothing.
    theirs = Stage.objects.filter(team=other_team).first()
    assert client.post(url, {"to": theirs.pk}, **HX).status_code == 404
    assert where(team, row) == "Offer"


def test_viewers_cannot_move_from_the_profile(login, viewer, team, row):
    url = reverse("interview_stage", args=["int_s1"])
    assert login(viewer).post(url, {"to": stage(team, "Offer").pk}).status_code == 403
    assert where(team, row) == "New"
