"""The profile's top bar (issue 16): a breadcrumb back to the list the person came from and
"‹ 4 of 41 ›" stepping through it (keys k and j), in a constant number of queries."""

import re
from html import unescape
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.review.services import decision_record, rating_set
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db


def top_bar(html: str) -> str:
    return html.split('class="profile-nav"', 1)[1].split("</nav>", 1)[0]


def row_link(table: str, remote_id: str) -> str:
    """The profile link the candidate table gives a row (with the list it was opened from)."""
    return unescape(re.search(rf'href="(/interviews/{remote_id}/\?[^"]+)"', table).group(1))


def step(bar: str, label: str) -> str | None:
    found = re.search(rf'<a class="step" href="([^"]+)"[^>]*aria-label="{label}"', bar)
    return unescape(found.group(1)) if found else None


def test_the_bar_steps_through_the_filtered_sorted_posting_table(login, reviewer, team, posting):
    rows = {s: make_interview(team, posting, score=s, name=f"Score {s}") for s in (90, 80, 70, 60, 40)}
    client = login(reviewer)
    table = client.get(f"/postings/{posting.remote_id}/?sort=-score&score_min=50").text
    bar = top_bar(client.get(row_link(table, rows[80].remote_id)).text)

    assert re.search(r'class="stepper-count">\s*2 of 4\s*<', bar)
    prev, nxt = step(bar, "Previous candidate"), step(bar, "Next candidate")
    assert prev.startswith(f"/interviews/{rows[90].remote_id}/?") and 'data-shortcut="k"' in bar
    assert nxt.startswith(f"/interviews/{rows[70].remote_id}/?") and 'data-shortcut="j"' in bar
    # The breadcrumb goes back to the posting, and to its table with the same filters and sort.
    assert f'href="/postings/{posting.remote_id}/">Backend engineer</a>' in bar
    back = unescape(re.search(r'<a href="([^"]+)">Candidates</a>', bar).group(1))
    assert back == f"/postings/{posting.remote_id}/?sort=-score&score_min=50"
    assert "Score 80" in bar  # where the person is

    # Stepping on keeps the list: the next profile is 3 of 4, and the last has nowhere further to go.
    assert re.search(r">\s*3 of 4\s*<", top_bar(client.get(nxt).text))
    last = top_bar(client.get(row_link(table, rows[60].remote_id)).text)
    assert re.search(r">\s*4 of 4\s*<", last)
    assert step(last, "Next candidate") is None and 'class="step is-off"' in last
    assert 'data-shortcut="j"' not in last
    assert step(last, "Previous candidate").startswith(f"/interviews/{rows[70].remote_id}/?")


def test_the_bar_names_the_review_queue_when_it_came_from_there(login, reviewer, team, posting):
    done, *waiting = [make_interview(team, posting, score=s) for s in (95, 85, 75)]
    decision_record(team, interview=done, user=reviewer, value="advance")
    client = login(reviewer)
    first = client.get("/candidates/queue/?" + urlencode({"list": "sort=-score", "in": posting.remote_id}))
    bar = top_bar(client.get(first["Location"]).text)
    assert re.search(r">\s*1 of 2\s*<", bar)
    assert re.search(r'<a href="[^"]+unreviewed=on[^"]*">Review queue</a>', bar)
    assert step(bar, "Next candidate").startswith(f"/interviews/{waiting[1].remote_id}/?")
    assert step(bar, "Previous candidate") is None


def test_from_all_candidates_the_way_back_is_that_list(login, reviewer, team, posting):
    rows = [make_interview(team, posting, name=name) for name in ("Ann", "Bea")]
    client = login(reviewer)
    table = client.get("/candidates/?sort=name").text
    bar = top_bar(client.get(row_link(table, rows[1].remote_id)).text)
    assert unescape(re.search(r'<a href="([^"]+)">Candidates</a>', bar).group(1)) == "/candidates/?sort=name"
    assert f"/postings/{posting.remote_id}/" not in bar
    assert re.search(r">\s*2 of 2\s*<", bar)


def test_a_profile_opened_without_a_list_has_no_stepper(login, viewer, team, posting):
    row = make_interview(team, posting)
    bar = top_bar(login(viewer).get(f"/interviews/{row.remote_id}/").text)
    assert f'href="/postings/{posting.remote_id}/">Backend engineer</a>' in bar
    assert "stepper" not in bar and " of " not in bar


