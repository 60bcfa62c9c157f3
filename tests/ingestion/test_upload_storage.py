"""Uploads where every host reads them (issue 24): the upload, the mapping and the import may each
land on another host, with no directory in common, and every row is still ingested exactly once.
The file is kept in the database by default, a chunk at a time, and deleted when its import ends,
is cancelled or is abandoned; UPLOAD_STORAGE picks any other entry of STORAGES instead."""

import hashlib
import io
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files import File
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.ingestion import services
from dashboard.ingestion.models import ImportJob, ImportRow, UploadChunk
from dashboard.ingestion.storage import CHUNK_BYTES, DatabaseStorage, upload_storage
from tests.ingestion.conftest import upload
from tests.ingestion.test_worker_import import assert_each_row_ingested_once, finished
from tests.test_settings import production_env, run_manage
from tests.waiting import wait_for

# A header the automatic mapping does not take for the email: a person maps it on the next page.
HEADER = b"Full name,Reach at,Source\n"
MAPPED = {"col0": "name", "col1": "email", "col2": "metadata"}


def people(count: int) -> bytes:
    rows = b"".join(b"Person %d,person%d@example.com,fair\n" % (n, n) for n in range(count))
    return HEADER + rows


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@contextmanager
def host(settings, root: Path):
    """Requests served by a web host of its own: its own VAR_DIR-like root for default storage
    and media, nothing shared with another host's."""
    saved = settings.STORAGES, settings.MEDIA_ROOT
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": root}},
    }
    settings.MEDIA_ROOT = root
    try:
        yield
    finally:
        settings.STORAGES, settings.MEDIA_ROOT = saved


def post_upload(client, posting, content: bytes, name="people.csv") -> ImportJob:
    response = client.post("/imports/upload/", {"posting": posting.id, "file": upload(name, content)})
    assert response.status_code == 302, response.text
    return ImportJob.objects.latest("id")


# --- three hosts ------------------------------------------------------------------------------


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_upload_mapping_and_import_on_three_hosts_ingest_every_row_once(
    start_worker, settings, tmp_path, login, admin, live_posting, sandbox
):
    web_a, web_b, worker_var = tmp_path / "web-a", tmp_path / "web-b", tmp_path / "worker"
    worker_var.mkdir()
    settings.INGEST_CHUNK_SIZE = 50
    # The worker: its own process with an empty VAR_DIR of its own.
    worker = start_worker(extra_env={"VAR_DIR": str(worker_var), "INGEST_CHUNK_SIZE": "50"})
    rows = 300
    with host(settings, web_a):
        job = post_upload(login(admin), live_posting, people(rows))
    assert job.is_draft and "email" not in job.mapping.values()  # waits for a person to map it
    with host(settings, web_b):  # the mapping lands on the other web host
        client = login(admin)
        response = client.post(f"/imports/{job.id}/mapping/", MAPPED)
        assert response.status_code == 302, response.text
        job.refresh_from_db()
        assert (job.rows_valid, job.rows_invalid) == (rows, 0)
        assert client.post(f"/imports/{job.id}/start/").status_code == 302
    done = wait_for(lambda: finished(job.id), timeout=120, message="the import in the worker")
    assert done.state == ImportJob.State.DONE, done.message + worker.log()[-3000:]
    assert_each_row_ingested_once(done, sandbox, live_posting, rows)
    # No host kept the file on its own disk, and the database no longer holds it.
    assert files_under(web_a) == files_under(web_b) == [] and not any(worker_var.rglob("imports"))
    assert done.stored_name == "" and not UploadChunk.objects.exists()


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_big_upload_is_checked_by_a_worker_with_an_empty_var_dir(
    start_worker, settings, tmp_path, live_posting, admin, login
):
    worker_var = tmp_path / "worker"
    worker_var.mkdir()
    start_worker(extra_env={"VAR_DIR": str(worker_var)})
    rows = 8000  # some 300 KB: checked in the worker, not within the request
    content = people(rows).replace(b"Reach at", b"Email", 1)
    with host(settings, tmp_path / "web"):
        job = post_upload(login(admin), live_posting, content)
    assert job.is_checking
    wait_for(lambda: ImportJob.objects.get(id=job.id).is_draft, timeout=60, message="the worker's check")
    job.refresh_from_db()
    assert (job.rows_valid, job.rows.count()) == (rows, rows)
    assert files_under(tmp_path / "web") == [] and not any(worker_var.rglob("imports"))


