"""End to end in Chromium, the profile cockpit (issue 16): a transcript time plays the recording beside
it from that moment (by mouse and by keyboard), and a note being typed in the side panel survives a
decision made in the header."""

import pytest

from dashboard.mirror import services
from dashboard.mirror.models import Interview
from tests.e2e.conftest import wait_for_page
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.mirror.helpers import point_team_at
from tests.review.conftest import make_interview, make_posting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def csp_reports(page) -> list[str]:
    return [e for e in page.console_errors if "Content Security Policy" in e]


def test_a_transcript_time_plays_the_recording_from_that_moment(live_server, page, team, sandbox):
    from playwright.sync_api import expect

    point_team_at(team, sandbox)
    services.sync_request(team)  # inline: tasks run eagerly on commit
    # A recorded interview whose transcript opening (the profile's excerpt) has a turn well into it.
    interview, line = next(
        (row, line)
        for row in Interview.objects.filter(team=team, has_recording=True, status="completed").order_by(
            "remote_id"
        )
        for line in list(row.transcript_lines.all()[:6])
        if (line.offset_seconds or 0) > 5
    )
    MembershipFactory(user=UserFactory(username="vera"), team=team, role="viewer")
    sign_in(page, live_server, "vera")

    profile = f"{live_server.url}/interviews/{interview.remote_id}/"
    page.goto(profile)
    media = page.locator(".recording [data-media]")
    wait_for_page(page, "document.querySelector('.recording [data-media]').readyState >= 1")
    assert media.evaluate("m => m.currentTime") == 0
    time = page.locator(f'.excerpt a[href$="#t-{line.position}"]')
    expect(time).to_have_attribute("data-seek", f"{line.offset_seconds:.3f}")
    time.click()
    # It played from there, in place: no navigation to the reader; the line being said is marked.
    wait_for_page(page, "!document.querySelector('.recording [data-media]').paused")
    media.evaluate("m => m.pause()")
    at = media.evaluate("m => m.currentTime")
    assert page.url == profile
    assert abs(at - line.offset_seconds) < 1.0
    expect(page.locator(".excerpt li.is-current")).to_have_count(1)
    marked = float(page.locator(".excerpt li.is-current").get_attribute("data-start"))
    assert line.offset_seconds <= marked <= at + 0.1

    # By keyboard: Tab to the first time, Enter plays from it.
    media.evaluate("m => { m.pause(); m.currentTime = 0; }")
    first = page.locator(".excerpt a[data-seek]").first
    first.focus()
    page.keyboard.press("Enter")
    wait_for_page(page, "!document.querySelector('.recording [data-media]').paused")
    start = float(first.get_attribute("data-seek"))
    assert abs(media.evaluate("m => m.currentTime") - start) < 1.0
    assert page.url == profile

    # The full transcript reader has the player too: its times are links that seek it the same way.
    page.goto(f"{profile}transcript/")
    wait_for_page(page, "document.querySelector('[data-media]').readyState >= 1")
    link = page.locator(f"#t-{line.position} a[data-seek]")
    expect(link).to_have_attribute("href", f"#t-{line.position}")
    link.focus()
    page.keyboard.press("Enter")
    assert abs(page.locator("[data-media]").evaluate("m => m.currentTime") - line.offset_seconds) < 1.0
    assert not csp_reports(page), page.console_errors


def test_without_a_recording_a_time_opens_the_reader_at_that_moment(live_server, page, team):
    """Bad input: an interview with a transcript but no playable recording (a javascript: link)."""
    from playwright.sync_api import expect

    from dashboard.mirror.models import TranscriptLine

    doc = {
        "interview_id": "int_silent",
        "details": {"name": "Sam Silent", "status": "completed"},
        "agentic_data": {"web_interview_info": {"audio_recording_link": "javascript:alert(1)"}},
    }
    row = make_interview(team, make_posting(team), remote_id="int_silent", name="Sam Silent", document=doc)
    for position, offset in enumerate((0.0, 14.0)):
        TranscriptLine.objects.create(
            interview=row,
            position=position,
            speaker="candidate",
            text=f"Turn {position}",
            offset_seconds=offset,
        )
    MembershipFactory(user=UserFactory(username="vera"), team=team, role="viewer")
    sign_in(page, live_server, "vera")
    page.goto(f"{live_server.url}/interviews/int_silent/")
    assert page.locator("[data-media]").count() == 0
    page.locator('.excerpt a[href$="#t-1"]').click()
    expect(page).to_have_url(f"{live_server.url}/interviews/int_silent/transcript/#t-1")
    expect(page.locator("#t-1")).to_have_class("turn turn-candidate is-target")


def test_a_half_typed_note_survives_a_decision(live_server, page, team):
    from playwright.sync_api import expect

    posting = make_posting(team, title="Backend engineer")
    row = make_interview(team, posting, name="Nora Notes", score=72)
    MembershipFactory(user=UserFactory(username="rita"), team=team, role="reviewer")
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/interviews/{row.remote_id}/")
    page.evaluate("window.notReloaded = true")

    note = page.get_by_label("Add a note")
    note.fill("Strong on payments; ask about on-call")
    page.get_by_role("button", name="Hold").click()
    # The decision shows in the header and in the side panel's activity, which re-rendered ...
    expect(page.locator(".seg-hold")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#profile-side .side-activity")).to_contain_text("decided")
    expect(page.locator("#profile-side .side-activity .badge.decision-hold")).to_be_visible()
    # ... and the note being typed is still there, still the same field, not posted.
    expect(note).to_have_value("Strong on payments; ask about on-call")
    assert page.evaluate("window.notReloaded === true")
    assert not row.notes.exists()

    # Posting it then clears the field and shows the note at once.
    note.press_sequentially(" rotation.")
    page.get_by_role("button", name="Post note").click()
    expect(page.locator(".side-notes")).to_contain_text("Strong on payments; ask about on-call rotation.")
    expect(page.get_by_label("Add a note")).to_have_value("")
    assert not csp_reports(page), page.console_errors
