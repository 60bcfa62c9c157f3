"""The candidate table per posting and across postings: filters, sort, pages, roles, queries."""

import re

import pytest
from django.core.cache import cache

from dashboard.review.services import decision_record, rating_set
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db

ROW_LINK = re.compile(r'href="/interviews/(int_[^/"]+)/\?')


def names_in(html: str) -> list[str]:
    return ROW_LINK.findall(html)


@pytest.fixture
def crowd(team, posting, reviewer, admin):
    """Five candidates with known scores, decisions, ratings and eligibility."""
    rows = {
        "ada": make_interview(
            team,
            posting,
            remote_id="int_ada",
            name="Ada Lovelace",
            email="ada@ex.com",
            score=91,
            resume_score=4.5,
            match_score=88,
            eligible=True,
            has_recording=True,
        ),
        "bob": make_interview(
            team,
            posting,
            remote_id="int_bob",
            name="Bob Stone",
            email="bob@ex.com",
            score=55,
            resume_score=2.0,
            match_score=40,
            eligible=False,
        ),
        "cy": make_interview(
            team,
            posting,
            remote_id="int_cy",
            name="Cy Young",
            email="cy@ball.org",
            status="pending",
            score=None,
            eligible=None,
        ),
        "dee": make_interview(
            team,
            posting,
            remote_id="int_dee",
            name="Dee Dee",
            email="dee@ex.com",
            score=72,
            resume_score=3.1,
            match_score=70,
            eligible=True,
        ),
        "eve": make_interview(
            team,
            make_posting(team, title="Designer"),
            remote_id="int_eve",
            name="Eve Polastri",
            email="eve@ex.com",
            score=80,
            eligible=True,
        ),
    }
    decision_record(team, interview=rows["ada"], user=admin, value="reject")
    decision_record(team, interview=rows["ada"], user=admin, value="advance")  # the latest counts
    decision_record(team, interview=rows["bob"], user=reviewer, value="reject")
    rating_set(team, interview=rows["dee"], user=reviewer, stars=5)
    return rows


ALL_COLUMNS = "columns=1&" + "&".join(
    f"col={key}"
    for key in [
        "posting",
        "email",
        "status",
        "score",
        "resume",
        "match",
        "eligible",
        "decision",
        "rating",
        "team",
        "interviewed",
        "engaged",
    ]
)


def header_keys(html: str) -> list[str]:
    return [key for key in re.findall(r'<th scope="col" class="col-(\w+)"', html) if key != "select"]


def test_the_posting_table_shows_the_default_columns(login, reviewer, posting, crowd):
    html = login(reviewer).get(f"/postings/{posting.remote_id}/").text
    assert sorted(names_in(html)) == ["int_ada", "int_bob", "int_cy", "int_dee"]
    # Name (the email muted beside it), status, score, decision, stage, my rating, last engaged: no more.
    assert header_keys(html) == ["name", "status", "score", "decision", "stage", "rating", "engaged"]
    assert 'class="col-resume' not in html and 'class="col-match' not in html
    for text in [
        "Ada Lovelace",
        '<span class="email"><bdi>ada@ex.com</bdi></span>',
        "Advance",
        "<strong>4</strong> candidates",
        "Completed",
        "Pending",
        # My rating as five pips, in words for screen readers.
        'title="Your rating: 5 of 5"',
        '<span class="visually-hidden">5 of 5</span>',
        # Each score with its scale (dashboard/core/scores.py).
        '<span class="score-value">91</span><span class="score-scale">/100</span>',
    ]:
        assert text in html, text
    assert 'title="Ada Lovelace · ada@ex.com"' in html  # the whole name and email on hover
    assert 'name="ids" value="int_ada"' in html  # reviewers get the bulk checkboxes


