"""Redis restarted mid-sync and mid-import, a worker SIGKILLed mid-task: the end state is right.

The shared Redis at 6379 serves every test process running in parallel, so it is never touched:
each test starts its own `redis-server` without persistence and points this process and its
workers at it. Killing and restarting that server loses everything Redis held (queued tasks,
unacknowledged ones, sync locks, rate-limit buckets, cached scripts), as a crashed Redis with
no persistence would. The recovery path is what beat runs, called directly here.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest
import redis

from dashboard.ingestion import selectors as ingestion_selectors
from dashboard.ingestion import services as ingestion
from dashboard.ingestion import tasks as ingestion_tasks
from dashboard.ingestion.models import ImportJob, ImportRow
from dashboard.mirror import services as mirror
from dashboard.mirror import tasks as mirror_tasks
from dashboard.mirror.models import Interview, Posting, SyncRun, TranscriptLine
from heymilo.models import Interview as APIInterview
from tests.celery_fixtures import WorkerProcess
from tests.conftest import missing_service
from tests.ingestion.conftest import upload
from tests.ingestion.test_import import people
from tests.mirror.helpers import assert_mirror_matches, point_team_at
from tests.waiting import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]

REDIS_SERVER = shutil.which("redis-server")


# --- a private Redis ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A `redis-server` of this test's own, without persistence; .restart() loses all it held."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers():
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited with {self.proc.returncode}")
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        try:
            wait_for(answers, timeout=15, message=f"redis-server on port {self.port}")
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL, as a crashed host would: nothing is saved, connections just drop."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def restart(self, down_for: float = 0.0) -> None:
        """Kill, stay down `down_for` seconds, start again on the same port: whatever the old
        server held is lost."""
        with self.client() as client:
            client.set("private-redis:before-restart", 1)
        self.kill()
        time.sleep(down_for)
        self.start()
        with self.client() as client:
            assert not client.exists("private-redis:before-restart"), "the restart kept data"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)


@pytest.fixture
def private_redis(tmp_path):
    if REDIS_SERVER is None:
        missing_service("redis-server is not on PATH (apt-get install redis-server)")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


def _reset_celery_connections(app) -> None:
    """Celery caches its broker pool, producer pool and result backend on first use; they must be
    rebuilt for a new broker URL (what Celery itself does in a forked child)."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    # kombu keeps producer pools in a process-wide registry keyed by connection: a closed one
    # would be handed back for the same URL later ("Acquire on closed pool"). Clear them all.
    pools.reset()
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


@pytest.fixture
def use_private_redis(private_redis, settings, monkeypatch):
    """Points this process's broker, result backend, cache and rate limiter at the private Redis."""
    from celery import current_app

    from dashboard.core.heymilo_api import shared_rate_limiter
    from dashboard.webhooks import processing as webhooks

    # The receiver keeps a Redis client of its own and a "broker down" pause: neither may carry
    # the shared Redis (or an earlier test's outage) into this test.
    monkeypatch.setattr(webhooks, "_lane_client", None)
    monkeypatch.setattr(webhooks, "_broker_paused_until", 0.0)

    app = current_app._get_current_object()
    saved = app.conf.broker_url, app.conf.result_backend
    settings.REDIS_URL = settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = private_redis.url
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": os.environ["CACHE_KEY_PREFIX"],
        }
    }
    app.conf.broker_url = app.conf.result_backend = private_redis.url
    _reset_celery_connections(app)
    shared_rate_limiter.cache_clear()
    yield private_redis
    app.conf.broker_url, app.conf.result_backend = saved
    _reset_celery_connections(app)
    shared_rate_limiter.cache_clear()


@pytest.fixture
def start_private_worker(use_private_redis, transactional_db):
    """Factory: a real Celery worker process on the private Redis; all are stopped afterwards
    (before the Redis goes, so a warm shutdown can hand back what it held)."""
    workers: list[WorkerProcess] = []

    def _start(**kwargs) -> WorkerProcess:
        worker = WorkerProcess(use_private_redis.url, **kwargs)
        workers.append(worker)
        return worker

    _start.workers = workers
    yield _start
    for worker in workers:
        worker.stop()


# --- Redis restarted mid-sync ----------------------------------------------------------------

# Small pages make a sync of the test sandbox (3 postings x 25) take 16 steps; a short lock TTL
# as in tests/mirror/test_worker_sync.py.
SYNC_ENV = {"HEYMILO_PAGE_SIZE": "5", "SYNC_LOCK_TTL": "3", "HEYMILO_READ_TIMEOUT": "2"}


