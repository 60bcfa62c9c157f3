"""The team shortlist: bulk add/remove with a confirm count and undo once, a filter, a star in the row
and a badge on the profile."""

import re

import pytest

from dashboard.review.models import BulkDecision, Decision, Shortlist
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db

ROW_LINK = re.compile(r'href="/interviews/(int_[^/"]+)/\?')


@pytest.fixture
def rows(team, posting):
    return [make_interview(team, posting, remote_id=f"int_s{n}", score=n * 10) for n in range(5)]


def shortlisted(team) -> list[str]:
    return sorted(Shortlist.objects.for_team(team).values_list("interview__remote_id", flat=True))


def test_it_confirms_the_count_then_shortlists_the_ticked_rows(login, reviewer, team, rows):
    client = login(reviewer)
    data = {"scope": "selected", "ids": ["int_s1", "int_s2"], "action": "shortlist_add"}
    confirm = client.post("/candidates/bulk/", data, HTTP_HX_REQUEST="true")
    assert "Add <strong>2</strong> candidates" in confirm.text
    assert 'name="action" value="shortlist_add"' in confirm.text
    assert 'name="confirmed" value="1"' in confirm.text
    assert not Shortlist.objects.exists()
    done = client.post("/candidates/bulk/", {**data, "confirmed": "1"}, HTTP_HX_REQUEST="true")
    assert "Shortlisted</strong> 2 candidates" in done.text and "Undo" in done.text
    assert "review-changed" in done["HX-Trigger"]
    assert shortlisted(team) == ["int_s1", "int_s2"]
    assert set(Shortlist.objects.values_list("added_by", flat=True)) == {reviewer.pk}
    assert not Decision.objects.exists()  # a shortlist change is not a decision


def test_adding_all_matching_counts_only_those_not_on_it_yet(login, reviewer, team, posting, rows):
    elsewhere = make_interview(team, make_posting(team), score=99)
    client = login(reviewer)
    client.post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_s4"], "action": "shortlist_add", "confirmed": "1"},
    )
    data = {
        "scope": "all",
        "filters": "score_min=30",
        "action": "shortlist_add",
        "posting": posting.remote_id,
    }
    confirm = client.post("/candidates/bulk/", data).text
    assert "Add <strong>2</strong> candidates" in confirm and "(1 is on it already.)" in confirm
    response = client.post("/candidates/bulk/", {**data, "confirmed": "1"})
    batch = BulkDecision.objects.first()
    assert response.status_code == 302 and response["Location"] == f"/candidates/bulk/{batch.id}/"
    assert batch.count == 1 and batch.action == "shortlist_add"
    assert shortlisted(team) == ["int_s3", "int_s4"] and elsewhere.remote_id not in shortlisted(team)


def test_undoing_an_add_removes_only_what_it_added_once(login, reviewer, admin, team, rows):
    login(admin).post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_s0"], "action": "shortlist_add", "confirmed": "1"},
    )
    client = login(reviewer)
    client.post("/candidates/bulk/", {"scope": "all", "action": "shortlist_add", "confirmed": "1"})
    batch = BulkDecision.objects.first()
    assert batch.count == 4 and len(shortlisted(team)) == 5
    undone = client.post(f"/candidates/bulk/{batch.id}/undo/", HTTP_HX_REQUEST="true")
    assert "Undone" in undone.text and "taken off it" in undone.text
    assert shortlisted(team) == ["int_s0"]  # the admin's earlier add stays
    again = client.post(f"/candidates/bulk/{batch.id}/undo/", follow=True)
    assert "undone already" in again.text and shortlisted(team) == ["int_s0"]


