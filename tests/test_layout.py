"""The layout every page shares: strict CSP, no inline script or style, the inline-mode banner."""

import re

import pytest

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=|<style", re.I)

PAGES = ["/", "/settings/", "/settings/members/", "/account/password/"]


@pytest.mark.parametrize("url", PAGES)
def test_it_sends_a_strict_csp_and_no_inline_code(login, admin, url):
    response = login(admin).get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    html = response.text
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_HANDLER.search(html)
    assert not INLINE_STYLE.search(html)
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/django_htmx/htmx-2.min.js" in html  # htmx served by us, not a CDN


def test_the_login_page_is_strict_too(client):
    response = client.get("/login/")
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert not INLINE_SCRIPT.search(response.text)


def test_it_shows_the_inline_mode_banner_only_in_inline_mode(login, admin, settings):
    settings.TASKS_INLINE = True
    assert "Development mode without Redis" in login(admin).get("/").text
    settings.TASKS_INLINE = False
    assert "Development mode without Redis" not in login(admin).get("/").text


def test_it_escapes_team_names(login, admin, team):
    team.name = '<script>alert("x")</script>'
    team.save()
    html = login(admin).get("/").text
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


# --- personal data is never cached; remote names are isolated ------------------------------------


def test_pages_and_downloads_for_a_signed_in_person_are_never_stored(login, viewer, team):
    from dashboard.mirror.models import TranscriptLine
    from tests.review.conftest import make_interview, make_posting

    posting = make_posting(team)
    interview = make_interview(team, posting, name="Ada Lovelace")
    TranscriptLine.objects.create(
        interview=interview, position=0, speaker="candidate", text="Hi", offset_seconds=1.0
    )
    client = login(viewer)
    for url in [
        f"/interviews/{interview.remote_id}/",
        f"/postings/{posting.remote_id}/export/",
        f"/interviews/{interview.remote_id}/transcript.vtt",
        f"/interviews/{interview.remote_id}/transcript.txt",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"no-store", "private"} <= directives, (url, response["Cache-Control"])


def test_candidate_names_in_the_table_are_bidi_isolated(login, viewer, team):
    from tests.review.conftest import make_interview, make_posting

    posting = make_posting(team)
    make_interview(team, posting, name="\u202egpj.exe Mallory")
    html = login(viewer).get(f"/postings/{posting.remote_id}/").text
    assert "<bdi>\u202egpj.exe Mallory</bdi>" in html
