"""Test connection: a task calls HeyMilo (the sandbox, over HTTP); the page polls its outcome."""

import pytest

from dashboard.accounts.models import ConnectionCheck, KeyStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox_team(team, sandbox):
    team.heymilo_base_url = sandbox.url
    team.set_api_key(sandbox.api_key)
    team.save()
    return team


def start_check(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/connection-checks/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return ConnectionCheck.objects.latest("created_at"), response


def test_it_reports_ok_against_the_sandbox(
    login, admin, sandbox_team, sandbox, django_capture_on_commit_callbacks
):
    client = login(admin)
    check, response = start_check(client, django_capture_on_commit_callbacks)
    # The POST answers before the work: its partial polls the check.
    assert f"/settings/connection-checks/{check.id}/" in response.text
    check.refresh_from_db()
    assert check.outcome == ConnectionCheck.Outcome.OK
    assert check.postings_total == len(sandbox.postings())
    status = client.get(f"/settings/connection-checks/{check.id}/", HTTP_HX_REQUEST="true")
    assert status.status_code == 286  # htmx stops polling
    assert "Connected" in status.text
    sandbox_team.refresh_from_db()
    assert sandbox_team.api_key_status == KeyStatus.VALID


def test_it_reports_a_rejected_key(login, admin, sandbox_team, django_capture_on_commit_callbacks):
    sandbox_team.set_api_key("not-a-real-key")
    sandbox_team.save()
    check, _ = start_check(login(admin), django_capture_on_commit_callbacks)
    check.refresh_from_db()
    assert check.outcome == ConnectionCheck.Outcome.UNAUTHORIZED
    assert "rejected the API key" in check.message
    sandbox_team.refresh_from_db()
    assert sandbox_team.api_key_status == KeyStatus.INVALID
    assert "HeyMilo rejected the API key" in login(admin).get("/").text


def test_it_reports_an_unreachable_heymilo(login, admin, team, settings, django_capture_on_commit_callbacks):
    settings.HEYMILO_MAX_RETRIES = 0
    team.set_api_key("some-key")  # base URL is 127.0.0.1:9, where nothing listens
    team.save()
    check, _ = start_check(login(admin), django_capture_on_commit_callbacks)
    check.refresh_from_db()
    assert check.outcome == ConnectionCheck.Outcome.UNREACHABLE
    assert "Could not reach HeyMilo" in check.message


def test_it_reports_rate_limiting(
    login, admin, sandbox_team, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.HEYMILO_MAX_RETRIES = 0
    sandbox.add_fault("rate_limit", count=5, retry_after=30)
    check, _ = start_check(login(admin), django_capture_on_commit_callbacks)
    check.refresh_from_db()
    assert check.outcome == ConnectionCheck.Outcome.RATE_LIMITED
    assert "too many requests" in check.message


def test_it_asks_for_a_key_first(login, admin, django_capture_on_commit_callbacks):
    check, _ = start_check(login(admin), django_capture_on_commit_callbacks)
    check.refresh_from_db()
    assert check.outcome == ConnectionCheck.Outcome.NO_KEY


def test_it_never_puts_the_key_in_logs_or_pages(
    login, admin, sandbox_team, sandbox, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level("DEBUG")
    client = login(admin)
    check, response = start_check(client, django_capture_on_commit_callbacks)
    pages = response.text + client.get(f"/settings/connection-checks/{check.id}/").text
    pages += client.get("/settings/").text + client.get("/").text
    assert sandbox.api_key not in pages
    assert sandbox.api_key not in caplog.text


def test_it_shows_the_status_dot_from_the_cache(login, admin, sandbox_team):
    client = login(admin)
    # First call enqueues a refresh (run inline here) and shows "checking".
    first = client.get("/status/heymilo/")
    assert "Checking HeyMilo" in first.text
    second = client.get("/status/heymilo/")
    assert "HeyMilo is up" in second.text
