"""A webhook job's end re-renders the webhooks table without a reload (HX-Trigger, once); the
event log names the candidate and posting instead of the interview id, in constant queries."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.mirror.models import Interview, Posting
from dashboard.webhooks import receiving
from dashboard.webhooks.models import EVENT_NAMES, Delivery, WebhookJob, WebhookSubscription

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def events(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def test_the_finished_job_tells_the_page_and_the_running_one_does_not(login, admin, team):
    client = login(admin)
    job = WebhookJob.objects.create(team=team, kind=WebhookJob.Kind.CONNECT)
    running = client.get(f"/webhooks/jobs/{job.id}/", **HTMX)
    assert running.status_code == 200 and "HX-Trigger" not in running.headers
    job.finish(outcome=WebhookJob.Outcome.OK, message="Connected: 24 webhooks created.")
    done = client.get(f"/webhooks/jobs/{job.id}/", **HTMX)
    assert done.status_code == 286
    assert "webhooks-changed" in events(done)
    assert "hx-get" not in done.text


def test_the_webhooks_table_listens_and_keeps_its_filters(login, admin, team):
    client = login(admin)
    page = client.get("/webhooks/").text
    assert 'hx-trigger="webhooks-changed from:body"' in page
    WebhookSubscription.objects.create(
        team=team,
        webhook_id="wh_1",
        posting_id="P-1",
        event_type="interview_completed",
        url="https://x.example/h",
    )
    region = client.get("/webhooks/?event_type=interview_completed", HTTP_HX_TARGET="webhook-table", **HTMX)
    assert region.text.lstrip().startswith('<div id="webhook-table"')
    assert "interview_completed" in region.text and "No webhooks" not in region.text
    # Fetched again after a job, the table asks for the same filter it shows.
    assert 'hx-get="/webhooks/?event_type=interview_completed"' in region.text


def delivery(team, interview_id: str, state=Delivery.State.PROCESSED) -> Delivery:
    return Delivery.objects.create(
        team=team,
        method="POST",
        body="{}",
        state=state,
        event_type="interview_completed",
        interview_id=interview_id,
    )


def test_the_event_log_names_the_candidate_and_posting(login, admin, team):
    posting = Posting.objects.create(team=team, remote_id="P-ENG", title="Backend Engineer")
    Interview.objects.create(team=team, posting=posting, remote_id="int_ada", name="Ada Lovelace")
    delivery(team, "int_ada")
    delivery(team, "int_unknown")
    delivery(team, "int_forged", state=Delivery.State.REJECTED)
    html = login(admin).get("/webhooks/events/").text
    assert '<a href="/interviews/int_ada/"><bdi>Ada Lovelace</bdi></a>' in html
    assert '<a class="wh-posting" href="/postings/P-ENG/">Backend Engineer</a>' in html
    assert '<span class="muted small mono wh-id">int_ada</span>' in html  # the id, secondary
    assert "not in the dashboard yet" in html  # verified but not mirrored: the id links
    assert '<span class="mono">int_forged</span>' in html  # never verified: no link


def test_the_event_log_runs_the_same_queries_for_5_rows_or_50(login, admin, team):
    client = login(admin)
    posting = Posting.objects.create(team=team, remote_id="P-ENG", title="Backend Engineer")

    def add(start, n):
        for i in range(start, start + n):
            Interview.objects.create(team=team, posting=posting, remote_id=f"int_{i}", name=f"C {i}")
            delivery(team, f"int_{i}")

    def queries():
        cache.clear()  # the sidebar's cached count: counted on both sides
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/webhooks/events/").status_code == 200
        return len(captured)

    add(0, 5)
    few = queries()
    add(5, 45)
    assert queries() == few
    html = client.get("/webhooks/events/").text  # each one named
    assert "<bdi>C 0</bdi>" in html and "<bdi>C 49</bdi>" in html


def test_a_postings_panel_shows_connected_after_the_job_without_a_reload(login, admin, team):
    client = login(admin)
    posting = Posting.objects.create(team=team, remote_id="P-ENG", title="Backend Engineer")
    panel = client.get(f"/postings/{posting.remote_id}/manage/").text
    assert 'hx-trigger="webhooks-changed from:body"' in panel and "Not connected" in panel
    for n, event in enumerate(EVENT_NAMES):
        WebhookSubscription.objects.create(
            team=team,
            webhook_id=f"wh_{n}",
            posting_id="P-ENG",
            event_type=event,
            url=receiving.receiver_url(team),
        )
    region = client.get(
        f"/webhooks/?posting={posting.remote_id}", HTTP_HX_TARGET="webhook-connection", **HTMX
    )
    assert region.text.lstrip().startswith('<div id="webhook-connection"')
    assert "Connected" in region.text and "Not connected" not in region.text