def beat_until_settled(team, worker=None) -> SyncRun:
    """What beat does every SYNC_INTERVAL_MINUTES (sync_all_teams), repeated while the team still
    has an active run whose worker is gone, until none is active; returns the newest run. If
    they never settle, the failure says what each run and the worker (if given) were doing."""
    mirror_tasks.sync_all_teams()

    def settled():
        active = list(SyncRun.objects.for_team(team).active())
        if active and not any(mirror.is_alive(run) for run in active):
            mirror_tasks.sync_all_teams()  # the next beat: ends the dead run, starts anew
        return not active

    try:
        wait_for(settled, timeout=120, interval=0.5, message="the team's syncs to settle")
    except AssertionError as timed_out:
        runs = [
            (run, mirror.is_alive(run) if run.is_active else None)
            for run in SyncRun.objects.for_team(team).order_by("id")
        ]
        states = [(r.id, r.state, r.pages_done, r.message, alive) for r, alive in runs]
        log = worker.log()[-4000:] if worker else ""
        raise AssertionError(f"{timed_out}: runs {states}\n{log}") from None
    return SyncRun.objects.for_team(team).filter(scope=SyncRun.Scope.TEAM).first()


# Back at once: a step in flight may still enqueue the next page on the new server. Down for a
# while: the step's enqueue fails as well, and only beat can pick the work up again.
DOWN_FOR = pytest.mark.parametrize("down_for", [0.0, 3.0], ids=["back-at-once", "down-3s"])


@pytest.mark.slow
@DOWN_FOR
def test_a_redis_restart_mid_sync_ends_in_an_exact_mirror_after_beat(
    start_private_worker, private_redis, team, sandbox, settings, down_for
):
    settings.HEYMILO_PAGE_SIZE, settings.SYNC_LOCK_TTL = 5, 3
    point_team_at(team, sandbox)
    sandbox.add_fault("latency", seconds=0.3, rate=1.0)  # 16 pages: several seconds
    worker = start_private_worker(extra_env=SYNC_ENV)
    first = mirror.sync_request(team)
    wait_for(
        lambda: SyncRun.objects.get(id=first.id).pages_done >= 4, timeout=60, message="the sync to get going"
    )
    private_redis.restart(down_for)  # the queued next page, the lock and the buckets are gone
    first.refresh_from_db()
    assert not first.is_finished and first.pages_done < 16  # it really was cut mid-run
    sandbox.clear_faults()

    # Beat's next rounds: whatever survived of the first run (its chain may or may not have
    # outlived the restart), they end with a finished sync of the team and nothing running.
    run = beat_until_settled(team, worker)
    assert run.state == SyncRun.State.DONE, run.message + worker.log()[-4000:]
    # And the round after writes nothing: the mirror was already complete and exact.
    again = beat_until_settled(team, worker)
    assert again.id != run.id and again.state == SyncRun.State.DONE, again.message
    runs = list(
        SyncRun.objects.order_by("id").values_list(
            "id", "state", "outcome", "pages_done", "rows_created", "rows_updated", "rows_unchanged"
        )
    )
    assert (again.rows_created, again.rows_updated, again.rows_missing) == (0, 0, 0), runs
    assert again.rows_unchanged == 78  # 3 postings + 75 interviews, each seen once

    assert assert_mirror_matches(team, sandbox) == 75
    assert Posting.objects.count() == 3 and Interview.objects.count() == 75  # no duplicate rows
    lines = sum(
        len(APIInterview.from_dict(i).transcript)
        for p in sandbox.postings()
        for i in sandbox.interviews(p["posting_id"])
    )
    assert TranscriptLine.objects.count() == lines  # no transcript written twice
    # No run is left "running" forever: the cut one ended (succeeded if its chain survived the
    # restart, interrupted if beat took over), and nothing is active.
    assert not SyncRun.objects.active().exists(), list(SyncRun.objects.values("id", "state"))
    first.refresh_from_db()
    assert first.state in {SyncRun.State.DONE, SyncRun.State.INTERRUPTED}


def test_a_sync_interrupted_while_its_page_is_out_stays_interrupted(
    start_private_worker, private_redis, team, sandbox, settings
):
    settings.HEYMILO_PAGE_SIZE, settings.SYNC_LOCK_TTL = 5, 3
    point_team_at(team, sandbox)
    sandbox.add_fault("latency", seconds=3, rate=1.0)
    start_private_worker(extra_env=SYNC_ENV | {"HEYMILO_READ_TIMEOUT": "10"})
    first = mirror.sync_request(team)
    wait_for(
        lambda: SyncRun.objects.get(id=first.id).state == SyncRun.State.RUNNING,
        timeout=30,
        message="the first page to be out",
    )
    private_redis.restart()  # the lock is gone while the page is out...
    second = mirror.sync_request(team)  # ...so the next request ends the run and starts anew
    assert second.id != first.id
    first.refresh_from_db()
    assert (first.state, first.outcome) == (SyncRun.State.INTERRUPTED, "interrupted")
    sandbox.clear_faults()
    wait_for(lambda: SyncRun.objects.get(id=second.id).is_finished, timeout=60, message="the new run")
    wait_for(lambda: not SyncRun.objects.active().exists(), timeout=60, message="every run to end")
    first.refresh_from_db()
    # Its late page was written (upserts are harmless) but the run stays as sync_request ended it.
    assert (first.state, first.outcome) == (SyncRun.State.INTERRUPTED, "interrupted")
    assert SyncRun.objects.get(id=second.id).state == SyncRun.State.DONE
    assert_mirror_matches(team, sandbox)


