"""The profile's "Fetched … ago" (issue 16): it fetches itself again when a refresh the page watched
ends (HX-Trigger "sync-finished" from the finished status partial), and says "just now" after a
refresh that found nothing new, which leaves the interview's row as it was."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from dashboard.mirror.models import Interview, SyncRun
from tests.review.conftest import make_interview

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def fresh_line(html: str) -> str:
    return re.search(r'<span id="profile-fresh".*?</span>', html, re.S).group(0)


def line_url(html: str) -> str:
    """Where the line fetches itself from, and on which event."""
    line = fresh_line(html)
    assert 'hx-trigger="sync-finished from:body"' in line and 'hx-target="this"' in line
    return unescape(re.search(r'hx-get="([^"]+)"', line).group(1))


def fetch_line(client, url: str):
    return client.get(url, HTTP_HX_TARGET="profile-fresh", **HX)


def hours_ago(team, row, hours: int = 3):
    at = timezone.now() - timedelta(hours=hours)
    Interview.objects.filter(pk=row.pk).update(synced_at=at)
    SyncRun.objects.for_team(team).update(finished_at=at, created_at=at)


def test_the_line_says_just_now_when_a_refresh_ends(
    login, reviewer, synced, django_capture_on_commit_callbacks
):
    row = Interview.objects.for_team(synced).filter(status="completed").order_by("remote_id").first()
    hours_ago(synced, row)
    client = login(reviewer)
    page = client.get(f"/interviews/{row.remote_id}/").text
    assert re.search(r">3\xa0hours ago</time>", fresh_line(page))
    url = line_url(page)

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/interviews/{row.remote_id}/refresh/", **HX)
    assert 'id="sync-progress"' in started.text
    run = SyncRun.objects.get(scope=SyncRun.Scope.INTERVIEW, target=row.remote_id)
    assert run.state == SyncRun.State.DONE
    # The sandbox's document is the one mirrored: the row is left as it was.
    assert Interview.objects.get(pk=row.pk).synced_at < timezone.now() - timedelta(hours=2)
    # The status partial the page polls says the run ended; the line, told so, fetches itself.
    polled = client.get(f"/syncs/{run.id}/", **HX)
    assert "sync-finished" in json.loads(polled.headers["HX-Trigger"])
    line = fetch_line(client, url)
    assert line.status_code == 200
    assert line.text.strip().startswith('<span id="profile-fresh"') and "<h1" not in line.text
    assert "Fetched <time" in line.text and ">just now</time>" in line.text
    assert "show them" not in line.text  # nothing new came
    # And the page itself, opened again, agrees.
    assert ">just now</time>" in fresh_line(client.get(f"/interviews/{row.remote_id}/").text)


def test_a_refresh_that_brought_changes_offers_to_show_them(login, reviewer, team, posting):
    row = make_interview(team, posting, content_hash="a" * 64)
    client = login(reviewer)
    url = line_url(client.get(f"/interviews/{row.remote_id}/").text)
    assert "seen=aaaaaaaaaaaa" in url
    assert "show them" not in fetch_line(client, url).text
    Interview.objects.filter(pk=row.pk).update(content_hash="b" * 64, synced_at=timezone.now())
    line = fetch_line(client, url).text
    assert ">just now</time>" in line and 'HeyMilo sent changes: <a href="">show them</a>' in line
    # The refreshed line keeps the version the page shows, so it goes on offering until a reload.
    assert "seen=aaaaaaaaaaaa" in line_url(line)


@pytest.mark.parametrize("seen", ['"><script>alert(1)</script>', "zzzzzzzzzzzz", "A" * 12, "\x00"])
def test_a_made_up_seen_version_is_ignored(login, viewer, team, posting, seen):
    """Bad input: `seen` that is no content hash neither shows up in the page nor claims changes."""
    row = make_interview(team, posting, content_hash="c" * 64)
    response = login(viewer).get(
        f"/interviews/{row.remote_id}/", {"seen": seen}, HTTP_HX_TARGET="profile-fresh", **HX
    )
    if seen == "\x00":  # refused before any view, as every NUL in a query is
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert "<script>" not in response.text and "show them" not in response.text
    assert "seen=cccccccccccc" in line_url(response.text)


def test_another_teams_interview_gets_no_line(login, outsider, team, posting):
    row = make_interview(team, posting, name="Ada Secret")
    response = login(outsider).get(f"/interviews/{row.remote_id}/", HTTP_HX_TARGET="profile-fresh", **HX)
    assert 'id="profile-fresh"' not in response.text and "Ada Secret" not in response.text