def test_the_same_steps_on_disk_fail_on_the_second_host(settings, tmp_path, login, admin, posting):
    """What the database storage fixes: with a host's own disk, the mapping on another host finds
    no file (so the test above would catch a return to it)."""
    settings.UPLOAD_STORAGE = "default"
    with host(settings, tmp_path / "web-a"):
        job = post_upload(login(admin), posting, people(5))
    assert len(files_under(tmp_path / "web-a")) == 1
    with host(settings, tmp_path / "web-b"), pytest.raises(FileNotFoundError):
        login(admin).post(f"/imports/{job.id}/mapping/", MAPPED)


# --- deleted when nothing reads it again --------------------------------------------------------


def chunks(job: ImportJob) -> int:
    return UploadChunk.objects.filter(name=job.stored_name).count() if job.stored_name else 0


@pytest.mark.django_db
def test_the_file_is_deleted_when_the_import_is_done(
    login, admin, live_posting, sandbox, django_capture_on_commit_callbacks
):
    client = login(admin)
    job = post_upload(client, live_posting, people(3).replace(b"Reach at", b"Email", 1))
    name = job.stored_name
    assert chunks(job) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/imports/{job.id}/start/").status_code == 302
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.stored_name == ""
    assert not UploadChunk.objects.filter(name=name).exists()
    # Its rows still answer for it: the results, and the rows not sent, with no file.
    assert job.rows.filter(outcome=ImportRow.Outcome.INGESTED).count() == 3
    assert client.get(f"/imports/{job.id}/results.csv").status_code == 200


@pytest.mark.django_db
def test_the_file_is_deleted_when_a_queued_or_running_import_is_cancelled(login, admin, posting):
    client = login(admin)
    content = people(3).replace(b"Reach at", b"Email", 1)
    queued, running = post_upload(client, posting, content), post_upload(client, posting, content)
    for job in (queued, running):
        assert services.import_start(job)
    # A queued one ends at once; a running one at its next step.
    ImportJob.objects.filter(id=running.id).update(state=ImportJob.State.RUNNING)
    for job in (queued, running):
        assert client.post(f"/imports/{job.id}/cancel/").status_code == 302
    services.import_step(running.id)
    for job in (queued, running):
        name = job.stored_name
        job.refresh_from_db()
        assert job.state == ImportJob.State.CANCELLED and job.stored_name == ""
        assert not UploadChunk.objects.filter(name=name).exists()


@pytest.mark.django_db
def test_the_file_is_deleted_when_its_check_fails(posting, team, admin, settings):
    job = services.import_create(
        team, posting=posting, user=admin, upload=upload("people.csv", people(9000)), retake=False
    )
    assert job.is_checking and chunks(job) > 1
    # Over the row limit: the check fails with the reason, and the file goes.
    settings.UPLOAD_MAX_ROWS = 100
    services.import_check(job.id)
    name = job.stored_name
    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED and "more than 100" in job.message
    assert job.stored_name == "" and not UploadChunk.objects.filter(name=name).exists()


@pytest.mark.django_db
def test_the_hourly_sweep_deletes_abandoned_drafts_missed_files_and_files_no_import_names(
    posting, team, admin
):
    storage = upload_storage()
    content = people(3).replace(b"Reach at", b"Email", 1)

    def make(days_old: float, **fields) -> ImportJob:
        job = services.import_create(
            team, posting=posting, user=admin, upload=upload("a.csv", content), retake=False
        )
        ImportJob.objects.filter(id=job.id).update(
            created_at=timezone.now() - timedelta(days=days_old), **fields
        )
        job.refresh_from_db()
        return job

    abandoned, young = make(8), make(1)
    ended = make(30, state=ImportJob.State.DONE)  # its deletion was missed (storage unreachable then)
    orphan_old = storage.save("imports/orphan-old.csv", File(io.BytesIO(content)))
    orphan_new = storage.save("imports/orphan-new.csv", File(io.BytesIO(content)))
    UploadChunk.objects.filter(name=orphan_old).update(created_at=timezone.now() - timedelta(days=8))
    assert services.import_drafts_clean_up(older_than=timedelta(days=7)) == 1
    assert not ImportJob.objects.filter(id=abandoned.id).exists()
    ended.refresh_from_db()
    assert ended.stored_name == "" and ImportJob.objects.filter(id=ended.id).exists()
    # What remains: the young draft's file, and the orphan a request may still be saving a job for.
    assert sorted(UploadChunk.objects.values_list("name", flat=True)) == sorted(
        [young.stored_name, orphan_new]
    )


# --- streamed a chunk at a time -----------------------------------------------------------------


