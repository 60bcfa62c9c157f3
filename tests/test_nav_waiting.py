"""The sidebar's "Waiting for you": on every page, the same number as Home's "Start reviewing" and
the review queue's length (selectors.unreviewed_by); hidden at zero and for viewers; one query,
none for an htmx partial; another team's interviews never count."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.mirror.services import interviews_upsert
from dashboard.review.services import decision_record, rating_set
from heymilo.models import Interview as APIInterview
from tests.review.conftest import make_interview, make_posting
from tests.test_home import mixed, queue_position  # noqa: F401 (mixed: a fixture, used by name)

pytestmark = pytest.mark.django_db

NAV = re.compile(
    r'<a class="icon-waiting" href="([^"]+)"[^>]*>Waiting for you '
    r'<span class="nav-count">(\d+)<'
)


def sidebar(html: str) -> tuple[str, int] | None:
    found = NAV.search(html)
    return (unescape(found.group(1)), int(found.group(2))) if found else None


def test_the_sidebar_count_is_homes_and_the_queues(login, reviewer, team, mixed):  # noqa: F811
    client = login(reviewer)
    home = client.get("/").text
    assert "Start reviewing · 6" in home
    link, count = sidebar(home)
    assert count == 6
    # The same number on the other pages, and the link opens the queue Home's button opens.
    for url in ("/postings/", f"/postings/{mixed['backend'].remote_id}/", "/candidates/", "/inbox/"):
        assert sidebar(client.get(url).text) == (link, 6), url
    assert queue_position(client, link) == ("int_b91", "1 of 6")
    # Reviewing one takes it off everywhere at once.
    rating_set(team, interview=mixed["waiting"][0], user=reviewer, stars=4)
    assert sidebar(client.get("/candidates/").text)[1] == 5
    assert "Start reviewing · 5" in client.get("/").text
    assert queue_position(client, link)[1] == "1 of 5"


def test_it_is_hidden_at_zero_and_for_viewers(login, reviewer, viewer, team):
    posting = make_posting(team)
    done = make_interview(team, posting)
    make_interview(team, posting, status="in_progress")  # nothing to review in it yet
    client = login(reviewer)
    assert sidebar(client.get("/postings/").text)[1] == 1
    decision_record(team, interview=done, user=reviewer, value="advance")
    html = client.get("/postings/").text
    assert sidebar(html) is None and "Waiting for you" not in html
    # Viewers never review: no entry even with interviews waiting for everyone else.
    make_interview(team, posting)
    assert "Waiting for you" not in login(viewer).get("/postings/").text


def test_another_teams_interviews_never_count(login, reviewer, team, other_team):
    posting = make_posting(team)
    make_interview(team, posting)
    for _ in range(3):
        make_interview(other_team)
    assert sidebar(login(reviewer).get("/postings/").text)[1] == 1


def sync_changes(team, posting) -> None:
    """A sync that brings one more completed interview, through the mirror's own writer."""
    item = APIInterview.from_dict({"interview_id": "int_synced", "details": {"status": "completed"}})
    assert interviews_upsert(team, items=[item], posting=posting).created == 1


def _queries(client, url: str, **headers) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **headers).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_one_query_on_a_full_page_then_none_until_something_changes(login, reviewer, viewer, team):
    posting = make_posting(team)
    rows = []
    for n in range(6):
        rows.append(make_interview(team, posting))
        if n % 2:
            decision_record(team, interview=rows[-1], user=reviewer, value="hold")
    client = login(reviewer)

    def counted(**headers) -> int:
        return len([sql for sql in _queries(client, "/candidates/", **headers) if counts_waiting(sql)])

    def counts_waiting(sql: str) -> bool:
        return "COUNT(*)" in sql and "'completed'" in sql and "review_rating" in sql

    assert counted() == 1
    # Cached under the team's stamp: the next pages do not count again, a partial never does.
    assert counted() == 0
    assert counted(HTTP_HX_REQUEST="true", HTTP_HX_TARGET="candidate-table") == 0
    # A review (mine or a teammate's) or a sync changes the stamp: the next page counts afresh.
    rating_set(team, interview=rows[0], user=reviewer, stars=2)
    assert counted() == 1
    assert sidebar(client.get("/candidates/").text)[1] == 2
    sync_changes(team, posting)
    assert counted() == 1
    assert sidebar(client.get("/candidates/").text)[1] == 3
    viewer_client = login(viewer)
    viewer_client.get("/candidates/")
    assert not [sql for sql in _queries(viewer_client, "/candidates/") if counts_waiting(sql)]