# --- Redis restarted mid-import ----------------------------------------------------------------


@pytest.fixture
def private_uploads(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }


def live_posting(team, sandbox) -> Posting:
    point_team_at(team, sandbox)
    doc = sandbox.postings()[0]
    return Posting.objects.create(
        team=team, remote_id=doc["posting_id"], title=doc["title"], url_key=doc["url_key"]
    )


def assert_each_email_ingested_once(sandbox, posting, rows: int, job: ImportJob):
    """HeyMilo (the sandbox's own record) holds one interview per email, no more, and the job
    recorded exactly those."""
    remote = [r for r in sandbox.state()["ingested"] if r["posting_id"] == posting.remote_id]
    emails = sorted(r["email"].lower() for r in remote)
    assert emails == sorted(f"person{n}@example.com" for n in range(rows))  # none twice
    recorded = list(job.rows.values_list("outcome", "interview_id"))
    assert {outcome for outcome, _ in recorded} == {ImportRow.Outcome.INGESTED}
    assert sorted(i for _, i in recorded) == sorted(r["interview_id"] for r in remote)


@DOWN_FOR
def test_a_redis_restart_mid_import_ingests_every_row_once_after_beat(
    start_private_worker, private_redis, private_uploads, team, admin, sandbox, settings, down_for
):
    rows = 1000
    settings.INGEST_CHUNK_SIZE, settings.INGEST_STALL_SECONDS = 50, 2
    posting = live_posting(team, sandbox)
    sandbox.add_fault("latency", seconds=0.3, rate=1.0)  # 20 chunks: several seconds
    worker = start_private_worker(extra_env={"INGEST_CHUNK_SIZE": "50", "INGEST_STALL_SECONDS": "2"})
    job = ingestion.import_create(
        team, posting=posting, user=admin, upload=upload("people.csv", people(rows)), retake=False
    )
    assert job.rows_valid == rows
    assert ingestion.import_start(job)
    ingested = lambda: job.rows.filter(outcome=ImportRow.Outcome.INGESTED).count()  # noqa: E731
    wait_for(lambda: ingested() >= 200, timeout=60, message="the import to get going")
    # Restart while a chunk is out: its rows are marked sent, their answer not yet recorded.
    wait_for(lambda: job.rows.filter(outcome=ImportRow.Outcome.SENT).exists(), timeout=10)
    private_redis.restart(down_for)
    assert ingested() < rows
    sandbox.clear_faults()

    # Beat's safety net, every second here instead of every minute.
    def beat():
        ingestion_tasks.resume_stalled_imports()
        job.refresh_from_db()
        return job.is_finished

    wait_for(beat, timeout=120, interval=1.0, message="the import to finish after the restart")
    assert job.state == ImportJob.State.DONE, job.message + worker.log()[-4000:]
    assert_each_email_ingested_once(sandbox, posting, rows, job)
    progress = ingestion_selectors.import_progress(job)
    assert (progress["total"], progress["done"], progress["ingested"]) == (rows, rows, rows)
    assert (progress["failed"], progress["unknown"]) == (0, 0)


# --- two chains of one import ------------------------------------------------------------------


def test_two_chains_of_one_import_with_retakes_on_ingest_each_row_once(
    start_private_worker, private_uploads, team, admin, sandbox, settings
):
    """A restart can leave two chains of one import: Celery hands the in-flight message back to
    the queue when its connection drops, while the task itself already queued the next chunk
    (and a resume can race a slow queue). Two worker processes then run steps of one job."""
    rows = 100
    settings.INGEST_CHUNK_SIZE = 10
    posting = live_posting(team, sandbox)
    sandbox.add_fault("latency", seconds=0.2, rate=1.0)
    start_private_worker(concurrency=2, extra_env={"INGEST_CHUNK_SIZE": "10"})
    job = ingestion.import_create(
        team, posting=posting, user=admin, upload=upload("people.csv", people(rows)), retake=True
    )
    assert ingestion.import_start(job)
    ingestion_tasks.run_import.delay(job.id)  # the redelivered twin
    job = wait_for(
        lambda: (j := ImportJob.objects.get(id=job.id)).is_finished and j,
        timeout=120,
        interval=0.2,
        message="the import",
    )
    assert job.state == ImportJob.State.DONE, job.message
    assert_each_email_ingested_once(sandbox, posting, rows, job)


