"""One team's webhooks never starve another team's work (issue 25): a team's deliveries wait for its
rate limit in its own lane, off the workers, and a verification never fetches what is already fresh."""

import json
import time
import uuid

import pytest
import redis
from celery import current_app
from django.db import connection
from django.test import Client

from dashboard.mirror import services as mirror
from dashboard.mirror.models import Interview, SyncRun
from dashboard.webhooks import processing, tasks
from dashboard.webhooks.models import Delivery
from heymilo.ratelimit import BoundedWait, RateLimitWait, TokenBucket
from tests.mirror.helpers import point_team_at
from tests.waiting import wait_for
from tests.webhooks.helpers import hook_url, sync


def test_a_bounded_wait_sleeps_at_most_its_bound_in_all_then_raises():
    class AlwaysSoon:  # as a bucket with many waiters answers each: "a token in 0.4 s"
        def try_acquire(self, bucket):
            return 0.4

    slept = []
    limiter = BoundedWait(AlwaysSoon(), max_wait=1.0, sleep=slept.append)
    with pytest.raises(RateLimitWait) as raised:
        limiter.acquire("team-a")
    assert slept == [0.4, 0.4]  # 0.8 s in all; a third wait would pass the bound
    assert raised.value.retry_after == 0.4


@pytest.mark.django_db
def test_a_verification_does_not_fetch_an_interview_fetched_after_the_delivery_arrived(
    team, sandbox, django_capture_on_commit_callbacks
):
    sync(team, sandbox, django_capture_on_commit_callbacks)
    remote_id = Interview.objects.for_team(team).order_by("remote_id").first().remote_id
    # Three events for one interview arrive before any is processed (a burst, or forged copies
    # varying the event type so the dedup window does not catch them).
    ids = [
        Delivery.objects.create(
            team=team, method="GET", query={"event_type": event, "interview_id": remote_id}
        ).id
        for event in ("interview_started", "interview_completed", "report_available")
    ]
    before = _interview_fetches(sandbox)
    for delivery_id in ids:
        tasks.process_delivery.apply(args=(delivery_id,))
    rows = list(Delivery.objects.filter(id__in=ids).order_by("id"))
    assert [d.state for d in rows] == [Delivery.State.PROCESSED] * 3, [d.reason for d in rows]
    assert [d.reason for d in rows[1:]] == ["Already fetched from HeyMilo after this delivery arrived."] * 2
    assert _interview_fetches(sandbox) - before == 1  # one fetch, not three


def _interview_fetches(sandbox) -> int:
    counts = sandbox.state()["requests"].get(sandbox.api_key, {}).get("by_endpoint", {})
    return sum(n for endpoint, n in counts.items() if endpoint.startswith("GET /interview/"))


@pytest.fixture
def lanes(redis_url, monkeypatch, team):
    """A real Redis lane; task publishes are recorded instead of sent."""
    current_app.conf.task_always_eager = False  # tests/conftest.py restores it
    monkeypatch.setattr(processing, "_lane_client", redis.Redis.from_url(redis_url))
    published = []
    monkeypatch.setattr(
        tasks.process_lane,
        "apply_async",
        lambda args, *a, **k: published.append((args[0], k.get("countdown"))),
    )
    monkeypatch.setattr(
        tasks.process_delivery, "apply_async", lambda args, *a, **k: published.append(("delivery", args[0]))
    )
    keys = processing.lane_keys(team.id)
    processing.lane_redis().delete(*keys)
    yield published
    processing.lane_redis().delete(*keys)


def _lane(team) -> list[int]:
    return [int(i) for i in processing.lane_redis().lrange(processing.lane_keys(team.id)[0], 0, -1)]


BODY = json.dumps({"event_type": "interview_completed", "interview_id": "int-1", "posting_id": "p"})


