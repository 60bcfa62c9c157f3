"""Sync against the sandbox over HTTP (tasks inline): exact mirror, quiet re-syncs, failures."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.accounts.models import KeyStatus
from dashboard.mirror import services
from dashboard.mirror.models import Interview, Posting, SyncRun, TranscriptLine
from tests.mirror.helpers import assert_mirror_matches, point_team_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_client(settings):
    # Keep retries quick and timeouts short: the sandbox answers on loopback.
    settings.HEYMILO_READ_TIMEOUT = 1
    settings.HEYMILO_PAGE_SIZE = 10  # several pages per posting, so paging is exercised


def sync(team):
    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    from dashboard.mirror.tasks import run_sync

    run_sync.apply(args=[run.id])
    run.refresh_from_db()
    return run


def test_it_mirrors_every_posting_and_interview_exactly(team, sandbox, fast_client):
    point_team_at(team, sandbox)
    run = sync(team)
    assert run.state == SyncRun.State.DONE, run.message
    total = assert_mirror_matches(team, sandbox)
    assert run.rows_created == total + len(sandbox.postings())
    # 1 postings page + 3 postings x 3 pages of 10 (25 interviews each)
    assert run.pages_done == run.pages_expected == 10
    # Pages are fetched ahead while the previous one is written, yet none is fetched in vain.
    assert sandbox.state()["requests"][sandbox.api_key]["total"] == 10


def test_a_second_sync_writes_nothing(team, sandbox, fast_client, django_assert_max_num_queries):
    point_team_at(team, sandbox)
    sync(team)
    lines = list(TranscriptLine.objects.values_list("id", flat=True))
    run = sync(team)
    assert (run.rows_created, run.rows_updated, run.rows_missing) == (0, 0, 0)
    assert run.rows_unchanged == Interview.objects.count() + Posting.objects.count()
    # Transcript rows were not rewritten either (same primary keys).
    assert list(TranscriptLine.objects.values_list("id", flat=True)) == lines


def test_it_updates_a_changed_interview(team, sandbox, fast_client):
    point_team_at(team, sandbox)
    sync(team)
    interview = sandbox.interviews(sandbox.postings()[0]["posting_id"])[0]
    sandbox.override_interview(interview["interview_id"], status="shortlisted", score=99.5)
    run = sync(team)
    assert run.rows_updated == 1
    row = Interview.objects.get(remote_id=interview["interview_id"])
    assert (row.status, row.score) == ("shortlisted", 99.5)
    assert_mirror_matches(team, sandbox)


def test_a_changed_transcript_is_reindexed_for_search(team, sandbox, fast_client):
    import json

    from dashboard.transcripts.search import search
    from heymilo.models import Interview as APIInterview
    from tests.mirror.helpers import assert_search_index_matches_lines

    point_team_at(team, sandbox)
    sync(team)
    doc = next(
        d
        for d in sandbox.interviews(sandbox.postings()[0]["posting_id"])
        if APIInterview.from_dict(d).transcript
    )
    old_text = APIInterview.from_dict(doc).transcript[0].text
    changed = APIInterview.from_dict(
        json.loads(json.dumps(doc).replace(json.dumps(old_text), json.dumps("Zanzibar quokka"), 1))
    )
    posting = Posting.objects.get(team=team, remote_id=doc["posting_id"])
    counts = services.interviews_upsert(team, items=[changed], posting=posting)
    assert counts.updated == 1
    assert_search_index_matches_lines()
    _, results = search(team, "zanzibar quokka", speaker="")
    assert [r.interview.remote_id for r in results] == [doc["interview_id"]]
    services.documents_reparse(team)  # the other bulk writer
    assert_search_index_matches_lines()


def test_it_marks_vanished_interviews_missing_and_keeps_them(team, sandbox, fast_client):
    point_team_at(team, sandbox)
    sync(team)
    gone = sandbox.interviews(sandbox.postings()[1]["posting_id"])[3]["interview_id"]
    sandbox.delete_interview(gone)
    run = sync(team)
    assert run.rows_missing == 1
    assert Interview.objects.get(remote_id=gone).missing is True
    assert_mirror_matches(team, sandbox)


def test_it_keeps_teams_apart(team, other_team, sandbox, fast_client):
    point_team_at(team, sandbox)
    point_team_at(other_team, sandbox, key=sandbox.other_api_key)
    sync(team)
    sync(other_team)
    assert_mirror_matches(team, sandbox)
    assert_mirror_matches(other_team, sandbox, key=sandbox.other_api_key)
    ours = set(Interview.objects.for_team(team).values_list("remote_id", flat=True))
    theirs = set(Interview.objects.for_team(other_team).values_list("remote_id", flat=True))
    assert ours and theirs and not ours & theirs


def test_a_rejected_key_fails_the_run_and_marks_the_key(team, sandbox, fast_client, login, admin):
    point_team_at(team, sandbox, key="revoked-key")
    run = sync(team)
    assert run.state == SyncRun.State.FAILED
    assert "rejected the team's API key" in run.message
    team.refresh_from_db()
    assert team.api_key_status == KeyStatus.INVALID
    home = login(admin).get("/").text
    assert "HeyMilo rejected the API key" in home
    assert "The last sync with HeyMilo failed" in home


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        ("error_500", {}),
        ("rate_limit", {"retry_after": 0}),
        ("rate_limit", {"retry_after": None}),
        ("malformed", {}),
        ("drop", {}),
        ("hang", {"seconds": 2}),
    ],
)
def test_it_survives_faults_with_a_correct_mirror(team, sandbox, fast_client, settings, kind, extra):
    settings.HEYMILO_MAX_RETRIES = 1
    point_team_at(team, sandbox)
    # Every other request fails for a while: the client's and the task's retries carry it.
    sandbox.add_fault(kind, count=4, **extra)
    run = sync(team)
    assert run.state == SyncRun.State.DONE, run.message
    assert run.retries >= 1
    assert_mirror_matches(team, sandbox)
    assert Interview.objects.values("remote_id").distinct().count() == Interview.objects.count()


def test_a_sync_that_gives_up_keeps_what_it_wrote_and_says_where(team, sandbox, fast_client, settings):
    settings.HEYMILO_MAX_RETRIES = 0
    settings.SYNC_STEP_SECONDS = 0  # one page per step, so the test can stop between pages
    point_team_at(team, sandbox)
    first_posting = sorted(p["posting_id"] for p in sandbox.postings())[0]
    sandbox.add_fault("error_500", count=1000)
    # Let the postings page and one interviews page through by faulting only afterwards.
    sandbox.clear_faults()
    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    services.sync_step(run)  # postings
    services.sync_step(run)  # first interviews page
    sandbox.add_fault("error_500", count=1000)
    from dashboard.mirror.tasks import run_sync

    run_sync.apply(args=[run.id])
    run.refresh_from_db()
    assert run.state == SyncRun.State.FAILED
    assert f"stopped at posting {first_posting}, interviews page 2" in run.message
    assert Interview.objects.for_team(team).count() == 10  # the page it wrote stays
    sandbox.clear_faults()
    assert sync(team).state == SyncRun.State.DONE  # the next run finishes the job
    assert_mirror_matches(team, sandbox)


def test_two_requests_share_one_live_run(team, sandbox, fast_client):
    point_team_at(team, sandbox)
    # Inline tasks run on commit; inside this test's transaction they wait, so both see run 1.
    first = services.sync_request(team)
    second = services.sync_request(team)
    assert first.id == second.id
    assert SyncRun.objects.count() == 1


def test_a_run_that_finds_the_lock_taken_is_skipped(team, sandbox, fast_client):
    from django.core.cache import cache

    point_team_at(team, sandbox)
    holder = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    cache.set(services.run_lock_key(holder), holder.id, 60)
    other = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    assert services.sync_step(other) is False
    other.refresh_from_db()
    assert other.state == SyncRun.State.SKIPPED
    assert Interview.objects.count() == 0


def test_refreshing_one_interview_reads_it_through(team, sandbox, fast_client):
    point_team_at(team, sandbox)
    doc = sandbox.interviews(sandbox.postings()[2]["posting_id"])[5]
    run = services.interview_refresh(team, remote_id=doc["interview_id"])
    assert run.state == SyncRun.State.DONE
    row = Interview.objects.get(team=team, remote_id=doc["interview_id"])
    assert row.name == doc["details"]["name"]
    missing = services.interview_refresh(team, remote_id="int_does_not_exist")
    assert (missing.state, missing.outcome) == (SyncRun.State.FAILED, "not_found")


def test_an_interview_of_another_key_is_not_found(team, sandbox, fast_client):
    point_team_at(team, sandbox)
    posting = sandbox.postings(key=sandbox.other_api_key)[0]["posting_id"]
    foreign = sandbox.interviews(posting, key=sandbox.other_api_key)[0]["interview_id"]
    run = services.interview_refresh(team, remote_id=foreign)
    assert run.outcome == "not_found"
    assert not Interview.objects.filter(remote_id=foreign).exists()


def test_sync_all_teams_skips_teams_without_a_usable_key(
    team, other_team, sandbox, django_capture_on_commit_callbacks
):
    from dashboard.mirror.tasks import sync_all_teams

    point_team_at(team, sandbox)
    other_team.set_api_key("bad")
    other_team.api_key_status = KeyStatus.INVALID
    other_team.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_all_teams.apply().get() == 1
    assert SyncRun.objects.get().team == team


def test_beat_ends_the_runs_whose_worker_died_whatever_their_scope(team, settings):
    """An interview's refresh whose worker host was killed is never asked for again when a later
    refresh finished its delivery: beat's round ends it (it stayed `running` in tests/cluster)."""
    from django.core.cache import cache

    from dashboard.mirror.tasks import sync_all_teams

    settings.SYNC_QUEUED_TIMEOUT = 60
    old = timezone.now() - timedelta(seconds=61)
    orphan = SyncRun.objects.create(team=team, scope=SyncRun.Scope.INTERVIEW, target="I-1", state="running")
    stale = SyncRun.objects.create(team=team, scope=SyncRun.Scope.POSTING, target="P-1", created_at=old)
    waiting = SyncRun.objects.create(team=team, scope=SyncRun.Scope.POSTING, target="P-2")
    alive = SyncRun.objects.create(team=team, scope=SyncRun.Scope.INTERVIEW, target="I-2", state="running")
    cache.set(services.run_lock_key(alive), alive.id, 60)

    sync_all_teams.apply().get()

    for run in (orphan, stale, waiting, alive):
        run.refresh_from_db()
    assert (orphan.state, orphan.outcome) == (SyncRun.State.INTERRUPTED, "interrupted")
    assert stale.state == SyncRun.State.INTERRUPTED
    assert waiting.state == SyncRun.State.QUEUED and alive.state == SyncRun.State.RUNNING


