"""The audit log: every review action writes an entry; admins read them on a paginated, filtered page."""

import re

import pytest

from dashboard.review import services
from dashboard.review.models import AuditEntry, BulkDecision
from tests.review.conftest import make_interview

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(team, posting):
    return [make_interview(team, posting, remote_id=f"int_a{n}", name=f"Person {n}") for n in range(3)]


def test_each_single_review_action_writes_an_entry_with_before_and_after(login, reviewer, team, rows):
    client = login(reviewer)
    url = f"/interviews/{rows[0].remote_id}/"
    client.post(url + "decide/", {"value": "hold", "reason": "References"})
    client.post(url + "decide/", {"value": "advance"})
    client.post(url + "rate/", {"stars": "2"})
    client.post(url + "rate/", {"stars": "4"})
    client.post(url + "notes/", {"body": "Strong on SQL"})
    everything = list(AuditEntry.objects.order_by("id"))
    # Advancing also moves the candidate to the next stage (issue 19): its own entry, after the decision.
    assert [e.action for e in everything] == ["decision", "decision", "stage", "rating", "rating", "note"]
    stage_move = everything.pop(2)
    assert stage_move.interview == rows[0] and stage_move.user == reviewer
    entries = everything
    assert all(e.team == team and e.user == reviewer and e.interview == rows[0] for e in entries)
    assert all(e.interview_ids == [rows[0].remote_id] and e.count == 1 for e in entries)
    assert (entries[0].before, entries[0].after) == (None, {"value": "hold", "reason": "References"})
    assert entries[1].before == {"value": "hold", "reason": "References"}
    assert entries[1].after == {"value": "advance", "reason": ""}
    assert (entries[2].before, entries[2].after) == (None, {"stars": 2})
    assert (entries[3].before, entries[3].after) == ({"stars": 2}, {"stars": 4})
    assert entries[4].after["body"] == "Strong on SQL" and entries[4].after["mentions"] == []


def test_bulk_actions_and_their_undo_write_entries_naming_every_interview(login, reviewer, admin, team, rows):
    services.decision_record(team, interview=rows[0], user=admin, value="hold")
    client = login(reviewer)
    client.post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_a0", "int_a1"], "value": "reject", "confirmed": "1"},
    )
    decided = AuditEntry.objects.get(action="bulk_decision")
    assert sorted(decided.interview_ids) == ["int_a0", "int_a1"] and decided.count == 2
    assert decided.before == {"decisions": {"int_a0": "hold", "int_a1": None}}
    assert decided.after["value"] == "reject"
    batch = BulkDecision.objects.get()
    client.post(f"/candidates/bulk/{batch.id}/undo/")
    undo = AuditEntry.objects.get(action="bulk_undo")
    assert sorted(undo.interview_ids) == ["int_a0", "int_a1"]
    assert undo.before == {"batch": batch.id, "action": "decision", "value": "reject"}
    client.post("/candidates/bulk/", {"scope": "all", "action": "shortlist_add", "confirmed": "1"})
    added = AuditEntry.objects.get(action="shortlist_add")
    assert added.count == 3 and (added.before, added.after["shortlisted"]) == ({"shortlisted": False}, True)
    client.post(
        "/candidates/bulk/",
        {"scope": "selected", "ids": ["int_a2"], "action": "shortlist_remove", "confirmed": "1"},
    )
    assert AuditEntry.objects.get(action="shortlist_remove").interview_ids == ["int_a2"]
    # A confirm step (no "confirmed") changes nothing and writes nothing.
    before = AuditEntry.objects.count()
    client.post("/candidates/bulk/", {"scope": "all", "value": "advance"})
    assert AuditEntry.objects.count() == before


def test_refused_and_invalid_actions_write_no_entry(login, viewer, reviewer, rows):
    url = f"/interviews/{rows[0].remote_id}/"
    assert login(viewer).post(url + "decide/", {"value": "advance"}).status_code == 403
    assert login(reviewer).post(url + "rate/", {"stars": "9"}).status_code == 400
    assert not AuditEntry.objects.exists()


@pytest.fixture
def log(team, admin, reviewer, rows):
    """Sixty entries: reviewer's ratings, then admin's decisions, then one note."""
    for n in range(30):
        services.rating_set(team, interview=rows[n % 3], user=reviewer, stars=n % 5 + 1)
    for n in range(29):
        services.decision_record(team, interview=rows[n % 3], user=admin, value="hold")
    services.note_add(team, interview=rows[2], user=admin, body="<b>last</b> one")


def test_admins_read_the_log_newest_first_paginated(login, admin, log):
    client = login(admin)
    html = client.get("/audit/").text
    assert "<strong>60</strong> entries" in html and "page 1 of 2" in html
    actions = re.findall(r'class="badge audit-(\w+)"', html)
    assert len(actions) == 50
    assert actions[0] == "note" and actions[1:30] == ["decision"] * 29 and actions[30] == "rating"
    assert "&lt;b&gt;last&lt;/b&gt; one" in html and "<b>last</b>" not in html  # note text escaped
    assert "/interviews/int_a2/" in html
    second = client.get("/audit/?page=2").text
    assert re.findall(r'class="badge audit-(\w+)"', second) == ["rating"] * 10


def test_the_log_filters_by_person_and_action(login, admin, reviewer, log):
    client = login(admin)
    by_reviewer = client.get(f"/audit/?user={reviewer.pk}").text
    assert "<strong>30</strong> entries" in by_reviewer
    assert set(re.findall(r'class="badge audit-(\w+)"', by_reviewer)) == {"rating"}
    notes = client.get("/audit/?action=note").text
    assert "<strong>1</strong> entr" in notes
    nothing = client.get(f"/audit/?user={reviewer.pk}&action=note").text
    assert "No review actions match these filters" in nothing


def test_bad_audit_filter_input_is_explained_and_shows_everything(login, admin, log):
    html = login(admin).get("/audit/?action=explode&user=abc").text
    assert "Select a valid choice" in html
    assert "<strong>60</strong> entries" in html


def test_the_log_answers_htmx_with_its_table_only(login, admin, log):
    response = login(admin).get(
        "/audit/?action=decision", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="audit-table"
    )
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="audit-table"' in response.text
    assert "<strong>29</strong> entries" in response.text
    assert "HX-Request" in response["Vary"]


def test_only_admins_see_the_log_and_its_nav_link(login, admin, reviewer, viewer, log):
    assert 'href="/audit/"' in login(admin).get("/candidates/").text
    for person in (reviewer, viewer):
        client = login(person)
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="audit-table").status_code == 403
        assert 'href="/audit/"' not in client.get("/candidates/").text


def test_an_outsider_sees_only_their_own_teams_log_and_no_team_is_404(
    login, outsider, log, django_user_model
):
    # The outsider is an admin of their own team: its log is empty, ours never shows.
    html = login(outsider).get("/audit/?action=note").text
    assert "<strong>0</strong> entries" in html and "last" not in html
    assert "<strong>0</strong> entries" in login(outsider).get("/audit/").text
    loner = django_user_model.objects.create_user("loner", password="x")
    assert login(loner).get("/audit/").status_code == 404