def test_the_column_chooser_adds_a_column_remembered_for_that_person_only(
    login, reviewer, admin, posting, crowd
):
    client = login(reviewer)
    chosen = client.get(
        f"/postings/{posting.remote_id}/?columns=1&col=status&col=score&col=resume"
        "&col=decision&col=rating&col=engaged"
    ).text
    assert header_keys(chosen) == ["name", "status", "score", "resume", "decision", "rating", "engaged"]
    assert '<span class="score-value">4.5</span><span class="score-scale">/5</span>' in chosen
    assert "col=" not in re.search(r'id="candidate-table"[^>]*', chosen).group(0)  # not carried on
    # Remembered across requests, on every candidate table of that person (the all-candidates list
    # keeps its posting column)...
    again = client.get(f"/postings/{posting.remote_id}/").text
    assert header_keys(again) == ["name", "status", "score", "resume", "decision", "rating", "engaged"]
    assert header_keys(client.get("/candidates/").text) == [
        "name",
        "posting",
        "status",
        "score",
        "resume",
        "decision",
        "rating",
        "engaged",
    ]
    # ... and not for anyone else.
    assert header_keys(login(admin).get(f"/postings/{posting.remote_id}/").text) == [
        "name",
        "status",
        "score",
        "decision",
        "stage",
        "rating",
        "engaged",
    ]


def test_the_column_chooser_ignores_unknown_columns_and_keeps_the_name(login, viewer, posting, crowd):
    client = login(viewer)  # viewers choose their columns too: a GET, like their filters
    html = client.get(f"/postings/{posting.remote_id}/?columns=1&col=bogus&col=Score&col=score").text
    assert header_keys(html) == ["name", "score"]
    assert sorted(names_in(html)) == ["int_ada", "int_bob", "int_cy", "int_dee"]
    # Unticking everything leaves the name: the table never loses its rows' links.
    assert header_keys(client.get(f"/postings/{posting.remote_id}/?columns=1").text) == ["name"]


def test_the_chooser_applies_with_the_filters_it_was_sent_with(login, reviewer, posting, crowd):
    html = (
        login(reviewer)
        .get(
            f"/postings/{posting.remote_id}/?q=ada&columns=1&col=match",
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="candidate-table",
        )
        .text
    )
    assert names_in(html) == ["int_ada"] and header_keys(html) == ["name", "match"]


def test_it_lists_candidates_across_postings(login, viewer, crowd):
    html = login(viewer).get("/candidates/").text
    assert sorted(names_in(html)) == ["int_ada", "int_bob", "int_cy", "int_dee", "int_eve"]
    assert "Designer" in html
    # Viewers may tick rows to compare them, but get no bulk actions.
    assert 'name="ids" value="int_ada"' in html and "Compare ticked" in html
    assert "/candidates/bulk/" not in html and "Set decision" not in html and "Review unreviewed" not in html
    assert 'id="bulk-form" class="bulk" method="get" action="/candidates/compare/"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ada", ["int_ada"]),
        ("q=EX.COM", ["int_ada", "int_bob", "int_dee", "int_eve"]),
        ("status=pending", ["int_cy"]),
        ("decision=advance", ["int_ada"]),
        ("decision=reject", ["int_bob"]),
        ("decision=none", ["int_cy", "int_dee", "int_eve"]),
        ("eligible=yes", ["int_ada", "int_dee", "int_eve"]),
        ("eligible=no", ["int_bob"]),
        ("eligible=unknown", ["int_cy"]),
        ("score_min=70&score_max=85", ["int_dee", "int_eve"]),
        # The reviewer decided bob and rated dee; cy is still pending: nothing to review yet.
        ("unreviewed=on", ["int_ada", "int_eve"]),
        ("recording=on", ["int_ada"]),
        ("q=ex.com&eligible=yes&score_min=75", ["int_ada", "int_eve"]),
    ],
)
def test_it_filters(login, reviewer, crowd, query, expected):
    html = login(reviewer).get(f"/candidates/?{query}").text
    assert sorted(names_in(html)) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("score", ["int_bob", "int_dee", "int_eve", "int_ada", "int_cy"]),  # no score sorts last
        ("-score", ["int_ada", "int_eve", "int_dee", "int_bob", "int_cy"]),
        ("name", ["int_ada", "int_bob", "int_cy", "int_dee", "int_eve"]),
        ("-name", ["int_eve", "int_dee", "int_cy", "int_bob", "int_ada"]),
        ("email", ["int_ada", "int_bob", "int_cy", "int_dee", "int_eve"]),
        ("decision", ["int_ada", "int_bob", "int_cy", "int_dee", "int_eve"]),  # ties in row order
        ("-rating", ["int_dee", "int_eve", "int_cy", "int_bob", "int_ada"]),
        ("eligible", ["int_bob", "int_ada", "int_dee", "int_eve", "int_cy"]),
    ],
)
def test_it_sorts(login, reviewer, crowd, sort, expected):
    html = login(reviewer).get(f"/candidates/?sort={sort}").text
    assert names_in(html) == expected


