"""The sandbox fires real webhooks at the dashboard's receiver (pytest-django's live_server)."""

import pytest

from dashboard.core.heymilo_api import client_for
from dashboard.mirror.models import Interview
from dashboard.webhooks import receiving, subscriptions
from dashboard.webhooks.models import Delivery, WebhookJob
from tests.mirror.helpers import point_team_at
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_receives_the_sandboxs_events_for_an_ingested_candidate_and_mirrors_the_result(
    team, sandbox, live_server, settings
):
    from dashboard.mirror import services as mirror

    settings.PUBLIC_BASE_URL = live_server.url
    point_team_at(team, sandbox)
    mirror.sync_request(team)  # tasks run inline in this test
    posting = sandbox.postings()[0]
    job = subscriptions.webhook_job_start(
        team,
        kind=WebhookJob.Kind.CONNECT,
        params={"posting_ids": [posting["posting_id"]], "url": receiving.receiver_url(team)},
    )
    job.refresh_from_db()
    assert job.outcome == WebhookJob.Outcome.OK, job.message

    result = client_for(team).ingest_candidate(posting["url_key"], "Jane Webhook", "jane.webhook@example.com")
    interview_id = result.interview_details[0].interview_id

    def all_three_processed():
        rows = Delivery.objects.filter(team=team, interview_id=interview_id, state=Delivery.State.PROCESSED)
        return rows.count() == 3

    wait_for(all_three_processed, timeout=30, message="three processed deliveries")
    assert set(Delivery.objects.values_list("event_type", flat=True)) == {
        "interview_started",
        "interview_completed",
        "report_available",
    }
    assert set(Delivery.objects.values_list("method", flat=True)) == {"POST"}
    row = Interview.objects.get(team=team, remote_id=interview_id)
    assert row.name == "Jane Webhook"
    truth = next(i for i in sandbox.state()["ingested"] if i["interview_id"] == interview_id)
    assert row.status == truth["status"].lower()
    assert all(d["delivered"] for d in sandbox.state()["deliveries"])
