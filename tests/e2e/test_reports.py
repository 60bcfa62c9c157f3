"""The reports printed by Chromium itself (`page.pdf()`, the engine a person's "Save as PDF" uses):
a candidate fits one to two pages, A4 or Letter; a shortlist is a summary page and one page per
candidate; the key text is in the PDF. And the shared page in a browser: no console error, no CSP
report, the recording loads through its signed URL."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from dashboard.review.models import Shortlist
from dashboard.sharing import services
from dashboard.sharing.models import ShareLink
from tests.e2e import test_profile as profile_tests
from tests.e2e.conftest import accessibility_problems, wait_for_page
from tests.review.conftest import make_posting
from tests.sharing.conftest import make_candidate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username: str):
    profile_tests.sign_in(page, live_server, username)
    page.wait_for_url(f"{live_server.url}/")


def pdf_pages(page, paper: str) -> list[str]:
    """Print the page as Chromium's print-to-PDF does (print media, the page's own @page rules)."""
    reader = PdfReader(io.BytesIO(page.pdf(format=paper, print_background=True)))
    return [" ".join((p.extract_text() or "").split()) for p in reader.pages]


# tests/sharing/conftest.py's two fixtures (a conftest there does not reach tests/e2e/).
@pytest.fixture
def posting(team):
    return make_posting(team, title="Backend engineer")


@pytest.fixture
def candidate(team, posting):
    return make_candidate(team, posting, "Ada Lovelace")


@pytest.fixture
def shortlisted(team, posting, reviewer, candidate):
    rows = [
        candidate,
        make_candidate(team, posting, "Grace Hopper", score=91),
        make_candidate(team, posting, "Katherine Johnson", score=74),
    ]
    for row in rows:
        Shortlist.objects.create(team=team, interview=row, added_by=reviewer)
    return rows


def test_the_candidate_report_prints_to_one_or_two_pages_with_its_key_text(
    live_server, page, viewer, candidate
):
    sign_in(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/interviews/{candidate.remote_id}/report/")
    assert page.get_by_role("button", name="Print / Save as PDF").is_visible()
    for paper in ("A4", "Letter"):
        pages = pdf_pages(page, paper)
        assert 1 <= len(pages) <= 2, (paper, len(pages))
        text = " ".join(pages)
        for key in [
            "Ada Lovelace",
            "Candidate report",
            "82/100",
            "4.2/5",
            "led the payments migration",
            "Key moments from the transcript",
            "01:05",
            "We sharded the ledger by merchant",
        ]:
            assert key.lower() in text.lower(), (paper, key, text[:800])
        # The site's chrome and the report's own controls stay off the paper.
        assert "Print / Save as PDF" not in text and "Postings" not in text
    assert not [e for e in page.console_errors if "Content Security Policy" in e]


def test_the_shortlist_report_is_a_summary_page_then_one_page_per_candidate(
    live_server, page, viewer, posting, shortlisted
):
    sign_in(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/postings/{posting.remote_id}/report/")
    pages = pdf_pages(page, "A4")
    assert len(pages) == 1 + len(shortlisted), [p[:80] for p in pages]
    assert "shortlist report" in pages[0].lower() and "3 candidates on the shortlist" in pages[0]
    for name in ["Grace Hopper", "Katherine Johnson", "Ada Lovelace"]:
        assert name in pages[0]
    # Best score first, each on its own page with its own excerpts.
    for name, text in zip(["Grace Hopper", "Ada Lovelace", "Katherine Johnson"], pages[1:], strict=True):
        assert name in text, (name, text[:200])
    assert all("01:05" in p and "Key moments from the transcript" in p for p in pages[1:])


def test_the_print_button_opens_the_browsers_print(live_server, page, viewer, candidate):
    sign_in(page, live_server, viewer.username)
    page.goto(f"{live_server.url}/interviews/{candidate.remote_id}/report/")
    # window.print() blocks a headless page; count the calls instead of printing.
    page.evaluate(
        "window.__printed = 0; window.__clicks = 0; window.print = () => { window.__printed += 1; };"
        "document.addEventListener('click', () => { window.__clicks += 1; });"
    )
    page.get_by_role("button", name="Print / Save as PDF").click()
    assert page.evaluate("window.__clicks") == 1, page.evaluate("[window.__clicks, window.__printed]")
    assert page.evaluate("window.__printed") == 1


def test_the_shared_page_works_in_a_browser_without_signing_in(live_server, page, team, reviewer, candidate):
    _link, token = services.share_link_create(team, user=reviewer, interviews=[candidate])
    page.goto(f"{live_server.url}/s/{token}/")
    assert page.locator("h1").inner_text() == "Ada Lovelace"
    assert page.locator(".site-header").count() == 0
    src = page.locator("video[data-media]").get_attribute("src")
    assert src.startswith(f"/s/{token}/recording/1/")
    # The only error: the redirect's target, HeyMilo's media host, is not reachable from here.
    assert not [e for e in page.console_errors if "ERR_NAME_NOT_RESOLVED" not in e], page.console_errors
    # The recording's own URL answers with a redirect to HeyMilo's signed link (not fetched here:
    # the machine has no network), and never once the link is over.
    assert Client().get(src).status_code == 302
    wait_for_page(page, "document.readyState === 'complete'")


def test_an_expired_link_is_a_clear_page_in_a_browser(
    live_server, page, screenshot, team, reviewer, candidate
):
    from datetime import timedelta

    from django.utils import timezone

    link, token = services.share_link_create(team, user=reviewer, interviews=[candidate])
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = page.goto(f"{live_server.url}/s/{token}/")
    assert response.status == 410
    assert page.locator("h1").inner_text() == "This link has expired"
    assert "Ada Lovelace" not in page.content()
    screenshot("shared-expired")
    # Chromium logs the 410 itself; nothing else (no CSP report, no script error).
    assert not [e for e in page.console_errors if "410 (Gone)" not in e], page.console_errors


def test_the_shared_and_report_pages_pass_axe_light_and_dark(live_server, page, team, reviewer, candidate):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    _link, token = services.share_link_create(team, user=reviewer, interviews=[candidate])
    found = []
    sign_in(page, live_server, reviewer.username)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for label, url in [
            ("shared page", f"/s/{token}/"),
            ("report", f"/interviews/{candidate.remote_id}/report/"),
            ("profile's share panel", f"/interviews/{candidate.remote_id}/share/"),
        ]:
            page.goto(f"{live_server.url}{url}")
            found += accessibility_problems(axe, page, f"{label}, {scheme}")
    assert not found, "\n".join(found)


def test_ticked_rows_are_shared_from_the_table(live_server, page, team, reviewer, posting, candidate):
    grace = make_candidate(team, posting, "Grace Hopper", score=91)
    sign_in(page, live_server, reviewer.username)
    page.goto(f"{live_server.url}/postings/{posting.remote_id}/")
    for row in (candidate, grace):
        page.locator(f'input[name="ids"][value="{row.remote_id}"]').check()
    page.get_by_role("button", name="Share ticked…").click()
    page.wait_for_url("**/candidates/share/?ids=*")
    assert "csrfmiddlewaretoken" not in page.url  # only the ticked ids travel in the URL
    page.get_by_role("button", name="Create link").click()
    shared = page.locator("#share-url").input_value()
    assert "/s/" in shared
    link = ShareLink.objects.get()
    assert set(link.interviews.all()) == {candidate, grace}
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