def test_removing_and_undoing_puts_them_back_as_they_were(login, reviewer, admin, team, rows):
    login(admin).post("/candidates/bulk/", {"scope": "all", "action": "shortlist_add", "confirmed": "1"})
    added_at = dict(Shortlist.objects.values_list("interview__remote_id", "added_at"))
    client = login(reviewer)
    confirm = client.post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_s1", "int_s2", "int_nope"], "action": "shortlist_remove"},
    ).text
    assert "Remove <strong>2</strong> candidates" in confirm  # unknown ids match nothing
    client.post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_s1", "int_s2"], "action": "shortlist_remove", "confirmed": "1"},
    )
    batch = BulkDecision.objects.first()
    assert batch.count == 2 and shortlisted(team) == ["int_s0", "int_s3", "int_s4"]
    assert "Removed</strong> 2 candidates" in client.get(f"/candidates/bulk/{batch.id}/").text
    client.post(f"/candidates/bulk/{batch.id}/undo/")
    assert len(shortlisted(team)) == 5
    back = Shortlist.objects.get(interview__remote_id="int_s1")
    assert back.added_by == admin and back.added_at == added_at["int_s1"]


def test_the_table_filters_by_shortlist_and_stars_the_rows(login, viewer, reviewer, team, rows):
    login(reviewer).post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_s1", "int_s3"], "action": "shortlist_add", "confirmed": "1"},
    )
    client = login(viewer)
    html = client.get("/candidates/?shortlisted=on&sort=score").text
    assert ROW_LINK.findall(html) == ["int_s1", "int_s3"]
    assert html.count('class="shortlist-star"') == 2
    everyone = client.get("/candidates/?sort=score").text
    assert len(ROW_LINK.findall(everyone)) == 5 and everyone.count('class="shortlist-star"') == 2
    partial = client.get(
        "/candidates/?shortlisted=on", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="candidate-table"
    )
    assert "<html" not in partial.text and sorted(ROW_LINK.findall(partial.text)) == ["int_s1", "int_s3"]
    assert "★ Shortlisted" in client.get("/interviews/int_s1/").text
    assert "★ Shortlisted" not in client.get("/interviews/int_s2/").text


def test_bad_shortlist_input_says_what_is_wrong(login, reviewer, rows):
    client = login(reviewer)
    response = client.post("/candidates/bulk/", {"scope": "selected", "ids": ["int_s1"], "action": "explode"})
    assert response.status_code == 400 and "Select a valid choice" in response.text
    response = client.post(
        "/candidates/bulk/", {"scope": "selected", "action": "shortlist_add"}, HTTP_HX_REQUEST="true"
    )
    assert "Tick at least one candidate" in response.text
    response = client.post(
        "/candidates/bulk/", {"scope": "selected", "ids": ["int_s1"], "action": "decision"}
    )
    assert response.status_code == 400 and "Choose a decision" in response.text
    assert not Shortlist.objects.exists() and not BulkDecision.objects.exists()


def test_viewers_get_403_and_nothing_changes(login, viewer, reviewer, team, rows):
    login(reviewer).post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_s1"], "action": "shortlist_add", "confirmed": "1"},
    )
    batch = BulkDecision.objects.get()
    client = login(viewer)
    for action in ("shortlist_add", "shortlist_remove"):
        assert (
            client.post("/candidates/bulk/", {"scope": "all", "action": action, "confirmed": "1"}).status_code
            == 403
        )
    assert client.post(f"/candidates/bulk/{batch.id}/undo/").status_code == 403
    assert shortlisted(team) == ["int_s1"] and BulkDecision.objects.get().undone_at is None


def test_an_outsider_cannot_shortlist_another_teams_rows(login, outsider, reviewer, team, posting, rows):
    login(reviewer).post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_s1"], "action": "shortlist_add", "confirmed": "1"},
    )
    batch = BulkDecision.objects.get()
    client = login(outsider)
    client.post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_s2"], "action": "shortlist_add", "confirmed": "1"},
    )
    assert (
        client.post(
            "/candidates/bulk/",
            {"scope": "all", "action": "shortlist_remove", "confirmed": "1", "posting": posting.remote_id},
        ).status_code
        == 404
    )
    assert client.post(f"/candidates/bulk/{batch.id}/undo/").status_code == 404
    assert client.get(f"/candidates/bulk/{batch.id}/").status_code == 404
    client.post("/candidates/bulk/", {"scope": "all", "action": "shortlist_remove", "confirmed": "1"})
    assert shortlisted(team) == ["int_s1"]