def test_another_teams_posting_in_the_url_is_not_used(login, reviewer, team, posting, other_team):
    """Bad input: `in` naming a posting of another team. The list is then all of this team's
    candidates; nothing of the other team's posting shows."""
    foreign = make_posting(other_team, title="Globex secret role")
    make_interview(other_team, foreign, name="Not yours")
    rows = [make_interview(team, posting, name=name) for name in ("Ann", "Bea")]
    nav = urlencode({"list": "sort=name", "in": foreign.remote_id})
    response = login(reviewer).get(f"/interviews/{rows[0].remote_id}/?{nav}")
    assert response.status_code == 200
    bar = top_bar(response.text)
    assert "Globex" not in response.text and f"/postings/{foreign.remote_id}/" not in bar
    assert re.search(r">\s*1 of 2\s*<", bar)
    assert unescape(re.search(r'<a href="([^"]+)">Candidates</a>', bar).group(1)) == "/candidates/?sort=name"


@pytest.mark.parametrize("sort", ["-score", "score"])
def test_next_runs_from_the_last_score_on_to_the_candidates_without_one(login, reviewer, team, posting, sort):
    """Candidates with no score come last either way: after the last one with a score, "next"
    is the first of them (a query of its own), and they step on through each other. Equal
    values (no score too) go by id in the direction of the sort."""
    high, low, low_too = (make_interview(team, posting, score=s) for s in (80, 70, 70))
    blank = [make_interview(team, posting, score=None) for _ in range(2)]
    descending = [high, low_too, low, blank[1], blank[0]]
    order = descending if sort == "-score" else [low, low_too, high, *blank]
    client = login(reviewer)
    nav = urlencode({"list": f"sort={sort}", "in": posting.remote_id})
    for number, (row, following) in enumerate(zip(order, [*order[1:], None], strict=True), start=1):
        bar = top_bar(client.get(f"/interviews/{row.remote_id}/?{nav}").text)
        assert re.search(rf">\s*{number} of 5\s*<", bar), (sort, number)
        nxt = step(bar, "Next candidate")
        if following is None:
            assert nxt is None
        else:
            assert nxt.startswith(f"/interviews/{following.remote_id}/?"), (sort, number)


@pytest.mark.parametrize(
    "list_query", ["sort=-score", "sort=-rating&decision=hold", "sort=-score&unreviewed=on"]
)
def test_stepping_costs_the_same_queries_for_a_long_list_as_a_short_one(login, reviewer, team, list_query):
    """The position is read for the whole list at once (list_position), never a query per row."""
    short, long = make_posting(team, title="Short"), make_posting(team, title="Long")
    for item, size in ((short, 4), (long, 60)):
        for n in range(size):
            row = make_interview(team, item, score=n)
            if n % 2:
                decision_record(team, interview=row, user=reviewer, value="hold")
                rating_set(team, interview=row, user=reviewer, stars=1 + n % 5)
    client = login(reviewer)
    client.get("/candidates/")  # the session's first page reads more

    def queries(item) -> int:
        middle = item.interviews.order_by("score")[2]
        nav = urlencode({"list": list_query, "in": item.remote_id})
        with CaptureQueriesContext(connection) as captured:
            html = client.get(f"/interviews/{middle.remote_id}/?{nav}").text
        assert "stepper-count" in html
        return len(captured)

    assert queries(short) == queries(long)


def test_the_list_is_read_from_the_rows_own_posting_without_reading_it_again(login, reviewer, team):
    """Opened from its own posting's table (the usual case) the profile reuses the posting its row
    came with; opened with another posting named, that posting's list is read and it is not in it."""
    own, other = make_posting(team, title="Own"), make_posting(team, title="Other")
    rows = [make_interview(team, own, score=s) for s in (90, 80, 70)]
    make_interview(team, other, score=50)
    client = login(reviewer)
    client.get("/candidates/")  # the session's first page reads more

    nav = urlencode({"list": "sort=-score", "in": own.remote_id})
    with CaptureQueriesContext(connection) as captured:
        bar = top_bar(client.get(f"/interviews/{rows[1].remote_id}/?{nav}").text)
    assert re.search(r'class="stepper-count">\s*2 of 3\s*<', bar)
    assert f'href="/postings/{own.remote_id}/?sort=-score"' in bar
    assert not [q for q in captured if q["sql"].startswith('SELECT "mirror_posting"')]

    nav = urlencode({"list": "sort=-score", "in": other.remote_id})
    bar = top_bar(client.get(f"/interviews/{rows[1].remote_id}/?{nav}").text)
    assert (
        f'href="/postings/{other.remote_id}/?sort=-score"' in bar and "No longer in this list (1 left)" in bar
    )


