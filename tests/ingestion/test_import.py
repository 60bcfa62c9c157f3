"""Importing against the sandbox (tasks inline): chunks, faults, retakes, cancel, results."""

import pytest

from dashboard.ingestion import services
from dashboard.ingestion.models import ImportJob, ImportRow
from dashboard.mirror.models import Posting, SyncRun
from tests.csv_download import csv_rows
from tests.ingestion.conftest import upload
from tests.mirror.helpers import point_team_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def live_posting(team, sandbox, settings):
    settings.HEYMILO_PAGE_SIZE = 100
    point_team_at(team, sandbox)
    doc = sandbox.postings()[0]
    return Posting.objects.create(
        team=team, remote_id=doc["posting_id"], title=doc["title"], url_key=doc["url_key"]
    )


def people(count: int, start: int = 0) -> bytes:
    lines = ["name,email,phone,source"]
    lines += [
        f"Person {n},person{n}@example.com,206555{n % 10000:04d},fair" for n in range(start, start + count)
    ]
    return ("\n".join(lines) + "\n").encode()


def start_import(client, posting, content, capture, retake=False):
    data = {"posting": posting.id, "file": upload("people.csv", content)}
    if retake:
        data["retake"] = "on"
    response = client.post("/imports/upload/", data)
    assert response.status_code == 302, response.text
    job = ImportJob.objects.latest("id")
    with capture(execute=True):
        response = client.post(f"/imports/{job.id}/start/")
    assert response.status_code == 302
    job.refresh_from_db()
    return job


def ingested_for(sandbox, posting):
    return [r for r in sandbox.state()["ingested"] if r["posting_id"] == posting.remote_id]


