"""Imports, single candidates and exports end in the page without a reload (HX-Trigger from the
finished status partial, once; the regions showing the outcome are partials of their pages), and
results name the candidate, linking the profile, with HeyMilo's id secondary."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard.ingestion.models import CandidateIngest, Export, ImportJob, ImportRow
from dashboard.ingestion.services import _refused
from dashboard.mirror.models import Interview
from heymilo.errors import ValidationError

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def events(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def import_job(team, posting, state=ImportJob.State.RUNNING, rows=1) -> ImportJob:
    job = ImportJob.objects.create(
        team=team,
        posting=posting,
        file_name="fair.csv",
        stored_name="x",
        header=["name", "email"],
        state=state,
        rows_total=rows,
        rows_valid=rows,
    )
    for n in range(rows):
        ImportRow.objects.create(
            job=job,
            number=n + 2,
            name=f"Row Name {n}",
            email=f"c{n}@example.com",
            status=ImportRow.Status.VALID,
            outcome=ImportRow.Outcome.INGESTED,
            interview_id=f"int_{n}",
            interview_link=f"https://heymilo.example/i/{n}",
        )
    return job


def test_the_finished_import_tells_the_page_and_the_running_one_does_not(login, reviewer, team, posting):
    client = login(reviewer)
    job = import_job(team, posting)
    running = client.get(f"/imports/{job.id}/progress/", **HTMX)
    assert running.status_code == 200 and "HX-Trigger" not in running.headers
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.DONE)
    done = client.get(f"/imports/{job.id}/progress/", **HTMX)
    assert done.status_code == 286
    assert "import-finished" in events(done)


def test_a_running_imports_state_and_results_listen_and_render_alone(login, reviewer, team, posting):
    client = login(reviewer)
    job = import_job(team, posting)
    page = client.get(f"/imports/{job.id}/").text
    assert page.count('hx-trigger="import-finished from:body"') == 2  # the state badge, the results
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.DONE)
    results = client.get(f"/imports/{job.id}/", HTTP_HX_TARGET="import-results", **HTMX).text
    assert results.lstrip().startswith('<section id="import-results"') and "<html" not in results
    assert "import-finished" not in results  # finished: nothing more to listen for
    state = client.get(f"/imports/{job.id}/", HTTP_HX_TARGET="import-state", **HTMX).text
    assert state.lstrip().startswith('<span id="import-state"') and "Done" in state


def test_import_results_name_the_candidate_and_link_the_profile(login, reviewer, team, posting):
    job = import_job(team, posting, state=ImportJob.State.DONE, rows=2)
    Interview.objects.create(team=team, posting=posting, remote_id="int_0", name="Ada Lovelace")
    html = login(reviewer).get(f"/imports/{job.id}/").text
    # Mirrored: HeyMilo's name; not yet: the file's. Both open the profile (read-through).
    assert '<a href="/interviews/int_0/"><bdi>Ada Lovelace</bdi></a>' in html
    assert '<a href="/interviews/int_1/"><bdi>Row Name 1</bdi></a>' in html
    assert '<span class="muted small mono">int_0</span>' in html


def test_import_results_run_the_same_queries_for_2_rows_or_60(login, reviewer, team, posting):
    client = login(reviewer)

    def queries(job):
        cache.clear()  # the sidebar's cached count: counted on both sides
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/imports/{job.id}/").status_code == 200
        return len(captured)

    few = queries(import_job(team, posting, state=ImportJob.State.DONE, rows=2))
    many = import_job(team, posting, state=ImportJob.State.DONE, rows=60)
    for n in range(60):
        Interview.objects.get_or_create(team=team, remote_id=f"int_{n}", defaults={"name": f"C {n}"})
    assert queries(many) == few
    html = client.get(f"/imports/{many.id}/").text  # each one named
    assert "<bdi>C 0</bdi>" in html and "<bdi>C 59</bdi>" in html


def test_adding_a_candidate_answers_in_place_and_its_end_tells_the_page(login, reviewer, team, posting):
    client = login(reviewer)
    form = {"name": "Grace Hopper", "email": "grace@example.com", "phone": "", "metadata": ""}
    # Tasks are not run here (no commit in this test): the answer polls the new candidate.
    response = client.post(f"/postings/{posting.remote_id}/candidates/add/", form, **HTMX)
    assert response.status_code == 200
    item = CandidateIngest.objects.get()
    assert response.text.lstrip().startswith('<div id="candidate-add"')
    assert f"/candidates/added/{item.id}/" in response.text and 'value="Grace Hopper"' not in response.text
    assert "HX-Trigger" not in response.headers
    CandidateIngest.objects.filter(pk=item.pk).update(
        state=CandidateIngest.State.DONE, interview_id="int_grace"
    )
    done = client.get(f"/postings/{posting.remote_id}/candidates/added/{item.id}/", **HTMX)
    assert done.status_code == 286 and "candidate-added" in events(done)
    assert '<a href="/interviews/int_grace/"><bdi>Grace Hopper</bdi></a>' in done.text
    assert '<span class="muted small mono">int_grace</span>' in done.text


def test_a_bad_candidate_comes_back_in_place_with_its_errors_and_nothing_sent(login, reviewer, posting):
    response = login(reviewer).post(
        f"/postings/{posting.remote_id}/candidates/add/",
        {"name": "Grace Hopper", "email": "not-an-email"},
        **HTMX,
    )
    assert response.status_code == 200  # htmx swaps 2xx only: the errors must show
    assert response.text.lstrip().startswith('<div id="candidate-add"')
    assert 'value="Grace Hopper"' in response.text and "email" in response.text.lower()
    assert not CandidateIngest.objects.exists()


def test_recently_added_is_a_region_that_listens(login, reviewer, team, posting):
    client = login(reviewer)
    assert (
        'hx-trigger="candidate-added from:body"'
        in client.get(f"/postings/{posting.remote_id}/candidates/add/").text
    )
    CandidateIngest.objects.create(
        team=team,
        posting=posting,
        name="Grace Hopper",
        email="g@example.com",
        state=CandidateIngest.State.DONE,
    )
    region = client.get(
        f"/postings/{posting.remote_id}/candidates/add/", HTTP_HX_TARGET="candidate-recent", **HTMX
    ).text
    assert region.lstrip().startswith('<div id="candidate-recent"') and "Grace Hopper" in region


def test_exporting_answers_in_place_and_only_the_lists_poll_ends_with_the_event(login, reviewer, posting):
    client = login(reviewer)
    response = client.post(f"/postings/{posting.remote_id}/exports/", **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="exports"')
    assert f"/postings/{posting.remote_id}/exports/?poll=1" in response.text
    Export.objects.update(state=Export.State.DONE, file_url="https://files.example/export.json")
    done = client.get(f"/postings/{posting.remote_id}/exports/?poll=1", **HTMX)
    assert done.status_code == 286 and "export-finished" in events(done)
    assert "Download JSON" in done.text
    again = client.get(f"/postings/{posting.remote_id}/exports/", **HTMX)
    assert "HX-Trigger" not in again.headers


def test_a_refusal_naming_rows_by_odd_numbers_fails_the_whole_request_with_its_message(team, posting):
    """Bad input from HeyMilo: a 422 whose field names hold a row number int() refuses ("data.²")
    or none at all. No row is named, so every row of the request fails with HeyMilo's message,
    rather than the step failing on the number."""
    job = import_job(team, posting, rows=2)
    rows = list(job.rows.order_by("number"))
    _refused(rows, ValidationError("Invalid", status=422, field_errors={"data.².email": "bad", "data": "no"}))
    assert [(r.outcome, r.error) for r in job.rows.order_by("number")] == [
        (ImportRow.Outcome.FAILED, "HeyMilo refused: Invalid")
    ] * 2
