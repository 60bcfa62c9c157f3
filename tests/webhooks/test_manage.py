"""Managing the team's HeyMilo webhooks through jobs run by workers, against the sandbox."""

import json

import pytest

from dashboard.accounts.models import KeyStatus
from dashboard.core.heymilo_api import client_for
from dashboard.mirror.models import Interview
from dashboard.webhooks import receiving, subscriptions
from dashboard.webhooks.models import Delivery, WebhookJob, WebhookSubscription
from dashboard.webhooks.tasks import refresh_all_subscriptions
from heymilo import HeyMiloClient
from tests.mirror.helpers import point_team_at
from tests.webhooks.helpers import hook_url, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(team, sandbox, django_capture_on_commit_callbacks):
    return sync(team, sandbox, django_capture_on_commit_callbacks)


@pytest.fixture
def admin_client(login, admin):
    return login(admin)


def run(client, capture, url, data=None):
    """POSTs like htmx, lets the worker run the job, and returns the finished job's partial."""
    with capture(execute=True):
        response = client.post(url, data or {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.text
    job = WebhookJob.objects.first()
    assert f"/webhooks/jobs/{job.id}/" in response.text  # the page polls it
    assert job.started_at is not None and job.requested_by is not None  # ran (queued, running, ended)
    status = client.get(f"/webhooks/jobs/{job.id}/", HTTP_HX_REQUEST="true")
    assert status.status_code == 286  # finished: htmx stops polling
    return status


def sandbox_hooks(sandbox):
    return [h for h in sandbox.state()["webhooks"] if h["key"] == sandbox.api_key]


def form_data(sandbox, **overrides):
    data = {
        "posting": sandbox.postings()[0]["posting_id"],
        "url": "https://example.com/hook",
        "event_type": "interview_completed",
        "http_method": "post",
    }
    return {**data, **overrides}


def test_it_creates_a_webhook_and_lists_it(admin_client, synced, sandbox, django_capture_on_commit_callbacks):
    status = run(admin_client, django_capture_on_commit_callbacks, "/webhooks/new/", form_data(sandbox))
    [hook] = sandbox_hooks(sandbox)
    assert f"Webhook {hook['webhook_id']} created." in status.text
    sub = WebhookSubscription.objects.get()
    assert (sub.webhook_id, sub.url, sub.event_type, sub.is_active) == (
        hook["webhook_id"],
        "https://example.com/hook",
        "interview_completed",
        True,
    )
    html = admin_client.get("/webhooks/").text
    assert "https://example.com/hook" in html and sandbox.postings()[0]["title"] in html


def test_it_shows_the_apis_422_on_the_field_and_keeps_the_form(
    admin_client, synced, sandbox, django_capture_on_commit_callbacks
):
    # Django's URLField allows ftp://; HeyMilo wants http(s): only the API can say no.
    data = form_data(sandbox, url="ftp://example.com/hook", event_type="report_available")
    status = run(admin_client, django_capture_on_commit_callbacks, "/webhooks/new/", data)
    assert "HeyMilo did not accept these values." in status.text
    assert 'class="field field-error"' in status.text
    assert "an absolute http(s) URL is required" in status.text
    assert 'value="ftp://example.com/hook"' in status.text
    assert '<option value="report_available" selected>' in status.text
    assert not WebhookSubscription.objects.exists()


def test_it_validates_the_form_before_asking_heymilo(admin_client, synced, sandbox):
    response = admin_client.post(
        "/webhooks/new/", form_data(sandbox, url="not a url", posting="nope"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Enter a valid URL." in response.text and "Select a valid choice." in response.text
    assert not WebhookJob.objects.exists()


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("rate_limit", "HeyMilo is rate-limiting this team"),
        ("error_500", "HeyMilo is unavailable right now"),
    ],
)
def test_it_explains_heymilo_failures_and_keeps_the_form(
    admin_client, synced, sandbox, fault, message, django_capture_on_commit_callbacks
):
    sandbox.add_fault(fault, count=20)
    status = run(admin_client, django_capture_on_commit_callbacks, "/webhooks/new/", form_data(sandbox))
    assert message in status.text
    assert 'value="https://example.com/hook"' in status.text


def test_it_explains_a_rejected_key(admin_client, synced, sandbox, django_capture_on_commit_callbacks):
    synced.set_api_key("wrong-key")
    synced.save()
    status = run(admin_client, django_capture_on_commit_callbacks, "/webhooks/new/", form_data(sandbox))
    assert "HeyMilo rejected the team&#x27;s API key" in status.text
    assert 'value="https://example.com/hook"' in status.text


def test_it_refreshes_the_list_from_heymilo_and_filters_it(
    admin_client, synced, sandbox, django_capture_on_commit_callbacks
):
    client = client_for(synced)
    first, second = sandbox.postings()[:2]
    client.create_webhook(first["posting_id"], "https://a.example/1", "interview_started")
    client.create_webhook(second["posting_id"], "https://b.example/2", "report_available", "get")
    status = run(admin_client, django_capture_on_commit_callbacks, "/webhooks/refresh/")
    assert "2 webhooks loaded from HeyMilo." in status.text
    html = admin_client.get("/webhooks/", {"posting": second["posting_id"]}).text
    assert "https://b.example/2" in html and "https://a.example/1" not in html
    html = admin_client.get(
        "/webhooks/",
        {"event_type": "interview_started"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="webhook-table",
    ).text
    assert "https://a.example/1" in html and "https://b.example/2" not in html
    assert "<html" not in html  # the table alone


def test_it_deactivates_a_webhook_after_a_confirm_step(
    admin_client, synced, sandbox, django_capture_on_commit_callbacks
):
    run(admin_client, django_capture_on_commit_callbacks, "/webhooks/new/", form_data(sandbox))
    sub = WebhookSubscription.objects.get()
    page = admin_client.get(f"/webhooks/{sub.webhook_id}/").text
    assert "Yes, deactivate it" not in page and "?confirm=deactivate" in page
    confirm = admin_client.get(f"/webhooks/{sub.webhook_id}/", {"confirm": "deactivate"}).text
    assert "Yes, deactivate it" in confirm
    WebhookJob.objects.all().delete()
    status = run(admin_client, django_capture_on_commit_callbacks, f"/webhooks/{sub.webhook_id}/deactivate/")
    assert "deactivated" in status.text
    sub.refresh_from_db()
    assert sub.is_active is False
    assert sandbox_hooks(sandbox)[0]["is_active"] is False


def test_it_connects_every_posting_once(admin_client, synced, sandbox, django_capture_on_commit_callbacks):
    status = run(admin_client, django_capture_on_commit_callbacks, "/webhooks/connect/")
    assert "Connected: 9 webhooks created." in status.text
    url = receiving.receiver_url(synced)
    hooks = sandbox_hooks(sandbox)
    assert {(h["posting_id"], h["event_type"]) for h in hooks} == {
        (p["posting_id"], e)
        for p in sandbox.postings()
        for e in ("interview_started", "interview_completed", "report_available")
    }
    # Each names its posting, signed (test_payload_shapes.py), on the team's receiver URL.
    assert {h["url"] for h in hooks} == {
        subscriptions.posting_receiver_url(synced, posting_id=p["posting_id"]) for p in sandbox.postings()
    }
    assert {h["url"].split("?")[0] for h in hooks} == {url}
    WebhookJob.objects.all().delete()
    again = run(admin_client, django_capture_on_commit_callbacks, "/webhooks/connect/")
    assert "Already connected" in again.text
    assert len(sandbox_hooks(sandbox)) == 9


def test_it_connects_one_posting_from_its_page(
    admin_client, synced, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    posting = sandbox.postings()[1]
    page = admin_client.get(f"/postings/{posting['posting_id']}/manage/").text
    assert "Not connected" in page and "Connect this dashboard" in page
    assert "real servers cannot reach it" in page
    run(
        admin_client,
        django_capture_on_commit_callbacks,
        "/webhooks/connect/",
        {"posting": posting["posting_id"]},
    )
    assert {h["posting_id"] for h in sandbox_hooks(sandbox)} == {posting["posting_id"]}
    page = admin_client.get(f"/postings/{posting['posting_id']}/manage/").text
    assert "Connected" in page and "Not connected" not in page


def test_it_says_when_the_receiver_address_is_local(admin_client, synced, settings):
    settings.PUBLIC_BASE_URL = "https://hiring.example.com"
    html = admin_client.get("/webhooks/").text
    assert f"https://hiring.example.com/hooks/heymilo/{synced.webhook_token}/" in html
    assert "HeyMilo cannot reach it" not in html
    settings.PUBLIC_BASE_URL = "http://localhost:8000"
    assert "HeyMilo cannot reach it" in admin_client.get("/webhooks/").text


def test_it_rotates_the_token_and_repoints_connected_webhooks(
    admin_client, synced, sandbox, django_capture_on_commit_callbacks
):
    run(admin_client, django_capture_on_commit_callbacks, "/webhooks/connect/")
    old_token, old_url = synced.webhook_token, receiving.receiver_url(synced)
    assert "Rotate the token" in admin_client.get("/webhooks/rotate/").text
    WebhookJob.objects.all().delete()
    status = run(admin_client, django_capture_on_commit_callbacks, "/webhooks/rotate/")
    assert "9 webhooks re-pointed" in status.text
    synced.refresh_from_db()
    assert synced.webhook_token != old_token
    new_url = receiving.receiver_url(synced)
    hooks = sandbox_hooks(sandbox)
    assert sorted((h["url"].split("?")[0], h["is_active"]) for h in hooks) == sorted(
        [(old_url, False)] * 9 + [(new_url, True)] * 9
    )
    moved = {h["url"] for h in hooks if h["is_active"]}  # still naming their postings, signed
    assert moved == {
        subscriptions.posting_receiver_url(synced, posting_id=p["posting_id"]) for p in sandbox.postings()
    }
    assert (
        admin_client.post(f"/hooks/heymilo/{old_token}/", "{}", content_type="application/json").status_code
        == 404
    )
    assert WebhookSubscription.objects.filter(url__startswith=new_url + "?", is_active=True).count() == 9


def test_it_shows_the_event_log_escaped_and_filtered(
    admin_client, synced, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(hook_url(synced), '<script>alert("x")</script>', content_type="text/plain")
        admin_client.post(
            hook_url(synced),
            json.dumps({"event_type": "something_new", "interview_id": "i1"}),
            content_type="application/json",
        )
    html = admin_client.get("/webhooks/events/").text
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "The body is not JSON." in html and "Unknown event type" in html
    filtered = admin_client.get("/webhooks/events/", {"state": "ignored"}).text
    assert "Unknown event type" in filtered and "The body is not JSON." not in filtered


def test_it_shows_live_notices_for_deliveries_processed_since_the_page_loaded(
    login, viewer, synced, django_capture_on_commit_callbacks
):
    client = login(viewer)
    interview = Interview.objects.for_team(synced).exclude(name="").first()
    page = client.get(f"/postings/{interview.posting.remote_id}/").text
    assert 'hx-get="/webhooks/live/?after=0"' in page
    assert "Connect this dashboard" not in page  # viewers see the state, not the button
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            hook_url(synced),
            json.dumps({"event_type": "interview_completed", "interview_id": interview.remote_id}),
            content_type="application/json",
        )
    live = client.get("/webhooks/live/", {"after": 0}, HTTP_HX_REQUEST="true").text
    assert f">{interview.name}</a> completed the interview" in live
    latest = Delivery.objects.get().id
    assert "completed the interview" not in client.get("/webhooks/live/", {"after": latest}).text


ADMIN_PAGES = [
    "/webhooks/",
    "/webhooks/events/",
    "/webhooks/rotate/",
    "/webhooks/jobs/{job}/",
    "/webhooks/{hook}/",
]
POSTS = [
    "/webhooks/new/",
    "/webhooks/refresh/",
    "/webhooks/connect/",
    "/webhooks/rotate/",
    "/webhooks/{hook}/deactivate/",
    "/webhooks/events/{delivery}/replay/",
]


@pytest.fixture
def objects(team, admin):
    job = WebhookJob.objects.create(team=team, kind=WebhookJob.Kind.REFRESH)
    sub = WebhookSubscription.objects.create(team=team, webhook_id="wh_1", url="https://x.example/")
    delivery = Delivery.objects.create(team=team, method="POST", body="{}")
    return {"job": job.id, "hook": sub.webhook_id, "delivery": delivery.id}


def test_it_404s_every_page_of_the_teams_objects_for_an_outsider(login, outsider, objects):
    client = login(outsider)
    for url in ["/webhooks/jobs/{job}/", "/webhooks/{hook}/"]:
        assert client.get(url.format(**objects)).status_code == 404, url
    for url in ["/webhooks/{hook}/deactivate/", "/webhooks/events/{delivery}/replay/"]:
        assert client.post(url.format(**objects)).status_code == 404, url
    # Their own team's pages show none of this team's data.
    assert "https://x.example/" not in client.get("/webhooks/").text
    assert f'id="delivery-{objects["delivery"]}"' not in client.get("/webhooks/events/").text
    assert WebhookJob.objects.count() == 1


def test_it_404s_every_page_for_someone_in_no_team(client, objects):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="nobody"))
    for url in [*ADMIN_PAGES, "/webhooks/live/"]:
        assert client.get(url.format(**objects)).status_code == 404, url
    for url in POSTS:
        assert client.post(url.format(**objects)).status_code == 404, url


def test_it_403s_every_post_for_a_viewer_and_reviewer(login, viewer, reviewer, objects):
    for user in (viewer, reviewer):
        client = login(user)
        for url in POSTS:
            assert client.post(url.format(**objects)).status_code == 403, url
        for url in ADMIN_PAGES:
            assert client.get(url.format(**objects)).status_code == 403, url
        assert client.get("/webhooks/live/").status_code == 200
    assert WebhookJob.objects.count() == 1
    assert Delivery.objects.get().state == Delivery.State.RECEIVED


@pytest.mark.parametrize(
    "url",
    [
        "/webhooks/",
        "/webhooks/events/",
        "/webhooks/rotate/",
        "/webhooks/jobs/{job}/",
        "/webhooks/{hook}/?confirm=deactivate",
        "/webhooks/live/",
    ],
)
def test_it_keeps_every_page_free_of_inline_code(login, admin, objects, url):
    from tests.test_layout import INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE

    html = login(admin).get(url.format(**objects)).text
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    assert not INLINE_STYLE.search(html)


def test_the_periodic_refresh_reloads_every_usable_teams_webhooks(
    team, other_team, sandbox, django_capture_on_commit_callbacks
):
    point_team_at(team, sandbox)
    other_team.set_api_key("revoked")
    other_team.api_key_status = KeyStatus.INVALID
    other_team.save()
    posting = sandbox.postings()[0]["posting_id"]
    # Made in HeyMilo directly, not through the dashboard.
    HeyMiloClient(sandbox.api_key, base_url=sandbox.url).create_webhook(
        posting, "https://example.com/elsewhere", "interview_started"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert refresh_all_subscriptions.apply().get() == 1
    assert WebhookSubscription.objects.get(team=team).url == "https://example.com/elsewhere"