def test_two_steps_of_one_import_choosing_the_same_chunk_send_it_once_with_retakes_on(
    use_private_redis, private_uploads, team, admin, sandbox, monkeypatch
):
    """The race above made certain: each step waits, just before marking its rows sent, for the
    other to get there too. Unguarded, both send the chunk and HeyMilo makes every interview
    twice (retakes on); guarded, the second step waits for the first and sends nothing."""
    posting = live_posting(team, sandbox)
    job = ingestion.import_create(
        team, posting=posting, user=admin, upload=upload("people.csv", people(10)), retake=True
    )
    assert ingestion.import_start(job)  # queued on the private broker, which no worker reads
    both_chose = threading.Barrier(2)
    real_set = ingestion._set

    def set_when_both_chose(rows, outcome, *args, **kwargs):
        if outcome == ImportRow.Outcome.SENT:
            # Broken (after 3 s) when the other step is kept out until this one is done: fine.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_chose.wait(timeout=3)
        real_set(rows, outcome, *args, **kwargs)

    monkeypatch.setattr(ingestion, "_set", set_when_both_chose)
    errors = []

    def step():
        from django.db import connection

        try:
            ingestion.import_step(job.id)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=step) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert ingestion.import_step(job.id) is False  # the next step finds nothing left: done
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    assert_each_email_ingested_once(sandbox, posting, 10, job)


# --- a worker SIGKILLed while processing a webhook delivery ------------------------------------


def test_a_delivery_whose_worker_is_killed_mid_processing_is_processed_once_after_restart(
    start_private_worker, team, sandbox, settings, client
):
    from dashboard.webhooks import tasks as webhook_tasks
    from dashboard.webhooks.models import Delivery
    from tests.webhooks.helpers import hook_url

    # A dead worker's locks expire after 3 s; the sweep looks at deliveries of any age and takes
    # back those left "processing" for over 2 s.
    env = {"SYNC_LOCK_TTL": "3", "HEYMILO_READ_TIMEOUT": "30"}
    settings.SYNC_LOCK_TTL, settings.WEBHOOK_SWEEP_AFTER_SECONDS = 3, 0
    settings.WEBHOOK_PROCESSING_TIMEOUT = 2
    point_team_at(team, sandbox)
    posting = sandbox.postings()[0]["posting_id"]
    doc = sandbox.interviews(posting)[0]
    remote_id = doc["interview_id"]
    sandbox.override_interview(remote_id, status="shortlisted")
    start_private_worker(extra_env=env)
    sandbox.add_fault("latency", seconds=20, rate=1.0)  # the worker waits on HeyMilo...
    body = f'{{"event_type": "interview_completed", "interview_id": "{remote_id}"}}'
    assert client.post(hook_url(team), body, content_type="application/json").status_code == 202
    delivery = Delivery.objects.get()
    verifying = SyncRun.objects.filter(
        scope=SyncRun.Scope.INTERVIEW, target=remote_id, state=SyncRun.State.RUNNING
    )
    wait_for(verifying.exists, timeout=30, message="the worker to start verifying the event")
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PROCESSING
    start_private_worker.workers[0].kill()  # ...and dies there: no cleanup, no acknowledgement
    sandbox.clear_faults()
    assert not Interview.objects.filter(remote_id=remote_id).exists()
    wait_for(
        lambda: not mirror.is_alive(verifying.get()), timeout=15, message="the dead worker's lock to expire"
    )

    start_private_worker(extra_env=env)

    def swept():
        webhook_tasks.process_pending_deliveries()  # beat's sweep, every half second here
        delivery.refresh_from_db()
        return delivery.state not in {Delivery.State.RECEIVED, Delivery.State.PROCESSING}

    wait_for(swept, timeout=30, interval=0.5, message="the delivery to be processed after the restart")
    assert delivery.state == Delivery.State.PROCESSED, delivery.reason
    assert delivery.attempts == 2  # the killed attempt and the one that completed
    # Verified for real (fetched and mirrored), not waved through as a duplicate of itself.
    row = Interview.objects.get(team=team, remote_id=remote_id)
    assert row.status == "shortlisted"
    runs = SyncRun.objects.filter(scope=SyncRun.Scope.INTERVIEW, target=remote_id)
    assert runs.filter(state=SyncRun.State.DONE).count() == 1
    assert not SyncRun.objects.active().exists(), list(runs.values("id", "state"))
