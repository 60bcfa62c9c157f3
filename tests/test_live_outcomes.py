"""In Chromium, with a real Celery worker: after each asynchronous action the region showing its
outcome changes to the job's result without navigation (issue 16).

Each test marks the window (a reload or a navigation would lose the mark) and presses the button
while no worker runs, so the job is still waiting and the page polls; then it starts the worker,
waits (bounded) for the outcome in the region, and checks the mark is still there.
"""

import contextlib
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.ingestion import services as ingestion
from dashboard.ingestion.models import CandidateIngest, ImportJob
from dashboard.mirror import services as mirror
from dashboard.mirror.models import Posting, SyncRun
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from tests.ingestion.conftest import upload
from tests.mirror.helpers import point_team_at

pytestmark = [pytest.mark.browser, pytest.mark.celery, pytest.mark.django_db(transaction=True)]


OUTCOME_TIMEOUT = 45_000  # ms: a worker's start on a busy 2-core machine included


@contextlib.contextmanager
def tasks_inline():
    """Setup that needs a task done before the page opens runs it here, in this process."""
    from celery import current_app

    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        yield
    finally:
        current_app.conf.task_always_eager = eager


@pytest.fixture
def acme(sandbox, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }
    team = point_team_at(TeamFactory(name="Acme Hiring"), sandbox)
    MembershipFactory(user=UserFactory(username="hana"), team=team, role="admin")
    return team


def synced(team) -> Posting:
    with tasks_inline():
        mirror.sync_request(team)
    assert SyncRun.objects.get().state == SyncRun.State.DONE
    return Posting.objects.for_team(team).exclude(url_key="").order_by("title").first()


def sign_in(page, live_server, path: str):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("hana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}{path}")


def mark(page):
    page.evaluate("window.notReloaded = true")


def assert_not_reloaded(page, path: str):
    assert page.evaluate("window.notReloaded === true"), "the page was reloaded or navigated"
    assert page.url.endswith(path)


def test_test_connection_updates_the_key_line(live_server, page, acme, start_worker):
    from playwright.sync_api import expect

    sign_in(page, live_server, "/settings/")
    key_line = page.locator("#key-status")
    expect(key_line).to_contain_text("not tested yet")
    mark(page)
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-check")).to_contain_text("Waiting for a worker")
    start_worker()
    expect(page.locator("#connection-check")).to_contain_text("Connected.", timeout=OUTCOME_TIMEOUT)
    expect(key_line).to_contain_text("working", timeout=10_000)
    expect(key_line).to_contain_text("tested just now")
    assert_not_reloaded(page, "/settings/")


def test_connect_all_postings_fills_the_webhooks_table(live_server, page, acme, settings, start_worker):
    from playwright.sync_api import expect

    settings.PUBLIC_BASE_URL = live_server.url
    synced(acme)
    titles = list(Posting.objects.for_team(acme).filter(archived=False).values_list("title", flat=True))
    sign_in(page, live_server, "/webhooks/")
    table = page.locator("#webhook-table")
    expect(table).to_contain_text("No webhooks")
    mark(page)
    page.get_by_role("button", name="Connect all postings").click()
    expect(page.locator("#job-slot")).to_contain_text("waiting")
    start_worker()
    expect(page.locator("#job-slot")).to_contain_text("webhooks created", timeout=OUTCOME_TIMEOUT)
    # Three events for each posting, each row naming its posting.
    expect(table.locator("tbody tr")).to_have_count(3 * len(titles), timeout=10_000)
    for title in titles:
        expect(table).to_contain_text(title)
    assert_not_reloaded(page, "/webhooks/")


def test_refresh_all_updates_the_header_freshness(live_server, page, acme, start_worker):
    from playwright.sync_api import expect

    synced(acme)
    SyncRun.objects.update(finished_at=timezone.now() - timedelta(minutes=7))
    sign_in(page, live_server, "/postings/")
    freshness = page.locator(".page-head .freshness")
    expect(freshness).to_contain_text(re.compile(r"7\s+minutes ago"))
    mark(page)
    page.get_by_role("button", name="Refresh all").click()
    expect(page.locator("#sync-progress")).to_be_visible()
    start_worker()
    expect(page.locator("#sync-progress")).to_contain_text("Succeeded.", timeout=OUTCOME_TIMEOUT)
    expect(freshness).to_have_text("Synced just now", timeout=10_000)
    assert_not_reloaded(page, "/postings/")


