"""Drafts: an upload nobody started. The imports list says what each waits for; beat deletes the
ones older than IMPORT_DRAFT_DAYS with their stored files, and nothing else (issue 18)."""

from datetime import timedelta

import pytest
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from dashboard.core.tasks import task_named
from dashboard.ingestion import services
from dashboard.ingestion.models import ImportJob
from dashboard.mirror.models import Posting
from tests.ingestion.conftest import stored, upload
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db

# No header the automatic mapping takes for the email (it reads headers, not cells): the upload is
# kept as a draft for a person to map.
NO_EMAIL = b"Full name,Reach at\nAda Lovelace,ada@example.com\nAlan Turing,alan@example.com\n"
TASK = "dashboard.ingestion.tasks.clean_up_import_drafts"


def post_file(client, posting, content: bytes):
    response = client.post("/imports/upload/", {"posting": posting.id, "file": upload("people.csv", content)})
    assert response.status_code == 302, response.text
    return ImportJob.objects.latest("id")


def state_cell(html: str, job: ImportJob) -> str:
    """The list's row for `job`, from its id to the end of the row."""
    start = html.index(f'id="import-{job.id}"')
    return html[start : html.index("</tr>", start)]


def test_it_says_a_file_without_an_email_column_waits_for_a_mapping(login, reviewer, posting):
    client = login(reviewer)
    job = post_file(client, posting, NO_EMAIL)
    assert job.is_draft and "email" not in job.mapping.values()
    row = state_cell(client.get("/imports/").text, job)
    assert "Waiting for a mapping" in row
    assert f'<a class="button small" href="/imports/{job.id}/">Map the columns</a>' in row
    assert "<td>2</td><td>–</td><td>–</td>" in row  # rows read, none judged: every one lacks an email
    assert "Preview" not in row  # the state's name in our model, not what the person must do
    # Mapped by hand, it waits for someone to start it instead.
    client.post(f"/imports/{job.id}/mapping/", {"col0": "name", "col1": "email"})
    row = state_cell(client.get("/imports/").text, job)
    assert "Waiting to start" in row and "Review and start" in row and "Waiting for a mapping" not in row
    assert "<td>2</td><td>2</td><td>0</td>" in row


def test_an_admin_is_offered_the_mapping_a_viewer_only_sees_the_state(login, admin, viewer, posting):
    job = post_file(login(admin), posting, NO_EMAIL)
    assert "Map the columns" in state_cell(login(admin).get("/imports/").text, job)
    row = state_cell(login(viewer).get("/imports/").text, job)
    # A viewer cannot map columns (the mapping form is a reviewer's): the state, without the action.
    assert "Waiting for a mapping" in row and "Map the columns" not in row


def test_the_list_says_when_drafts_are_deleted_only_when_it_shows_one(login, reviewer, posting, settings):
    settings.IMPORT_DRAFT_DAYS = 3
    client = login(reviewer)
    assert "is deleted with its file" not in client.get("/imports/").text
    post_file(client, posting, NO_EMAIL)
    assert "An upload nobody starts is deleted with its file after 3 days." in client.get("/imports/").text


def test_another_teams_draft_is_not_listed(login, reviewer, outsider, posting, other_team):
    theirs = Posting.objects.create(
        team=other_team, remote_id="P-OTHER", title="Their posting", url_key="other-key"
    )
    job = post_file(login(outsider), theirs, NO_EMAIL)
    html = login(reviewer).get("/imports/").text
    assert f'id="import-{job.id}"' not in html and "Waiting for a mapping" not in html


# --- clean-up ------------------------------------------------------------------------------------


def make_job(posting, *, state=ImportJob.State.DRAFT, days_old: float = 8) -> ImportJob:
    return ImportJob.objects.create(
        team=posting.team,
        posting=posting,
        file_name="people.csv",
        stored_name=stored("utf8_comma.csv"),
        state=state,
        created_at=timezone.now() - timedelta(days=days_old),
    )


def test_it_deletes_old_drafts_with_their_files_and_rows(posting, upload_storage):
    job = make_job(posting)
    services.import_validate(job)
    assert job.rows.exists() and (upload_storage / job.stored_name).exists()
    assert services.import_drafts_clean_up(older_than=timedelta(days=7)) == 1
    assert not ImportJob.objects.filter(id=job.id).exists()
    assert not (upload_storage / job.stored_name).exists()
    assert not job.rows.exists()


