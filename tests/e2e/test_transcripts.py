"""End to end in Chromium: the transcript reader beside the recording, find, and search."""

import pytest

from dashboard.mirror import services
from dashboard.mirror.models import Interview
from tests.e2e.conftest import wait_for_page
from tests.factories import MembershipFactory, UserFactory
from tests.mirror.helpers import point_team_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username):
    from tests.factories import PASSWORD

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_it_reads_a_transcript_with_its_recording_and_searches(live_server, page, screenshot, team, sandbox):
    point_team_at(team, sandbox)
    run = services.sync_request(team)  # inline: tasks run eagerly on commit
    run.refresh_from_db()
    interview = (
        Interview.objects.filter(team=team, has_recording=True, status="completed")
        .order_by("remote_id")
        .first()
    )
    lines = list(interview.transcript_lines.filter(offset_seconds__gt=5).order_by("position"))
    target = lines[3]
    user = UserFactory(username="rita")
    MembershipFactory(user=user, team=team, role="reviewer")
    sign_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/interviews/{interview.remote_id}/transcript/")
    media = page.locator("[data-media]")
    wait_for_page(page, "document.querySelector('[data-media]').readyState >= 1")
    page.locator(f"#t-{target.position} [data-seek]").click()
    current = media.evaluate("m => m.currentTime")
    assert abs(current - target.offset_seconds) < 0.5
    screenshot("transcripts-1-reader")

    word = next(w for w in target.text.split() if len(w) > 5).strip(".,?!").lower()
    page.get_by_label("Find in transcript").fill(word)
    count = page.locator("[data-find-count]")
    from playwright.sync_api import expect

    expect(count).to_contain_text(" of ")
    assert page.locator("mark").count() >= 1
    screenshot("transcripts-2-find")

    # A link to a moment opens there, highlighted.
    page.goto(f"{live_server.url}/interviews/{interview.remote_id}/transcript/#t-{target.position}")
    expect(page.locator(f"#t-{target.position}")).to_have_class(f"turn turn-{target.speaker} is-target")

    # A scorecard excerpt on the profile links to the moment it quotes.
    page.goto(f"{live_server.url}/interviews/{interview.remote_id}/interview/")
    page.locator("details summary").first.click()
    page.get_by_role("link", name="See it in the transcript").first.click()
    expect(page.locator(".turn.is-target")).to_have_count(1)
    screenshot("transcripts-3-evidence")

    page.goto(f"{live_server.url}/search/")
    page.get_by_label('Words, "a phrase" or a prefix*').fill(word)
    page.get_by_label("Speaker").select_option("")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results mark").first).to_be_visible()
    screenshot("transcripts-4-search")
    page.locator("#results .hits a").first.click()
    expect(page.locator(".turn.is-target")).to_have_count(1)
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors


def test_find_in_transcript_keeps_hostile_text_as_text(live_server, page, team):
    from playwright.sync_api import expect

    from dashboard.mirror.models import TranscriptLine

    hostile = [
        "I said <script>window.pwned=1</script> once",
        '"><img src=x onerror="window.pwned=2">',
        "Fish &amp; chips &lt;b&gt;",
    ]
    interview = Interview.objects.create(
        team=team, remote_id="int_hostile", name="Hostile", status="completed"
    )
    for position, text in enumerate(hostile):
        TranscriptLine.objects.create(
            interview=interview,
            position=position,
            speaker="candidate",
            text=text,
            offset_seconds=position * 5.0,
        )
    user = UserFactory(username="hugo")
    MembershipFactory(user=user, team=team, role="viewer")
    sign_in(page, live_server, "hugo")
    page.goto(f"{live_server.url}/interviews/int_hostile/transcript/")
    for needle in ("<script>window", "img src=x", "&amp; chips"):
        page.get_by_label("Find in transcript").fill(needle)
        expect(page.locator("[data-find-count]")).to_contain_text("1 of 1")
    # Every turn still reads exactly as said, and nothing was turned into markup.
    texts = page.locator("[data-text]").all_text_contents()
    assert texts == hostile
    assert page.locator(".turns img, .turns script, .turns b").count() == 0
    assert page.evaluate("window.pwned") is None
