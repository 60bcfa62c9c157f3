"""The candidate table grows in place ("Show 50 more") and the posting's summary strip shows the
median score: rows in order, the URL keeping how many, the first new row focused, bad numbers
clamped, the same queries at any length; the median with its scale, counted as the table counts."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.core.scores import score_html
from dashboard.review import charts, views
from dashboard.review.services import decision_record, rating_set
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db

ROW_LINK = re.compile(r'href="/interviews/(int_[^/"]+)/\?')
TABLE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "candidate-table"}
SHOW_MORE = {**TABLE, "HTTP_HX_TRIGGER": "show-more"}


def names_in(html: str) -> list[str]:
    return ROW_LINK.findall(html)


def more_link(html: str) -> str | None:
    found = re.search(r'<a class="button" id="show-more" href="([^"]+)"[^>]*>Show (\d+) more</a>', html)
    return (unescape(found.group(1)), int(found.group(2))) if found else None


@pytest.fixture
def hundred_twenty(team, posting):
    """120 candidates scored 0..119 (a made-up scale is fine here: the table only sorts on it)."""
    return [
        make_interview(team, posting, remote_id=f"int_p{n:03d}", name=f"Person {n:03d}", score=n)
        for n in range(120)
    ]


def test_show_more_grows_the_list_in_place(login, reviewer, posting, hundred_twenty):
    client = login(reviewer)
    url = f"/postings/{posting.remote_id}/"
    first = client.get(f"{url}?sort=-score").text
    best_first = [f"int_p{n:03d}" for n in range(119, -1, -1)]
    assert names_in(first) == best_first[:50]
    assert "page 1 of" not in first  # no numbered pager any more
    href, count = more_link(first)
    assert (href, count) == ("?sort=-score&shown=100", 50)
    assert "50 of 120 shown" in first

    # What htmx asks for when "Show 50 more" is clicked: the table, a page longer, in the same order.
    grown = client.get(url + href, **SHOW_MORE).text
    assert names_in(grown) == best_first[:100]
    assert "<!doctype" not in grown  # the table region alone
    # The first new row takes the focus (j/k go on from there); no other row is marked.
    assert grown.count("is-focused") == 1
    focused = re.search(r'<tr data-row class="is-focused">.*?</tr>', grown, re.S).group(0)
    assert 'href="/interviews/int_p069/?' in focused and " autofocus>" in focused
    # The table reloads itself (after a bulk decision, a sync) with the rows shown.
    assert re.search(r'id="candidate-table"[^>]*hx-get="[^"]*shown=100', grown)
    assert more_link(grown) == ("?sort=-score&shown=150", 20)
    assert "100 of 120 shown" in grown

    last = client.get(url + "?sort=-score&shown=150", **SHOW_MORE).text
    assert names_in(last) == best_first
    assert more_link(last) is None and "Next" not in last


def test_a_reload_shows_the_same_rows_without_moving_the_focus(login, viewer, posting, hundred_twenty):
    html = login(viewer).get(f"/postings/{posting.remote_id}/?sort=score&shown=100").text
    assert names_in(html) == [f"int_p{n:03d}" for n in range(100)]
    assert "is-focused" not in html and " autofocus>" not in html


def test_what_leaves_the_table_forgets_how_many_were_shown(login, reviewer, posting, hundred_twenty):
    html = login(reviewer).get(f"/postings/{posting.remote_id}/?sort=-score&shown=100", **TABLE).text
    # A new sort starts at the top; the bulk action's "all matching", the profile's list position and
    # the review queue describe the list, not how much of it is on screen.
    sort_links = re.findall(r'<th scope="col"[^>]*><a href="([^"]+)"', html)
    assert sort_links and all("shown" not in unescape(link) for link in sort_links)
    assert re.search(r'name="filters" value="sort=-score"', html)
    row_hrefs = re.findall(r'href="(/interviews/[^"]+)"', html)
    assert row_hrefs and all("shown" not in unescape(h) for h in row_hrefs)
    assert "shown" not in unescape(re.search(r'href="(/candidates/queue/[^"]*)"', html).group(1))


@pytest.mark.parametrize(
    ("shown", "rows"),
    [
        ("abc", 50),
        ("-5", 50),
        ("10", 50),
        ("", 50),
        ("1e3", 50),
        ("9" * 40, 100),
        ("100.5", 50),
    ],
)
def test_a_made_up_number_of_rows_is_clamped(
    login, viewer, posting, hundred_twenty, monkeypatch, shown, rows
):
    monkeypatch.setattr(views, "SHOWN_MAX", 100)
    response = login(viewer).get(
        f"/postings/{posting.remote_id}/", {"sort": "-score", "shown": shown}, **TABLE
    )
    assert response.status_code == 200
    assert len(names_in(response.text)) == rows


def test_past_the_longest_list_it_moves_on_to_the_next_rows(
    login, viewer, posting, hundred_twenty, monkeypatch
):
    monkeypatch.setattr(views, "SHOWN_MAX", 100)
    client = login(viewer)
    url = f"/postings/{posting.remote_id}/"
    html = client.get(url + "?sort=-score&shown=100", **TABLE).text
    assert more_link(html) is None
    following = re.search(r'<a class="button" href="([^"]+)"[^>]*rel="next">Next 20 →</a>', html).group(1)
    following = unescape(following)
    assert following == "?sort=-score&page=3"
    rest = client.get(url + following, **TABLE).text
    assert names_in(rest) == [f"int_p{n:03d}" for n in range(19, -1, -1)]
    assert "101–120 shown" in rest and ">from the first</a>" in rest


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, **TABLE).status_code == 200
    return len(queries)


def test_showing_more_costs_no_more_queries(login, reviewer, team, posting, hundred_twenty):
    for row in hundred_twenty[::3]:
        decision_record(team, interview=row, user=reviewer, value="hold")
        rating_set(team, interview=row, user=reviewer, stars=4)
    client = login(reviewer)
    url = f"/postings/{posting.remote_id}/?sort=-rating"
    client.get(url)  # the first visit remembers the filters
    counts = [_queries(client, f"{url}{more}") for more in ("", "&shown=100", "&shown=150")]
    assert counts[0] == counts[1] == counts[2]


# ---------------------------------------------------------------------------------------------
# The median in the summary strip


def test_the_median_is_the_middle_score_of_the_listed_candidates(team, posting):
    for score in (91, 40, 70):
        make_interview(team, posting, score=score)
    make_interview(team, posting, score=None)  # not scored: not counted
    make_interview(team, posting, score=5, missing=True)  # gone from HeyMilo: not listed
    make_interview(team, make_posting(team), score=1)  # another posting
    assert charts.median_score(posting, 3) == 70
    make_interview(team, posting, score=55)
    assert charts.median_score(posting, 4) == 62.5  # the mean of the middle two
    assert charts.median_score(posting, 0) is None


def test_the_strip_shows_the_median_with_its_scale(login, reviewer, viewer, team, posting):
    for score in (91, 40, 70, 55):
        make_interview(team, posting, score=score)
    summary = charts.summary(posting, reviewer)
    assert summary.median == 62.5 and summary.scored == 4
    html = login(reviewer).get(f"/postings/{posting.remote_id}/").text
    strip = html.split('class="strip-part strip-scores"', 1)[1].split("</div>", 1)[0]
    # Written as every score is: 62.5 rounds half up to 63/100, Mixed.
    assert f"Median {score_html(62.5)}" in strip
    assert '<span class="score-value">63</span><span class="score-scale">/100</span>' in strip
    assert "Median" in login(viewer).get(f"/postings/{posting.remote_id}/").text


def test_no_scores_no_median(login, reviewer, team, posting):
    make_interview(team, posting, score=None, status="pending")
    html = login(reviewer).get(f"/postings/{posting.remote_id}/").text
    assert "No scores yet." in html and "Median" not in html
