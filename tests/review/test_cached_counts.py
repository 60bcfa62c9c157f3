"""The counts a table, its profiles and the posting page's strip keep under the team's stamp
(list_count, charts.summary): served again until a mirror or review write changes the stamp,
never after it."""

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.core.stamps import team_changed
from dashboard.review.services import decision_record, rating_set
from tests.review.conftest import make_interview

pytestmark = pytest.mark.django_db
TABLE = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "candidate-table"}


def test_a_decision_changes_the_filtered_tables_length_at_once(login, reviewer, team, posting):
    rows = [make_interview(team, posting, score=50 + n) for n in range(4)]
    decision_record(team, interview=rows[0], user=reviewer, value="hold")
    client = login(reviewer)
    url = f"/postings/{posting.remote_id}/?decision=hold"
    assert client.get(url, **TABLE).context["total"] == 1
    assert client.get(url, **TABLE).context["total"] == 1  # from the cache
    decision_record(team, interview=rows[1], user=reviewer, value="hold")
    assert client.get(url, **TABLE).context["total"] == 2


def test_the_length_is_counted_once_for_the_table_and_the_profiles_opened_from_it(
    login, reviewer, team, posting
):
    rows = [make_interview(team, posting, score=n) for n in range(6)]
    client = login(reviewer)
    client.get(f"/postings/{posting.remote_id}/?sort=-score", **TABLE)
    nav = urlencode({"list": "sort=-score", "in": posting.remote_id})

    def length_counts() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert "4 of 6" in client.get(f"/interviews/{rows[2].remote_id}/?{nav}").text
        # The list's own count: the posting's rows (the sidebar's count is over the whole team).
        return sum('"__count"' in q["sql"] and "posting_id" in q["sql"] for q in captured)

    assert length_counts() == 0  # the table counted it
    team_changed(team.pk)  # as any write would: counted again, once
    assert length_counts() == 1
    assert length_counts() == 0


def test_a_new_candidate_from_a_sync_shows_in_the_length_and_the_strip(login, reviewer, team, posting):
    make_interview(team, posting, score=70)
    client = login(reviewer)
    page = client.get(f"/postings/{posting.remote_id}/?sort=-score")
    assert page.context["total"] == 1 and page.context["summary"].total == 1
    make_interview(team, posting, score=80)
    team_changed(team.pk)  # the mirror's writers announce their changes (mirror/services.py)
    page = client.get(f"/postings/{posting.remote_id}/?sort=-score")
    assert page.context["total"] == 2 and page.context["summary"].total == 2


def test_the_strip_counts_my_own_review_at_once(login, reviewer, team, posting):
    rows = [make_interview(team, posting, score=70 + n) for n in range(3)]
    client = login(reviewer)
    url = f"/postings/{posting.remote_id}/"
    assert client.get(url).context["summary"].reviewed_by_me == 0
    rating_set(team, interview=rows[0], user=reviewer, stars=4)
    assert client.get(url).context["summary"].reviewed_by_me == 1


def test_the_cached_length_is_each_persons_own(login, reviewer, admin, team, posting):
    """The 'unreviewed by me' filter differs per person: one person's count is never another's."""
    rows = [make_interview(team, posting, score=60 + n) for n in range(3)]
    rating_set(team, interview=rows[0], user=reviewer, stars=3)
    url = f"/postings/{posting.remote_id}/?unreviewed=on"
    assert login(reviewer).get(url, **TABLE).context["total"] == 2
    assert login(admin).get(url, **TABLE).context["total"] == 3
