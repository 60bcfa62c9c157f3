"""Ten concurrent deliveries of one event: all stored, the interview fetched once."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from dashboard.mirror.models import Interview, SyncRun
from dashboard.webhooks.models import Delivery
from tests.mirror.helpers import point_team_at
from tests.webhooks.helpers import hook_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_processes_ten_concurrent_deliveries_of_one_event_once(team, sandbox):
    point_team_at(team, sandbox)
    posting = sandbox.postings()[0]
    remote_id = sandbox.interviews(posting["posting_id"])[0]["interview_id"]
    body = json.dumps(
        {"event_type": "interview_completed", "interview_id": remote_id, "posting_id": posting["posting_id"]}
    )
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
