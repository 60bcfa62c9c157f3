"""JSON log lines (LOG_FORMAT=json) carrying one request id from a web request, answered by a real
gunicorn, into the task it enqueued, run by a real Celery worker."""

import http.client
import json

import pytest
from django.core.cache import cache

from bench.common import free_port
from dashboard.ops.context import request_id_from
from dashboard.webhooks.models import Delivery
from tests.mirror.helpers import point_team_at
from tests.ops.conftest import start_gunicorn, stop_process
from tests.waiting import wait_for
from tests.webhooks.helpers import hook_url


def json_lines(text: str) -> list[dict]:
    entries = []
    for line in text.splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    return entries


@pytest.mark.parametrize(
    "incoming,kept",
    [
        ("4f9c1c2e-7d1b-4a39-9b0e-1f7f0c9a2b11", True),
        ("req-20261205-abcdef", True),
        ("short", False),  # too short to be anyone's id
        ("x" * 200, False),
        ('abc"def\nINFO forged line', False),
        ("", False),
        (None, False),
    ],
)
def test_an_incoming_request_id_is_kept_only_when_sane(incoming, kept):
    result = request_id_from(incoming)
    assert (result == incoming) is kept
    assert result and "\n" not in result and len(result) <= 128


def test_each_response_names_its_request_id(client, db):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="lb-0123456789abcdef")
    assert given["X-Request-ID"] == "lb-0123456789abcdef"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")
    assert made["X-Request-ID"] != "bad id with spaces" and len(made["X-Request-ID"]) == 32


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_one_request_id_from_the_web_request_into_the_task_it_enqueued(start_worker, team, sandbox, tmp_path):
    env = {"LOG_FORMAT": "json"}
    worker = start_worker(extra_env=env)
    port = free_port()
    gunicorn = start_gunicorn(tmp_path, port, workers=1, env=env)
    request_id = "trace-0123456789abcdef"
    try:
        point_team_at(team, sandbox)
        posting = sandbox.postings()[0]
        remote_id = sandbox.interviews(posting["posting_id"])[0]["interview_id"]
        cache.delete(f"webhooks:dedup:{team.id}:interview_completed:{remote_id}")
        body = json.dumps({"event_type": "interview_completed", "interview_id": remote_id})
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST",
            hook_url(team),
            body,
            {"Host": "localhost", "Content-Type": "application/json", "X-Request-ID": request_id},
        )
        response = connection.getresponse()
        assert response.status in (200, 202)
        assert response.getheader("X-Request-ID") == request_id
        connection.close()
        wait_for(
            lambda: Delivery.objects.filter(team=team, state=Delivery.State.PROCESSED).exists(),
            timeout=60,
            message="the delivery processed",
        )
        task_lines = wait_for(
            lambda: [
                e
                for e in json_lines(worker.log())
                if e["request_id"] == request_id and "dashboard.webhooks.tasks." in e["message"]
            ],
            timeout=30,
            message="the worker's log line for the task:\n" + worker.log()[-3000:],
        )
    finally:
        stop_process(gunicorn)
    web = [e for e in json_lines((tmp_path / "gunicorn.log").read_text()) if e["request_id"] == request_id]
    # The web side: the access line, by URL name (never the path, which holds the team's token).
    access = [e for e in web if e["logger"] == "dashboard.request"]
    assert len(access) == 1, web
    assert access[0]["message"].startswith("POST webhook_receiver 20")
    assert access[0]["status_code"] in (200, 202)
    assert team.webhook_token not in (tmp_path / "gunicorn.log").read_text()
    # The worker side: the same id on the task's own lines, every line a JSON object.
    assert any("succeeded" in e["message"] for e in task_lines), task_lines
    assert {"time", "level", "logger", "message", "request_id"} <= set(task_lines[0])
    assert task_lines[0]["time"].endswith("Z")
    # Lines outside any task (the worker starting) carry no id.
    assert all(e["request_id"] == "" for e in json_lines(worker.log()) if e["logger"] == "celery.apps.worker")
