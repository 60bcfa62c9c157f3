"""Upload limits: the size refused while the body is read, the column count, and a big file's
check in a task whose progress the page shows."""

from datetime import timedelta

import pytest
from django.core.files.uploadhandler import FileUploadHandler
from django.utils import timezone

from dashboard.ingestion import services
from dashboard.ingestion.models import ImportJob
from tests.ingestion.test_import import people
from tests.ingestion.test_views import post_file

pytestmark = pytest.mark.django_db

BOUNDARY = "lImItBoUnDaRy"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
MEMORY_HANDLER = "django.core.files.uploadhandler.MemoryFileUploadHandler"


def multipart_head(posting_id: int, file_headers: str = "") -> bytes:
    """The form as a browser sends it: the posting, then the file part's headers."""
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="posting"\r\n\r\n{posting_id}\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        f"Content-Type: text/csv\r\n{file_headers}\r\n"
    ).encode()


TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()


class StreamedBody:
    """A request body made as it is read (never held whole), counting what was read: the form's
    head, a CSV file of `file_size` bytes (a header, then one row again and again), the end."""

    HEADER, ROW = b"name,email\n", b"Ada,ada@example.com\n"

    def __init__(self, head: bytes, file_size: int):
        self.segments = [
            (len(head), lambda at, n: head[at : at + n]),
            (file_size, self._csv),
            (len(TAIL), lambda at, n: TAIL[at : at + n]),
        ]
        self.length = sum(size for size, _ in self.segments)
        self.position = 0

    def _csv(self, at: int, n: int) -> bytes:
        out = self.HEADER[at : at + n]
        if len(out) < n:
            start = (max(at, len(self.HEADER)) - len(self.HEADER)) % len(self.ROW)
            need = n - len(out)
            out += (self.ROW * (need // len(self.ROW) + 2))[start : start + need]
        return out

    def _bytes(self, size: int) -> bytes:
        out, at, end = bytearray(), self.position, min(self.position + size, self.length)
        base = 0
        for length, make in self.segments:
            if at < base + length and at < end:
                piece = make(at - base, min(end, base + length) - at)
                out += piece
                at += len(piece)
            base += length
        return bytes(out)

    def read(self, size=-1, /):
        data = self._bytes(self.length if size is None or size < 0 else size)
        self.position += len(data)
        return data

    def readline(self, size=-1, /):
        data = self._bytes(1024 if size is None or size < 0 else size)
        line = data[: data.find(b"\n") + 1] if b"\n" in data else data
        self.position += len(line)
        return line


class Recorder(FileUploadHandler):
    """Placed before Django's own handlers: records how many file bytes were handed on to them."""

    handed_on: list[int] = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        Recorder.handed_on.append(0)

    def receive_data_chunk(self, raw_data, start):
        Recorder.handed_on[-1] += len(raw_data)
        return raw_data

    def file_complete(self, file_size):
        return None


@pytest.fixture
def temp_dir(settings, tmp_path):
    """Where Django would write an upload too big for memory."""
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    (tmp_path / "upload-tmp").mkdir()
    return tmp_path / "upload-tmp"


def assert_nothing_kept(upload_storage, temp_dir):
    assert not ImportJob.objects.exists()
    assert not any(p.is_file() for p in upload_storage.rglob("*"))
    assert not any(temp_dir.iterdir())


def test_a_body_declared_larger_than_the_limit_is_refused_before_the_file_is_read(
    login, reviewer, posting, upload_storage, temp_dir
):
    """A 30 MB body against the 10 MB limit: Django read at most its first chunk (64 KB: the
    fields before the file), kept nothing, and the page says why with the posting still chosen."""
    body = StreamedBody(multipart_head(posting.id), 30 * 1_048_576)
    response = login(reviewer).generic(
        "POST",
        "/imports/upload/",
        **{"wsgi.input": body, "CONTENT_LENGTH": str(body.length), "CONTENT_TYPE": MULTIPART},
    )
    assert response.status_code == 413
    assert "The file is larger than 10 MB, the most one import takes." in response.text
    assert 'name="file"' in response.text  # the upload form, to choose a smaller file
    assert f'<option value="{posting.id}" selected>' in response.text
    assert body.position <= 64 * 1024, body.position
    assert_nothing_kept(upload_storage, temp_dir)


def test_a_file_that_lies_about_its_length_is_cut_at_the_limit(
    login, reviewer, posting, upload_storage, temp_dir, settings
):
    """The request's length passes the first check (it leaves room for the other fields) and the
    file part claims 100 bytes: the bytes are counted, and no handler gets one past the limit."""
    settings.UPLOAD_MAX_BYTES = 100 * 1024
    handlers = list(settings.FILE_UPLOAD_HANDLERS)
    handlers.insert(handlers.index(MEMORY_HANDLER), "tests.ingestion.test_upload_limits.Recorder")
    settings.FILE_UPLOAD_HANDLERS = handlers
    Recorder.handed_on = []
    body = StreamedBody(multipart_head(posting.id, "Content-Length: 100\r\n"), 130 * 1024)
    response = login(reviewer).generic("POST", "/imports/upload/", body.read(), content_type=MULTIPART)
    assert response.status_code == 413
    assert "The file is larger than 100 KB" in response.text
    assert Recorder.handed_on and max(Recorder.handed_on) <= 100 * 1024, Recorder.handed_on
    assert_nothing_kept(upload_storage, temp_dir)


def columns(count: int) -> bytes:
    return (
        ",".join(["name", "email"] + [f"col{n}" for n in range(count - 2)])
        + "\n"
        + ",".join(["Ada", "ada@example.com"] + [""] * (count - 2))
        + "\n"
    ).encode()


def test_a_file_with_too_many_columns_is_refused_naming_the_count(login, reviewer, posting, upload_storage):
    response = post_file(login(reviewer), posting, "wide.csv", columns(10_000))
    assert response.status_code == 400
    assert "The file has 10,000 columns; an import takes at most 200." in response.text
    assert "delete the others" in response.text
    assert not ImportJob.objects.exists() and not any(p.is_file() for p in upload_storage.rglob("*"))


def test_the_column_limit_itself_is_taken_and_can_be_set(login, reviewer, posting, settings):
    client = login(reviewer)
    assert post_file(client, posting, "ok.csv", columns(200)).status_code == 302
    settings.UPLOAD_MAX_COLUMNS = 3
    response = post_file(client, posting, "four.csv", columns(4))
    assert response.status_code == 400
    assert "The file has 4 columns; an import takes at most 3." in response.text


# --- a big file is checked in a task ------------------------------------------------------------


@pytest.fixture
def small_inline_limit(monkeypatch):
    """Files over 1 KB count as big here, and batches are 100 rows: a few hundred rows show it."""
    monkeypatch.setattr(services, "CHECK_INLINE_BYTES", 1024)
    monkeypatch.setattr(services, "BATCH", 100)


def upload_big(client, posting, content, capture):
    """Upload; return the job and the queued check (not run yet)."""
    with capture() as queued:
        response = post_file(client, posting, "people.csv", content)
    assert response.status_code == 302, response.text
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/{job.id}/"
    return job, queued


def test_a_big_file_is_checked_in_a_task_while_the_page_shows_progress(
    login, reviewer, posting, small_inline_limit, django_capture_on_commit_callbacks, monkeypatch
):
    client = login(reviewer)
    job, queued = upload_big(client, posting, people(300), django_capture_on_commit_callbacks)
    # The request only stored and sniffed the file; the rows are checked by the queued task.
    assert (job.state, job.rows_expected, job.rows.count()) == ("checking", 300, 0)
    assert len(queued) == 1
    html = client.get(f"/imports/{job.id}/").text
    assert "Checking the file" in html and "0 of about 300 rows checked" in html
    assert f'hx-get="/imports/{job.id}/progress/?checking=1"' in html
    assert "Start import" not in html
    poll = client.get(f"/imports/{job.id}/progress/?checking=1", HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and 'id="import-checking"' in poll.text

    # Each batch commits with the count so far: what another connection (the page) sees.
    seen = []
    real_insert = services.import_rows_insert

    def insert_and_look(rows):
        seen.append(ImportJob.objects.get(id=job.id).rows_checked)
        real_insert(rows)

    monkeypatch.setattr(services, "import_rows_insert", insert_and_look)
    queued[0]()  # the task (eager): the worker's part
    assert seen == [100, 200, 300]
    job.refresh_from_db()
    assert (job.state, job.rows_valid, job.rows_checked, job.rows.count()) == ("draft", 300, 300, 300)
    # The next poll reloads the page, which is now the preview.
    poll = client.get(f"/imports/{job.id}/progress/?checking=1", HTTP_HX_REQUEST="true")
    assert poll.headers.get("HX-Refresh") == "true"
    assert "Start import: send 300 candidates" in client.get(f"/imports/{job.id}/").text


def test_a_big_file_whose_rows_cannot_be_used_fails_with_the_reason(
    login, reviewer, posting, small_inline_limit, upload_storage, settings, django_capture_on_commit_callbacks
):
    client = login(reviewer)
    settings.UPLOAD_MAX_ROWS = 250
    job, queued = upload_big(client, posting, people(300), django_capture_on_commit_callbacks)
    queued[0]()
    job.refresh_from_db()
    message = "The file has more than 250 candidate rows, the most one import takes."
    assert job.state == "failed" and job.message.startswith(message)
    assert not job.rows.exists() and not any(p.is_file() for p in upload_storage.rglob("*"))
    html = client.get(f"/imports/{job.id}/").text
    assert "This file cannot be imported." in html and message in html
    assert "Upload another file" in html


def test_a_check_whose_worker_died_is_resumed_and_writes_each_row_once(
    login, reviewer, posting, small_inline_limit, settings, django_capture_on_commit_callbacks, monkeypatch
):
    client = login(reviewer)
    job, queued = upload_big(client, posting, people(300), django_capture_on_commit_callbacks)
    real_insert = services.import_rows_insert
    calls = []

    def die_on_the_second_batch(rows):
        calls.append(len(rows))
        if len(calls) == 2:
            raise KeyboardInterrupt  # stands for SIGKILL: nothing after it runs
        real_insert(rows)

    monkeypatch.setattr(services, "import_rows_insert", die_on_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        queued[0]()
    monkeypatch.setattr(services, "import_rows_insert", real_insert)
    job.refresh_from_db()
    assert (job.state, job.rows_checked, job.rows.count()) == ("checking", 100, 100)
    # Silent past INGEST_STALL_SECONDS: the page's next poll queues the check again.
    ImportJob.objects.filter(id=job.id).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.INGEST_STALL_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/imports/{job.id}/progress/?checking=1", HTTP_HX_REQUEST="true")
    job.refresh_from_db()
    assert (job.state, job.rows_total, job.rows.count()) == ("draft", 300, 300)
    assert sorted(job.rows.values_list("number", flat=True)) == list(range(2, 302))


def test_a_check_taken_over_by_a_resume_stops_at_its_next_batch(
    login, reviewer, posting, small_inline_limit, django_capture_on_commit_callbacks, monkeypatch
):
    job, queued = upload_big(login(reviewer), posting, people(300), django_capture_on_commit_callbacks)
    real_insert = services.import_rows_insert

    def resumed_meanwhile(rows):
        real_insert(rows)
        # A resume moves the heartbeat while this (slow, not dead) run is still going.
        ImportJob.objects.filter(id=job.id).update(heartbeat_at=timezone.now() + timedelta(seconds=1))

    monkeypatch.setattr(services, "import_rows_insert", resumed_meanwhile)
    queued[0]()
    job.refresh_from_db()
    # It stopped after its first batch and left the job to the run that took over.
    assert (job.state, job.rows_checked) == ("checking", 100)


def test_remapping_a_big_file_checks_it_again_in_a_task(
    login, reviewer, posting, small_inline_limit, django_capture_on_commit_callbacks
):
    client = login(reviewer)
    job, queued = upload_big(client, posting, people(300), django_capture_on_commit_callbacks)
    queued[0]()
    mapping = {f"col{n}": target for n, target in enumerate(["name", "email", "phone", "ignore"])}
    with django_capture_on_commit_callbacks() as requeued:
        response = client.post(f"/imports/{job.id}/mapping/", mapping, HTTP_HX_REQUEST="true")
    assert response.headers.get("HX-Refresh") == "true"
    job.refresh_from_db()
    assert job.state == "checking" and len(requeued) == 1
    requeued[0]()
    job.refresh_from_db()
    assert job.state == "draft" and job.mapping["source"] == "ignore"
    assert not job.rows.exclude(metadata={}).exists()
