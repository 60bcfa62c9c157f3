"""End to end in Chromium: a reviewer filters a posting's candidates, opens one, decides, sees it."""

import csv
import io
import re

import pytest

from dashboard.mirror import services
from dashboard.mirror.models import Interview, Posting
from dashboard.review.models import Mention
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def shooter(page):
    """Screenshots that leave the page alone: Playwright's default caret hiding leaves style=""
    on inputs, which htmx's attribute settling then copies back with setAttribute, and the
    strict CSP reports that as an inline style."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return lambda name: page.screenshot(
        path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial"
    )


def test_it_filters_opens_a_profile_switches_tabs_and_decides(live_server, page, sandbox, settings):
    from playwright.sync_api import expect

    screenshot = shooter(page)
    settings.HEYMILO_PAGE_SIZE = 100
    team = TeamFactory(name="Acme Hiring", heymilo_base_url=sandbox.url, api_key=sandbox.api_key)
    MembershipFactory(user=UserFactory(username="rita"), team=team, role="reviewer")
    sam = UserFactory(username="sam")
    MembershipFactory(user=sam, team=team, role="reviewer")
    services.sync_request(team)  # autocommit: the task runs at once, inline
    posting = Posting.objects.for_team(team).order_by("title").first()
    completed = Interview.objects.for_team(team).filter(posting=posting, status="completed")
    assert completed.count() >= 2

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("rita")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Postings", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Postings")
    screenshot("review-1-postings")

    page.get_by_role("link", name=posting.title, exact=True).click()
    expect(page.locator("#candidate-table")).to_be_visible()
    page.get_by_label("Status").select_option("completed")
    expect(page).to_have_url(re.compile(r"status=completed"))
    expect(page.locator("#candidate-table")).to_contain_text(f"{completed.count()} candidate")
    screenshot("review-2-candidate-table")

    matching = completed.filter(email__icontains="example").order_by("-interviewed_on", "-id")
    assert matching.count() >= 2
    page.get_by_label("Search name or email").press_sequentially("example")
    expect(page).to_have_url(re.compile(r"q=example"))
    expect(page.locator("#candidate-table")).to_contain_text(f"{matching.count()} candidate")
    first, second = matching[0], matching[1]
    page.locator("#candidate-table").get_by_role("link", name=first.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first.name)
    expect(page.locator(".profile-nav")).to_contain_text(f"1 of {matching.count()}")

    # j / k walk the filtered list; a advances the candidate on screen.
    page.keyboard.press("j")
    expect(page.get_by_role("heading", level=1)).to_have_text(second.name)
    expect(page.locator(".profile-nav")).to_contain_text(f"2 of {matching.count()}")
    page.keyboard.press("a")
    expect(page.locator("#profile-header")).to_contain_text("Decision recorded: advance.")
    page.keyboard.press("k")
    expect(page.get_by_role("heading", level=1)).to_have_text(first.name)

    page.get_by_role("link", name="Resume", exact=True).click()
    expect(page).to_have_url(re.compile(r"/resume/\?"))
    expect(page.locator("#tab-resume")).to_be_visible()
    page.get_by_role("link", name="Interview", exact=True).click()
    expect(page.locator("#tab-interview")).to_be_visible()
    screenshot("review-3-profile-interview-tab")

    page.get_by_text("Add a reason").click()  # the reason is optional, folded under the decision
    page.get_by_role("textbox", name="Reason (optional)").fill("Clear answers on the scorecard")
    page.get_by_role("button", name="Advance").click()
    expect(page.locator("#profile-header")).to_contain_text("Decision recorded: advance.")
    page.get_by_role("link", name="Activity", exact=True).click()
    expect(page.locator("#tab-activity")).to_contain_text("Clear answers on the scorecard")
    expect(page.locator("#tab-activity")).to_contain_text("rita")
    assert [d.value for d in first.decisions.all()] == ["advance"]
    assert [d.value for d in second.decisions.all()] == ["advance"]

    # Keyboard: n focuses the note, ? opens the help.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("n")
    expect(page.locator("#note-body")).to_be_focused()
    page.keyboard.type("Phone screen next week, @sam can you take it?")
    page.get_by_role("button", name="Post note").click()
    # The note appears at once in the side panel, its mention marked.
    expect(page.locator("#profile-side")).to_contain_text("Phone screen next week")
    expect(page.locator("#profile-side .mention").filter(has_text="@sam")).to_have_count(1)
    assert Mention.objects.filter(user=sam, note__interview=first).count() == 1
    page.locator("h1").click()
    page.keyboard.press("?")
    expect(page.locator("#shortcut-help")).to_be_visible()
    screenshot("review-4-profile-activity")
    page.keyboard.press("Escape")

    # Back to the filtered list: compare two side by side, then export the list as CSV.
    page.goto(f"{live_server.url}/postings/{posting.remote_id}/?status=completed&q=example")
    ticks = page.locator("#candidate-table tbody input[name=ids]")
    ticks.nth(0).check()
    ticks.nth(1).check()
    page.get_by_role("button", name="Compare ticked").click()
    expect(page).to_have_url(re.compile(r"/candidates/compare/\?.*ids=.*ids="))
    expect(page.locator("th.compare-candidate")).to_have_count(2)
    expect(page.locator("#comparison")).to_contain_text(first.name)
    expect(page.locator("#comparison")).to_contain_text(second.name)
    screenshot("review-5-compare")
    page.go_back()
    with page.expect_download() as download:
        page.locator("#candidate-table").get_by_role("link", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert sorted(r["HeyMilo interview id"] for r in exported) == sorted(m.remote_id for m in matching)
    assert all(
        r["Team decision"] == "advance"
        for r in exported
        if r["HeyMilo interview id"] in {first.remote_id, second.remote_id}
    )
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors
