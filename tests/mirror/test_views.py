"""Mirror pages: postings, a posting, refresh with progress, history, read-through interviews."""

import pytest

from dashboard.mirror.models import Interview, Posting, SyncRun
from tests.mirror.helpers import point_team_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(team, sandbox, settings, django_capture_on_commit_callbacks):
    from dashboard.mirror import services

    settings.HEYMILO_PAGE_SIZE = 100
    point_team_at(team, sandbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_sync(team)
    assert SyncRun.objects.get().state == SyncRun.State.SUCCEEDED
    return team


def test_it_lists_postings_with_counts_and_freshness(login, viewer, synced, sandbox):
    html = login(viewer).get("/postings/").text
    for doc in sandbox.postings():
        assert doc["title"] in html
    assert "Synced 0" in html and "minutes ago" in html
    assert "Refresh all" not in html  # viewers cannot start syncs


def test_it_shows_a_posting_with_its_candidates(login, reviewer, synced, sandbox):
    doc = sandbox.postings()[0]
    html = login(reviewer).get(f"/postings/{doc['posting_id']}/").text
    assert doc["url_key"] in html
    first = sandbox.interviews(doc["posting_id"])[0]
    assert first["details"]["name"] in html
    assert f"/interviews/{first['interview_id']}/" in html


def test_it_404s_another_teams_posting_and_interview(login, outsider, synced, sandbox):
    client = login(outsider)
    posting = Posting.objects.first()
    interview = Interview.objects.first()
    run = SyncRun.objects.first()
    assert client.get(f"/postings/{posting.remote_id}/").status_code == 404
    assert client.get(f"/syncs/{run.id}/").status_code == 404
    assert client.post("/syncs/start/", {"posting": posting.remote_id}).status_code == 404
    # Their own key cannot see it either: read-through asks HeyMilo, which says 404.
    response = client.get(f"/interviews/{interview.remote_id}/")
    assert interview.name not in response.text


def test_refresh_shows_progress_and_stops_polling(login, reviewer, synced, sandbox,
                                                  django_capture_on_commit_callbacks):
    client = login(reviewer)
    posting = Posting.objects.first()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/syncs/start/", {"posting": posting.remote_id}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    run = SyncRun.objects.filter(scope=SyncRun.Scope.POSTING).get()
    assert f"/syncs/{run.id}/" in response.text
    progress = client.get(f"/syncs/{run.id}/", HTTP_HX_REQUEST="true")
    assert progress.status_code == 286
    assert "Succeeded" in progress.text and "25 unchanged" in progress.text


def test_viewers_cannot_start_a_sync(login, viewer, synced):
    assert login(viewer).post("/syncs/start/").status_code == 403
    assert SyncRun.objects.count() == 1


def test_sync_history_is_for_admins(login, admin, reviewer, synced):
    assert login(reviewer).get("/syncs/").status_code == 403
    html = login(admin).get("/syncs/").text
    assert "Whole team" in html and "Succeeded" in html


def test_a_failed_sync_shows_a_stale_banner_while_pages_keep_working(
        login, viewer, synced, sandbox, settings, django_capture_on_commit_callbacks):
    from dashboard.mirror import services

    settings.HEYMILO_MAX_RETRIES = 0
    sandbox.add_fault("error_500", rate=1.0)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_sync(synced)
    html = login(viewer).get("/postings/").text
    assert "The last sync with HeyMilo failed" in html
    assert sandbox.postings()[0]["title"] in html  # the mirror still serves


def test_reading_through_an_interview_not_mirrored_yet(login, viewer, team, sandbox,
                                                       django_capture_on_commit_callbacks):
    point_team_at(team, sandbox)
    doc = sandbox.interviews(sandbox.postings()[0]["posting_id"])[2]
    client = login(viewer)
    url = f"/interviews/{doc['interview_id']}/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        loading = client.get(url)
    assert "Fetching this interview from HeyMilo" in loading.text
    assert 'hx-trigger="every 1s"' in loading.text
    for callback in callbacks:  # the worker's turn
        callback()
    poll = client.get(url + "?poll=1", HTTP_HX_REQUEST="true")
    assert poll.headers["HX-Refresh"] == "true"
    assert doc["details"]["name"] in client.get(url).text


def test_reading_through_an_unknown_interview_ends_in_404(login, viewer, team, sandbox,
                                                          django_capture_on_commit_callbacks):
    point_team_at(team, sandbox)
    client = login(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/interviews/int_nope/")
    response = client.get("/interviews/int_nope/")
    assert response.status_code == 404


def test_remote_text_is_escaped(login, viewer, synced, sandbox):
    interview = Interview.objects.first()
    interview.name = '<img src=x onerror="alert(1)">'
    interview.save()
    html = login(viewer).get(f"/postings/{interview.posting.remote_id}/").text
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
