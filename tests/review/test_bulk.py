"""Bulk decisions: confirm with a count, apply to ticked rows or all matching, report, undo once."""

import pytest

from dashboard.review.models import BulkDecision, Decision
from dashboard.review.selectors import candidates
from dashboard.review.services import decision_record
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db


def team_decisions(team, user):
    return {row.remote_id: row.decision for row in candidates(team, user)}


@pytest.fixture
def rows(team, posting):
    return [make_interview(team, posting, remote_id=f"int_b{n}", score=n * 10) for n in range(6)]


def test_it_confirms_the_count_before_deciding_the_ticked_rows(login, reviewer, team, rows):
    client = login(reviewer)
    data = {"scope": "selected", "ids": ["int_b1", "int_b2"], "value": "reject", "reason": "Too junior"}
    confirm = client.post("/candidates/bulk/", data, HTTP_HX_REQUEST="true")
    assert confirm.status_code == 200
    assert "<strong>2</strong> candidates" in confirm.text and 'name="confirmed" value="1"' in confirm.text
    assert not Decision.objects.exists()
    done = client.post("/candidates/bulk/", {**data, "confirmed": "1"}, HTTP_HX_REQUEST="true")
    assert "set on 2 candidates" in done.text and "Undo" in done.text
    assert "review-changed" in done["HX-Trigger"]
    decided = team_decisions(team, reviewer)
    assert decided["int_b1"] == decided["int_b2"] == "reject"
    assert decided["int_b0"] is None
    assert set(Decision.objects.values_list("reason", flat=True)) == {"Too junior"}


def test_it_decides_all_rows_matching_the_filter(login, reviewer, team, posting, rows):
    other = make_interview(team, make_posting(team), score=99)
    client = login(reviewer)
    data = {"scope": "all", "filters": "score_min=30", "value": "advance", "posting": posting.remote_id}
    confirm = client.post("/candidates/bulk/", data)
    assert "<strong>3</strong> candidates" in confirm.text  # 30, 40, 50 in this posting only
    response = client.post("/candidates/bulk/", {**data, "confirmed": "1"})
    batch = BulkDecision.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/candidates/bulk/{batch.id}/"
    assert batch.count == 3
    decided = team_decisions(team, reviewer)
    assert [k for k, v in sorted(decided.items()) if v == "advance"] == ["int_b3", "int_b4", "int_b5"]
    assert decided[other.remote_id] is None
    assert "set on 3 candidates" in client.get(response["Location"]).text


def test_undo_restores_the_previous_decisions_once(login, reviewer, admin, team, rows):
    decision_record(team, interview=rows[0], user=admin, value="hold", reason="earlier")
    client = login(reviewer)
    client.post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_b0", "int_b1"], "value": "reject", "confirmed": "1"},
    )
    batch = BulkDecision.objects.get()
    assert team_decisions(team, reviewer)["int_b0"] == "reject"
    undone = client.post(f"/candidates/bulk/{batch.id}/undo/", HTTP_HX_REQUEST="true")
    assert "Undone" in undone.text and "review-changed" in undone["HX-Trigger"]
    decided = team_decisions(team, reviewer)
    assert decided["int_b0"] == "hold" and decided["int_b1"] is None
    assert Decision.objects.get().reason == "earlier"  # history before the batch is kept
    again = client.post(f"/candidates/bulk/{batch.id}/undo/", follow=True)
    assert "undone already" in again.text
    assert Decision.objects.count() == 1


def test_bad_bulk_input_says_what_is_wrong(login, reviewer, rows):
    client = login(reviewer)
    response = client.post(
        "/candidates/bulk/", {"scope": "selected", "value": "advance"}, HTTP_HX_REQUEST="true"
    )
    assert "Tick at least one candidate" in response.text
    response = client.post("/candidates/bulk/", {"scope": "selected", "ids": ["int_b1"], "value": "maybe"})
    assert response.status_code == 400 and "Select a valid choice" in response.text
    assert not Decision.objects.exists()


def test_viewers_get_403_and_nothing_changes(login, viewer, reviewer, team, rows):
    login(reviewer).post(
        "/candidates/bulk/", {"scope": "selected", "ids": ["int_b1"], "value": "hold", "confirmed": "1"}
    )
    batch = BulkDecision.objects.get()
    client = login(viewer)
    everything = {"scope": "all", "value": "reject", "confirmed": "1"}
    assert client.post("/candidates/bulk/", everything).status_code == 403
    assert client.post(f"/candidates/bulk/{batch.id}/undo/").status_code == 403
    assert Decision.objects.count() == 1 and BulkDecision.objects.get().undone_at is None


def test_an_outsider_cannot_touch_another_teams_rows_or_batches(
    login, outsider, reviewer, team, posting, rows
):
    login(reviewer).post(
        "/candidates/bulk/", {"scope": "selected", "ids": ["int_b1"], "value": "hold", "confirmed": "1"}
    )
    batch = BulkDecision.objects.get()
    client = login(outsider)
    # Ids of another team match nothing; the posting of another team is a 404.
    client.post(
        "/candidates/bulk/", {"scope": "selected", "ids": ["int_b2"], "value": "reject", "confirmed": "1"}
    )
    assert (
        client.post(
            "/candidates/bulk/",
            {"scope": "all", "value": "reject", "confirmed": "1", "posting": posting.remote_id},
        ).status_code
        == 404
    )
    assert client.get(f"/candidates/bulk/{batch.id}/").status_code == 404
    assert client.post(f"/candidates/bulk/{batch.id}/undo/").status_code == 404
    assert team_decisions(team, reviewer)["int_b2"] is None
    assert Decision.objects.filter(team=team).count() == 1