@pytest.mark.django_db
def test_the_receiver_hands_deliveries_to_their_teams_lane_and_starts_one_task(
    client, team, lanes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert client.post(hook_url(team), BODY, content_type="application/json").status_code == 202
    ids = list(Delivery.objects.order_by("id").values_list("id", flat=True))
    assert _lane(team) == ids
    assert lanes == [(team.id, None)]  # one lane task for the three, no task per delivery

    assert processing.lane_work(team.id) == 3  # (failed: the team has no key to verify them with)
    assert not processing.lane_redis().exists(*processing.lane_keys(team.id))  # the next one starts a task
    with django_capture_on_commit_callbacks(execute=True):
        client.post(hook_url(team), BODY, content_type="application/json")
    assert lanes == [(team.id, None), (team.id, None)]


@pytest.mark.django_db
def test_a_delivery_pushed_as_the_lane_task_leaves_is_not_stranded(team, lanes, monkeypatch):
    """The race: a receiver pushes after the task's last pop, while the task still holds the flag,
    so it starts no task of its own; the leaving task must take that id."""
    first, second = (Delivery.objects.create(team=team, method="GET").id for _ in range(2))
    real = processing.lane_redis()
    processing.lane_push(team.id, delivery_id=first)
    assert lanes == [(team.id, None)]

    class PushWhenEmpty:
        pushed = False

        def __getattr__(self, name):
            return getattr(real, name)

        def lpop(self, *args):
            popped = real.lpop(*args)
            if popped is None and not self.pushed:
                self.pushed = True
                processing.lane_push(team.id, delivery_id=second)  # the flag is still held: no task started
            return popped

    monkeypatch.setattr(processing, "_lane_client", PushWhenEmpty())
    assert processing.lane_work(team.id) == 2
    assert lanes == [(team.id, None)]
    assert set(Delivery.objects.values_list("state", flat=True)) == {Delivery.State.UNRECOGNISED}
    assert _lane(team) == []


@pytest.mark.django_db
def test_it_stores_a_delivery_while_the_lane_redis_is_down_and_the_sweep_processes_it(
    client, team, lanes, monkeypatch, django_capture_on_commit_callbacks
):
    from tests.conftest import port_open

    dead = "redis://127.0.0.1:1/0"
    assert not port_open(dead, 1)
    monkeypatch.setattr(processing, "_lane_client", redis.Redis.from_url(dead, socket_connect_timeout=0.5))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(hook_url(team), BODY, content_type="application/json")
    assert response.status_code == 202
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.RECEIVED
    assert processing._broker_paused_until > 0  # the next deliveries answer at once
    assert lanes == []
    # Redis is back: the sweep sends it as a task of its own.
    monkeypatch.setattr(processing, "_lane_client", None)
    assert processing.deliveries_sweep(older_than=0) == 1
    assert lanes == [("delivery", delivery.id)]


@pytest.mark.django_db
def test_a_lane_whose_team_has_no_token_comes_back_later_instead_of_sleeping(
    team, sandbox, lanes, settings, monkeypatch
):
    from dashboard.core import heymilo_api

    point_team_at(team, sandbox)
    settings.WEBHOOK_MAX_RATE_WAIT = 0  # not even a short sleep: reschedule at once
    empty = TokenBucket(limit=60, period=60, burst=1, sleep=pytest.fail)
    assert empty.try_acquire(heymilo_api.HeyMiloClient(sandbox.api_key).bucket) == 0  # the only token
    monkeypatch.setattr(heymilo_api, "shared_rate_limiter", lambda: empty)
    delivery_id = Delivery.objects.create(
        team=team, method="GET", query={"event_type": "interview_completed", "interview_id": "int_anything"}
    ).id
    processing.lane_push(team.id, delivery_id=delivery_id)
    assert lanes == [(team.id, None)]  # the lane started

    assert processing.lane_work(team.id) == 0
    ((team_id, countdown),) = lanes[1:]
    assert team_id == team.id and 0 < countdown <= 60 / 59  # when the bucket has a token again
    delivery = Delivery.objects.get(id=delivery_id)
    assert (delivery.state, delivery.attempts) == (Delivery.State.RECEIVED, 0)  # no attempt spent
    assert delivery.reason == "Waiting for the team's rate limit."
    assert _lane(team) == [delivery_id]  # still first in line
    assert _interview_fetches(sandbox) == 0
    # Nothing was fetched, so the refresh it started says so instead of failing.
    run = SyncRun.objects.get(target="int_anything")
    assert (run.state, run.outcome) == (SyncRun.State.INTERRUPTED, "rate_limited")
    # While the lane holds its flag, the sweep leaves its deliveries to it.
    assert processing.deliveries_sweep(older_than=0) == 0


# --- through real worker processes ---------------------------------------------------------

# Small pages and slow answers make the other team's sync take 16 steps of a few tenths each.
WORKER_ENV = {"HEYMILO_PAGE_SIZE": "5", "SYNC_LOCK_TTL": "5", "HEYMILO_READ_TIMEOUT": "5"}
FLOOD = 1000


def _webhook_tasks_queued(client: redis.Redis, queue: str) -> int:
    messages = client.lrange(queue, 0, -1)
    return sum(json.loads(m)["headers"]["task"].startswith("dashboard.webhooks.tasks.") for m in messages)


def _sync_seconds(team) -> float:
    run = mirror.sync_request(team)
    run = wait_for(
        lambda: (r := SyncRun.objects.get(id=run.id)).is_finished and r,
        timeout=90,
        message="the other team's sync",
    )
    assert run.state == SyncRun.State.DONE, run.message
    return (run.finished_at - run.created_at).total_seconds()


@pytest.mark.slow
@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_flood_of_one_teams_webhooks_does_not_slow_another_teams_sync(
    start_worker, team, other_team, sandbox, settings, redis_url
):
    import os

    settings.HEYMILO_PAGE_SIZE = 5
    point_team_at(team, sandbox)
    point_team_at(other_team, sandbox, key=sandbox.other_api_key)
    sandbox.add_fault("latency", seconds=0.3, rate=1.0)
    worker = start_worker(concurrency=4, extra_env=WORKER_ENV)  # as the Procfile runs it
    _sync_seconds(other_team)  # fills its mirror: the two measured syncs do the same work
    solo = _sync_seconds(other_team)

    # A thousand forged deliveries, each naming an interview no one has seen: each needs a fetch
    # at team A's rate limit (300 a minute), over three minutes of work for A's key.
    client = Client()
    body = {"event_type": "interview_completed"}
    for _ in range(FLOOD):
        body["interview_id"] = f"int_forged_{uuid.uuid4().hex[:12]}"
        response = client.post(hook_url(team), json.dumps(body), content_type="application/json")
        assert response.status_code == 202
    connection.close()

    queue, broker = os.environ["CELERY_QUEUE"], redis.Redis.from_url(redis_url)
    most_queued, run_id = 0, mirror.sync_request(other_team).id
    deadline = time.monotonic() + 90  # a bound, not a measure: before lanes it took minutes
    while not (run := SyncRun.objects.get(id=run_id)).is_finished:
        # Structural: whatever A sent, its webhooks have at most its lane task queued ahead of
        # B's next step, never one task per delivery.
        most_queued = max(most_queued, _webhook_tasks_queued(broker, queue))
        if time.monotonic() > deadline:
            pytest.fail(
                f"the other team's sync did not finish in 90 s ({most_queued} webhook tasks "
                f"queued at most):\n" + worker.log()[-3000:]
            )
        time.sleep(0.05)
    assert run.state == SyncRun.State.DONE, run.message
    loaded = (run.finished_at - run.created_at).total_seconds()
    verified = Delivery.objects.filter(team=team, state=Delivery.State.REJECTED).count()
    print(
        f"\nother team's sync: {solo:.2f} s alone, {loaded:.2f} s during {FLOOD} deliveries "
        f"to team A ({loaded / solo:.2f}x); A's lane verified {verified} meanwhile; "
        f"at most {most_queued} webhook tasks queued"
    )
    processing.lane_redis().delete(*processing.lane_keys(team.id))
    assert most_queued <= 1
    assert verified > 0  # A's deliveries were worked on all along, at A's pace
    assert not Delivery.objects.filter(team=team, state=Delivery.State.FAILED).exists()
    assert loaded <= 1.5 * solo
