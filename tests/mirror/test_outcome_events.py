"""Syncs end in the page without a reload (HX-Trigger "sync-finished" once, the freshness line and
the history listen); the Syncs page names postings and candidates and groups single refreshes."""

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.mirror.models import Interview, Posting, SyncRun

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def events(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def finished(run: SyncRun, minutes_ago: float = 0, state=SyncRun.State.DONE, message="") -> SyncRun:
    at = timezone.now() - timedelta(minutes=minutes_ago)
    SyncRun.objects.filter(pk=run.pk).update(
        state=state, started_at=at, finished_at=at, created_at=at, message=message
    )
    run.refresh_from_db()
    return run


def test_the_finished_progress_tells_the_page_and_the_running_one_does_not(login, reviewer, team):
    client = login(reviewer)
    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM, state=SyncRun.State.RUNNING)
    running = client.get(f"/syncs/{run.id}/", **HTMX)
    assert running.status_code == 200 and "HX-Trigger" not in running.headers
    finished(run)
    done = client.get(f"/syncs/{run.id}/", **HTMX)
    assert done.status_code == 286
    assert "sync-finished" in events(done)
    assert "hx-get" not in done.text


def test_the_freshness_line_listens_and_says_just_now_after_a_sync(login, reviewer, team):
    client = login(reviewer)
    finished(SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM), minutes_ago=7)
    page = client.get("/postings/").text
    assert 'hx-trigger="sync-finished from:body"' in page
    assert "Synced <time" in page and "7\xa0minutes ago</time>" in page
    finished(SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM))
    line = client.get("/syncs/freshness/", **HTMX)
    assert line.text.lstrip().startswith('<p class="freshness')
    assert "Synced <time" in line.text and "just now" in line.text


def test_a_postings_own_refresh_counts_on_its_page_only(login, reviewer, team, other_team):
    client = login(reviewer)
    posting = Posting.objects.create(team=team, remote_id="P-1", title="Backend Engineer")
    finished(SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM), minutes_ago=30)
    finished(SyncRun.objects.create(team=team, scope=SyncRun.Scope.POSTING, target="P-1"))
    assert "just now" in client.get("/syncs/freshness/?posting=P-1", **HTMX).text
    assert "30\xa0minutes ago" in client.get("/syncs/freshness/", **HTMX).text
    assert "just now" in client.get(f"/postings/{posting.remote_id}/").text
    theirs = Posting.objects.create(team=other_team, remote_id="P-THEIRS", title="Secret")
    assert client.get(f"/syncs/freshness/?posting={theirs.remote_id}", **HTMX).status_code == 404


def test_the_syncs_page_names_postings_and_groups_single_interview_refreshes(login, admin, team):
    posting = Posting.objects.create(team=team, remote_id="P-ENG", title="Backend Engineer")
    Interview.objects.create(team=team, posting=posting, remote_id="int_ada", name="Ada Lovelace")
    finished(SyncRun.objects.create(team=team, scope=SyncRun.Scope.POSTING, target="P-ENG"), 90)
    for n in range(37):
        run = SyncRun.objects.create(
            team=team, scope=SyncRun.Scope.INTERVIEW, target="int_ada" if n == 36 else f"int_{n}"
        )
        ending = {"state": SyncRun.State.FAILED, "message": "Gone."} if n == 5 else {}
        finished(run, minutes_ago=2, **ending)
    html = login(admin).get("/syncs/").text
    assert '<a href="/postings/P-ENG/">Backend Engineer</a>' in html
    assert "Refreshed 37 single interviews" in html and "1 failed" in html
    assert html.count('class="sync-group"') == 1  # one row, not 37
    assert '<a href="/interviews/int_ada/"><bdi>Ada Lovelace</bdi></a>' in html
    assert "Gone." in html


def test_the_syncs_page_runs_the_same_queries_for_a_few_rows_or_hundreds(login, admin, team):
    client = login(admin)
    posting = Posting.objects.create(team=team, remote_id="P-ENG", title="Backend Engineer")

    def add(n):
        for i in range(n):
            finished(
                SyncRun.objects.create(team=team, scope=SyncRun.Scope.POSTING, target=posting.remote_id),
                minutes_ago=i,
            )
            Interview.objects.get_or_create(team=team, remote_id=f"int_{i}", defaults={"name": f"C {i}"})
            finished(
                SyncRun.objects.create(team=team, scope=SyncRun.Scope.INTERVIEW, target=f"int_{i}"),
                minutes_ago=i * 7,
            )

    def queries():
        cache.clear()  # the sidebar's cached count: counted on both sides
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/syncs/").status_code == 200
        return len(captured)

    add(5)
    few = queries()
    add(150)
    assert queries() == few
    html = client.get("/syncs/").text  # each one named
    assert "<bdi>C 0</bdi>" in html and '<a href="/postings/P-ENG/">Backend Engineer</a>' in html


def test_the_sync_table_is_a_region_that_listens(login, admin, team):
    client = login(admin)
    assert 'hx-trigger="sync-finished from:body"' in client.get("/syncs/").text
    region = client.get("/syncs/", HTTP_HX_TARGET="sync-table", **HTMX)
    assert region.text.lstrip().startswith('<div id="sync-table"') and "<html" not in region.text
