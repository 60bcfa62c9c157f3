"""Adding one candidate and exporting JSON from a posting page (tasks inline, sandbox)."""

import pytest

from dashboard.ingestion import services
from dashboard.ingestion.models import CandidateIngest, Export
from dashboard.mirror.models import Posting

pytestmark = pytest.mark.django_db


def test_it_adds_a_candidate_and_shows_the_interview_link(
    login, reviewer, live_posting, sandbox, django_capture_on_commit_callbacks
):
    client = login(reviewer)
    url = f"/postings/{live_posting.remote_id}/candidates/add/"
    assert "Add to" in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "name": " Ada  Lovelace ",
                "email": "ada@example.com",
                "phone": "(206) 555-0101",
                "metadata": "source: fair\nlevel: senior",
            },
        )
    item = CandidateIngest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/postings/{live_posting.remote_id}/candidates/added/{item.id}/"
    assert (item.name, item.phone, item.metadata) == (
        "Ada Lovelace",
        "+12065550101",
        {"source": "fair", "level": "senior"},
    )
    assert item.state == "done" and item.interview_link
    remote = sandbox.state()["ingested"]
    assert [r["interview_id"] for r in remote] == [item.interview_id]
    response = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert response.status_code == 286 and item.interview_link in response.text
    assert f'data-copy="{item.interview_link}"' in response.text


def test_it_shows_form_errors_before_sending(login, reviewer, live_posting, sandbox):
    client = login(reviewer)
    response = client.post(
        f"/postings/{live_posting.remote_id}/candidates/add/",
        {"name": "", "email": "nope", "phone": "12", "metadata": "no colon"},
    )
    assert response.status_code == 200
    for message in (
        "Name is missing",
        "“nope” is not a valid address",
        "“12” is not a valid United States number",
        "Line 1 needs the form",
    ):
        assert message in response.text
    assert not CandidateIngest.objects.exists()


def test_it_shows_the_apis_422_inline(
    reviewer, team, live_posting, sandbox, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        item = services.candidate_ingest_request(
            team,
            posting=live_posting,
            user=reviewer,
            name="X",
            email="x@example.com",
            phone="12345",
            metadata={},
            retake=False,
        )
    item.refresh_from_db()
    assert item.state == "failed" and "phone_number" in item.field_errors
    html = login(reviewer).get(f"/postings/{live_posting.remote_id}/candidates/added/{item.id}/").text
    assert "Not added." in html and "E.164" in html


def test_it_exports_json_and_lists_recent_exports(
    login, reviewer, viewer, live_posting, sandbox, django_capture_on_commit_callbacks
):
    client = login(reviewer)
    url = f"/postings/{live_posting.remote_id}/exports/"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    export = Export.objects.get()
    assert export.state == "done" and export.file_url.startswith("http")
    response = login(viewer).get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # nothing left to wait for
    assert export.file_url in response.text and "Export JSON" not in response.text


def test_an_export_waiting_for_a_worker_keeps_polling(login, reviewer, live_posting):
    client = login(reviewer)
    url = f"/postings/{live_posting.remote_id}/exports/"
    client.post(url)  # the task never runs: its on-commit callback is not executed
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'hx-trigger="every 1s"' in response.text


def test_it_refuses_a_candidate_for_a_posting_without_an_ingestion_key(login, reviewer, team):
    posting = Posting.objects.create(team=team, remote_id="P-NOKEY", title="No key")
    response = login(reviewer).post(
        f"/postings/{posting.remote_id}/candidates/add/", {"name": "Ada", "email": "ada@example.com"}
    )
    assert "no ingestion key" in response.text
    assert not CandidateIngest.objects.exists()
