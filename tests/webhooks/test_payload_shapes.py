"""Delivery shapes HeyMilo may send (it has not published one), and what happens to a body we
cannot read: kept as unrecognised, its posting refreshed when its URL names it, replayable."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from dashboard.core.heymilo_api import client_for
from dashboard.mirror.models import Interview, SyncRun
from dashboard.webhooks import processing, receiving, subscriptions
from dashboard.webhooks.models import Delivery, WebhookJob, WebhookSubscription
from tests.webhooks.helpers import hook_url, sync

pytestmark = pytest.mark.django_db

IID, PID = "{interview}", "{posting}"  # filled in with a synced interview's ids

# One row per accepted shape: (name, body as JSON with the placeholders, the event it names).
SHAPES = [
    (
        "flat",
        {"event_type": "interview_completed", "interview_id": IID, "posting_id": PID},
        "interview_completed",
    ),
    ("type key", {"type": "interview_completed", "interview_id": IID}, "interview_completed"),
    ("event key, dotted", {"event": "interview.completed", "interview_id": IID}, "interview_completed"),
    (
        "camel case, spaced name",
        {"eventType": "Interview Completed", "interviewId": IID},
        "interview_completed",
    ),
    ("event_name, upper case", {"event_name": "REPORT-AVAILABLE", "interview_id": IID}, "report_available"),
    (
        "envelope under data",
        {"event": "interview_completed", "data": {"interview_id": IID, "posting_id": PID}},
        "interview_completed",
    ),
    (
        "envelope under payload",
        {"type": "interview_started", "payload": {"interviewId": IID}},
        "interview_started",
    ),
    ("interview object with id", {"event": "report_available", "interview": {"id": IID}}, "report_available"),
    (
        "interview object in data",
        {"event": "report_available", "data": {"interview": {"interview_id": IID}}},
        "report_available",
    ),
    ("interview as a string", {"event_type": "interview_started", "interview": IID}, "interview_started"),
    ("bare id", {"event": "interview_started", "id": IID}, "interview_started"),
    (
        "event id beside data.object",
        {"id": "evt_1", "type": "interview.completed", "data": {"object": {"id": IID, "posting_id": PID}}},
        "interview_completed",
    ),
    (
        "event as an object",
        {"event": {"type": "interview_completed", "interview_id": IID}},
        "interview_completed",
    ),
    (
        "known name beside a generic type",
        {"type": "webhook", "event": "report_available", "interview_id": IID},
        "report_available",
    ),
]


def fill(value, interview):
    text = json.dumps(value).replace(IID, interview.remote_id).replace(PID, interview.posting_remote_id)
    return json.loads(text)


@pytest.fixture
def synced(team, sandbox, django_capture_on_commit_callbacks):
    return sync(team, sandbox, django_capture_on_commit_callbacks)


@pytest.fixture
def interview(synced):
    return Interview.objects.for_team(synced).exclude(status="shortlisted").order_by("remote_id").first()


def deliver(client, url, capture, body, content_type="application/json"):
    with capture(execute=True):
        response = client.post(url, body, content_type=content_type)
    assert response.status_code == 202
    return Delivery.objects.get(id=response.json()["delivery"])


@pytest.mark.parametrize(("shape", "payload", "event"), SHAPES, ids=[s[0] for s in SHAPES])
def test_a_delivery_in_each_accepted_shape_refreshes_its_interview(
    client, synced, interview, sandbox, django_capture_on_commit_callbacks, shape, payload, event
):
    sandbox.override_interview(interview.remote_id, status="shortlisted")
    delivery = deliver(
        client, hook_url(synced), django_capture_on_commit_callbacks, json.dumps(fill(payload, interview))
    )
    assert delivery.state == Delivery.State.PROCESSED, delivery.reason
    assert (delivery.event_type, delivery.interview_id) == (event, interview.remote_id)
    if PID in json.dumps(payload):
        assert delivery.posting_id == interview.posting_remote_id
    interview.refresh_from_db()
    assert interview.status == "shortlisted"  # fetched from the sandbox over HTTP


def test_a_form_encoded_post_is_read_like_a_get(
    client, synced, interview, sandbox, django_capture_on_commit_callbacks
):
    sandbox.override_interview(interview.remote_id, status="shortlisted")
    body = f"event_type=interview.completed&interview_id={interview.remote_id}"
    delivery = deliver(
        client,
        hook_url(synced),
        django_capture_on_commit_callbacks,
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert delivery.state == Delivery.State.PROCESSED, delivery.reason
    interview.refresh_from_db()
    assert interview.status == "shortlisted"


def test_a_get_in_another_spelling_on_a_posting_url_is_read_without_the_signature(
    client, synced, interview, django_capture_on_commit_callbacks
):
    url = subscriptions.posting_receiver_url(synced, posting_id=interview.posting_remote_id)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(url + f"&type=interview_started&interviewId={interview.remote_id}")
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.PROCESSED, delivery.reason
    assert (delivery.event_type, delivery.posting_id) == ("interview_started", interview.posting_remote_id)


@pytest.mark.parametrize(
    ("value", "text"), [(12345, "12345"), (" int_9 ", "int_9"), (True, ""), (1.5, ""), ({"id": "x"}, "")]
)
def test_ids_are_read_from_strings_and_integers_only(value, text):
    parsed = processing.event_read({"event_type": "interview_started", "interview_id": value})
    assert (parsed.interview_id if parsed else "") == text


UNRECOGNISED = [
    ("not json", "this is not json", "The body is not JSON."),
    (
        "a list",
        json.dumps([{"event_type": "interview_completed", "interview_id": "int_1"}]),
        "The body is JSON but not an object.",
    ),
    (
        "no interview id",
        json.dumps({"event": "interview_completed", "data": {"candidate": "Jane"}}),
        "No event name and interview id found in a shape we know.",
    ),
    (
        "no event name",
        json.dumps({"interview_id": "int_1"}),
        "No event name and interview id found in a shape we know.",
    ),
    ("nothing we know", json.dumps({"what": {"ever": 1}}), "No event name and interview id found"),
]


@pytest.mark.parametrize(("shape", "body", "reason"), UNRECOGNISED, ids=[u[0] for u in UNRECOGNISED])
def test_an_unrecognised_body_is_kept_as_unrecognised_with_the_reason(
    client, synced, django_capture_on_commit_callbacks, shape, body, reason
):
    before = SyncRun.objects.count()
    delivery = deliver(client, hook_url(synced), django_capture_on_commit_callbacks, body)
    assert delivery.state == Delivery.State.UNRECOGNISED
    assert delivery.reason.startswith(reason)
    assert delivery.body == body  # kept, to be read and replayed
    assert SyncRun.objects.count() == before  # no URL names a posting: nothing to refresh


def test_an_unrecognised_body_on_a_dashboard_webhook_refreshes_its_posting(
    client, synced, interview, sandbox, django_capture_on_commit_callbacks
):
    sandbox.override_interview(interview.remote_id, status="shortlisted")
    url = subscriptions.posting_receiver_url(synced, posting_id=interview.posting_remote_id)
    body = json.dumps({"kind": "something HeyMilo made up", "candidate": {"ref": interview.remote_id}})
    delivery = deliver(client, url, django_capture_on_commit_callbacks, body)
    assert delivery.state == Delivery.State.UNRECOGNISED
    assert "posting was refreshed" in delivery.reason
    assert delivery.posting_id == interview.posting_remote_id
    run = SyncRun.objects.get(scope=SyncRun.Scope.POSTING)
    assert (run.target, run.state) == (interview.posting_remote_id, SyncRun.State.DONE)
    interview.refresh_from_db()
    assert interview.status == "shortlisted"  # nothing lost: the posting's refresh brought it


def test_a_forged_or_unsigned_posting_parameter_is_ignored(
    client, synced, other_team, interview, django_capture_on_commit_callbacks
):
    posting = interview.posting_remote_id
    good = parse_qs(urlsplit(subscriptions.posting_receiver_url(synced, posting_id=posting)).query)["sig"][0]
    other_teams = processing.posting_signature(other_team.pk, posting)
    queries = [
        f"posting={posting}",  # unsigned
        f"posting={posting}&sig={'0' * 32}",  # forged
        f"posting={posting}&sig={other_teams}",  # another team's signature for the same id
        f"posting=another-posting&sig={good}",  # a signature moved to another posting
        f"posting={posting}&sig={good[:-1]}",  # cut short
    ]
    for query in queries:
        delivery = deliver(
            client, f"{hook_url(synced)}?{query}", django_capture_on_commit_callbacks, "not json"
        )
        assert delivery.state == Delivery.State.UNRECOGNISED, query
        assert delivery.reason == "The body is not JSON.", query
        assert delivery.posting_id == "", query
    assert not SyncRun.objects.filter(scope=SyncRun.Scope.POSTING).exists()
    # Nor does a GET's forged posting label its delivery.
    with django_capture_on_commit_callbacks(execute=True):
        client.get(
            f"{hook_url(synced)}?posting=forged&sig={good}&event_type=interview_started"
            f"&interview_id={interview.remote_id}"
        )
    delivery = Delivery.objects.order_by("-id").first()
    assert (delivery.state, delivery.posting_id) == (Delivery.State.PROCESSED, "")


def test_an_unrecognised_body_on_a_posting_url_of_a_team_without_a_key_says_so(
    client, team, django_capture_on_commit_callbacks
):
    assert not team.has_api_key
    url = subscriptions.posting_receiver_url(team, posting_id="post_1")
    delivery = deliver(client, url, django_capture_on_commit_callbacks, "{}")
    assert delivery.state == Delivery.State.UNRECOGNISED
    assert "no HeyMilo API key" in delivery.reason
    assert not SyncRun.objects.exists()


def test_a_replay_after_a_parser_change_processes_what_the_old_parser_refused(
    login, admin, synced, interview, sandbox, django_capture_on_commit_callbacks
):
    admin_client = login(admin)
    # Stored as the parser before this change left it: a nested shape refused as "missing".
    body = json.dumps({"event": "interview_completed", "data": {"interview_id": interview.remote_id}})
    old = Delivery.objects.create(
        team=synced,
        method="POST",
        body=body,
        state=Delivery.State.REJECTED,
        reason="Missing event_type and interview_id.",
    )
    sandbox.override_interview(interview.remote_id, status="shortlisted")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/webhooks/events/{old.id}/replay/")
    old.refresh_from_db()
    assert old.state == Delivery.State.PROCESSED, old.reason
    assert old.interview_id == interview.remote_id
    interview.refresh_from_db()
    assert interview.status == "shortlisted"


def test_a_replay_of_an_unrecognised_delivery_reads_it_again(
    login, admin, synced, interview, django_capture_on_commit_callbacks, monkeypatch
):
    admin_client = login(admin)
    body = json.dumps({"hm_event": "interview_completed", "hm_interview": interview.remote_id})
    delivery = deliver(admin_client, hook_url(synced), django_capture_on_commit_callbacks, body)
    assert delivery.state == Delivery.State.UNRECOGNISED
    # The parser learns the shape (as a later release would).
    monkeypatch.setattr(processing, "EVENT_KEYS", (*processing.EVENT_KEYS, "hm_event"))
    monkeypatch.setattr(processing, "INTERVIEW_KEYS", (*processing.INTERVIEW_KEYS, "hm_interview"))
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(f"/webhooks/events/{delivery.id}/replay/")
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PROCESSED, delivery.reason


def test_the_event_log_shows_an_unrecognised_body_escaped_and_open(
    login, admin, synced, django_capture_on_commit_callbacks
):
    admin_client = login(admin)
    url = subscriptions.posting_receiver_url(synced, posting_id="post_<b>")
    deliver(admin_client, url, django_capture_on_commit_callbacks, '{"note": "<script>alert(1)</script>"}')
    html = admin_client.get("/webhooks/events/").text
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "wh-state-unrecognised" in html and "Unrecognised" in html
    assert '<details class="wh-details" open>' in html
    assert "post_&lt;b&gt;" in html and "post_<b>" not in html
    filtered = admin_client.get("/webhooks/events/", {"state": "unrecognised"}).text
    assert "&lt;script&gt;alert(1)" in filtered


# --- the URLs the dashboard gives HeyMilo ------------------------------------------------------


def hooks_of(sandbox):
    return sandbox.state()["webhooks"]


def job_run(team, capture, kind, **params):
    with capture(execute=True):
        job = subscriptions.webhook_job_start(team, kind=kind, params=params)
    job.refresh_from_db()
    return job


def test_connect_gives_every_webhook_its_posting_signed_in_its_url(
    synced, sandbox, django_capture_on_commit_callbacks
):
    posting = sandbox.postings()[0]["posting_id"]
    job = job_run(
        synced,
        django_capture_on_commit_callbacks,
        WebhookJob.Kind.CONNECT,
        posting_ids=[posting],
        url=receiving.receiver_url(synced),
    )
    assert job.outcome == WebhookJob.Outcome.OK, job.message
    urls = {h["url"] for h in hooks_of(sandbox)}
    assert urls == {subscriptions.posting_receiver_url(synced, posting_id=posting)}
    query = parse_qs(urlsplit(urls.pop()).query)
    assert query["posting"] == [posting] and len(query["sig"][0]) == 32


def test_a_webhook_made_before_urls_named_the_posting_still_counts_as_connected(
    synced, sandbox, django_capture_on_commit_callbacks
):
    """Existing webhooks keep working: connect does not add a second set beside them."""
    posting = sandbox.postings()[0]["posting_id"]
    for event in ("interview_started", "interview_completed", "report_available"):
        client_for(synced).create_webhook(posting, receiving.receiver_url(synced), event, "post")
    job = job_run(
        synced,
        django_capture_on_commit_callbacks,
        WebhookJob.Kind.CONNECT,
        posting_ids=[posting],
        url=receiving.receiver_url(synced),
    )
    assert job.message == "Already connected: nothing to create."
    assert len(hooks_of(sandbox)) == 3


def test_creating_a_webhook_to_our_receiver_by_hand_adds_the_posting(
    synced, sandbox, django_capture_on_commit_callbacks
):
    posting = sandbox.postings()[0]["posting_id"]
    job = job_run(
        synced,
        django_capture_on_commit_callbacks,
        WebhookJob.Kind.CREATE,
        posting_id=posting,
        url=receiving.receiver_url(synced),
        event_type="interview_started",
        http_method="post",
    )
    assert job.outcome == WebhookJob.Outcome.OK, job.message
    ours = subscriptions.posting_receiver_url(synced, posting_id=posting)
    assert WebhookSubscription.objects.get().url == ours
    job_run(
        synced,
        django_capture_on_commit_callbacks,
        WebhookJob.Kind.CREATE,
        posting_id=posting,
        url="https://example.com/hook",
        event_type="interview_started",
        http_method="post",
    )
    assert {h["url"] for h in hooks_of(sandbox)} >= {"https://example.com/hook"}  # others' URLs untouched


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_event_log_shows_an_unrecognised_delivery_in_chromium(live_server, page, screenshot, team):
    from playwright.sync_api import expect

    from tests.factories import PASSWORD, MembershipFactory, UserFactory

    MembershipFactory(user=UserFactory(username="hana"), team=team, role="admin")
    url = subscriptions.posting_receiver_url(team, posting_id="post_1")
    response = Client().post(
        url, '{"kind": "something new", "who": "<b>Jane</b>"}', content_type="application/json"
    )
    assert response.status_code == 202
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("hana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/webhooks/events/")
    row = page.locator("tr", has=page.locator(".wh-state-unrecognised"))
    expect(row).to_contain_text("No event name and interview id found")
    expect(row.locator(".wh-payload")).to_be_visible()  # open: the body is what to read
    expect(row.locator(".wh-payload")).to_contain_text('"who": "<b>Jane</b>"')  # as text, not markup
    screenshot("webhooks-unrecognised")
    assert page.console_errors == []