def test_it_imports_200_rows_through_429s_and_500s_recording_each_interview_once(
    login, reviewer, live_posting, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.INGEST_CHUNK_SIZE = 20
    sandbox.add_fault("rate_limit", rate=0.3, retry_after=0)
    sandbox.add_fault("error_500", rate=0.3)
    job = start_import(login(reviewer), live_posting, people(200), django_capture_on_commit_callbacks)
    assert job.state == ImportJob.State.DONE, job.message
    rows = list(job.rows.all())
    assert {r.outcome for r in rows} == {ImportRow.Outcome.INGESTED}
    assert job.rows.values("chunk").distinct().count() == 10
    remote = ingested_for(sandbox, live_posting)
    # Every row's interview exists exactly once in HeyMilo, and it is the one recorded.
    assert sorted(r["interview_id"] for r in remote) == sorted(r.interview_id for r in rows)
    assert len({r["email"].lower() for r in remote}) == 200
    assert all(r.interview_link.endswith(r.interview_id) for r in rows)
    by_endpoint = sandbox.state()["requests"][sandbox.api_key]["by_endpoint"]
    assert by_endpoint["POST /ingest/x/bulk/{url_key}"] > 10  # faults made it retry
    # The posting sync that follows brings the new candidates into the mirror.
    assert SyncRun.objects.filter(scope=SyncRun.Scope.POSTING, target=live_posting.remote_id).exists()
    assert live_posting.interviews.filter(email="person7@example.com").exists()


def test_a_repeat_import_without_retakes_returns_the_existing_interviews(
    login, reviewer, live_posting, sandbox, django_capture_on_commit_callbacks
):
    client = login(reviewer)
    first = start_import(client, live_posting, people(5), django_capture_on_commit_callbacks)
    response = client.post(
        "/imports/upload/", {"posting": live_posting.id, "file": upload("again.csv", people(5))}
    )
    second = ImportJob.objects.get(id=response["Location"].split("/")[2])
    assert second.rows_existing == 5  # known from the first import
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{second.id}/start/")
    ids = lambda job: sorted(job.rows.values_list("interview_id", flat=True))  # noqa: E731
    assert ids(first) == ids(second)
    assert len(ingested_for(sandbox, live_posting)) == 5


def test_with_retakes_every_row_gets_a_new_interview(
    login, reviewer, live_posting, sandbox, django_capture_on_commit_callbacks
):
    client = login(reviewer)
    start_import(client, live_posting, people(3), django_capture_on_commit_callbacks)
    job = start_import(client, live_posting, people(3), django_capture_on_commit_callbacks, retake=True)
    assert job.retake and job.state == ImportJob.State.DONE
    assert len(ingested_for(sandbox, live_posting)) == 6


def test_a_retake_chunk_whose_answer_was_lost_is_marked_unknown_and_never_resent(
    login, reviewer, live_posting, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.HEYMILO_READ_TIMEOUT = 0.5
    sandbox.add_fault("hang", count=1, seconds=2)
    job = start_import(
        login(reviewer), live_posting, people(3), django_capture_on_commit_callbacks, retake=True
    )
    assert job.state == ImportJob.State.DONE
    assert set(job.rows.values_list("outcome", flat=True)) == {ImportRow.Outcome.UNKNOWN}
    assert "check" in job.rows.first().error
    html = login(reviewer).get(f"/imports/{job.id}/?show=unknown").text
    assert "Unknown: check" in html and "person0@example.com" in html
    by_endpoint = sandbox.state()["requests"][sandbox.api_key]["by_endpoint"]
    assert by_endpoint["POST /ingest/x/bulk/{url_key}"] == 1


def test_a_retake_chunk_answered_with_a_500_is_marked_unknown_but_a_429_is_resent(
    login, reviewer, live_posting, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.INGEST_CHUNK_SIZE = 2
    sandbox.add_fault("rate_limit", count=1, retry_after=0)
    sandbox.add_fault("error_500", count=1)
    job = start_import(
        login(reviewer), live_posting, people(4), django_capture_on_commit_callbacks, retake=True
    )
    # The 429 was refused outright and re-sent; the 500 may have created interviews: not re-sent.
    assert dict(job.rows.values_list("number", "outcome")) == {
        2: "unknown",
        3: "unknown",
        4: "ingested",
        5: "ingested",
    }
    assert len(ingested_for(sandbox, live_posting)) == 2


def test_a_chunk_left_sent_by_a_dead_worker_is_resent_only_without_retakes(
    login, reviewer, live_posting, sandbox
):
    client = login(reviewer)
    for retake, expected in ((False, ImportRow.Outcome.INGESTED), (True, ImportRow.Outcome.UNKNOWN)):
        data = {"posting": live_posting.id, "file": upload("p.csv", people(2, start=10 * retake))}
        if retake:
            data["retake"] = "on"
        client.post("/imports/upload/", data)
        job = ImportJob.objects.latest("id")
        services.import_start(job)  # queued; its task is never run (the callback is not executed)
        job.rows.update(outcome=ImportRow.Outcome.SENT)  # as a killed worker leaves them
        while services.import_step(job.id):
            pass
        assert set(job.rows.values_list("outcome", flat=True)) == {expected}


def test_it_handles_a_422_per_row_and_sends_the_rest(
    login, reviewer, live_posting, sandbox, django_capture_on_commit_callbacks
):
    client = login(reviewer)
    client.post("/imports/upload/", {"posting": live_posting.id, "file": upload("p.csv", people(3))})
    job = ImportJob.objects.latest("id")
    job.rows.filter(number=3).update(phone="12345")  # slipped past our checks; HeyMilo refuses it
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.id}/start/")
    outcomes = dict(job.rows.values_list("number", "outcome"))
    assert outcomes == {2: "ingested", 3: "failed", 4: "ingested"}
    assert "E.164" in job.rows.get(number=3).error
    assert len(ingested_for(sandbox, live_posting)) == 2


def test_cancel_leaves_the_rest_unsent(login, reviewer, live_posting, sandbox, settings):
    settings.INGEST_CHUNK_SIZE = 2
    client = login(reviewer)
    client.post("/imports/upload/", {"posting": live_posting.id, "file": upload("p.csv", people(6))})
    job = ImportJob.objects.latest("id")
    services.import_start(job)
    assert services.import_step(job.id)  # one chunk sent
    client.post(f"/imports/{job.id}/cancel/")
    assert not services.import_step(job.id)
    job.refresh_from_db()
    assert job.state == ImportJob.State.CANCELLED
    assert sorted(job.rows.values_list("outcome", flat=True)) == ["ingested"] * 2 + ["pending"] * 4
    assert len(ingested_for(sandbox, live_posting)) == 2


def test_the_progress_partial_polls_until_done_then_stops(
    login, viewer, reviewer, live_posting, sandbox, settings
):
    settings.INGEST_CHUNK_SIZE = 2
    client = login(reviewer)
    client.post("/imports/upload/", {"posting": live_posting.id, "file": upload("p.csv", people(4))})
    job = ImportJob.objects.latest("id")
    services.import_start(job)
    services.import_step(job.id)
    watcher = login(viewer)
    response = watcher.get(f"/imports/{job.id}/progress/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in response.text and "2 of 4 rows" in response.text
    assert "50 %" in response.text and "rows/s" in response.text
    while services.import_step(job.id):
        pass
    response = watcher.get(f"/imports/{job.id}/progress/", HTTP_HX_REQUEST="true")
    assert response.status_code == 286
    assert "every 1s" not in response.text and "100 %" in response.text and "Done." in response.text
    # Leaving and coming back shows the same job with its results.
    html = watcher.get(f"/imports/{job.id}/").text
    assert "person3@example.com" in html and "Copy link" in html and "data-copy=" in html


def test_a_stalled_job_is_resumed_by_the_next_poll(
    login, reviewer, live_posting, sandbox, settings, django_capture_on_commit_callbacks
):
    settings.INGEST_STALL_SECONDS = 1
    client = login(reviewer)
    client.post("/imports/upload/", {"posting": live_posting.id, "file": upload("p.csv", people(3))})
    job = ImportJob.objects.latest("id")
    services.import_start(job)  # its task is lost (never run)
    ImportJob.objects.filter(id=job.id).update(heartbeat_at=job.created_at.replace(year=2000))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/imports/{job.id}/progress/", HTTP_HX_REQUEST="true")
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    response = client.get(f"/imports/{job.id}/progress/", HTTP_HX_REQUEST="true")
    assert response.status_code == 286 and "Done." in response.text
    assert len(ingested_for(sandbox, live_posting)) == 3


def test_the_results_csv_is_safe_from_formula_injection(login, reviewer, posting):
    client = login(reviewer)
    content = (
        b'name,email,source\n=HYPERLINK("http://evil"),eq@example.com,x\n'
        b"+cmd,plus@example.com,x\n-2+3,minus@example.com,x\n@SUM(A1),at@example.com,x\n"
        b'"\tTab",tab@example.com,x\nPlain,plain@example.com,x\n'
    )
    client.post("/imports/upload/", {"posting": posting.id, "file": upload("evil.csv", content)})
    job = ImportJob.objects.get()
    job.state = ImportJob.State.DONE
    job.save()
    job.rows.filter(number=2).update(error="=1+1", interview_link="https://x.example/i/1")
    response = client.get(f"/imports/{job.id}/results.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    names = [r[1] for r in rows[1:]]
    assert names == ['\'=HYPERLINK("http://evil")', "'+cmd", "'-2+3", "'@SUM(A1)", "Tab", "Plain"]
    assert rows[1][8] == "'=1+1"
    # The invalid-rows download is protected the same way.
    # Judged invalid, a row keeps its cells as written, which the download writes back.
    job.rows.filter(number=3).update(
        status=ImportRow.Status.INVALID, error="-bad", cells=["+cmd", "plus@example.com", "x"]
    )
    rows = csv_rows(client.get(f"/imports/{job.id}/invalid.csv"))
    assert rows[1] == ["'+cmd", "plus@example.com", "x", "'-bad"]


def test_beat_resumes_only_jobs_whose_worker_went_silent(
    login, reviewer, live_posting, sandbox, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from dashboard.ingestion.tasks import resume_stalled_imports

    client = login(reviewer)
    for name in ("a.csv", "b.csv"):
        client.post("/imports/upload/", {"posting": live_posting.id, "file": upload(name, people(2))})
        services.import_start(ImportJob.objects.latest("id"))  # tasks lost: callbacks never run
    silent, busy = ImportJob.objects.order_by("id")
    ImportJob.objects.filter(id=silent.id).update(
        heartbeat_at=silent.heartbeat_at - timedelta(seconds=settings.INGEST_STALL_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_imports() == 1
    silent.refresh_from_db()
    busy.refresh_from_db()
    assert silent.state == ImportJob.State.DONE and busy.state == ImportJob.State.QUEUED