def test_it_keeps_newer_drafts_and_every_import_that_is_not_a_draft(posting, upload_storage):
    new = make_job(posting, days_old=6)
    others = [
        make_job(posting, state=state, days_old=30)
        for state in ImportJob.State
        if state != ImportJob.State.DRAFT
    ]
    assert {job.state for job in others} == {"checking", "queued", "running", "done", "cancelled", "failed"}
    assert services.import_drafts_clean_up(older_than=timedelta(days=7)) == 0
    kept = [new, *others]
    assert set(ImportJob.objects.values_list("id", flat=True)) == {job.id for job in kept}
    # Files stay with what may read them again; an ended import's rows hold all it needs.
    ended = {job.id for job in others if job.is_finished}
    assert all((upload_storage / job.stored_name).exists() == (job.id not in ended) for job in kept)


def test_it_cleans_up_every_teams_drafts(posting, other_team, upload_storage):
    theirs = Posting.objects.create(
        team=other_team, remote_id="P-OTHER", title="Their posting", url_key="other-key"
    )
    ours, other = make_job(posting), make_job(theirs)
    assert services.import_drafts_clean_up(older_than=timedelta(days=7)) == 2
    assert not ImportJob.objects.exists()
    assert not any((upload_storage / job.stored_name).exists() for job in (ours, other))


def test_a_draft_whose_file_is_already_gone_is_deleted_and_the_rest_go_too(posting, upload_storage):
    # Newest first: the draft without its file is the first the clean-up meets.
    gone, after = make_job(posting, days_old=8), make_job(posting, days_old=9)
    (upload_storage / gone.stored_name).unlink()
    assert services.import_drafts_clean_up(older_than=timedelta(days=7)) == 2
    assert not ImportJob.objects.exists()
    assert not (upload_storage / after.stored_name).exists()


class MissingFileRaises(FileSystemStorage):
    """A storage that raises for a file that is not there, as some backends do (Django's own
    file system storage ignores it)."""

    def delete(self, name):
        if not self.exists(name):
            raise FileNotFoundError(name)
        super().delete(name)


def test_a_storage_that_raises_for_a_missing_file_does_not_stop_the_clean_up(
    posting, upload_storage, settings, caplog
):
    gone, after = make_job(posting, days_old=8), make_job(posting, days_old=9)
    (upload_storage / gone.stored_name).unlink()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.MissingFileRaises", "OPTIONS": {"location": upload_storage}},
    }
    assert services.import_drafts_clean_up(older_than=timedelta(days=7)) == 2
    assert not ImportJob.objects.exists()
    assert not (upload_storage / after.stored_name).exists()
    assert gone.stored_name in caplog.text  # an operator can tell which file it was


def test_the_task_takes_its_age_from_the_setting(posting, settings, upload_storage):
    settings.IMPORT_DRAFT_DAYS = 3
    old, young = make_job(posting, days_old=4), make_job(posting, days_old=2)
    assert task_named(TASK).apply().get() == 1
    assert list(ImportJob.objects.values_list("id", flat=True)) == [young.id]
    assert not (upload_storage / old.stored_name).exists() and (upload_storage / young.stored_name).exists()


def test_beat_runs_the_clean_up_hourly(settings):
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == TASK]
    assert len(entries) == 1 and entries[0]["schedule"] == 3600.0
    assert task_named(TASK).name == TASK  # the name beat sends is a registered task
    assert settings.IMPORT_DRAFT_DAYS == 7  # the default the README gives


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_beats_clean_up(start_worker, posting, upload_storage, tmp_path):
    from dashboard.celery import app

    # The worker's uploads are on disk too, in VAR_DIR/uploads: this test's upload_storage.
    worker = start_worker(extra_env={"VAR_DIR": str(tmp_path), "UPLOAD_STORAGE": "default"})
    old, young = make_job(posting, days_old=8), make_job(posting, days_old=1)
    done = make_job(posting, state=ImportJob.State.DONE, days_old=30)
    app.send_task(TASK)  # by name, as beat sends it
    wait_for(
        lambda: not ImportJob.objects.filter(id=old.id).exists(),
        timeout=30,
        message="the worker to delete the old draft",
    )
    assert set(ImportJob.objects.values_list("id", flat=True)) == {young.id, done.id}, worker.log()[-2000:]
    assert not (upload_storage / old.stored_name).exists() and (upload_storage / young.stored_name).exists()
    # An ended import keeps its record and rows; its file, which a deletion missed, goes.
    assert not (upload_storage / done.stored_name).exists()
    assert ImportJob.objects.get(id=done.id).stored_name == ""