def test_a_finished_import_shows_its_results_by_name(live_server, page, acme, start_worker):
    from playwright.sync_api import expect

    posting = synced(acme)
    csv = b"name,email\nAda Lovelace,ada.l@example.com\nGrace Hopper,grace.h@example.com\n"
    job = ingestion.import_create(
        acme, posting=posting, user=None, upload=upload("fair.csv", csv), retake=False
    )
    assert job.rows_valid == 2
    sign_in(page, live_server, f"/imports/{job.id}/")
    # Starting is a plain POST that lands on the import's page; from there nothing reloads.
    page.get_by_role("button", name="Start import: send 2 candidates").click()
    path = f"/imports/{job.id}/"
    expect(page.locator("#import-progress")).to_be_visible()
    assert not ImportJob.objects.get(pk=job.pk).is_finished
    mark(page)
    start_worker()
    expect(page.locator("#import-progress")).to_contain_text("Done.", timeout=OUTCOME_TIMEOUT)
    results = page.locator("#import-results")
    expect(results.get_by_role("link", name="Ada Lovelace")).to_have_attribute(
        "href", re.compile(r"^/interviews/[^/]+/$"), timeout=10_000
    )
    expect(results.get_by_role("link", name="Grace Hopper")).to_be_visible()
    expect(results).to_contain_text("Ingested")
    expect(page.locator("#import-state")).to_have_text("Done")
    assert_not_reloaded(page, path)


def test_an_export_appears_in_the_exports_list(live_server, page, acme, start_worker):
    from playwright.sync_api import expect

    posting = synced(acme)
    path = f"/postings/{posting.remote_id}/exports/"
    sign_in(page, live_server, path)
    exports = page.locator("#exports")
    expect(exports).to_contain_text("No exports yet")
    mark(page)
    page.get_by_role("button", name="Export JSON").click()
    expect(exports).to_contain_text("Waiting for HeyMilo")
    start_worker()
    expect(exports.get_by_role("link", name="Download JSON")).to_be_visible(timeout=OUTCOME_TIMEOUT)
    assert_not_reloaded(page, path)


def test_adding_a_candidate_shows_them_by_name(live_server, page, acme, start_worker):
    from playwright.sync_api import expect

    posting = synced(acme)
    path = f"/postings/{posting.remote_id}/candidates/add/"
    sign_in(page, live_server, path)
    page.get_by_label("Name").fill("Jane Doe")
    page.get_by_label("Email").fill("jane.doe@example.com")
    mark(page)
    page.get_by_role("button", name=f"Add to {posting}").click()
    result = page.locator("#candidate-status")
    expect(result).to_contain_text("Sending Jane Doe")
    expect(page.get_by_label("Name")).to_have_value("")  # ready for the next one
    start_worker()
    expect(result).to_contain_text("Added.", timeout=OUTCOME_TIMEOUT)
    item = CandidateIngest.objects.get()
    expect(result.get_by_role("link", name="Jane Doe")).to_have_attribute(
        "href", f"/interviews/{item.interview_id}/"
    )
    expect(result).to_contain_text(item.interview_id)
    expect(page.locator("#candidate-recent")).to_contain_text("Jane Doe", timeout=10_000)
    expect(page.locator("#candidate-recent")).to_contain_text("Added")
    assert_not_reloaded(page, path)


def test_the_imports_list_follows_a_running_import(live_server, page, acme, start_worker):
    from playwright.sync_api import expect

    posting = synced(acme)
    csv = b"name,email\nAda Lovelace,ada.l@example.com\nGrace Hopper,grace.h@example.com\n"
    job = ingestion.import_create(
        acme, posting=posting, user=None, upload=upload("fair.csv", csv), retake=False
    )
    assert ingestion.import_start(job)  # queued: no worker runs yet
    sign_in(page, live_server, "/imports/")
    row = page.locator(f"#import-{job.id}")
    expect(row).to_contain_text("Queued")
    mark(page)
    start_worker()
    # The list polls while the import runs: the row says so, then Done, with no reload.
    expect(row).to_contain_text("Done", timeout=OUTCOME_TIMEOUT)
    expect(row).not_to_contain_text("sent")
    assert ImportJob.objects.get(pk=job.pk).state == ImportJob.State.DONE
    assert_not_reloaded(page, "/imports/")