class Endless(io.RawIOBase):
    """`size` bytes made up as they are read, never all at once; records the largest read."""

    def __init__(self, size: int):
        self.left, self.largest = size, 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self.largest = max(self.largest, len(buffer))
        count = min(len(buffer), self.left)
        data = (b"Ada Lovelace,ada@example.com,fair\n" * (count // 34 + 1))[:count]
        buffer[:count] = data
        self.digest.update(data)
        self.left -= count
        return count


@pytest.mark.django_db
def test_a_large_file_is_written_and_read_a_chunk_at_a_time():
    size = 10 * CHUNK_BYTES + 123
    source = Endless(size)
    storage = DatabaseStorage()
    name = storage.save("imports/big.csv", File(source, name="big.csv"))
    # Written in fixed pieces, each read from the source no bigger than a piece.
    assert UploadChunk.objects.filter(name=name).count() == 11
    assert set(UploadChunk.objects.filter(name=name).exclude(number=10).values_list("size", flat=True)) == {
        CHUNK_BYTES
    }
    assert source.largest <= CHUNK_BYTES and storage.size(name) == size
    # Read back one chunk per query, the reader holding at most one chunk.
    digest, held = hashlib.sha256(), 0
    with CaptureQueriesContext(connection) as queries, storage.open(name) as stored:
        reader = stored.file.raw
        while block := stored.read(64 * 1024):
            digest.update(block)
            held = max(held, len(reader.chunk))
    assert digest.hexdigest() == source.digest.hexdigest()
    assert held <= CHUNK_BYTES
    fetches = [q for q in queries.captured_queries if '"number" =' in q["sql"] or "number` =" in q["sql"]]
    assert len(fetches) == 12, [q["sql"] for q in queries.captured_queries]  # 11 chunks, then the end


@pytest.mark.django_db
def test_an_upload_over_memory_size_goes_through_the_view_in_chunks(login, admin, posting, settings):
    # Over FILE_UPLOAD_MAX_MEMORY_SIZE: Django spools it to a temporary file, copied chunk by chunk.
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
    content = people(20_000)
    assert len(content) > 2 * settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    job = post_upload(login(admin), posting, content)
    assert chunks(job) == -(-len(content) // CHUNK_BYTES)
    with upload_storage().open(job.stored_name) as stored:
        assert hashlib.sha256(stored.read()).digest() == hashlib.sha256(content).digest()


@pytest.mark.django_db
def test_the_database_storage_answers_like_a_storage():
    storage = DatabaseStorage(chunk_bytes=4)
    name = storage.save("imports/a.csv", File(io.BytesIO(b"name,email\n")))
    empty = storage.save("imports/empty.csv", File(io.BytesIO(b"")))
    assert storage.exists(name) and storage.size(name) == 11 and storage.size(empty) == 0
    assert storage.open(name).read() == b"name,email\n" and storage.open(empty).read() == b""
    # The same name again gets another name, never a mix of two files.
    again = storage.save("imports/a.csv", File(io.BytesIO(b"x")))
    assert again != name and storage.open(name).read() == b"name,email\n"
    assert storage.listdir("imports") == ([], sorted(n.split("/")[1] for n in (name, empty, again)))
    assert storage.get_modified_time(name) <= timezone.now()
    with pytest.raises(ValueError, match="written once"):
        storage.open(name, "wb")
    with pytest.raises(NotImplementedError):
        storage.url(name)
    storage.delete(name)
    assert not storage.exists(name)
    with pytest.raises(FileNotFoundError):
        storage.open(name)
    with pytest.raises(FileNotFoundError):
        storage.size(name)
    storage.delete(name)  # deleting what is gone is no error, as with Django's file storage


# --- any storage by setting ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("alias", ["default", "elsewhere"])
def test_a_storage_chosen_by_setting_keeps_the_upload(login, admin, posting, settings, tmp_path, alias):
    settings.STORAGES = {
        **settings.STORAGES,
        "elsewhere": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "elsewhere"},
        },
    }
    settings.UPLOAD_STORAGE = alias
    root = tmp_path / ("uploads" if alias == "default" else "elsewhere")
    job = post_upload(login(admin), posting, people(3).replace(b"Reach at", b"Email", 1))
    assert files_under(root) == [root / job.stored_name] and not UploadChunk.objects.exists()
    assert job.rows_valid == 3
    services.import_cancel(job)  # a draft is not cancelled: its file stays for the preview
    assert (root / job.stored_name).exists()


def test_an_upload_storage_that_names_no_entry_of_storages_stops_the_start():
    result = run_manage(production_env(UPLOAD_STORAGE="s3"), "check")
    assert result.returncode != 0
    assert "UPLOAD_STORAGE='s3' names no entry of STORAGES (default, uploads, staticfiles)" in result.stderr