def test_a_row_deep_in_the_table_is_numbered_by_its_link_without_counting_the_rows_before_it(
    login, reviewer, team, posting
):
    """The table's link carries the row's number (`at`): the profile shows it and counts nothing
    (a count of the rows before read as many rows as the place, 100,000 for the last of a long
    list); each step carries its neighbour's number on."""
    rows = [make_interview(team, posting, score=100 - n) for n in range(55)]  # row n+1 is rows[n]
    client = login(reviewer)
    table = client.get(f"/postings/{posting.remote_id}/?sort=-score&page=2").text
    link = row_link(table, rows[51].remote_id)
    assert link.endswith("&at=52")
    with CaptureQueriesContext(connection) as captured:
        bar = top_bar(client.get(link).text)
    assert re.search(r'class="stepper-count">\s*52 of 55\s*<', bar)
    assert not [q for q in captured if " OVER " in q["sql"]]
    prev, nxt = step(bar, "Previous candidate"), step(bar, "Next candidate")
    assert prev.startswith(f"/interviews/{rows[50].remote_id}/?") and prev.endswith("at=51")
    assert nxt.startswith(f"/interviews/{rows[52].remote_id}/?") and nxt.endswith("at=53")
    assert re.search(r">\s*53 of 55\s*<", top_bar(client.get(nxt).text))
    assert re.search(r">\s*51 of 55\s*<", top_bar(client.get(prev).text))


@pytest.mark.parametrize("at", ["999", "1", "0", "-3", "x", "²", "99999999999999", "9" * 5000])
def test_a_made_up_row_number_never_shows_outside_what_the_neighbours_prove(
    login, reviewer, team, posting, at
):
    """Bad input: `at` edited by hand. A number is kept between the list's ends (the first has no
    row before it, the last none after); anything but a plain number ("²", which str.isdigit()
    passes and int() refuses, or thousands of digits) is ignored and the rows before are counted.
    The candidate and the list are the same either way."""
    rows = [make_interview(team, posting, score=s) for s in (90, 80, 70, 60)]
    client = login(reviewer)
    nav = urlencode({"list": "sort=-score", "in": posting.remote_id, "at": at})
    numbered = {"999": 3, "99999999999999": 3}.get(at, 2)  # rows[1] is the second of four
    assert re.search(
        rf">\s*{numbered} of 4\s*<", top_bar(client.get(f"/interviews/{rows[1].remote_id}/?{nav}").text)
    )
    first = top_bar(client.get(f"/interviews/{rows[0].remote_id}/?{nav}").text)
    last = top_bar(client.get(f"/interviews/{rows[3].remote_id}/?{nav}").text)
    assert re.search(r">\s*1 of 4\s*<", first) and re.search(r">\s*4 of 4\s*<", last)


def test_a_review_queue_counts_its_rows_whatever_the_link_says(login, reviewer, team, posting):
    """In a review queue a reviewed candidate leaves the list, so a carried number could be one
    too many: the queue counts, and its steps carry no number."""
    rows = [make_interview(team, posting, score=s) for s in (90, 80, 70)]
    decision_record(team, interview=rows[0], user=reviewer, value="advance")
    nav = urlencode({"list": "sort=-score&unreviewed=on", "in": posting.remote_id, "at": "3"})
    bar = top_bar(login(reviewer).get(f"/interviews/{rows[1].remote_id}/?{nav}").text)
    assert re.search(r">\s*1 of 2\s*<", bar)
    assert "at=" not in step(bar, "Next candidate")


def test_a_note_to_mark_that_is_no_number_marks_none(login, reviewer, team, posting):
    """Bad input: ?note= (an @mention's link marks its note) edited by hand to a digit int()
    refuses. The profile opens, no note marked."""
    row = make_interview(team, posting)
    response = login(reviewer).get(f"/interviews/{row.remote_id}/?note=²")
    assert response.status_code == 200 and "is-highlighted" not in response.text
