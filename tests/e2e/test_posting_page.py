"""The posting page in Chromium: candidates first (the first row inside the first 1440×900 screen),
no sideways scrolling at 1440 or 390 px, light or dark, and j/k moving between rows."""

import re

import pytest

from dashboard.mirror import services
from dashboard.mirror.models import Interview, Posting
from tests.e2e.conftest import SCREENSHOTS
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from tests.review.conftest import make_interview, make_posting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"1440": {"width": 1440, "height": 900}, "390": {"width": 390, "height": 844}}


@pytest.fixture
def synced_team(sandbox, settings):
    settings.HEYMILO_PAGE_SIZE = 100
    team = TeamFactory(name="Acme Hiring", heymilo_base_url=sandbox.url, api_key=sandbox.api_key)
    services.sync_request(team)  # autocommit: the task runs at once, inline
    return team


def _busiest(team):
    posting = max(Posting.objects.for_team(team), key=lambda p: p.interviews.count())
    assert Interview.objects.for_team(team).filter(posting=posting).count() >= 3
    return posting


def _signed_in(browser, live_server, username, viewport, scheme="light"):
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    return context, page


def _shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-screen.png"), caret="initial")  # the first screen


@pytest.mark.parametrize("role", ["admin", "reviewer"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_first_candidate_row_is_in_the_first_screen_and_nothing_scrolls_sideways(
    browser, live_server, synced_team, role, scheme
):
    posting = _busiest(synced_team)
    MembershipFactory(user=UserFactory(username="maya"), team=synced_team, role=role)
    for size, viewport in SIZES.items():
        context, page = _signed_in(browser, live_server, "maya", viewport, scheme)
        page.goto(f"{live_server.url}/postings/{posting.remote_id}/")
        row = page.locator("#candidate-table tbody tr").first
        row.wait_for()
        if size == "1440":
            box = row.bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], box
            # The default columns fit: the table itself does not scroll sideways either.
            assert page.evaluate(
                "document.querySelector('.table-wrap').scrollWidth"
                " <= document.querySelector('.table-wrap').clientWidth"
            )
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), size
        _shot(page, f"posting-{role}-{size}-{scheme}")
        assert not page.console_errors, page.console_errors
        context.close()


def test_j_and_k_move_between_rows_and_enter_opens_the_profile(browser, live_server, synced_team):
    posting = _busiest(synced_team)
    MembershipFactory(user=UserFactory(username="rita"), team=synced_team, role="reviewer")
    context, page = _signed_in(browser, live_server, "rita", SIZES["1440"])
    page.goto(f"{live_server.url}/postings/{posting.remote_id}/")
    rows = page.locator("#candidate-table tbody tr")
    rows.first.wait_for()
    page.locator("h1").click()  # focus on the page, not a field

    focused = (
        "Array.from(document.querySelectorAll('#candidate-table tbody tr'))"
        ".findIndex(r => r.classList.contains('is-focused'))"
    )
    page.keyboard.press("j")
    assert page.evaluate(focused) == 0
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.evaluate(focused) == 2
    assert page.evaluate(
        "document.activeElement.closest('tr') === document.querySelectorAll('#candidate-table tbody tr')[2]"
    )
    page.keyboard.press("k")
    assert page.evaluate(focused) == 1
    _shot(page, "posting-jk-1440")
    # Typing in the filter field types, it does not move.
    page.get_by_label("Search name or email").focus()
    page.keyboard.press("j")
    assert page.evaluate(focused) == 1 and page.get_by_label("Search name or email").input_value() == "j"
    page.get_by_label("Search name or email").fill("")
    page.keyboard.press("Escape")
    href = rows.nth(1).locator("a.row-link").get_attribute("href")
    rows.nth(1).locator("a.row-link").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}{href}")
    assert not page.console_errors, page.console_errors
    context.close()


def test_the_column_chooser_adds_a_column_in_place(browser, live_server, synced_team):
    posting = _busiest(synced_team)
    MembershipFactory(user=UserFactory(username="vic"), team=synced_team, role="viewer")
    context, page = _signed_in(browser, live_server, "vic", SIZES["1440"])
    page.goto(f"{live_server.url}/postings/{posting.remote_id}/")
    assert page.locator("th.col-resume").count() == 0
    page.get_by_text("Columns", exact=True).click()
    page.get_by_title("Resume column").check()
    page.locator("th.col-resume").wait_for()
    page.reload()
    page.locator("th.col-resume").wait_for()  # remembered
    assert not page.console_errors, page.console_errors
    context.close()


