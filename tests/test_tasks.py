"""HeyMiloTask, the one base of every Celery task: which errors it retries, and how long it waits.

The first tests run tasks inline (task.apply, as in development without Redis); the last ones run
a real worker on the real Redis against the sandbox and read each retry's countdown from its log.
"""

import re

import pytest
from celery import shared_task
from celery.exceptions import Retry

from dashboard.core.tasks import RETRY_AFTER_MAX, HeyMiloTask, task_named
from dashboard.mirror.models import SyncRun
from heymilo.errors import NotFound, RateLimited, ServerError
from tests.mirror.helpers import point_team_at

calls: list[int] = []


@shared_task(base=HeyMiloTask, bind=True, name="tests.test_tasks.failing")
def failing(self, kind: str, times: int, retry_after: float | None = None) -> str:
    """Raises `kind` on its first `times` runs, then succeeds."""
    calls.append(self.request.retries)
    if len(calls) <= times:
        if kind == "500":
            raise ServerError("HeyMilo returned 500", status=500)
        if kind == "429":
            raise RateLimited("HeyMilo returned 429", status=429, retry_after=retry_after)
        if kind == "404":
            raise NotFound("HeyMilo returned 404", status=404)
        raise ValueError("a bug, not HeyMilo")
    return "done"


@shared_task(base=HeyMiloTask, bind=True, name="tests.test_tasks.failing_on_a_worker")
def failing_on_a_worker(self, kind: str, retry_after: float | None = None) -> str:
    """Fails as on a worker; the retry Celery queues runs inline here (the tests' eager mode)."""
    if self.request.is_eager:
        return "the retry"
    if kind == "429":
        raise RateLimited("HeyMilo returned 429", status=429, retry_after=retry_after)
    raise ServerError("HeyMilo returned 500", status=500)


def worker_countdown(retries: int, kind: str = "500", retry_after: float | None = None) -> float:
    """The countdown Celery gives the retry of a try that failed on a worker after `retries`."""
    failing_on_a_worker.push_request(
        id=f"try-{retries}",
        retries=retries,
        is_eager=False,
        called_directly=False,
        args=(kind,),
        kwargs={"retry_after": retry_after},
    )
    try:
        with pytest.raises(Retry) as retry:
            failing_on_a_worker.run(kind, retry_after=retry_after)
    finally:
        failing_on_a_worker.pop_request()
    return retry.value.when


def test_retries_wait_growing_jittered_delays():
    by_try = [[worker_countdown(n) for _ in range(40)] for n in range(4)]
    for n, waits in enumerate(by_try):
        # Full jitter: anywhere from 0 up to 2, 4, 8, 16 s.
        assert all(0 <= wait <= 2 * 2**n for wait in waits), (n, waits)
    # Random, not one fixed schedule: 40 draws from 0..16 s are not all the same.
    assert len(set(by_try[3])) > 1
    # Growing: the longest wait before the fourth retry is longer than any before the first.
    assert max(by_try[3]) > max(by_try[0])
    # The last retry's bound (2 * 2**5 = 64 s) is capped at retry_backoff_max.
    last = HeyMiloTask.max_retries - 1
    assert all(worker_countdown(last) <= HeyMiloTask.retry_backoff_max == 60 for _ in range(20))


def test_a_retry_waits_at_least_the_servers_retry_after():
    assert {worker_countdown(0, "429", 30) for _ in range(10)} == {30}
    # A fraction of a second is rounded up, never down to "now".
    assert worker_countdown(0, "429", 2.2) >= 3
    # A broken header does not park the task for a day.
    assert worker_countdown(0, "429", 86_400) == RETRY_AFTER_MAX
    # A 429 without Retry-After waits the jittered backoff.
    assert 0 <= worker_countdown(0, "429", None) <= 2


@pytest.fixture(autouse=True)
def _fresh_calls():
    calls.clear()


def test_inline_it_retries_a_server_error_at_once_until_it_succeeds():
    # Inline mode has no broker to wait on. The failed tries end quietly (Celery's own eager
    # retry would raise Retry into the caller, the view, since tests propagate eager errors).
    failing.apply(args=("500", 2))
    assert calls == [0, 1, 2]


def test_inline_it_gives_up_after_max_retries():
    result = failing.apply(args=("500", 100), throw=False)
    assert result.failed()
    assert "HeyMilo returned 500" in str(result.result)
    assert calls == list(range(HeyMiloTask.max_retries + 1))


