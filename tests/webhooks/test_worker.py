"""Deliveries processed by real Celery worker processes on the real Redis (broker, cache, locks)."""

import json
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from dashboard.mirror.models import Interview, SyncRun
from dashboard.webhooks.models import Delivery
from tests.mirror.helpers import point_team_at
from tests.waiting import wait_for
from tests.webhooks.helpers import hook_url

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def test_it_processes_ten_concurrent_deliveries_once_with_four_worker_processes(start_worker, team, sandbox):
    worker = start_worker(concurrency=4)
    point_team_at(team, sandbox)
    posting = sandbox.postings()[0]
    remote_id = sandbox.interviews(posting["posting_id"])[0]["interview_id"]
    # Team ids restart with each test database; Redis outlives it.
    cache.delete(f"webhooks:dedup:{team.id}:interview_completed:{remote_id}")
    body = json.dumps({"event_type": "interview_completed", "interview_id": remote_id})
    barrier, statuses = threading.Barrier(10), []

    def send():
        try:
            barrier.wait()
            statuses.append(Client().post(hook_url(team), body, content_type="application/json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [202] * 10

    def finished():
        pending = Delivery.objects.filter(state__in=[Delivery.State.RECEIVED, Delivery.State.PROCESSING])
        return Delivery.objects.count() == 10 and not pending.exists()

    wait_for(finished, timeout=60, message="ten deliveries processed")
    states = sorted(Delivery.objects.values_list("state", flat=True))
    assert states == ["duplicate"] * 9 + ["processed"], worker.log()[-3000:]
    assert SyncRun.objects.filter(scope=SyncRun.Scope.INTERVIEW, target=remote_id).count() == 1
    assert Interview.objects.filter(team=team, remote_id=remote_id).exists()
