"""/healthz and /readyz with each dependency up and down: a Redis of the test's own, stopped; a
database that cannot be reached; one whose migrations were never applied; a real worker's heartbeat."""

import json
import os
import subprocess
import sys

import pytest
from celery import Celery

from tests.celery_fixtures import ROOT, WorkerProcess
from tests.waiting import wait_for

PROBE = """
import json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "dashboard.settings"
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
answers = {}
for path in ("/healthz", "/readyz"):
    response = client.get(path)
    answers[path] = [response.status_code, json.loads(response.content)]
print(json.dumps(answers))
"""


def probe(**env) -> dict:
    """/healthz and /readyz answered by a fresh process started with these settings."""
    full = {**os.environ, "DEBUG": "1", "TASKS_INLINE": "0", **env}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=full, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def readyz(client):
    response = client.get("/readyz")
    return response.status_code, json.loads(response.content)


def test_healthz_answers_anyone_and_says_nothing_more(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.post("/healthz").status_code == 405


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_readyz_follows_redis_and_the_worker(client, own_redis, settings):
    settings.REDIS_URL = own_redis.url
    settings.TASKS_INLINE = False
    status, body = readyz(client)
    # Nothing but each check's name and its word: no host, no error text, no version.
    assert (status, body) == (
        503,
        {"status": "fail", "checks": {"database": "ok", "migrations": "ok", "redis": "ok", "worker": "fail"}},
    )
    worker = WorkerProcess(own_redis.url)
    try:
        wait_for(lambda: readyz(client)[0] == 200, timeout=30, message="/readyz to see the worker")
        assert readyz(client)[1]["checks"] == {
            "database": "ok",
            "migrations": "ok",
            "redis": "ok",
            "worker": "ok",
        }
        own_redis.kill()
        status, body = readyz(client)
        assert status == 503
        assert body["checks"] == {"database": "ok", "migrations": "ok", "redis": "fail", "worker": "fail"}
        own_redis.start()  # empty: the heartbeat is gone until the worker leaves another
        assert readyz(client)[1]["checks"]["worker"] == "fail"
        # What beat does every minute (settings.CELERY_BEAT_SCHEDULE["ops-heartbeat"]): the worker
        # back on the new Redis takes it and is seen again.
        # Not the current app: the tests' own app keeps the tests' broker.
        sender = Celery(broker=own_redis.url, set_as_current=False)
        try:
            sender.send_task("dashboard.ops.tasks.heartbeat", queue=os.environ["CELERY_QUEUE"])
        finally:
            sender.close()
        wait_for(
            lambda: readyz(client)[0] == 200,
            timeout=60,
            message="the worker's heartbeat after Redis came back",
        )
    finally:
        worker.stop()


def test_a_database_it_cannot_reach_fails_readyz_but_not_healthz(own_redis):
    answers = probe(DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable", REDIS_URL=own_redis.url)
    assert answers["/healthz"] == [200, {"status": "ok"}]
    status, body = answers["/readyz"]
    assert status == 503
    assert body["checks"]["database"] == "fail"
    assert body["checks"]["migrations"] == "fail"
    assert body["checks"]["redis"] == "ok"
    assert "unreachable" not in json.dumps(body)


def test_a_database_without_its_migrations_fails_readyz(own_redis, tmp_path):
    answers = probe(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}", REDIS_URL=own_redis.url)
    status, body = answers["/readyz"]
    assert status == 503
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "fail"