def test_show_more_adds_rows_in_place_and_j_k_go_on_from_the_first_new_one(browser, live_server, synced_team):
    posting = _busiest(synced_team)
    listed = Interview.objects.for_team(synced_team).filter(posting=posting, missing=False)
    for n in range(70 - listed.count()):
        make_interview(synced_team, posting, name=f"Extra Person {n:02d}", score=n % 100)
    total = min(listed.count(), 100)  # what two pages show
    MembershipFactory(user=UserFactory(username="sam"), team=synced_team, role="reviewer")
    context, page = _signed_in(browser, live_server, "sam", SIZES["1440"])
    page.goto(f"{live_server.url}/postings/{posting.remote_id}/?sort=-score")
    rows = page.locator("#candidate-table tbody tr[data-row]")
    rows.first.wait_for()
    assert rows.count() == 50
    first_fifty = rows.locator("a.row-link").evaluate_all("links => links.map(a => a.href)")
    more = page.get_by_role("link", name=f"Show {total - 50} more")
    more.click()
    page.wait_for_function(
        "n => document.querySelectorAll('#candidate-table tbody tr[data-row]').length === n", arg=total
    )
    # In place: the same first fifty, the URL keeps how many, no second page chrome.
    assert rows.locator("a.row-link").evaluate_all("links => links.map(a => a.href)")[:50] == first_fifty
    assert "shown=100" in page.url
    assert page.locator("header.site-header").count() == 1
    assert page.get_by_role("link", name=re.compile(r"Show \d+ more")).count() == (listed.count() > 100)
    focused = (
        "Array.from(document.querySelectorAll('#candidate-table tbody tr[data-row]'))"
        ".findIndex(r => r.classList.contains('is-focused'))"
    )
    # The first new row has the focus; j and k go on from there.
    page.wait_for_function("document.activeElement && document.activeElement.matches('a.row-link')")
    assert page.evaluate(focused) == 50
    assert page.evaluate("document.activeElement.closest('tr').classList.contains('is-focused')")
    page.keyboard.press("j")
    assert page.evaluate(focused) == 51
    page.keyboard.press("k")
    page.keyboard.press("k")
    assert page.evaluate(focused) == 49
    # The header stays on top of the grown table as the page scrolls.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    header = page.locator("#candidate-table thead th").nth(1).bounding_box()
    assert -1 <= header["y"] <= 1, header
    _shot(page, "posting-show-more-1440")
    # A reload shows the same rows (the URL says how many).
    page.reload()
    rows.first.wait_for()
    assert rows.count() == total
    assert not page.console_errors, page.console_errors
    context.close()
    # On a phone, in the dark: the button under the cards, nothing wider than the screen.
    context, page = _signed_in(browser, live_server, "sam", SIZES["390"], "dark")
    page.goto(f"{live_server.url}/postings/{posting.remote_id}/?sort=-score")
    more = page.get_by_role("link", name=f"Show {total - 50} more")
    more.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(SCREENSHOTS / "posting-show-more-390-dark-screen.png"), caret="initial")
    more.click()
    page.wait_for_function(
        "n => document.querySelectorAll('#candidate-table tbody tr[data-row]').length === n", arg=total
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert not page.console_errors, page.console_errors
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_row_on_a_later_page_opens_its_profile_numbered_and_j_steps_on(browser, live_server, scheme):
    """The row's link carries its number (`at`): the profile opened from row 52 says "52 of 55"
    without counting, and j moves to the next row, 53 of 55, as a recruiter working down a long
    sorted list would."""
    team = TeamFactory(name="Acme Hiring")
    posting = make_posting(team, title="Support engineer")
    rows = [make_interview(team, posting, score=100 - n, name=f"Candidate {n + 1:02d}") for n in range(55)]
    MembershipFactory(user=UserFactory(username="nina"), team=team, role="reviewer")
    for size, viewport in SIZES.items():
        context, page = _signed_in(browser, live_server, "nina", viewport, scheme)
        page.goto(f"{live_server.url}/postings/{posting.remote_id}/?sort=-score&page=2")
        page.locator("#candidate-table tbody tr a.row-link", has_text="Candidate 52").click()
        page.wait_for_url(re.compile(rf"/interviews/{rows[51].remote_id}/\?.*at=52"))
        assert re.fullmatch(r"\s*52 of 55\s*", page.locator(".stepper-count").inner_text())
        _shot(page, f"profile-row-52-{size}-{scheme}")
        page.locator("h1").click()  # focus on the page, not a field
        page.keyboard.press("j")
        page.wait_for_url(re.compile(rf"/interviews/{rows[52].remote_id}/\?.*at=53"))
        assert re.fullmatch(r"\s*53 of 55\s*", page.locator(".stepper-count").inner_text())
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), size
        assert not page.console_errors, page.console_errors
        context.close()
