"""Decisions, ratings and notes: the team decision is the latest; the candidates query."""

import pytest
from django.db import IntegrityError

from dashboard.review.models import Decision, Rating
from dashboard.review.selectors import candidates
from dashboard.review.services import decision_record, rating_set
from tests.review.conftest import make_interview

pytestmark = pytest.mark.django_db


def test_it_takes_the_latest_decision_as_the_team_decision_and_keeps_history(team, reviewer, admin, posting):
    row = make_interview(team, posting)
    decision_record(team, interview=row, user=reviewer, value="hold", reason="Wait for references")
    decision_record(team, interview=row, user=admin, value="advance")
    assert candidates(team, reviewer).get(pk=row.pk).decision == "advance"
    assert list(row.decisions.values_list("value", flat=True)) == ["advance", "hold"]


def test_it_keeps_one_rating_per_user_and_annotates_only_mine(team, reviewer, admin, posting):
    row = make_interview(team, posting)
    rating_set(team, interview=row, user=reviewer, stars=2)
    rating_set(team, interview=row, user=reviewer, stars=4)
    rating_set(team, interview=row, user=admin, stars=1)
    assert Rating.objects.filter(interview=row).count() == 2
    assert candidates(team, reviewer).get(pk=row.pk).my_rating == 4
    with pytest.raises(IntegrityError):
        Rating.objects.create(team=team, interview=row, user=reviewer, stars=3)


def test_it_leaves_out_other_teams_and_missing_rows(team, other_team, reviewer, posting):
    mine = make_interview(team, posting)
    make_interview(team, posting, missing=True)
    make_interview(other_team)
    assert list(candidates(team, reviewer)) == [mine]
    assert Decision.objects.count() == 0