def test_a_not_found_is_not_retried():
    result = failing.apply(args=("404", 1), throw=False)
    assert result.failed()
    assert "HeyMilo returned 404" in str(result.result)
    assert calls == [0]


def test_a_bug_is_not_retried():
    result = failing.apply(args=("bug", 1), throw=False)
    assert result.failed()
    assert calls == [0]


def test_will_retry_says_what_celery_will_do():
    task = task_named("dashboard.mirror.tasks.run_sync")
    task.push_request(retries=0)
    try:
        assert task.will_retry(ServerError("x", status=500))
        assert not task.will_retry(NotFound("x", status=404))
        assert not task.will_retry(ValueError("not HeyMilo's"))
    finally:
        task.pop_request()
    task.push_request(retries=task.max_retries)
    try:
        assert not task.will_retry(ServerError("x", status=500))  # the last try
    finally:
        task.pop_request()


def test_services_reach_every_task_by_name():
    for name in (
        "dashboard.mirror.tasks.run_sync",
        "dashboard.ingestion.tasks.run_import",
        "dashboard.webhooks.tasks.process_delivery",
        "dashboard.accounts.tasks.check_connection",
    ):
        assert isinstance(task_named(name), HeyMiloTask), name
    with pytest.raises(KeyError):
        task_named("dashboard.mirror.tasks.no_such_task")


# --- a real worker ------------------------------------------------------------------------------


def retry_waits(log: str, task_id: str) -> list[int]:
    """The countdowns the worker logged for one task: "...[id] retry: Retry in 3s: ..."."""
    return [int(n) for n in re.findall(re.escape(task_id) + r"\] retry: Retry in (\d+)s", log)]


def interview_run(team, sandbox) -> SyncRun:
    """A one-request sync: fetching a single interview."""
    point_team_at(team, sandbox)
    remote_id = sandbox.interviews(sandbox.postings()[0]["posting_id"])[0]["interview_id"]
    return SyncRun.objects.create(team=team, scope=SyncRun.Scope.INTERVIEW, target=remote_id)


@pytest.mark.slow
@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_retries_500s_with_growing_jittered_delays(start_worker, team, sandbox):
    from dashboard.mirror import tasks

    # The client gives up at once, so each 500 is one try of the task.
    worker = start_worker(extra_env={"HEYMILO_MAX_RETRIES": "0"})
    run = interview_run(team, sandbox)
    sandbox.add_fault("error_500", count=3)

    result = tasks.run_sync.delay(run.id)
    result.get(timeout=60)

    run.refresh_from_db()
    assert run.state == SyncRun.State.DONE, worker.log()[-3000:]
    assert run.retries == 3
    waits = retry_waits(worker.log(), result.id)
    # Full jitter: each wait anywhere from 0 up to 2, 4, 8 s, the bound doubling each time.
    assert len(waits) == 3, worker.log()[-3000:]
    assert all(0 <= wait <= 2 * 2**n for n, wait in enumerate(waits)), waits


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_waits_out_a_429s_retry_after_then_finishes(start_worker, team, sandbox):
    from dashboard.mirror import tasks

    # The client gives up at once, so the retry is the task's own.
    worker = start_worker(extra_env={"HEYMILO_MAX_RETRIES": "0"})
    run = interview_run(team, sandbox)
    sandbox.add_fault("rate_limit", count=1, retry_after=3)

    result = tasks.run_sync.delay(run.id)
    result.get(timeout=60)

    run.refresh_from_db()
    assert run.state == SyncRun.State.DONE, worker.log()[-3000:]
    assert run.retries == 1
    # At least the server's 3 s, above any jittered first wait (at most 2 s).
    assert retry_waits(worker.log(), result.id) == [3]


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_does_not_retry_a_rejected_key(start_worker, team, sandbox):
    from dashboard.mirror import tasks

    worker = start_worker(extra_env={"HEYMILO_MAX_RETRIES": "0"})
    point_team_at(team, sandbox, key="revoked-key")
    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM)

    result = tasks.run_sync.delay(run.id)
    result.get(timeout=60)

    run.refresh_from_db()
    assert run.state == SyncRun.State.FAILED
    assert "rejected the team's API key" in run.message
    assert run.retries == 0
    assert retry_waits(worker.log(), result.id) == []
