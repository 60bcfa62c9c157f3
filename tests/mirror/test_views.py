"""Mirror pages: refresh with progress, history, the stale banner."""

import pytest

from dashboard.mirror.models import Posting, SyncRun
from tests.mirror.helpers import point_team_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def synced(team, sandbox, settings, django_capture_on_commit_callbacks):
    from dashboard.mirror import services

    settings.HEYMILO_PAGE_SIZE = 100
    point_team_at(team, sandbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.sync_request(team)
    assert SyncRun.objects.get().state == SyncRun.State.DONE
    return team


def test_refresh_shows_progress_and_stops_polling(
    login, reviewer, synced, sandbox, django_capture_on_commit_callbacks
):
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
    login, viewer, synced, sandbox, settings, django_capture_on_commit_callbacks
):
    from dashboard.mirror import services

    settings.HEYMILO_MAX_RETRIES = 0
    sandbox.add_fault("error_500", rate=1.0)
    with django_capture_on_commit_callbacks(execute=True):
        services.sync_request(synced)
    html = login(viewer).get("/postings/").text
    assert "The last sync with HeyMilo failed" in html
    assert sandbox.postings()[0]["title"] in html  # the mirror still serves


def test_it_404s_another_teams_sync_runs(login, outsider, synced):
    client = login(outsider)
    posting = Posting.objects.first()
    run = SyncRun.objects.first()
    assert client.get(f"/syncs/{run.id}/").status_code == 404
    assert client.post("/syncs/start/", {"posting": posting.remote_id}).status_code == 404
