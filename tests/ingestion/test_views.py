"""Upload, preview and mapping pages; downloads; who may see and do what."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dashboard.ingestion.models import ImportJob, ImportRow
from dashboard.mirror.models import Interview
from tests.csv_download import csv_rows
from tests.ingestion.conftest import upload

pytestmark = pytest.mark.django_db


def post_file(client, posting, name, content=None, **extra):
    return client.post("/imports/upload/", {"posting": posting.id, "file": upload(name, content), **extra})


def test_it_uploads_a_file_and_shows_the_preview(login, reviewer, posting, upload_storage):
    client = login(reviewer)
    response = post_file(client, posting, "excel_cp1252_semicolon.csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.id}/"
    assert (job.team, job.posting, job.requested_by, job.state) == (posting.team, posting, reviewer, "draft")
    assert job.mapping == {
        "Candidate Name": "name",
        "Email Address": "email",
        "Phone Number": "phone",
        "Notes": "metadata",
    }
    # Stored under a generated name, never the user's.
    assert "excel" not in job.stored_name and job.stored_name.startswith("imports/")
    assert (upload_storage / job.stored_name).exists()
    row = job.rows.get(number=2)
    assert (row.name, row.phone, row.metadata, row.status) == (
        "José Müller",
        "+12065550100",
        {"Notes": "“Great” – 100€"},
        "valid",
    )
    html = client.get(f"/imports/{job.id}/").text
    assert "José Müller" in html and "Start import: send 3 candidates" in html


def test_it_combines_first_and_last_name_columns(login, reviewer, posting):
    post_file(login(reviewer), posting, "first_last.csv")
    job = ImportJob.objects.get()
    assert list(job.rows.values_list("name", "phone", "status")) == [
        ("Ada Lovelace", "+12065550101", "valid"),
        ("Alan Turing", "", "valid"),
    ]
    assert job.rows.get(number=2).metadata == {"LinkedIn": "https://linkedin.com/in/ada"}


def test_it_flags_invalid_rows_and_offers_them_as_csv_with_errors(login, reviewer, posting):
    client = login(reviewer)
    post_file(client, posting, "invalid_rows.csv")
    job = ImportJob.objects.get()
    assert (job.rows_valid, job.rows_invalid) == (1, 4)
    errors = dict(job.rows.values_list("number", "error"))
    assert errors[3] == "Email is missing."
    assert errors[4] == "Email “not-an-email” is not a valid address."
    assert errors[5] == "Name is missing."
    assert "“12345”" in errors[6]
    html = client.get(f"/imports/{job.id}/?show=invalid").text
    assert "not-an-email" in html and "good@example.com" not in html
    response = client.get(f"/imports/{job.id}/invalid.csv")
    rows = csv_rows(response)
    assert rows[0] == ["name", "email", "phone", "error"]
    assert [r[0] for r in rows[1:]] == ["No Email", "Bad Email", "", "Bad Phone"]
    assert rows[2][3] == "Email “not-an-email” is not a valid address."


def test_it_flags_duplicates_in_the_file(login, reviewer, posting):
    post_file(login(reviewer), posting, "duplicates.csv")
    job = ImportJob.objects.get()
    assert list(job.rows.values_list("status", flat=True)) == ["valid", "duplicate", "valid"]
    assert job.rows.get(number=3).error == "Same email as row 2: only that row is sent."


def test_it_shows_candidates_the_posting_already_has(login, reviewer, posting, team):
    Interview.objects.create(team=team, posting=posting, remote_id="I1", email="ADA@example.com")
    client = login(reviewer)
    post_file(client, posting, "first_last.csv")
    job = ImportJob.objects.get()
    assert job.rows_existing == 1 and job.rows.get(email="ada@example.com").existing
    html = client.get(f"/imports/{job.id}/?show=existing").text
    assert "the existing interview will be returned" in html and "alan@example.com" not in html
    client.post(
        f"/imports/{job.id}/mapping/",
        {
            **{f"col{n}": t for n, t in enumerate(["first_name", "last_name", "email", "phone", "metadata"])},
            "retake": "on",
        },
    )
    assert "a new interview will be created" in client.get(f"/imports/{job.id}/").text


def test_it_revalidates_live_when_a_mapping_changes(login, reviewer, posting):
    client = login(reviewer)
    post_file(client, posting, "messy.csv")
    job = ImportJob.objects.get()
    assert job.mapping == {"Candidate Name": "name", "E-mail": "email", "Cell": "phone", "Years": "metadata"}
    assert (job.rows_valid, job.rows_invalid, job.rows_duplicate) == (2, 1, 1)
    response = client.post(
        f"/imports/{job.id}/mapping/",
        {"col0": "name", "col1": "email", "col2": "ignore", "col3": "data"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="preview">')  # the region only
    assert 'data-count="valid">2<' in response.text
    job.refresh_from_db()
    assert job.mapping["Years"] == "data" and job.rows.get(number=2).data == {"Years": "5"}
    assert job.rows.get(number=2).phone == ""
    # A mapping without an email column cannot start.
    response = client.post(
        f"/imports/{job.id}/mapping/",
        {"col0": "name", "col1": "metadata", "col2": "ignore", "col3": "data"},
        HTTP_HX_REQUEST="true",
    )
    assert "No column is mapped to the email." in response.text
    assert "Start import" not in response.text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("workbook.xlsx", "Excel workbook"),
        ("binary.bin", "binary file"),
        ("empty.csv", "The file is empty"),
        ("header_only.csv", "no candidate rows"),
        ("no_header.csv", "Add a header row"),
        ("single_column.csv", "Only one column"),
    ],
)
def test_it_refuses_bad_files_with_a_message_and_keeps_nothing(
    login, reviewer, posting, name, message, upload_storage
):
    response = post_file(login(reviewer), posting, name)
    assert response.status_code == 400
    assert message in response.text
    assert not ImportJob.objects.exists()
    assert not any(p.is_file() for p in upload_storage.rglob("*"))


def test_it_refuses_a_file_over_the_size_limit_before_reading_it(login, reviewer, posting, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = post_file(login(reviewer), posting, "big.csv", b"name,email\n" + b"A,a@example.com\n" * 100)
    assert response.status_code == 413 and "The file is larger than 1 KB" in response.text
    assert not ImportJob.objects.exists()


def test_it_refuses_a_file_over_the_row_limit(login, reviewer, posting, settings):
    settings.UPLOAD_MAX_ROWS = 5
    content = b"name,email\n" + b"".join(b"A%d,a%d@example.com\n" % (n, n) for n in range(6))
    response = post_file(login(reviewer), posting, "rows.csv", content)
    assert response.status_code == 400 and "more than 5 candidate rows" in response.text
    assert not ImportJob.objects.exists() and not ImportRow.objects.exists()


def test_it_lists_the_teams_imports(login, viewer, reviewer, posting):
    post_file(login(reviewer), posting, "utf8_comma.csv")
    html = login(viewer).get("/imports/").text
    assert "utf8_comma.csv" in html and "Backend Engineer" in html and "bob" in html
    assert "Upload and preview" not in html  # viewers may look, not upload


def test_the_posting_panel_links_to_ingestion_for_reviewers_only(login, reviewer, viewer, posting):
    # Reviewers add candidates from the posting's "Add candidates" menu; JSON exports sit with the
    # rest of the plumbing on the admins' Manage tab.
    html = login(reviewer).get(f"/postings/{posting.remote_id}/").text
    assert f"/postings/{posting.remote_id}/candidates/add/" in html
    assert "/imports/?posting=P-ENG" in html
    assert "Add candidate" not in login(viewer).get(f"/postings/{posting.remote_id}/").text


def job_urls(job, posting):
    return {
        "get": [
            f"/imports/{job.id}/",
            f"/imports/{job.id}/progress/",
            f"/imports/{job.id}/invalid.csv",
            f"/imports/{job.id}/results.csv",
            f"/postings/{posting.remote_id}/candidates/add/",
            f"/postings/{posting.remote_id}/exports/",
        ],
        "post": [
            f"/imports/{job.id}/mapping/",
            f"/imports/{job.id}/start/",
            f"/imports/{job.id}/cancel/",
            f"/postings/{posting.remote_id}/candidates/add/",
            f"/postings/{posting.remote_id}/exports/",
        ],
    }


def test_an_outsider_gets_404_everywhere(login, reviewer, outsider, posting):
    post_file(login(reviewer), posting, "utf8_comma.csv")
    job = ImportJob.objects.get()
    client = login(outsider)
    urls = job_urls(job, posting)
    for url in urls["get"]:
        assert client.get(url).status_code == 404, url
    for url in urls["post"]:
        assert client.post(url).status_code == 404, url
    assert (
        client.post("/imports/upload/", {"posting": posting.id, "file": upload("utf8_comma.csv")}).status_code
        == 400
    )  # their own form: another team's posting is not a choice
    assert ImportJob.objects.count() == 1


def test_a_viewer_may_look_but_gets_403_for_every_change(login, reviewer, viewer, posting):
    post_file(login(reviewer), posting, "utf8_comma.csv")
    job = ImportJob.objects.get()
    client = login(viewer)
    urls = job_urls(job, posting)
    for url in urls["get"]:
        assert client.get(url).status_code == 200, url
    for url in [*urls["post"], "/imports/upload/"]:
        assert client.post(url).status_code == 403, url
    job.refresh_from_db()
    assert job.state == "draft"


@hsettings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=2000),
        st.text(alphabet=st.sampled_from('ab,;|\t"\n\r @.é\x00'), max_size=400).map(str.encode),
    )
)
def test_arbitrary_bytes_never_cause_a_500(login, reviewer, posting, content):
    response = post_file(login(reviewer), posting, "anything.csv", content)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert login(reviewer).get(response["Location"]).status_code == 200
