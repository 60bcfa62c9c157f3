"""The receiver's cheap hand-over: one INSERT, an RPUSH on the inbox, and one drain task at a time."""

import json

import pytest
import redis
from celery import current_app

from dashboard.webhooks import services, tasks
from dashboard.webhooks.models import Delivery
from tests.webhooks.helpers import hook_url

pytestmark = pytest.mark.django_db

BODY = json.dumps({"event_type": "interview_completed", "interview_id": "int-1", "posting_id": "p"})


@pytest.fixture
def inbox(redis_url, monkeypatch):
    """A real Redis inbox with a broker: task publishes are recorded instead of sent."""
    # The autouse fixture in tests/conftest.py made tasks eager and restores the setting after.
    current_app.conf.task_always_eager = False
    monkeypatch.setattr(services, "_inbox_client", redis.Redis.from_url(redis_url))
    published = {"drain": 0, "process": [], "lane": []}
    monkeypatch.setattr(tasks.drain_inbox, "apply_async",
                        lambda *a, **k: published.__setitem__("drain", published["drain"] + 1))
    monkeypatch.setattr(tasks.process_delivery, "apply_async",
                        lambda args, *a, **k: published["process"].append(args[0]))
    monkeypatch.setattr(tasks.process_lane, "apply_async",
                        lambda args, *a, **k: published["lane"].append(args[0]))
    # Team ids restart with each test database; Redis outlives it.
    keys = [*services.inbox_keys(), *(k for t in range(1, 20) for k in services.lane_keys(t))]
    services.inbox_redis().delete(*keys)
    yield published
    services.inbox_redis().delete(*keys)
    current_app.conf.task_always_eager = True


def test_the_receiver_stores_a_delivery_with_one_statement_and_no_team_lookup(
        client, team, django_assert_num_queries):
    with django_assert_num_queries(1) as queries:
        response = client.post(hook_url(team), BODY, content_type="application/json")
    assert response.status_code == 202
    assert queries.captured_queries[0]["sql"].startswith("INSERT INTO")
    delivery = Delivery.objects.get()
    assert (delivery.team, delivery.state, delivery.body) == (team, Delivery.State.RECEIVED, BODY)
    assert response.json() == {"delivery": delivery.id, "state": "received"}


def test_the_single_statement_stores_nothing_for_an_unknown_token(client, team, other_team):
    assert Delivery.objects.store_for_token("no-such-token", method="POST") is None
    response = client.post("/hooks/heymilo/no-such-token/", BODY, content_type="application/json")
    assert response.status_code == 404
    assert not Delivery.objects.exists()
    # And a known token lands on its own team, not another.
    delivery_id = Delivery.objects.store_for_token(other_team.webhook_token, method="GET", query={"a": "b"})
    assert Delivery.objects.get(id=delivery_id).team == other_team


def test_the_receiver_hands_deliveries_to_the_inbox_and_publishes_one_drain(
        client, team, inbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert client.post(hook_url(team), BODY, content_type="application/json").status_code == 202
    ids = list(Delivery.objects.order_by("id").values_list("id", flat=True))
    key, flag = services.inbox_keys()
    assert [int(i) for i in services.inbox_redis().lrange(key, 0, -1)] == ids
    assert inbox == {"drain": 1, "process": [], "lane": []}  # one drain for the three, none per delivery

    assert services.drain_inbox() == 3
    # Onto the team's lane, worked by one task (not one task per delivery).
    assert inbox == {"drain": 1, "process": [], "lane": [team.id]}
    assert _lane(team) == ids
    assert services.inbox_redis().llen(key) == 0
    assert not services.inbox_redis().exists(flag)  # the next delivery starts a new drain
    with django_capture_on_commit_callbacks(execute=True):
        client.post(hook_url(team), BODY, content_type="application/json")
    assert inbox["drain"] == 2


def _lane(team) -> list[int]:
    return [int(i) for i in services.inbox_redis().lrange(services.lane_keys(team.id)[0], 0, -1)]


def _deliveries(team, count: int) -> list[int]:
    return [Delivery.objects.create(team=team, method="GET").id for _ in range(count)]


def test_a_delivery_pushed_as_the_drain_leaves_is_not_stranded(team, inbox, monkeypatch):
    """The race: a receiver pushes after the drain's last pop, while the drain still holds the flag,
    so it publishes no drain of its own; the leaving drain must take that id."""
    first, second = _deliveries(team, 2)
    real = services.inbox_redis()
    services.hand_over(first)
    assert inbox["drain"] == 1

    class PushWhenEmpty:
        pushed = False

        def __getattr__(self, name):
            return getattr(real, name)

        def lpop(self, *args):
            ids = real.lpop(*args)
            if not ids and not self.pushed:
                self.pushed = True
                services.hand_over(second)  # the flag is still held: no second drain published
            return ids

    monkeypatch.setattr(services, "_inbox_client", PushWhenEmpty())
    assert services.drain_inbox() == 2
    assert inbox == {"drain": 1, "process": [], "lane": [team.id]}
    assert _lane(team) == [first, second]
    assert real.llen(services.inbox_keys()[0]) == 0


def test_a_long_drain_passes_the_flag_to_a_new_drain_after_its_limit(team, inbox):
    ids = _deliveries(team, 7)
    for delivery_id in ids:
        services.hand_over(delivery_id)
    assert services.drain_inbox(batch=2, limit=4) == 4
    assert _lane(team) == ids[:4]
    assert inbox["drain"] == 2  # the first, and the one that carries on
    assert services.inbox_redis().exists(services.inbox_keys()[1])  # still held, for it
    assert services.drain_inbox(batch=2, limit=4) == 3
    assert _lane(team) == ids
    assert inbox["lane"] == [team.id]  # one lane task for the team, whatever the batches


def test_it_stores_a_delivery_while_the_inbox_redis_is_down_and_the_sweep_processes_it(
        client, team, inbox, monkeypatch, django_capture_on_commit_callbacks):
    from tests.conftest import port_open

    dead = "redis://127.0.0.1:1/0"
    assert not port_open(dead, 1)
    monkeypatch.setattr(services, "_inbox_client", redis.Redis.from_url(dead, socket_connect_timeout=0.5))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(hook_url(team), BODY, content_type="application/json")
    assert response.status_code == 202
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.RECEIVED
    assert services._broker_paused_until > 0  # the next deliveries answer at once
    assert inbox == {"drain": 0, "process": [], "lane": []}
    # Redis is back: the sweep sends it as a task of its own.
    monkeypatch.setattr(services, "_inbox_client", None)
    assert services.process_pending(older_than=0) == 1
    assert inbox["process"] == [delivery.id]
