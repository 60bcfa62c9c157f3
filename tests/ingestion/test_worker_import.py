"""Imports through real Celery worker processes on the real Redis, against the sandbox."""

import pytest

from dashboard.ingestion import services
from dashboard.ingestion.models import ImportJob, ImportRow
from tests.ingestion.conftest import upload
from tests.ingestion.test_import import people
from tests.waiting import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def new_job(team, posting, user, rows: int) -> ImportJob:
    job = services.import_create(
        team, posting=posting, user=user, upload=upload("people.csv", people(rows)), retake=False
    )
    assert job.rows_valid == rows
    return job


def finished(job_id):
    job = ImportJob.objects.get(id=job_id)
    return job if job.is_finished else None


def assert_each_row_ingested_once(job, sandbox, posting, rows):
    remote = [r for r in sandbox.state()["ingested"] if r["posting_id"] == posting.remote_id]
    assert len(remote) == rows  # nobody ingested twice
    assert len({r["email"].lower() for r in remote}) == rows
    recorded = list(job.rows.values_list("outcome", "interview_id"))
    assert {outcome for outcome, _ in recorded} == {ImportRow.Outcome.INGESTED}
    assert sorted(i for _, i in recorded) == sorted(r["interview_id"] for r in remote)


def test_a_worker_imports_1000_rows_through_429s_and_500s(
    start_worker, team, admin, live_posting, sandbox, settings
):
    settings.INGEST_CHUNK_SIZE = 100
    worker = start_worker(extra_env={"INGEST_CHUNK_SIZE": "100"})
    sandbox.add_fault("rate_limit", rate=0.3, retry_after=0)
    sandbox.add_fault("error_500", rate=0.3)
    job = new_job(team, live_posting, admin, 1000)
    assert services.import_start(job)
    done = wait_for(lambda: finished(job.id), timeout=120, message="the import")
    assert done.state == ImportJob.State.DONE, done.message + worker.log()[-3000:]
    assert done.rows.values("chunk").distinct().count() == 10
    assert_each_row_ingested_once(done, sandbox, live_posting, 1000)


def test_a_worker_killed_mid_import_is_resumed_without_duplicates(
    start_worker, team, admin, live_posting, sandbox, settings, login
):
    settings.INGEST_CHUNK_SIZE = 10
    settings.INGEST_STALL_SECONDS = 2
    env = {"INGEST_CHUNK_SIZE": "10", "INGEST_STALL_SECONDS": "2"}
    sandbox.add_fault("latency", seconds=0.3, rate=1.0)
    worker = start_worker(extra_env=env)
    job = new_job(team, live_posting, admin, 200)
    assert services.import_start(job)
    done_rows = lambda: job.rows.filter(outcome=ImportRow.Outcome.INGESTED).count()  # noqa: E731
    wait_for(lambda: done_rows() >= 30, timeout=60, message="the import to get going")
    # Kill it while a chunk is out: its rows are marked sent, their answer never recorded.
    wait_for(lambda: job.rows.filter(outcome=ImportRow.Outcome.SENT).exists(), timeout=10)
    worker.kill()  # SIGKILL mid-chunk: no cleanup, the message is never acknowledged
    job.refresh_from_db()
    assert job.state == ImportJob.State.RUNNING
    assert 30 <= done_rows() < 200
    sandbox.clear_faults()
    start_worker(extra_env=env)
    # The progress page notices the silent worker and puts the job back in the queue.
    client = login(admin)

    def poll():
        client.get(f"/imports/{job.id}/progress/", HTTP_HX_REQUEST="true")
        return finished(job.id)

    done = wait_for(poll, timeout=60, interval=0.5, message="the resumed import")
    assert done.state == ImportJob.State.DONE, done.message
    assert_each_row_ingested_once(done, sandbox, live_posting, 200)


def test_a_worker_checks_a_big_upload_while_the_page_polls_its_progress(
    start_worker, team, admin, live_posting, login
):
    rows = 8000  # some 330 KB: over the size checked within the upload request
    start_worker()  # reads the upload from the database
    job = services.import_create(
        team, posting=live_posting, user=admin, upload=upload("people.csv", people(rows)), retake=False
    )
    assert job.state == ImportJob.State.CHECKING and job.rows_expected == rows
    client = login(admin)
    seen = []

    def poll():
        response = client.get(f"/imports/{job.id}/progress/?checking=1", HTTP_HX_REQUEST="true")
        seen.append(response.headers.get("HX-Refresh") or ImportJob.objects.get(id=job.id).rows_checked)
        return response.headers.get("HX-Refresh") == "true"

    wait_for(poll, timeout=60, interval=0.2, message="the worker to check the file")
    job.refresh_from_db()
    assert (job.state, job.rows_valid, job.rows_checked, job.rows.count()) == ("draft", rows, rows, rows)
    assert seen == sorted(seen[:-1]) + ["true"], seen  # the count only grew, then the page reloaded
