"""The team's decision is each candidate's latest Decision, which every decision write marks
current: the tables join that one row, so a candidate shows once, with the latest decision,
whatever was decided, bulk-decided or undone before."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from dashboard.review import services
from dashboard.review.forms import CandidateFilter
from dashboard.review.models import BulkDecision, Decision
from dashboard.review.selectors import candidates
from tests.migrations import latest, migrate, migrate_to_latest
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db


def current(interview) -> list[str]:
    return list(Decision.objects.filter(interview=interview, current=True).values_list("value", flat=True))


def table(team, user, sort: str) -> list[tuple[str, str | None]]:
    form = CandidateFilter({"sort": sort})
    assert form.is_valid()
    return list(form.apply(candidates(team, user), user).values_list("remote_id", "decision"))


def bulk(team, user, rows, value: str) -> BulkDecision:
    return services.bulk_decision_record(
        team, user=user, interviews=candidates(team, user).filter(pk__in=[r.pk for r in rows]), value=value
    )


def test_the_latest_decision_is_the_one_current_and_the_table_shows_each_candidate_once(team, reviewer):
    posting = make_posting(team)
    ada, bob = make_interview(team, posting), make_interview(team, posting)
    for value in ("reject", "hold", "advance"):
        services.decision_record(team, user=reviewer, interview=ada, value=value)
    services.decision_record(team, user=reviewer, interview=bob, value="hold")
    assert current(ada) == ["advance"] and current(bob) == ["hold"]
    assert Decision.objects.filter(interview=ada).count() == 3  # the history stays
    for sort in ("decision", "-decision", "rating", "-team"):
        rows = table(team, reviewer, sort)
        assert sorted(rows) == sorted([(ada.remote_id, "advance"), (bob.remote_id, "hold")]), sort


def test_a_bulk_decision_becomes_current_and_its_undo_brings_back_what_stood_before(team, reviewer, admin):
    posting = make_posting(team)
    decided, fresh, later = (make_interview(team, posting) for _ in range(3))
    services.decision_record(team, user=admin, interview=decided, value="hold")
    batch = bulk(team, reviewer, [decided, fresh, later], "reject")
    assert current(decided) == current(fresh) == current(later) == ["reject"]
    # Decided again after the batch: undoing the batch leaves that later decision standing.
    services.decision_record(team, user=admin, interview=later, value="advance")
    assert services.bulk_action_undo(batch, user=reviewer)
    assert current(decided) == ["hold"] and current(fresh) == [] and current(later) == ["advance"]
    assert dict(table(team, reviewer, "decision")) == {
        decided.remote_id: "hold",
        fresh.remote_id: None,
        later.remote_id: "advance",
    }


def test_an_undo_of_more_candidates_than_one_statement_takes_marks_them_all(
    team, reviewer, admin, monkeypatch
):
    monkeypatch.setattr(services, "CHUNK", 2)
    posting = make_posting(team)
    rows = [make_interview(team, posting) for _ in range(5)]
    for row in rows:
        services.decision_record(team, user=admin, interview=row, value="hold")
    batch = bulk(team, reviewer, rows, "advance")
    assert services.bulk_action_undo(batch, user=reviewer)
    assert [current(row) for row in rows] == [["hold"]] * 5


def test_the_mark_follows_when_decisions_were_made_not_their_ids(team, reviewer):
    # An imported or migrated decision can be older than one saved before it.
    row = make_interview(team, make_posting(team))
    now = timezone.now()
    newer = Decision.objects.create(team=team, interview=row, value="advance", created_at=now)
    Decision.objects.create(team=team, interview=row, value="reject", created_at=now - timedelta(days=2))
    services.decisions_current_mark([row.pk])
    assert current(row) == ["advance"] and Decision.objects.get(current=True) == newer


def test_a_second_current_decision_is_refused_by_the_database(team, reviewer):
    row = make_interview(team, make_posting(team))
    services.decision_record(team, user=reviewer, interview=row, value="hold")
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(team=team, interview=row, value="advance", current=True)
    assert current(row) == ["hold"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_each_interviews_latest_decision():
    old = migrate([("review", "0008_audit_scorecard")] + [leaf for leaf in latest() if leaf[0] != "review"])
    now = timezone.now()
    try:
        team = old.get_model("accounts", "Team").objects.create(slug="acme", name="Acme")
        posting = old.get_model("mirror", "Posting").objects.create(
            team=team, remote_id="p1", title="Engineer"
        )
        interviews = old.get_model("mirror", "Interview").objects
        made = {
            name: interviews.create(team=team, posting=posting, remote_id=name, name=name)
            for name in ("once", "changed_mind", "older_saved_later", "undecided")
        }
        decisions = old.get_model("review", "Decision").objects
        for name, value, days_ago in (
            ("once", "hold", 3),
            ("changed_mind", "reject", 5),
            ("changed_mind", "advance", 1),
            ("older_saved_later", "advance", 1),
            ("older_saved_later", "reject", 4),
        ):
            decisions.create(
                team=team, interview=made[name], value=value, created_at=now - timedelta(days=days_ago)
            )
    finally:
        migrate_to_latest()

    marked = dict(Decision.objects.filter(current=True).values_list("interview__remote_id", "value"))
    assert marked == {"once": "hold", "changed_mind": "advance", "older_saved_later": "advance"}
    assert Decision.objects.filter(current=False).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_on_one_candidate_at_once_both_land_and_the_later_is_current(
    team, reviewer, admin
):
    """The second waits for the first's transaction instead of failing on one_current_decision
    after the first unmarked what came before: on PostgreSQL the candidate's row is locked, SQLite
    lets one writer at a time."""
    import threading

    from django.db import connection

    row = make_interview(team, make_posting(team))
    services.decision_record(team, user=admin, interview=row, value="hold")
    first_written, errors = threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                services.decision_record(team, user=admin, interview=row, value="reject")
                first_written.set()
                # Still open while the second one starts: without the lock it would not wait.
                threading.Event().wait(1.0)
        except Exception as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            first_written.set()
            connection.close()

    def second():
        try:
            first_written.wait(10)
            services.decision_record(team, user=reviewer, interview=row, value="advance")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert current(row) == ["advance"]
    assert list(Decision.objects.filter(interview=row).values_list("value", flat=True)) == [
        "advance",
        "reject",
        "hold",
    ]
