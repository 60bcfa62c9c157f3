"""Ten concurrent deliveries of one event: all stored, the interview fetched once."""

import json
import subprocess
import sys
import threading

import pytest
from django.db import connection
from django.test import Client

from dashboard.mirror.models import Interview, SyncRun
from dashboard.webhooks.models import Delivery, sqlite_write_turn, write_turn_path
from tests.mirror.helpers import point_team_at
from tests.webhooks.helpers import hook_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_processes_ten_concurrent_deliveries_of_one_event_once(team, sandbox):
    point_team_at(team, sandbox)
    posting = sandbox.postings()[0]
    remote_id = sandbox.interviews(posting["posting_id"])[0]["interview_id"]
    body = json.dumps({"event_type": "interview_completed", "interview_id": remote_id,
                       "posting_id": posting["posting_id"]})
    barrier, statuses = threading.Barrier(10), []

    def send():
        try:
            barrier.wait()
            # Outside a transaction on_commit runs at once: each thread processes inline.
            statuses.append(Client().post(hook_url(team), body, content_type="application/json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [202] * 10
    states = sorted(Delivery.objects.values_list("state", flat=True))
    assert states == ["duplicate"] * 9 + ["processed"]
    assert SyncRun.objects.filter(scope=SyncRun.Scope.INTERVIEW, target=remote_id).count() == 1
    assert Interview.objects.filter(team=team, remote_id=remote_id).count() == 1


def store_in_a_thread(team) -> tuple[threading.Thread, list]:
    """A receiver's store on a thread of its own (its own connection); the ids it got."""
    stored = []

    def store():
        try:
            stored.append(Delivery.objects.store_for_token(team.webhook_token, method="POST", body="{}"))
        finally:
            connection.close()

    thread = threading.Thread(target=store)
    thread.start()
    return thread, stored


def test_sqlite_receivers_take_turns_across_threads(team):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL lets writers in together")
    with sqlite_write_turn(connection):
        thread, stored = store_in_a_thread(team)
        thread.join(0.5)
        assert thread.is_alive() and not stored  # waiting for its turn, not polling SQLite
    thread.join(10)
    assert stored and Delivery.objects.filter(pk=stored[0], team=team).exists()


def test_sqlite_receivers_take_turns_across_processes(team):
    """Another gunicorn worker holding the turn makes this one wait; releasing it lets it write."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL lets writers in together")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys\n"
         "fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o600)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\nsys.stdin.read()",
         write_turn_path(connection)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        thread, stored = store_in_a_thread(team)
        thread.join(0.5)
        assert thread.is_alive() and not stored
        holder.stdin.close()  # the other process exits and its lock goes with it
        thread.join(10)
        assert stored and Delivery.objects.filter(pk=stored[0], team=team).exists()
    finally:
        holder.kill()
        holder.wait()
