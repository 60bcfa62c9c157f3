"""A candidate table in date order reads its page by walking the list's date index (selectors.page_ids):
the same rows in the same order as the plain query, whatever the filters, and on SQLite a plan that
stops at the page instead of sorting every match."""

from datetime import timedelta

import pytest
from django.db import connection
from django.http import QueryDict
from django.utils import timezone

from dashboard.review import selectors
from dashboard.review.forms import CandidateFilter
from tests.review.conftest import make_interview, make_posting
from tests.review.test_table import names_in

pytestmark = pytest.mark.django_db

FILTERS = [
    "sort=-interviewed",
    "sort=interviewed",
    "q=an&status=completed&score_min=40&score_max=90",
    "q=an&status=completed&score_min=40&score_max=90&sort=interviewed",
    "score_min=40&score_max=90",
    "status=pending&q=lee",
    "q=nobody-by-this-name",
    "decision=none&eligible=yes",
]


@pytest.fixture
def many(team, posting):
    """Sixty candidates of the posting (and a few of another): statuses, scores and names mixed,
    several interviewed at the same moment (the id breaks the tie) and some never."""
    now = timezone.now()
    names = ["Ann Lee", "Bo Han", "Cy Diaz", "Di Ngan", "Ed Moss"]
    rows = [
        make_interview(
            team,
            posting,
            name=f"{names[n % 5]} {n}",
            status=("completed", "completed", "pending", "knocked_out")[n % 4],
            score=None if n % 7 == 0 else (n * 37) % 100,
            eligible=(True, False, None)[n % 3],
            interviewed_on=None if n % 11 == 0 else now - timedelta(hours=n // 3),
        )
        for n in range(60)
    ]
    other = make_posting(team, title="Elsewhere")
    for n in range(5):
        make_interview(team, other, name=f"Ann Other {n}", score=60)
    return rows


def listed(team, user, posting, query: str):
    """The rows the table lists for this query (views._listed)."""
    form = CandidateFilter(QueryDict(query))
    rows = selectors.candidate_rows(team, posting)
    if form.review_columns:
        rows = selectors.with_review(rows, user, columns=form.review_columns)
    return form.apply(rows, user)


@pytest.mark.parametrize("whole_team", [False, True], ids=["posting", "all candidates"])
@pytest.mark.parametrize("query", FILTERS)
def test_the_walk_reads_the_same_page_as_the_plain_query(team, reviewer, posting, many, query, whole_team):
    table = None if whole_team else posting
    rows = listed(team, reviewer, table, query)
    everything = list(rows.values_list("pk", flat=True))
    for offset, limit in [(0, 50), (0, 7), (7, 7), (40, 50), (100, 50)]:
        walked = selectors.page_ids(rows, offset, limit, walk=True, posting=table)
        assert walked == everything[offset : offset + limit], (query, offset)


def test_the_filtered_table_lists_its_rows_newest_first(login, reviewer, posting, many):
    html = (
        login(reviewer)
        .get(
            f"/postings/{posting.remote_id}/?q=an&status=completed&score_min=40&score_max=90",
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="candidate-table",
        )
        .text
    )
    expected = [
        row.remote_id
        for row in sorted(
            (
                row
                for row in many
                if "an" in row.search
                and row.status == "completed"
                and row.score is not None
                and 40 <= row.score <= 90
            ),
            key=lambda row: (row.interviewed_on is not None, row.interviewed_on, row.pk),
            reverse=True,
        )
    ]
    assert len(expected) > 3
    assert names_in(html) == expected


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the index is named to SQLite only")
@pytest.mark.parametrize("whole_team", [False, True], ids=["posting", "all candidates"])
def test_sqlite_walks_the_date_index_and_sorts_nothing(team, reviewer, posting, many, whole_team):
    table, index = (None, selectors.WALK_INDEX_ALL) if whole_team else (posting, selectors.WALK_INDEX)
    rows = listed(team, reviewer, table, "q=an&status=completed&score_min=40&score_max=90")
    sql, params = selectors.walk_sql(rows.values_list("pk", flat=True)[:50], index)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " | ".join(row[-1] for row in cursor.fetchall())
    assert f"COVERING INDEX {index}" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize(
    ("query", "joined", "not_joined"),
    [
        ("sort=-rating", ['"own_rating"'], ['"review_decision"', '"stage_row"']),
        ("sort=decision", ['"team_decision"."team_id" = ("mirror_interview"."team_id")'], ['"own_rating"']),
        ("decision=none", ['"team_decision"."team_id" = ("mirror_interview"."team_id")'], ['"own_rating"']),
        ("sort=-stage", ['"stage_row"."team_id" = ("mirror_interview"."team_id")'], ['"review_decision"']),
        ("stage=1", ['"stage_row"."team_id" = ("mirror_interview"."team_id")'], ['"review_decision"']),
        ("sort=-score", [], ['"review_decision"', '"own_rating"', '"stage_row"']),
    ],
)
def test_a_list_joins_only_the_review_rows_it_reads_and_only_its_teams(
    team, reviewer, posting, query, joined, not_joined
):
    """The count and the page of ids join a review table only when a filter or the sort reads it
    (PostgreSQL cannot drop the current decision's join when nothing does), and the decision and
    stage joins name the interview's team, so a team's list reads its own review rows, not every
    team's (docs/performance.md, session 16)."""
    sql = str(listed(team, reviewer, posting, query).values("pk").query)
    for part in joined:
        assert part in sql, (query, part)
    for part in not_joined:
        assert part not in sql, (query, part)
