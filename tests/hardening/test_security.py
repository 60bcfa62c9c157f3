"""Security baseline on every page: strict CSP, no inline code, CSRF on every POST, keys hidden."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.hardening.test_isolation import (
    FILLERS,
    SKIP_PREFIXES,
    has_arguments,
    make_mention,
    make_share_link,
    walk,
)

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=|<style", re.I)
# Views that are not pages for a signed-in person. /readyz answers 503 where no worker runs, as it
# should (tests/ops/test_health.py holds its answers with each dependency up and down).
NOT_PAGES = {"logout", "webhook_receiver", "readyz"}
API_KEY = "hm_live_SECRET_9f8e7d6c5b4a39281706"


def urls_for(objects):
    for route, pattern in walk():
        if route.startswith(SKIP_PREFIXES) or pattern.name in NOT_PAGES or not pattern.name:
            continue
        if has_arguments(pattern):
            filler = FILLERS.get(pattern.name)
            if filler is None:
                continue  # test_isolation fails for it
            arguments = filler(objects)
            query = arguments.pop("?", "")  # a filler's query string (test_isolation's FILLERS)
            yield pattern.name, reverse(pattern.name, kwargs=arguments) + (f"?{query}" if query else "")
        else:
            yield pattern.name, reverse(pattern.name)


@pytest.fixture
def own_objects(team, admin):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from dashboard.accounts.models import ConnectionCheck, Invitation, Membership
    from dashboard.ingestion.models import CandidateIngest, ImportJob
    from dashboard.mirror.models import Interview, Posting, SyncRun, TranscriptLine
    from dashboard.notifications.models import Notification
    from dashboard.review.models import BulkDecision
    from dashboard.scorecards.models import ScorecardTemplate
    from dashboard.webhooks.models import Delivery, WebhookJob, WebhookSubscription

    team.set_api_key(API_KEY)
    team.save()
    posting = Posting.objects.create(team=team, remote_id="OURS01", title="Our role")
    interview = Interview.objects.create(
        team=team, posting=posting, remote_id="int_ours", name="Our Candidate", status="completed"
    )
    TranscriptLine.objects.create(interview=interview, position=0, speaker="candidate", text="hi")
    return {
        "team": team,
        "posting": posting,
        "interview": interview,
        "sync_run": SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM),
        "check": ConnectionCheck.objects.create(team=team, requested_by=admin),
        "membership": Membership.objects.get(user=admin),
        # Addressed to no one here: a viewer may neither cancel it (403) nor answer it (404).
        "invitation": Invitation.objects.create(team=team, email="invitee@example.com", invited_by=admin),
        "bulk": BulkDecision.objects.create(team=team, value="hold"),
        "import_job": ImportJob.objects.create(
            team=team,
            posting=posting,
            file_name="x.csv",
            header=["name", "email"],
            stored_name=default_storage.save(
                "imports/walk.csv", ContentFile(b"name,email\nAda,ada@example.com\n")
            ),
        ),
        "candidate_ingest": CandidateIngest.objects.create(
            team=team, posting=posting, name="Ours", email="o@example.com"
        ),
        "webhook_job": WebhookJob.objects.create(team=team, kind="refresh"),
        "webhook": WebhookSubscription.objects.create(
            team=team, webhook_id="wh_ours", url="https://example.com/hook"
        ),
        "delivery": Delivery.objects.create(team=team, method="POST", body="{}"),
        "mention": make_mention(team, interview, admin),
        "share_link": make_share_link(team, interview, admin),
        "notification": Notification.objects.create(
            team=team, recipient=admin, kind="mention", text="Our Candidate", link="/"
        ),
        "scorecard_template": ScorecardTemplate.objects.create(team=team, name="Our card"),
    }


def test_every_page_has_a_strict_csp_no_inline_code_and_never_the_key(login, admin, own_objects):
    client = login(admin)
    pages = 0
    for name, url in urls_for(own_objects):
        response = client.get(url)
        assert response.status_code < 500, (name, url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert API_KEY.encode() not in body, (name, url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        csp = response.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, name
        html = body.decode()
        assert not INLINE_SCRIPT.search(html), (name, INLINE_SCRIPT.search(html))
        assert not INLINE_HANDLER.search(html), (name, INLINE_HANDLER.search(html))
        assert not INLINE_STYLE.search(html), (name, INLINE_STYLE.search(html))
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        pages += 1
    assert pages >= 8


def test_every_post_without_a_csrf_token_is_refused(admin, own_objects):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    for name, url in urls_for(own_objects):
        response = client.post(url, HTTP_HX_REQUEST="true")
        if name in CSRF_EXEMPT:
            continue
        # 403 from CSRF; 405 where the view takes no POST at all.
        assert response.status_code in (403, 405), (name, url, response.status_code)


# HeyMilo's webhook calls, and the one-click unsubscribe a mail client POSTs (RFC 8058) with no
# session or form to carry a token: in both the signed token in the URL is the proof.
CSRF_EXEMPT = {"webhook_receiver", "notifications_unsubscribe"}


def test_only_the_webhook_receiver_and_one_click_unsubscribe_are_csrf_exempt():
    exempt = [
        pattern.name
        for _route, pattern in walk()
        if getattr(pattern.callback, "csrf_exempt", False) and not _route.startswith(SKIP_PREFIXES)
    ]
    assert set(exempt) <= CSRF_EXEMPT, exempt


# What a viewer may POST: their own session, password and current team.
VIEWER_MAY_POST = {"logout", "password_change", "switch_team"}
# Rows a viewer's own visit may write: their session, their remembered filters, their own
# notifications (read marks, preferences, follows).
OWN_STATE = ("sessions.", "admin.", "review.SavedFilter", "notifications.")


def snapshot() -> dict[str, list]:
    """Every row of every table but the viewer's own state, for "nothing changed"."""
    from django.apps import apps

    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))
        for model in apps.get_models()
        if not model._meta.label.startswith(OWN_STATE)
    }


def test_a_viewer_gets_403_on_every_post_that_would_change_something(viewer, own_objects):
    """Every view that writes refuses a viewer's POST with 403; views that only read (and so
    answer a POST like a GET) change nothing, and the data is the same before and after."""
    client = Client()
    client.force_login(viewer)
    before = snapshot()
    refused = []
    for name, url in urls_for(own_objects):
        if name in VIEWER_MAY_POST:
            continue
        response = client.post(
            url,
            {
                "value": "advance",
                "stars": "5",
                "body": "hi @admin",
                "scope": "all",
                "confirm": "1",
                "role": "admin",
                "reason": "x",
            },
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code < 500, (name, url)
        if response.status_code == 403:
            refused.append(name)
        else:
            assert snapshot() == before, (name, url, response.status_code)
    # The writing views of every app, by name: a new one is covered by the snapshot above.
    assert {
        "decide",
        "rate",
        "add_note",
        "bulk_decide",
        "bulk_undo",
        "import_upload",
        "import_start",
        "candidate_add",
        "webhook_create",
        "webhook_deactivate",
        "webhooks_connect",
        "sync_start",
        "connection_check_start",
        "team_settings",
        "member_role",
        "delivery_replay",
    } <= set(refused)
    assert snapshot() == before