def test_an_unknown_sort_falls_back_to_newest_interviews_first(login, reviewer, crowd):
    client = login(reviewer)
    newest_first = names_in(client.get("/candidates/?sort=-interviewed").text)
    assert names_in(client.get("/candidates/?sort=bogus").text) == newest_first
    assert names_in(client.get("/candidates/").text) == newest_first


def test_every_column_header_links_to_its_sort(login, reviewer, crowd):
    html = login(reviewer).get(f"/candidates/?sort=name&q=e&{ALL_COLUMNS}").text
    for key in [
        "name",
        "posting",
        "email",
        "status",
        "score",
        "resume",
        "match",
        "eligible",
        "decision",
        "rating",
        "team",
        "interviewed",
        "engaged",
    ]:
        assert re.search(rf'href="\?[^"]*sort=-?{key}\b', html), key
    assert 'aria-sort="ascending"' in html
    assert "q=e" in re.search(r'href="(\?[^"]*sort=-name[^"]*)"', html).group(1)  # keeps the filters
    assert "columns=" not in re.search(r'href="(\?[^"]*sort=-name[^"]*)"', html).group(1)


def test_it_shows_fifty_then_more_with_the_state_in_the_url(login, viewer, team, posting):
    for n in range(120):
        make_interview(team, posting, name=f"Person {n:03d}", score=n)
    client = login(viewer)
    first = client.get("/candidates/?sort=-score").text
    assert len(names_in(first)) == 50
    assert 'href="?sort=-score&amp;shown=100"' in first and "Show 50 more" in first
    # A page link from before still opens there.
    third = client.get("/candidates/?sort=-score&page=3").text
    assert len(names_in(third)) == 20
    assert "Person 019" in third and "Person 020" not in third
    assert "101–120 shown" in third
    assert client.get("/candidates/?page=99").status_code == 200  # clamps to the last page


def test_a_page_of_fifty_takes_a_constant_number_of_queries(
    login, reviewer, team, posting, django_assert_max_num_queries
):
    client = login(reviewer)
    rows = [make_interview(team, posting, score=n) for n in range(60)]
    for row in rows[:30]:
        decision_record(team, interview=row, user=reviewer, value="hold")
        rating_set(team, interview=row, user=reviewer, stars=3)
    client.get("/candidates/")  # warm the session
    # The posting page also draws its summary strip (two queries) and the webhooks panel, reads the
    # review settings, remembers the filters, counts the inbox badge and the sidebar's "Waiting for you",
    # lists the team's stages and reject reasons (the stage filter, the bulk bar's "Move to stage"),
    # and counts the header bell's unread notifications.
    with django_assert_max_num_queries(23):
        html = client.get(f"/postings/{posting.remote_id}/?sort=decision&eligible=").text
    assert len(names_in(html)) == 50
    with django_assert_max_num_queries(14):
        client.get(
            "/candidates/?unreviewed=on&sort=-rating",
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="candidate-table",
        )


