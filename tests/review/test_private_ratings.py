"""Private ratings: with the team setting on (the default), a reviewer sees teammates' ratings of a
candidate only after rating it; admins change the setting on the review settings page."""

import csv
import io
import re

import pytest

from dashboard.review.models import AuditEntry, ReviewSettings
from dashboard.review.services import rating_set
from tests.review.conftest import make_interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def rated(team, posting, admin, reviewer):
    """Two candidates the admin rated 1 and 5; the reviewer has rated neither."""
    low = make_interview(team, posting, remote_id="int_low", name="Lou Low", score=10)
    high = make_interview(team, posting, remote_id="int_high", name="Hal High", score=20)
    rating_set(team, interview=low, user=admin, stars=1)
    rating_set(team, interview=high, user=admin, stars=5)
    return low, high


def team_column(html: str) -> dict[str, str]:
    """Each row's interview id and its Team rating cell (a column the person chose: show_team_column)."""
    column = {}
    for row in re.findall(r"<tr data-row>(.*?)</tr>", html.split("<tbody>", 1)[1], re.S):
        cell = re.search(r'<td class="col-team[^"]*">(.*?)</td>', row, re.S).group(1)
        rid = re.search(r'href="/interviews/(int_\w+)/\?', row).group(1)
        column[rid] = re.sub(r"<[^>]+>", "", cell).strip()
    return column


def show_team_column(client):
    """The team rating is not a default column: choose it (remembered for this person)."""
    client.get("/candidates/?columns=1&col=team&col=rating")


def test_private_is_the_default_and_hides_others_ratings_until_i_rate(login, reviewer, team, rated):
    assert ReviewSettings.for_team(team).ratings_private is True
    low, _ = rated
    client = login(reviewer)
    profile = client.get(f"/interviews/{low.remote_id}/").text
    assert "Team rating hidden until you rate this candidate" in profile
    activity = client.get(f"/interviews/{low.remote_id}/activity/").text
    assert "Rated 1 of 5" not in activity and "alice" not in activity
    assert "ratings are hidden until you rate" in activity
    show_team_column(client)
    assert team_column(client.get(f"/postings/{low.posting.remote_id}/").text) == {
        "int_low": "—",
        "int_high": "—",
    }

    client.post(f"/interviews/{low.remote_id}/rate/", {"stars": "3"})
    profile = client.get(f"/interviews/{low.remote_id}/").text
    assert "Team rating 2.0 of 5 from 2 ratings" in profile
    activity = client.get(f"/interviews/{low.remote_id}/activity/").text
    assert "Rated 1 of 5" in activity and "Rated 3 of 5" in activity
    # Rating one candidate reveals that one only.
    assert team_column(client.get(f"/postings/{low.posting.remote_id}/").text) == {
        "int_low": "2.0",
        "int_high": "—",
    }


def test_sorting_and_exporting_by_team_rating_give_nothing_away(login, reviewer, team, rated):
    low, high = rated
    client = login(reviewer)
    # Hidden averages are empty, so both orders keep the tie-break (id) order: no leak through order.
    up = re.findall(r'href="/interviews/(int_\w+)/\?', client.get("/candidates/?sort=team").text)
    down = re.findall(r'href="/interviews/(int_\w+)/\?', client.get("/candidates/?sort=-team").text)
    assert up == ["int_low", "int_high"] and down == ["int_high", "int_low"]
    body = b"".join(client.get("/candidates/export/").streaming_content).decode()
    assert {row["Team rating"] for row in csv.DictReader(io.StringIO(body))} == {""}


def test_with_the_setting_off_reviewers_see_every_rating(login, reviewer, team, rated):
    ReviewSettings.objects.create(team=team, ratings_private=False)
    low, high = rated
    client = login(reviewer)
    assert "Team rating 1.0 of 5 from 1 rating." in client.get(f"/interviews/{low.remote_id}/").text
    assert "Rated 1 of 5" in client.get(f"/interviews/{low.remote_id}/activity/").text
    show_team_column(client)
    assert team_column(client.get("/candidates/").text) == {"int_low": "1.0", "int_high": "5.0"}
    order = re.findall(r'href="/interviews/(int_\w+)/\?', client.get("/candidates/?sort=-team").text)
    assert order == ["int_high", "int_low"]


def test_viewers_who_never_rate_see_the_teams_ratings(login, viewer, rated):
    low, _ = rated
    client = login(viewer)
    assert "Team rating 1.0 of 5" in client.get(f"/interviews/{low.remote_id}/").text
    assert "Rated 1 of 5" in client.get(f"/interviews/{low.remote_id}/activity/").text


def test_admins_change_the_setting_and_it_is_audited(login, admin, team):
    client = login(admin)
    page = client.get("/review/settings/")
    assert page.status_code == 200 and 'name="ratings_private"' in page.text and "checked" in page.text
    response = client.post("/review/settings/", {})  # an unticked box sends nothing
    assert response.status_code == 302 and response["Location"] == "/review/settings/"
    assert ReviewSettings.objects.get(team=team).ratings_private is False
    entry = AuditEntry.objects.get(action="settings")
    assert (entry.before, entry.after, entry.user) == (
        {"ratings_private": True},
        {"ratings_private": False},
        admin,
    )
    client.post("/review/settings/", {"ratings_private": "on"})
    assert ReviewSettings.objects.get(team=team).ratings_private is True
    assert 'href="/review/settings/"' in client.get("/audit/").text


def test_reviewers_and_viewers_get_403_on_the_settings_and_nothing_changes(login, reviewer, viewer, team):
    for person in (reviewer, viewer):
        client = login(person)
        assert client.get("/review/settings/").status_code == 403
        assert client.post("/review/settings/", {}).status_code == 403
    assert not ReviewSettings.objects.exists() and not AuditEntry.objects.exists()


def test_a_person_without_a_team_gets_404_and_an_outsider_changes_only_their_own(
    login, outsider, team, other_team, django_user_model
):
    loner = django_user_model.objects.create_user("loner", password="x")
    assert login(loner).get("/review/settings/").status_code == 404
    login(outsider).post("/review/settings/", {})
    assert ReviewSettings.for_team(team).ratings_private is True
    assert ReviewSettings.objects.get(team=other_team).ratings_private is False
