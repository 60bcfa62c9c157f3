"""The review queue: "Review unreviewed" opens the first candidate of the filtered list this person
has not decided on or rated, and prev/next walk only that queue."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard.review.services import decision_record, rating_set
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db


@pytest.fixture
def line(team, posting, reviewer, admin):
    """Five candidates by score; the reviewer decided 90 and rated 70; the admin decided 80."""
    rows = {n: make_interview(team, posting, remote_id=f"int_q{n}", score=n) for n in (90, 80, 70, 60, 50)}
    decision_record(team, interview=rows[90], user=reviewer, value="advance")
    rating_set(team, interview=rows[70], user=reviewer, stars=3)
    decision_record(
        team, interview=rows[80], user=admin, value="hold"
    )  # someone else's review does not count as mine
    make_interview(team, make_posting(team), remote_id="int_elsewhere", score=99)
    return rows


def queue_link(html: str) -> str:
    return re.search(r'<a class="button small" href="([^"]+)"[^>]*>Review unreviewed</a>', html).group(1)


def test_it_opens_the_first_unreviewed_candidate_of_the_filtered_list(login, reviewer, posting, line):
    client = login(reviewer)
    table = client.get(f"/postings/{posting.remote_id}/?sort=-score&score_max=85").text
    link = queue_link(table).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/interviews/int_q80/"
    nav = parse_qs(target.query)
    assert nav["in"] == [posting.remote_id]
    assert parse_qs(nav["list"][0]) == {"sort": ["-score"], "score_max": ["85"], "unreviewed": ["on"]}


def test_prev_and_next_walk_only_the_queue_and_step_on_after_a_decision(login, reviewer, posting, line):
    client = login(reviewer)
    first = client.get(
        queue_link(client.get(f"/postings/{posting.remote_id}/?sort=-score").text).replace("&amp;", "&")
    )["Location"]
    page = client.get(first).text
    assert "Review queue" in page and "1 of 3" in page  # 80, 60, 50: not 90 (decided) or 70 (rated)
    nxt = re.search(r'href="(/interviews/int_q60/\?[^"]+)"[^>]*rel="next"', page).group(1)
    nxt = nxt.replace("&amp;", "&")
    # Deciding the one on screen keeps it in the queue so "next" still steps on from it.
    response = client.post(
        nxt.replace("/interviews/int_q60/", "/interviews/int_q60/decide/"),
        {"value": "hold"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    page = client.get(nxt).text
    assert "2 of 3" in page
    assert re.search(r'href="/interviews/int_q50/\?[^"]+"[^>]*rel="next"', page)
    assert re.search(r'href="/interviews/int_q80/\?[^"]+"[^>]*rel="prev"', page)
    # The next candidate's queue no longer holds the one just decided.
    last = client.get(nxt.replace("int_q60", "int_q50")).text
    nav = last.split('class="profile-nav"', 1)[1].split("</nav>", 1)[0]
    assert "2 of 2" in nav and "int_q60" not in nav and "/interviews/int_q80/" in nav


def test_an_empty_queue_goes_back_to_the_list_with_a_message(login, reviewer, team, posting, line):
    for n in (80, 60, 50):
        rating_set(team, interview=line[n], user=reviewer, stars=4)
    client = login(reviewer)
    response = client.get(f"/candidates/queue/?list=sort%3Dname&in={posting.remote_id}", follow=True)
    assert response.redirect_chain[-1][0] == f"/postings/{posting.remote_id}/?sort=name"
    assert "Nothing left to review in this list" in response.text


def test_the_queue_across_postings_and_without_a_list(login, reviewer, line):
    response = login(reviewer).get("/candidates/queue/")
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path in {
        "/interviews/int_q80/",
        "/interviews/int_q60/",
        "/interviews/int_q50/",
        "/interviews/int_elsewhere/",
    }


def test_viewers_get_no_button_and_403(login, viewer, posting, line):
    client = login(viewer)
    assert "Review unreviewed" not in client.get(f"/postings/{posting.remote_id}/").text
    assert client.get(f"/candidates/queue/?in={posting.remote_id}").status_code == 403


def test_an_outsider_gets_404_for_another_teams_posting_queue(login, outsider, posting, line):
    client = login(outsider)
    assert client.get(f"/candidates/queue/?in={posting.remote_id}").status_code == 404
    assert client.get("/candidates/queue/", {"in": "x\x00y"}).status_code == 400  # a NUL: 400, not a 500
    response = client.get("/candidates/queue/", follow=True)
    assert "Nothing left to review" in response.text  # their own team has no candidates