@pytest.mark.parametrize(
    ("query", "needed"),
    [
        ("", set()),
        ("sort=-interviewed&status=completed&q=a&unreviewed=on&eligible=no", set()),
        ("sort=-rating", {"my_rating"}),
        ("sort=team", {"team_rating"}),
        ("sort=decision", {"decision"}),
        ("decision=none", {"decision"}),
        ("shortlisted=on", {"shortlisted"}),
        ("sort=-team&decision=hold&shortlisted=on", {"team_rating", "decision", "shortlisted"}),
        ("sort=bogus", set()),
    ],
)
def test_the_table_builds_the_review_columns_for_counting_and_paging_only_when_needed(query, needed):
    """Building the decision and rating joins and subqueries for the count and the page of ids
    cost more than the rest of those queries (and PostgreSQL cannot drop the decision's join when
    nothing reads it); the page's own rows always have them."""
    from django.http import QueryDict

    from dashboard.review.forms import CandidateFilter

    assert CandidateFilter(QueryDict(query)).review_columns == needed


def test_the_htmx_request_gets_only_the_table_and_the_sort_for_the_form(login, viewer, crowd):
    response = login(viewer).get(
        "/candidates/?q=ada&sort=-name", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="candidate-table"
    )
    html = response.text
    assert "<html" not in html and 'id="candidate-table"' in html
    oob = re.search(
        r'<div class="filter filter-sort" id="sort-filter" hx-swap-oob="true">.*?</div>', html, re.S
    )
    assert oob and '<option value="-name" selected>Name, Z to A</option>' in oob.group(0)
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_the_filter_form_uses_active_search_and_pushes_the_url(login, viewer, crowd):
    html = login(viewer).get("/candidates/?q=ada").text
    assert 'hx-trigger="keyup changed delay:200ms' in html
    assert 'hx-push-url="true"' in html
    assert 'value="ada"' in html


def test_bad_filter_input_is_explained_and_the_rest_still_applies(login, viewer, crowd):
    html = login(viewer).get("/candidates/?score_min=lots&eligible=no").text
    assert "Enter a number." in html
    assert names_in(html) == ["int_bob"]
    html = login(viewer).get("/candidates/?score_min=90&score_max=10").text
    assert "must be at least" in html


def test_remote_text_in_the_table_is_escaped(login, viewer, team):
    """Every cell of a row that holds HeyMilo's text: name (also in the checkbox label), email,
    status (also in a class), id (in a value and the link), and the posting's title."""
    posting = make_posting(team, title="<b>Title</b>")
    make_interview(
        team,
        posting,
        remote_id='int_"><u>',
        name="<script>alert(1)</script>",
        email='"><img src=x onerror=alert(1)>',
        status='"><em>x</em>',
    )
    client = login(viewer)
    for url in ["/candidates/", f"/postings/{posting.remote_id}/"]:
        html = client.get(url).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert 'aria-label="Select &lt;script&gt;' in html
        assert "<img src=x" not in html and "<em>x</em>" not in html and "<u>" not in html
        assert 'value="int_&quot;&gt;&lt;u&gt;"' in html
    cell = '<td class="col-posting" title="&lt;b&gt;Title&lt;/b&gt;"><a href="/postings/'
    assert cell in client.get("/candidates/").text
    assert "&lt;b&gt;Title&lt;/b&gt;</a></td>" in client.get("/candidates/").text


def test_an_outsider_gets_404_for_the_posting_and_sees_none_of_the_rows(login, outsider, posting, crowd):
    client = login(outsider)
    assert client.get(f"/postings/{posting.remote_id}/").status_code == 404
    assert (
        client.get(
            f"/postings/{posting.remote_id}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="candidate-table"
        ).status_code
        == 404
    )
    assert names_in(client.get("/candidates/").text) == []


def test_a_person_without_a_team_gets_404(client, django_user_model):
    user = django_user_model.objects.create_user("loner", password="x")
    client.force_login(user)
    assert client.get("/candidates/").status_code == 404
    assert client.get("/postings/").status_code == 404


