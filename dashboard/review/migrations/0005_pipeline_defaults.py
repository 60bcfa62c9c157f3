"""Every existing team gets the default pipeline, and the decisions made before stages existed
become each candidate's stage: the latest decision decides (advance → Reviewed, reject → Rejected
with its reason text kept as the move's note, hold → stays in New, no row), and the move carries
the decision's author and time, so time in stage and "awaiting my review" read as before."""

from django.db import migrations

# Frozen here: the defaults at the time of this migration (models.DEFAULT_STAGES may change later).
STAGES = (
    ("New", "open", "entry"),
    ("Reviewed", "open", ""),
    ("Hiring-manager interview", "open", ""),
    ("Offer", "open", ""),
    ("Hired", "open", ""),
    ("Rejected", "closed", "rejected"),
    ("Withdrawn", "closed", ""),
)
REASONS = (
    "Not enough experience",
    "Skills do not match",
    "Salary expectations",
    "Location or right to work",
    "Hired someone else",
    "Candidate withdrew",
    "Other",
)


def forwards(apps, schema_editor):
    Team = apps.get_model("accounts", "Team")
    Stage = apps.get_model("review", "Stage")
    RejectReason = apps.get_model("review", "RejectReason")
    Decision = apps.get_model("review", "Decision")
    CandidateStage = apps.get_model("review", "CandidateStage")
    StageMove = apps.get_model("review", "StageMove")
    for team in Team.objects.all().iterator():
        if not Stage.objects.filter(team=team).exists():
            Stage.objects.bulk_create(
                [
                    Stage(team=team, name=name, position=n, kind=kind, role=role)
                    for n, (name, kind, role) in enumerate(STAGES)
                ]
            )
        if not RejectReason.objects.filter(team=team).exists():
            RejectReason.objects.bulk_create(
                [RejectReason(team=team, name=name, position=n) for n, name in enumerate(REASONS)]
            )
        stages = {s.name: s for s in Stage.objects.filter(team=team)}
        targets = {"advance": stages.get("Reviewed"), "reject": stages.get("Rejected")}
        latest = {}
        # Newest first: the first decision seen per interview is its current one.
        for decision in (
            Decision.objects.filter(team=team)
            .select_related("interview")
            .order_by("-created_at", "-id")
            .iterator(chunk_size=2000)
        ):
            latest.setdefault(decision.interview_id, decision)
        current, moves = [], []
        for decision in latest.values():
            stage = targets.get(decision.value)
            if stage is None:  # hold: the candidate stays in New
                continue
            current.append(
                CandidateStage(
                    team=team,
                    interview_id=decision.interview_id,
                    posting_id=decision.interview.posting_id,
                    stage=stage,
                    entered_at=decision.created_at,
                )
            )
            moves.append(
                StageMove(
                    team=team,
                    interview_id=decision.interview_id,
                    user_id=decision.user_id,
                    from_stage=None,
                    to_stage=stage,
                    note=decision.reason,
                    created_at=decision.created_at,
                )
            )
        CandidateStage.objects.bulk_create(current, batch_size=1000)
        StageMove.objects.bulk_create(moves, batch_size=1000)


def backwards(apps, schema_editor):
    # The decisions were never touched; dropping the stages (0004 reversed) is all there is.
    pass


class Migration(migrations.Migration):
    dependencies = [("review", "0004_pipeline")]

    operations = [migrations.RunPython(forwards, backwards)]
