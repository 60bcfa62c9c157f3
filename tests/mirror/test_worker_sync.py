"""Sync through real Celery worker processes on the real Redis, against the sandbox."""

import threading

import pytest

from dashboard.mirror import services
from dashboard.mirror.models import Interview, SyncRun
from tests.mirror.helpers import assert_mirror_matches, point_team_at
from tests.waiting import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

# Small pages make a sync of the test sandbox (3 postings x 25) take 16 steps.
WORKER_ENV = {"HEYMILO_PAGE_SIZE": "5", "SYNC_LOCK_TTL": "3", "HEYMILO_READ_TIMEOUT": "2"}


@pytest.fixture
def worker_settings(settings):
    settings.HEYMILO_PAGE_SIZE = 5
    settings.SYNC_LOCK_TTL = 3


def finished(run_id):
    run = SyncRun.objects.get(id=run_id)
    return run if run.is_finished else None


def test_a_worker_mirrors_the_sandbox_and_a_second_sync_writes_nothing(
    start_worker, worker_settings, team, sandbox
):
    worker = start_worker(extra_env=WORKER_ENV)
    point_team_at(team, sandbox)
    first = services.sync_request(team)
    run = wait_for(lambda: finished(first.id), timeout=60, message="the first sync")
    assert run.state == SyncRun.State.DONE, run.message + worker.log()[-3000:]
    assert run.pages_done == 16
    assert_mirror_matches(team, sandbox)
    second_id = services.sync_request(team).id
    second = wait_for(lambda: finished(second_id), timeout=60, message="the second sync")
    assert (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 0, 78)


def test_concurrent_requests_sync_once(start_worker, worker_settings, team, sandbox):
    start_worker(extra_env=WORKER_ENV)
    point_team_at(team, sandbox)
    runs, barrier = [], threading.Barrier(4)

    def ask():
        barrier.wait()
        runs.append(services.sync_request(team).id)
        from django.db import connection

        connection.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for run_id in set(runs):
        wait_for(lambda rid=run_id: finished(rid), timeout=60)
    states = list(SyncRun.objects.values_list("state", flat=True))
    # However the requests raced, exactly one run did the work; any other was skipped.
    assert states.count(SyncRun.State.DONE) == 1, states
    assert set(states) <= {SyncRun.State.DONE, SyncRun.State.SKIPPED}
    assert sandbox.state()["requests"][sandbox.api_key]["by_endpoint"]["GET /postings"] == 1
    assert_mirror_matches(team, sandbox)


def test_a_sync_killed_mid_run_is_completed_by_the_next(start_worker, worker_settings, team, sandbox):
    point_team_at(team, sandbox)
    sandbox.add_fault("latency", seconds=0.3, rate=1.0)
    worker = start_worker(extra_env=WORKER_ENV)
    run = services.sync_request(team)
    wait_for(
        lambda: SyncRun.objects.get(id=run.id).pages_done >= 4, timeout=60, message="the sync to get going"
    )
    worker.kill()  # SIGKILL: no cleanup, the lock and the run are left behind
    run.refresh_from_db()
    assert run.state == SyncRun.State.RUNNING
    partial = Interview.objects.count()
    assert 0 < partial < 75
    sandbox.clear_faults()
    # Until the dead worker's lock expires, asking again returns the same (stuck) run.
    wait_for(
        lambda: not services.is_alive(SyncRun.objects.get(id=run.id)),
        timeout=15,
        message="the dead worker's lock to expire",
    )
    second = services.sync_request(team)
    assert second.id != run.id
    # The dead worker's next step may still be queued: the new worker must not revive the run.
    start_worker(extra_env=WORKER_ENV)
    run.refresh_from_db()
    assert run.state == SyncRun.State.INTERRUPTED
    done = wait_for(lambda: finished(second.id), timeout=60, message="the second sync")
    assert done.state == SyncRun.State.DONE
    # What the killed run wrote stays; the next run only adds the rest.
    assert done.rows_created == 75 - partial
    assert_mirror_matches(team, sandbox)
    assert Interview.objects.count() == 75


def test_one_teams_long_sync_does_not_starve_anothers(
    start_worker, worker_settings, team, other_team, sandbox
):
    point_team_at(team, sandbox)
    point_team_at(other_team, sandbox, key=sandbox.other_api_key)
    sandbox.add_fault("latency", seconds=0.15, rate=1.0)
    start_worker(extra_env=WORKER_ENV)  # one worker, one task at a time
    long = services.sync_request(team)
    wait_for(lambda: SyncRun.objects.get(id=long.id).pages_done >= 1, timeout=30)
    posting = sandbox.postings(key=sandbox.other_api_key)[0]["posting_id"]
    interview = sandbox.interviews(posting, key=sandbox.other_api_key)[0]["interview_id"]
    short = services.sync_request(other_team, scope=SyncRun.Scope.INTERVIEW, target=interview)
    short = wait_for(lambda: finished(short.id), timeout=60, message="the other team's refresh")
    long.refresh_from_db()
    # The refresh ran between the long sync's pages, not after all of them.
    assert short.state == SyncRun.State.DONE
    assert not long.is_finished and long.pages_done < 16
    wait_for(lambda: finished(long.id), timeout=60)


def most_in_any_window(times: list[float], window: float) -> int:
    times = sorted(times)
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def test_the_shared_limit_holds_across_two_workers_and_two_teams(
    start_worker, worker_settings, team, other_team, sandbox
):
    # A low limit (8 requests per 2 s per key) so the test shows it in seconds.
    env = {**WORKER_ENV, "HEYMILO_RATE_LIMIT": "8", "HEYMILO_RATE_PERIOD": "2"}
    start_worker(extra_env=env)
    start_worker(extra_env=env)
    point_team_at(team, sandbox)
    point_team_at(other_team, sandbox, key=sandbox.other_api_key)
    runs = [services.sync_request(team).id, services.sync_request(other_team).id]
    for run_id in runs:
        run = wait_for(lambda rid=run_id: finished(rid), timeout=90, message="both syncs")
        assert run.state == SyncRun.State.DONE, run.message
    requests = sandbox.state()["requests"]
    for key in (sandbox.api_key, sandbox.other_api_key):
        times = requests[key]["times"]
        assert len(times) == 16  # every page once, nothing refused by the sandbox
        # Arrival times wobble by network delay; a window shortened by that slack must still
        # never hold more than the limit (16 requests unlimited would arrive in well under 2 s).
        assert most_in_any_window(times, 2.0 - 0.25) <= 8
    assert_mirror_matches(team, sandbox)
    assert_mirror_matches(other_team, sandbox, key=sandbox.other_api_key)