@pytest.mark.parametrize(("seconds", "steps"), [(0, 10), (60, 1)])
def test_a_step_writes_pages_for_its_time_budget(team, sandbox, fast_client, settings, seconds, steps):
    settings.SYNC_STEP_SECONDS = seconds
    point_team_at(team, sandbox)
    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)
    taken = 1
    while services.sync_step(run):
        taken += 1
    assert taken == steps
    assert run.state == SyncRun.State.DONE and run.pages_done == 10
    assert_mirror_matches(team, sandbox)


def test_sqlite_keeps_the_large_columns_of_an_interview_last():
    """Lists filter on `missing`; on SQLite a column after the 16 kB document costs a walk of the
    row's overflow pages (mirror migration 0002)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL stores large values out of line by itself")
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, "mirror_interview")]
    assert columns[-2:] == ["document", "content_hash"]
    assert {"missing", "synced_at", "team_id", "posting_id"} <= set(columns[:-2])


def test_a_finished_sync_leaves_the_query_planner_what_it_needs(team, sandbox, fast_client):
    """SQLite: table statistics, or it reads a page's rows through a posting's whole index.
    PostgreSQL (which analyzes by itself): indexes in the table's NULLS LAST orders."""
    from django.db import connection

    point_team_at(team, sandbox)
    assert sync(team).state == SyncRun.State.DONE
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'mirror_interview'")
            assert "interview_list_search" in {row[0] for row in cursor.fetchall()}
        else:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'mirror_interview'")
            assert {"interview_list_recent_pg", "interview_all_recent_pg", "interview_list_best_pg"} <= {
                row[0] for row in cursor.fetchall()
            }


def test_the_funnel_index_gets_statistics_when_the_database_has_some(team):
    """An index without statistics looks cheap to SQLite's planner, which then took it for the
    candidate table's first page and sorted every row; migration 0006 analyses its new index."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL plans from table statistics autovacuum keeps")
    migration = importlib.import_module("dashboard.mirror.migrations.0006_interview_list_steps")

    def steps_stats():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE idx = 'interview_list_steps'")
            return cursor.fetchone()[0]

    posting = Posting.objects.create(team=team, remote_id="P", title="Role")
    for n in range(3):  # SQLite keeps no statistics of an empty table
        Interview.objects.create(team=team, posting=posting, remote_id=f"i{n}", steps_complete=n)
    services.planner_statistics_refresh()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sqlite_stat1 WHERE idx = 'interview_list_steps'")
    # The function reads only the schema editor's connection (a real one refuses to open inside
    # the test's transaction on SQLite).
    migration.analyze_the_new_index(None, SimpleNamespace(connection=connection))
    assert steps_stats() == 1
