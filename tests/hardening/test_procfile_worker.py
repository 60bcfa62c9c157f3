"""The worker exactly as the Procfile starts it survives Redis restarts during a sync, and takes
tasks again after one that came while every process was busy.

The other worker tests run `--pool solo --without-gossip --without-mingle --without-heartbeat`;
production runs the Procfile's line (prefork, and whatever that line and the Celery settings
turn on or off). That command is read from the Procfile here, so a change there is what this
test runs. Redis is a private one (see test_restarts.py): each restart loses everything it held.
"""

import random

import pytest
from django.db.models import Sum

from bench.common import procfile_command
from dashboard.mirror import services as mirror
from dashboard.mirror.models import Interview, Posting, SyncRun
from tests.hardening.test_restarts import (  # noqa: F401 - fixtures used by name
    SYNC_ENV,
    beat_until_settled,
    private_redis,
    start_private_worker,
    use_private_redis,
)
from tests.mirror.helpers import assert_mirror_matches, point_team_at
from tests.waiting import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

RESTARTS = 10


def pages_written(team) -> int:
    return SyncRun.objects.for_team(team).aggregate(n=Sum("pages_done"))["n"] or 0


def wait_for_a_sync_writing_pages(team, worker) -> None:
    """Beat's round (sync_request starts a sync, or finds the live one) until the worker has taken
    a task from the queue again and pages of a running sync are being written: proof it consumes
    again, not just that it is alive."""
    before, lines = pages_written(team), len(worker.lines)

    def writing():
        assert worker.proc.poll() is None, "the worker exited:\n" + worker.log()[-6000:]
        mirror.sync_request(team)
        received = any("] received" in line for line in worker.lines[lines:])
        return (
            received
            and pages_written(team) >= before + 2
            and SyncRun.objects.for_team(team).filter(state=SyncRun.State.RUNNING).exists()
        )

    wait_for(writing, timeout=90, interval=0.3, message="the worker to write pages of a sync")


@pytest.mark.slow
def test_the_procfile_worker_survives_ten_redis_restarts_mid_sync_and_the_mirror_is_exact(
    start_private_worker,  # noqa: F811 - the fixture imported above
    private_redis,  # noqa: F811 - the fixture imported above
    team,
    sandbox,
    settings,
):
    settings.HEYMILO_PAGE_SIZE, settings.SYNC_LOCK_TTL = 5, 3
    point_team_at(team, sandbox)
    sandbox.add_fault("latency", seconds=0.3, rate=1.0)  # a run of 16 pages: several seconds
    command = procfile_command("worker")
    assert command[:4] == ["celery", "-A", "dashboard", "worker"], command
    worker = start_private_worker(argv=command, extra_env=SYNC_ENV)
    pid = worker.proc.pid
    down_for = random.Random(25)

    for restart in range(1, RESTARTS + 1):
        wait_for_a_sync_writing_pages(team, worker)
        private_redis.restart(down_for.uniform(3.0, 5.0))  # tasks, lock, buckets: all gone
        assert worker.proc.poll() is None, f"the worker exited at restart {restart}:\n" + worker.log()[-6000:]
    wait_for_a_sync_writing_pages(team, worker)  # and it works after the last one too
    assert worker.proc.pid == pid and worker.proc.poll() is None
    assert "Unrecoverable error" not in worker.log(), worker.log()[-6000:]
    sandbox.clear_faults()

    # Beat's recovery path: the cut runs end, a full sync completes, the next one writes nothing.
    run = beat_until_settled(team, worker)
    assert run.state == SyncRun.State.DONE, run.message + worker.log()[-4000:]
    again = beat_until_settled(team, worker)
    assert again.id != run.id and again.state == SyncRun.State.DONE, again.message
    assert (again.rows_created, again.rows_updated, again.rows_missing) == (0, 0, 0)
    assert assert_mirror_matches(team, sandbox) == 75
    assert Posting.objects.count() == 3 and Interview.objects.count() == 75  # no duplicate rows
    assert not SyncRun.objects.active().exists(), list(SyncRun.objects.values("id", "state"))
    assert worker.proc.poll() is None  # still the one process, after all of it


@pytest.mark.slow
def test_a_worker_busy_in_every_process_when_redis_goes_takes_tasks_again_after(
    start_private_worker,  # noqa: F811 - the fixture imported above
    private_redis,  # noqa: F811 - the fixture imported above
    team,
    sandbox,
    settings,
):
    """The Procfile's worker with one process, so one task in hand fills every prefetch slot, as
    four long tasks do for the Procfile's four. Redis goes away mid-task: with no slot free no
    BRPOP is waiting, so nothing tells the consumer, and the task's acknowledgement fails once it
    ends. Before dashboard.ops.worker.RedisRestartWatch the worker never took a task again."""
    settings.HEYMILO_PAGE_SIZE = 5
    point_team_at(team, sandbox)
    command = procfile_command("worker")
    command[command.index("--concurrency") + 1] = "1"
    worker = start_private_worker(
        argv=command, extra_env={"HEYMILO_PAGE_SIZE": "5", "HEYMILO_READ_TIMEOUT": "30"}
    )
    sandbox.add_fault("latency", seconds=6.0, rate=1.0)  # each step of the sync: seconds in hand
    first = mirror.sync_request(team)
    wait_for(
        lambda: SyncRun.objects.get(id=first.id).state == SyncRun.State.RUNNING,
        timeout=60,
        message="the worker to start the sync",
    )
    lines = len(worker.lines)
    private_redis.kill()

    # The step in hand ends with Redis gone, and its acknowledgement fails.
    wait_for(
        lambda: any("Couldn't ack" in line for line in worker.lines[lines:]),
        timeout=120,
        message="the step in hand to end unacknowledged",
    )
    private_redis.start()
    sandbox.clear_faults()
    lines = len(worker.lines)

    # Beat's round: the cut run ends (its lock went with Redis) and a new one is queued.
    run = mirror.sync_request(team)
    assert run.id != first.id
    try:
        wait_for(
            lambda: any("] received" in line for line in worker.lines[lines:]),
            timeout=60,
            message="the worker to take a task again",
        )
    except AssertionError as stuck:
        raise AssertionError(f"{stuck}\n{worker.log()[-4000:]}") from None
    run = beat_until_settled(team, worker)
    assert run.state == SyncRun.State.DONE, run.message
    assert assert_mirror_matches(team, sandbox) == 75
