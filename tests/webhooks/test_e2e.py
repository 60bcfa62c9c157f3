"""End to end in Chromium: connect a posting, ingest a candidate, see the result arrive live."""

import re

import pytest
import requests

from dashboard.core.heymilo_api import client_for
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from tests.mirror.helpers import point_team_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_an_ingested_candidates_result_live_on_the_posting_page(
    live_server, page, screenshot, sandbox, settings
):
    from playwright.sync_api import expect

    from dashboard.mirror import services as mirror

    settings.PUBLIC_BASE_URL = live_server.url
    team = point_team_at(TeamFactory(name="Acme Hiring"), sandbox)
    MembershipFactory(user=UserFactory(username="hana"), team=team, role="admin")
    mirror.sync_request(team)  # inline in tests
    posting = sandbox.postings()[0]

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("hana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Connecting is plumbing: it sits on the posting's Manage tab; the live notices on its page.
    page.goto(f"{live_server.url}/postings/{posting['posting_id']}/manage/")
    panel = page.locator(".wh-panel")
    expect(panel).to_contain_text("Not connected")
    panel.get_by_role("button", name="Connect this dashboard").click()
    expect(panel).to_contain_text("Connected: 3 webhooks created.", timeout=15_000)
    page.reload()
    expect(page.locator(".wh-panel .badge")).to_have_text("Connected")
    page.goto(f"{live_server.url}/postings/{posting['posting_id']}/")

    # Nobody touches the page from here: the sandbox delivers, the receiver verifies, the page polls.
    client_for(team).ingest_candidate(posting["url_key"], "Jane Doe", "jane.doe@example.com")
    notice = page.locator(".wh-notice", has_text="Jane Doe completed the interview")
    expect(notice).to_be_visible(timeout=30_000)
    expect(notice).to_contain_text("score")
    screenshot("webhooks-1-live-notice")

    # An existing candidate changes in HeyMilo; its event arrives; its row refreshes in place.
    known = sandbox.interviews(posting["posting_id"])[0]
    row = page.locator("tr", has=page.locator(f'a[href^="/interviews/{known["interview_id"]}/"]'))
    expect(row).not_to_contain_text(re.compile("shortlisted", re.I))
    page.evaluate("window.__marker = 'same page'")
    sandbox.override_interview(known["interview_id"], status="shortlisted")
    requests.post(
        f"{live_server.url}/hooks/heymilo/{team.webhook_token}/",
        timeout=10,
        json={"event_type": "report_available", "interview_id": known["interview_id"]},
    )
    expect(row).to_contain_text("Shortlisted", timeout=30_000)
    assert page.evaluate("window.__marker") == "same page"  # no reload happened

    page.goto(f"{live_server.url}/webhooks/events/")
    expect(page.locator(".wh-state-processed").first).to_be_visible()
    screenshot("webhooks-2-event-log")
    page.goto(f"{live_server.url}/webhooks/")
    expect(page.locator("#webhook-table")).to_contain_text(posting["title"])
    screenshot("webhooks-3-list")
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors
