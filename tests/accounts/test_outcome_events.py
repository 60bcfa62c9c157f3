"""Test connection's outcome reaches the key line without a reload (HX-Trigger from the finished
status partial, once); the key line is its own region of the settings page."""

import json

import pytest

from dashboard.accounts.models import ConnectionCheck, KeyStatus

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def events(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def test_the_finished_check_tells_the_page_and_the_unfinished_one_does_not(login, admin, team):
    client = login(admin)
    check = ConnectionCheck.objects.create(team=team, requested_by=admin)
    running = client.get(f"/settings/connection-checks/{check.id}/", **HTMX)
    assert running.status_code == 200
    assert "HX-Trigger" not in running.headers
    check.finish(
        outcome=ConnectionCheck.Outcome.OK,
        message="HeyMilo accepts the key and lists 3 postings.",
        postings_total=3,
    )
    finished = client.get(f"/settings/connection-checks/{check.id}/", **HTMX)
    assert finished.status_code == 286  # htmx polls no more: the event cannot come twice
    assert "connection-checked" in events(finished)
    assert "hx-get" not in finished.text  # the finished partial has nothing left to poll with


def test_the_key_line_is_a_region_that_listens_for_the_check(login, admin, team):
    team.set_api_key("key-ending-9876")
    team.save()
    page = login(admin).get("/settings/").text
    assert 'id="key-status"' in page
    assert 'hx-trigger="connection-checked from:body"' in page
    assert "not tested yet" in page


def test_the_key_line_alone_says_what_the_check_found(login, admin, team):
    team.set_api_key("key-ending-9876")
    team.save()
    team.record_key_status(KeyStatus.VALID)
    response = login(admin).get("/settings/", HTTP_HX_TARGET="key-status", **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<p id="key-status"')
    assert "<html" not in response.text and "Test connection" not in response.text
    assert "9876" in response.text and "working" in response.text and "tested" in response.text
    assert "just now" in response.text
    assert "HX-Target" in response.headers["Vary"]
