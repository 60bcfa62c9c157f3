"""The pipeline's migrations on a database that holds decisions made before stages existed: every
team gets the default stages, and each candidate's latest decision becomes its stage."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.migrations import latest, migrate, migrate_to_latest

BEFORE = [("review", "0003_table_columns")]


@pytest.mark.django_db(transaction=True)
def test_decisions_made_before_stages_become_stages():
    # Review before the pipeline, with the mirror and accounts as they are now (their models as
    # the database has them).
    old = migrate(BEFORE + [leaf for leaf in latest() if leaf[0] in {"mirror", "accounts"}])
    now = timezone.now()
    try:
        Team = old.get_model("accounts", "Team")
        User = old.get_model("auth", "User")
        team = Team.objects.create(slug="acme", name="Acme")
        Team.objects.create(slug="quiet", name="Quiet")  # no decisions at all
        ann = User.objects.create(username="ann")
        bob = User.objects.create(username="bob")
        posting = old.get_model("mirror", "Posting").objects.create(
            team=team, remote_id="p1", title="Engineer"
        )
        interviews = old.get_model("mirror", "Interview").objects
        made = {
            name: interviews.create(team=team, posting=posting, remote_id=name, name=name, status="completed")
            for name in ("advanced", "rejected", "held", "changed_mind", "undecided")
        }
        decisions = old.get_model("review", "Decision").objects

        def decide(name, value, user, days_ago, reason=""):
            decisions.create(
                team=team,
                interview=made[name],
                user=user,
                value=value,
                reason=reason,
                created_at=now - timedelta(days=days_ago),
            )

        decide("advanced", "advance", ann, 5)
        decide("rejected", "hold", ann, 9)
        decide("rejected", "reject", bob, 3, reason="Wants twice the budget")
        decide("held", "hold", bob, 2)
        decide("changed_mind", "reject", ann, 8, reason="Too junior")
        decide("changed_mind", "advance", bob, 1)
    finally:
        migrate_to_latest()

    from dashboard.accounts.models import Team as NewTeam
    from dashboard.mirror.models import Interview
    from dashboard.review import selectors
    from dashboard.review.models import CandidateStage, Decision, Stage, StageMove

    acme = NewTeam.objects.get(slug="acme")
    for each in NewTeam.objects.filter(slug__in=["acme", "quiet"]):
        assert [s.name for s in selectors.stage_rows(each)][:2] == ["New", "Reviewed"]
        assert selectors.reason_rows(each).count() == 7
    assert Stage.objects.filter(team__slug="quiet").count() == 7

    def current(name):
        stage, since = selectors.stage_current(acme, Interview.objects.get(remote_id=name))
        return stage.name, since

    assert current("advanced") == ("Reviewed", now - timedelta(days=5))
    assert current("rejected") == ("Rejected", now - timedelta(days=3))
    assert current("changed_mind") == ("Reviewed", now - timedelta(days=1))  # the latest decides
    assert current("held")[0] == "New" and current("undecided")[0] == "New"
    rejected = StageMove.objects.get(interview__remote_id="rejected")
    assert rejected.note == "Wants twice the budget" and rejected.user.username == "bob"
    assert rejected.to_stage.name == "Rejected" and rejected.from_stage is None
    assert CandidateStage.objects.count() == 3 and StageMove.objects.count() == 3
    assert Decision.objects.count() == 6  # the decisions themselves are untouched
    # "Awaiting my review" reads as before: bob decided on three of the five.
    from django.contrib.auth import get_user_model

    people = get_user_model().objects
    bob_waiting = selectors.unreviewed_by(selectors.candidate_rows(acme), people.get(username="bob"))
    assert sorted(bob_waiting.values_list("remote_id", flat=True)) == ["advanced", "undecided"]
