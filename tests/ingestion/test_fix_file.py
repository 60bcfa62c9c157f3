"""The "rows not sent" file round-trips: its error column is recognised on re-upload and ignored,
so the reasons never reach HeyMilo as metadata."""

import csv
import io

import pytest

from dashboard.ingestion.models import ImportJob
from dashboard.ingestion.validation import guess_mapping
from tests.csv_download import csv_rows
from tests.ingestion.conftest import upload

pytestmark = pytest.mark.django_db

FIRST = (
    b"name,email,phone,source\n"
    b"Ada Lovelace,ada@example.com,2065550101,fair\n"
    b"Bad Email,not-an-email,+44 20 7946 0958,referral\n"
    b"Bad Phone,badphone@example.com,12345,fair\n"
)


def upload_file(client, posting, name, content) -> ImportJob:
    response = client.post("/imports/upload/", {"posting": posting.id, "file": upload(name, content)})
    assert response.status_code == 302, response.text
    return ImportJob.objects.latest("id")


def start(client, job, capture) -> ImportJob:
    with capture(execute=True):
        assert client.post(f"/imports/{job.id}/start/").status_code == 302
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE
    return job


def fix_file(client, job) -> list[list[str]]:
    response = client.get(f"/imports/{job.id}/invalid.csv")
    assert response.status_code == 200
    return csv_rows(response)


def as_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode()


def test_a_fixed_file_uploaded_again_never_sends_its_error_column(
    login, reviewer, live_posting, sandbox, django_capture_on_commit_callbacks
):
    client = login(reviewer)
    first = upload_file(client, live_posting, "fair.csv", FIRST)
    start(client, first, django_capture_on_commit_callbacks)
    rows = fix_file(client, first)
    assert rows[0] == ["name", "email", "phone", "source", "error"]
    assert [r[0] for r in rows[1:]] == ["Bad Email", "Bad Phone"]

    # Unfixed, then fixed twice over: the file of rows not sent from a file of rows not sent holds
    # two error columns, the second read as "error (2)".
    again = upload_file(client, live_posting, "fair-invalid.csv", as_bytes(rows))
    assert again.mapping == {
        "name": "name",
        "email": "email",
        "phone": "phone",
        "source": "metadata",
        "error": "ignore",
    }
    twice = fix_file(client, again)
    assert twice[0] == ["name", "email", "phone", "source", "error", "error"]
    rows = [twice[0]] + [[*r[:4], "old reason", r[5]] for r in twice[1:]]
    rows[1][1], rows[2][2] = "bad.email@example.com", "2065550109"  # the recruiter fixes both
    fixed = upload_file(client, live_posting, "fair-invalid-invalid.csv", as_bytes(rows))
    assert fixed.header == ["name", "email", "phone", "source", "error", "error (2)"]
    assert fixed.mapping["error"] == fixed.mapping["error (2)"] == "ignore"
    assert (fixed.rows_valid, fixed.rows_invalid) == (2, 0)
    html = client.get(f"/imports/{fixed.id}/").text
    assert "“error” is the column of reasons our file of rows not sent adds: it is ignored" in html
    assert all(r.metadata == {"source": r.metadata["source"]} for r in fixed.rows.all())
    start(client, fixed, django_capture_on_commit_callbacks)

    sent = {i["details"]["email"]: i["details"] for i in sandbox.interviews(live_posting.remote_id)}
    for email in ("bad.email@example.com", "badphone@example.com"):
        ingestion = sent[email]["metadata"]["ingestion"]
        assert ingestion == {"metadata": {"source": ingestion["metadata"]["source"]}}, ingestion
    # The fix file writes "+44…" formula-safe as "'+44…": the phone still reads.
    assert sent["bad.email@example.com"]["phone_number"] == "+442079460958"


def test_only_a_column_named_as_ours_is_taken_for_our_error_column():
    assert guess_mapping(["name", "email", "Error"]) == {"name": "name", "email": "email", "Error": "ignore"}
    assert guess_mapping(["name", "email", "errors", "error (x)"]) == {
        "name": "name",
        "email": "email",
        "errors": "metadata",
        "error (x)": "metadata",
    }