def test_the_postings_list_filters_by_state_and_counts_awaiting_review(login, viewer, team, crowd, posting):
    from django.utils import timezone

    archived = make_posting(team, title="Old job", archived=True)
    expired = make_posting(team, title="Gone job", deadline=timezone.now() - timezone.timedelta(days=1))
    client = login(viewer)
    html = client.get("/postings/").text
    # Backend engineer: ada decided, bob decided, dee completed undecided, cy pending → 1 awaiting.
    counts = r"Backend engineer</a></td>\s*<td>.*?</td>\s*<td>4</td>\s*<td>3</td>\s*<td><a [^>]*>1</a>"
    assert re.search(counts, html, re.S)
    assert archived.title in html and expired.title in html
    only_archived = client.get("/postings/?state=archived").text
    assert "Old job" in only_archived and "Backend engineer" not in only_archived
    only_expired = client.get("/postings/?state=expired").text
    assert "Gone job" in only_expired and "Old job" not in only_expired
    active = client.get("/postings/?state=active&q=back").text
    assert "Backend engineer" in active and "Designer" not in active
    by_score = client.get("/postings/?sort=-score").text
    assert by_score.index("Backend engineer") < by_score.index("Old job")
    assert "Team decisions today" in client.get("/").text  # Home renders with these postings


def test_row_links_are_the_profile_urls_reverse_gives_even_for_unusual_ids(login, viewer, posting, team):
    """The table builds its row links without reverse() per row; they must be the same URLs."""
    from django.urls import reverse

    odd = ["int_a b", "int_ü?x=1", "int_50%", "int_a#b&c"]
    for remote_id in odd:
        make_interview(team, posting, remote_id=remote_id, name=remote_id)
    client = login(viewer)
    html = client.get(f"/postings/{posting.remote_id}/").text
    for remote_id in odd:
        url = reverse("interview", args=[remote_id])
        assert f'href="{url}?' in html.replace("&amp;", "&")
        # ... and each opens that candidate.
        assert client.get(url).context["interview"].remote_id == remote_id


def test_search_follows_a_renamed_candidate_and_ignores_case(login, viewer, team, posting):
    row = make_interview(team, posting, remote_id="int_zed", name="Zed Quill", email="ZQ@Example.org")
    client = login(viewer)
    assert names_in(client.get("/candidates/?q=zq@EXAMPLE").text) == ["int_zed"]
    row.name = "Ximena Orr"
    row.save(update_fields=["name"])
    assert names_in(client.get("/candidates/?q=xIMENA").text) == ["int_zed"]
    assert names_in(client.get("/candidates/?q=quill").text) == []
    # A match never spans the end of the name and the start of the email.
    assert names_in(client.get("/candidates/?q=orrzq").text) == []


def test_queries_stay_the_same_at_two_sizes_with_every_column(login, reviewer, team, posting):
    """The posting page (summary strip, table, chosen columns) and the all-candidates table cost the
    same number of queries with 3 candidates as with 60: nothing is read per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(reviewer)
    client.get(f"/candidates/?{ALL_COLUMNS}")  # every column, remembered

    def counts():
        out = []
        for url, headers in [
            (f"/postings/{posting.remote_id}/?sort=decision", {}),
            ("/candidates/?sort=-rating", {}),
            (
                f"/postings/{posting.remote_id}/?q=a",
                {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "candidate-table"},
            ),
        ]:
            cache.clear()  # the sidebar's cached count: counted on both sides
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url, **headers).status_code == 200
            out.append(len(queries))
        return out

    for n in range(3):
        make_interview(team, posting, score=n)
    counts()  # remembers each table's filters: a first visit writes them
    small = counts()
    rows = [make_interview(team, posting, score=n) for n in range(57)]
    for row in rows[:30]:
        decision_record(team, interview=row, user=reviewer, value="hold")
        rating_set(team, interview=row, user=reviewer, stars=3)
    assert counts() == small
