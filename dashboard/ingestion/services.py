"""Import jobs: upload, validate, send chunk by chunk through HeyMilo; single ingests and exports."""

import logging
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from dashboard.core.heymilo_api import client_for
from dashboard.core.params import whole_number
from dashboard.core.tasks import task_named
from dashboard.ingestion import csvfile, validation
from dashboard.ingestion.models import CandidateIngest, Export, ImportJob, ImportRow
from dashboard.ingestion.storage import upload_storage
from dashboard.mirror.models import Interview, SyncRun
from dashboard.mirror.services import sync_request
from heymilo.errors import (
    TRANSIENT_ERRORS,
    AmbiguousOutcome,
    HeyMiloError,
    RateLimited,
    ValidationError,
)

log = logging.getLogger(__name__)

TRANSIENT = TRANSIENT_ERRORS  # see heymilo.errors
BATCH = 1000
# A file up to this size is checked within the upload request (some 5,000 rows, well under a
# second); a bigger one in a worker while the page shows how far it got (docs/performance.md).
CHECK_INLINE_BYTES = 256 * 1024
NO_ROWS = "The file has a header row but no candidate rows below it."


# --- upload and preview ------------------------------------------------------------------------


def import_create(team, *, posting, user, upload, retake: bool) -> ImportJob:
    """Store the upload under a generated name, check it reads, and build the preview rows: here
    for a small file, in a worker for a big one (the job is "checking" until then).

    Raises csvfile.CsvError (nothing kept) when the file cannot be used.
    """
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise csvfile.CsvError(
            f"The file is {upload.size / 1_048_576:.1f} MB; the most one import takes is "
            f"{settings.UPLOAD_MAX_BYTES / 1_048_576:.0f} MB. Split it into smaller files."
        )
    # Kept where every host reads it (UPLOAD_STORAGE): the preview, the mapping and the check
    # may each land on another host.
    stored = upload_storage().save(f"imports/{uuid.uuid4().hex}.csv", upload)
    try:
        table = csvfile.open_table(stored, max_columns=settings.UPLOAD_MAX_COLUMNS)
        job = ImportJob(
            team=team,
            posting=posting,
            requested_by=user,
            file_name=(upload.name or "upload.csv")[-255:],
            stored_name=stored,
            encoding=table.encoding,
            delimiter=table.delimiter,
            header=list(table.header),
            mapping=validation.guess_mapping(table.header),
            retake=retake,
            chunk_size=settings.INGEST_CHUNK_SIZE,
        )
        if upload.size > CHECK_INLINE_BYTES:
            job.state, job.heartbeat_at = ImportJob.State.CHECKING, timezone.now()
            job.rows_expected = max(0, min(csvfile.line_count(stored), settings.UPLOAD_MAX_ROWS + 1) - 1)
            job.save()
            task_named("dashboard.ingestion.tasks.check_import").delay_on_commit(job.id)
            return job
        with transaction.atomic():  # a refusal half way leaves no job and no rows
            job.save()
            import_validate(job, table=table)
            if job.rows_total == 0:
                raise csvfile.CsvError(NO_ROWS)
    except BaseException:
        upload_storage().delete(stored)
        raise
    return job


def import_table_open(job: ImportJob) -> csvfile.Table:
    return csvfile.Table(
        name=job.stored_name, encoding=job.encoding, delimiter=job.delimiter, header=tuple(job.header)
    )


def known_emails(job: ImportJob) -> set[str]:
    """Emails HeyMilo already has an interview for on this posting, as far as we know."""
    mirrored = (
        Interview.objects.for_team(job.team).filter(posting=job.posting).values_list("email", flat=True)
    )
    imported = (
        ImportRow.objects.filter(
            job__team=job.team, job__posting=job.posting, outcome=ImportRow.Outcome.INGESTED
        )
        .exclude(job=job)
        .values_list("email", flat=True)
    )
    return {e.lower() for e in mirrored if e} | {e.lower() for e in imported if e}


ROW_COLUMNS = (
    "job_id",
    "number",
    "name",
    "email",
    "phone",
    "metadata",
    "data",
    "status",
    "existing",
    "error",
    "cells",
    "outcome",
    "interview_id",
    "interview_link",
    "chunk",
)


def json_param(value):
    # The JSON field adapts a value for whichever database is in use (jsonb on PostgreSQL).
    return ImportRow._meta.get_field("metadata").get_db_prep_save(value, connection)


def import_rows_insert(rows: list[tuple]) -> None:
    """The upload's hot path (up to 50,000 rows): a parameterised executemany skips building a
    model instance per row, twice as fast as bulk_create, and stays portable SQL."""
    if not rows:
        return
    table = connection.ops.quote_name(ImportRow._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(ROW_COLUMNS)}) "  # noqa: S608 - our names only
        f"VALUES ({', '.join(['%s'] * len(ROW_COLUMNS))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def import_validate(job: ImportJob, *, table: csvfile.Table | None = None) -> None:
    """(Re)build the job's rows from its file under its current mapping: the dry run, in one
    transaction (a small file, within a request)."""
    job.rows.all().delete()
    _validate(job, table or import_table_open(job), import_rows_insert)
    job.save()


def _validate(job: ImportJob, table: csvfile.Table, write) -> None:
    """Check every row, handing each batch of row tuples to `write`; set the job's counts."""
    region = job.team.default_phone_region
    known = known_emails(job)
    seen: dict[str, int] = {}
    counts = {"valid": 0, "invalid": 0, "duplicate": 0, "existing": 0}
    batch: list[tuple] = []
    for row in table.records(settings.UPLOAD_MAX_ROWS):
        number = row.number
        cand = validation.candidate_from_cells(table.header, row.cells, job.mapping, region)
        # A broken mapping (no email column...) shows once above the preview and blocks the start.
        # A row with more cells than the header says only that: what its cut cells break follows.
        errors = [row.problem] if row.problem else cand.errors
        key = cand.email.lower()
        existing = False
        if errors:
            status = ImportRow.Status.INVALID
        elif key in seen:
            status = ImportRow.Status.DUPLICATE
            errors = [f"Same email as row {seen[key]}: only that row is sent."]
        else:
            status = ImportRow.Status.VALID
            seen[key] = number
            existing = key in known
            counts["existing"] += existing
        counts[status] += 1
        batch.append(
            (
                job.id,
                number,
                cand.name[:300],
                cand.email[:320],
                cand.phone,
                json_param(cand.metadata),
                json_param(cand.data),
                status,
                existing,
                " ".join(errors),
                json_param([] if status == ImportRow.Status.VALID else row.cells),
                ImportRow.Outcome.PENDING,
                "",
                "",
                None,
            )
        )
        if len(batch) >= BATCH:
            write(batch)
            batch = []
    write(batch)
    job.rows_total = sum(counts[s] for s in ("valid", "invalid", "duplicate"))
    job.rows_valid, job.rows_invalid = counts["valid"], counts["invalid"]
    job.rows_duplicate, job.rows_existing = counts["duplicate"], counts["existing"]


class _Superseded(Exception):
    """Another run of the same check took the job over (a resume after a silent worker)."""


def import_check(job_id: int) -> None:
    """A big file's dry run, in a worker. Each batch of rows commits with the count so far, which
    the page shows; at the end the job is a draft, or failed with the reason and its file deleted.

    Every write is conditional on the heartbeat this run wrote last: a resume (or a redelivered
    message) that moved it takes the job over, and this run stops at its next batch.
    """
    job = (
        ImportJob.objects.select_related("team", "posting")
        .filter(id=job_id, state=ImportJob.State.CHECKING)
        .first()
    )
    if job is None:
        return
    last: dict[str, Any] = {"beat": job.heartbeat_at, "checked": 0}

    def beat(**fields) -> None:
        now = timezone.now()
        if not ImportJob.objects.filter(
            id=job.id, state=ImportJob.State.CHECKING, heartbeat_at=last["beat"]
        ).update(heartbeat_at=now, **fields):
            raise _Superseded
        last["beat"] = now

    def write(rows: list[tuple]) -> None:
        if not rows:
            return
        with transaction.atomic():
            last["checked"] += len(rows)
            beat(rows_checked=last["checked"])
            import_rows_insert(rows)

    try:
        with transaction.atomic():
            beat(rows_checked=0)
            job.rows.all().delete()  # a previous run's rows, if it died half way
        try:
            _validate(job, import_table_open(job), write)
            if job.rows_total == 0:
                raise csvfile.CsvError(NO_ROWS)
        except csvfile.CsvError as error:
            _check_failed(job, beat, str(error))
            return
        except Exception:
            log.exception("import %s: checking the file failed", job.id)
            _check_failed(
                job,
                beat,
                "The file could not be checked (an error on our side). "
                "Upload it again; if this happens again, tell your admin.",
            )
            return
        beat(
            state=ImportJob.State.DRAFT,
            rows_checked=job.rows_total,
            rows_total=job.rows_total,
            rows_valid=job.rows_valid,
            rows_invalid=job.rows_invalid,
            rows_duplicate=job.rows_duplicate,
            rows_existing=job.rows_existing,
        )
    except _Superseded:
        log.info("import %s: another run of its check took over", job.id)


def _check_failed(job: ImportJob, beat, error: str) -> None:
    with transaction.atomic():
        beat(state=ImportJob.State.FAILED, message=error, finished_at=timezone.now())
        job.rows.all().delete()
    upload_delete(job)


def import_remap(job: ImportJob, *, mapping: dict[str, str], retake: bool) -> None:
    """Apply the user's mapping choices (unknown columns or targets are ignored) and re-validate:
    here for a small file, in a worker for a big one, as at the upload."""
    job.mapping = {
        col: (mapping.get(col) if mapping.get(col) in validation.TARGETS else target)
        for col, target in job.mapping.items()
    }
    job.retake = retake
    if upload_storage().size(job.stored_name) <= CHECK_INLINE_BYTES:
        import_validate(job)
        return
    with transaction.atomic():
        # Only a draft is checked again: a double click must not queue a second check.
        if not ImportJob.objects.filter(id=job.id, state=ImportJob.State.DRAFT).update(
            mapping=job.mapping,
            retake=retake,
            state=ImportJob.State.CHECKING,
            rows_checked=0,
            heartbeat_at=timezone.now(),
        ):
            return
        task_named("dashboard.ingestion.tasks.check_import").delay_on_commit(job.id)
    job.refresh_from_db()


# --- import ------------------------------------------------------------------------------------


def import_start(job: ImportJob) -> bool:
    """Number the valid rows into chunks and queue the job; False if it is not a ready draft."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(id=job.id)
        if not job.is_draft or job.rows_valid == 0 or validation.mapping_problems(job.mapping):
            return False
        size = job.chunk_size
        ids = list(job.rows.filter(status=ImportRow.Status.VALID).values_list("id", flat=True))
        for index in range(0, len(ids), size):
            ImportRow.objects.filter(id__in=ids[index : index + size]).update(chunk=index // size)
        job.state = ImportJob.State.QUEUED
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["state", "heartbeat_at"])
        task_named("dashboard.ingestion.tasks.run_import").delay_on_commit(job.id)
    return True


def import_cancel(job: ImportJob) -> None:
    """The chunk being sent finishes; the rest stays unsent."""
    ImportJob.objects.filter(id=job.id).update(cancel_requested=True)
    # A job no worker has picked up yet can be cancelled at once.
    if ImportJob.objects.filter(id=job.id, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.CANCELLED, finished_at=timezone.now()
    ):
        upload_delete(job)


def import_step(job_id: int) -> bool:
    """Send the first unfinished chunk and record each row's outcome; True if more remain.

    A chunk's rows are marked sent before the request. Found still "sent" later (a worker died
    mid-request), they are re-sent when retakes are off, since HeyMilo then returns the existing
    interview; with retakes on they are marked "unknown: check" and never re-sent.
    Transient errors propagate for the task to retry later.
    """
    job = ImportJob.objects.select_related("team", "posting").filter(id=job_id).first()
    if job is None or job.is_finished or job.is_draft:
        return False
    now = timezone.now()
    if job.state == ImportJob.State.QUEUED:
        job.state, job.started_at = ImportJob.State.RUNNING, job.started_at or now
    job.heartbeat_at = now
    job.save(update_fields=["state", "started_at", "heartbeat_at"])
    if job.cancel_requested:
        _finish(job, state=ImportJob.State.CANCELLED)
        return False
    open_rows = job.rows.filter(
        outcome__in=[ImportRow.Outcome.PENDING, ImportRow.Outcome.SENT], status=ImportRow.Status.VALID
    )
    # Two steps of one job can run side by side: a Redis restart hands the in-flight message back
    # to the queue while the task has already queued its successor, and a resume can race a slow
    # queue. Choosing the chunk and marking it sent happen under the job's row lock (SQLite's
    # immediate transactions serialise them too), so no pending row is sent twice.
    with transaction.atomic():
        _job_locked(job.id)
        chunk = open_rows.aggregate(first=Min("chunk"))["first"]
        if chunk is None:
            _finish(job)
            return False
        rows = list(open_rows.filter(chunk=chunk).order_by("number"))
        if job.retake:
            unsure = [r for r in rows if r.outcome == ImportRow.Outcome.SENT]
            if unsure:
                _set(
                    unsure,
                    ImportRow.Outcome.UNKNOWN,
                    only_from=ImportRow.Outcome.SENT,
                    error="The worker stopped while sending this row; it may or may not have been "
                    "ingested. Check in HeyMilo before sending it again.",
                )
            rows = [r for r in rows if r.outcome == ImportRow.Outcome.PENDING]
            if not rows:
                return True
        _set(rows, ImportRow.Outcome.SENT)
    try:
        with client_for(job.team) as client:
            result = client.ingest_candidates(
                job.posting.url_key, [r.payload() for r in rows], retake=job.retake
            )
    except AmbiguousOutcome as error:
        _set(rows, ImportRow.Outcome.UNKNOWN, error=f"Unknown: check in HeyMilo ({error}).")
        return True
    except ValidationError as error:
        _refused(rows, error)
        return True
    except TRANSIENT as error:
        refused = isinstance(error, RateLimited) or getattr(error, "request_sent", None) is False
        if job.retake and not refused:
            # A 500 or an unreadable answer may still have created interviews: never re-send.
            _set(rows, ImportRow.Outcome.UNKNOWN, error=f"Unknown: check in HeyMilo ({error}).")
            return True
        _set(rows, ImportRow.Outcome.PENDING)  # not taken, or safe to send again without retakes
        raise
    except HeyMiloError as error:
        _set(rows, ImportRow.Outcome.PENDING)
        _finish(job, state=ImportJob.State.FAILED, message=str(error))
        return False
    details = result.interview_details
    for n, row in enumerate(rows):
        if n < len(details):
            row.outcome, row.error = ImportRow.Outcome.INGESTED, ""
            row.interview_id = details[n].interview_id
            row.interview_link = (details[n].interview_link or "")[:500]
        else:
            row.outcome = ImportRow.Outcome.UNKNOWN
            row.error = "HeyMilo accepted the request but returned no interview for this row: check."
    # One small UPDATE per row: bulk_update's CASE expressions cost far more to build.
    with transaction.atomic():
        _job_locked(job.id)
        for row in rows:
            ImportRow.objects.filter(id=row.id).update(
                outcome=row.outcome,
                error=row.error,
                interview_id=row.interview_id,
                interview_link=row.interview_link,
            )
    ImportJob.objects.filter(id=job.id).update(heartbeat_at=timezone.now())
    return True


def _job_locked(job_id: int) -> None:
    """Holds the import's row lock until the transaction ends. Every write of its rows' outcomes
    takes it first, so two steps of one import never each hold some of the same rows: PostgreSQL
    found a deadlock between one step recording HeyMilo's answer row by row and the other marking
    those rows "unknown" in one statement."""
    list(ImportJob.objects.select_for_update().filter(id=job_id).values_list("id", flat=True))


def _set(rows: list[ImportRow], outcome: str, error: str = "", only_from: str | None = None) -> None:
    """Record an outcome; with `only_from`, only on rows still in that outcome in the database
    (a step running beside this one may have just recorded what HeyMilo answered for them)."""
    if not rows:
        return
    for row in rows:
        row.outcome, row.error = outcome, error
    matching = ImportRow.objects.filter(id__in=[r.id for r in rows])
    if only_from is not None:
        matching = matching.filter(outcome=only_from)
    with transaction.atomic():
        _job_locked(rows[0].job_id)
        matching.update(outcome=outcome, error=error)


def _refused(rows: list[ImportRow], error: ValidationError) -> None:
    """A 422 refuses the whole request: rows it names fail, the others go back to be re-sent."""
    by_row: dict[int, list[str]] = {}
    for field, message in error.field_errors.items():
        parts = field.split(".")
        index = whole_number(parts[1]) if len(parts) >= 2 and parts[0] == "data" else None
        if index is not None:
            by_row.setdefault(index, []).append(f"{'.'.join(parts[2:]) or 'row'}: {message}")
    if not by_row:
        _set(rows, ImportRow.Outcome.FAILED, error=f"HeyMilo refused: {error}")
        return
    for n, row in enumerate(rows):
        if n in by_row:
            _set([row], ImportRow.Outcome.FAILED, error="HeyMilo refused: " + "; ".join(by_row[n]))
        else:
            _set([row], ImportRow.Outcome.PENDING)


def _finish(job: ImportJob, **ending) -> None:
    job.finish(**ending)
    upload_delete(job)  # its rows hold all an ended import needs
    if job.rows.filter(outcome=ImportRow.Outcome.INGESTED).exists():
        # The new interviews reach the posting's candidate table through the mirror.
        transaction.on_commit(
            lambda: sync_request(job.team, scope=SyncRun.Scope.POSTING, target=job.posting.remote_id)
        )


def import_fail(job_id: int, *, error: BaseException) -> None:
    job = ImportJob.objects.filter(id=job_id).first()
    if job is not None and not job.is_finished:
        _finish(job, state=ImportJob.State.FAILED, message=f"HeyMilo kept failing: {error}")


def import_resume_stalled(job: ImportJob | None = None) -> int:
    """Re-queue running jobs whose worker went silent (killed mid-chunk); returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.INGEST_STALL_SECONDS)
    count = 0
    stalled = ImportJob.objects.filter(
        state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING, ImportJob.State.CHECKING],
        heartbeat_at__lt=cutoff,
    )
    if job is not None:
        stalled = stalled.filter(id=job.id)
    for job in stalled:
        # Only the caller that moves the heartbeat re-queues it, however many polls race here.
        if ImportJob.objects.filter(id=job.id, heartbeat_at=job.heartbeat_at).update(
            heartbeat_at=timezone.now()
        ):
            log.warning("import %s stalled since %s: resuming", job.id, job.heartbeat_at)
            task = "check_import" if job.is_checking else "run_import"
            task_named(f"dashboard.ingestion.tasks.{task}").delay_on_commit(job.id)
            count += 1
    return count


def import_drafts_clean_up(*, older_than: timedelta) -> int:
    """Delete the drafts (previews nobody started) created more than `older_than` ago, with their
    stored files, in every team; returns how many. Only drafts: an import that was queued, ran or
    ended is the record of what was sent, and a big file being checked is not a draft yet.

    Also deletes what an earlier deletion missed: the file of an ended import (its storage was
    unreachable then), and a file no import names that is older than `older_than` (its upload
    request died between storing it and saving the job)."""
    cutoff = timezone.now() - older_than
    old = ImportJob.objects.filter(state=ImportJob.State.DRAFT, created_at__lt=cutoff)
    count = 0
    for job_id, stored_name in old.values_list("id", "stored_name"):
        # Conditional on the state again: a draft started or re-checked meanwhile stays.
        deleted, _ = ImportJob.objects.filter(id=job_id, state=ImportJob.State.DRAFT).delete()
        if not deleted:
            continue
        count += 1
        _file_delete(job_id, stored_name)
    for job in ImportJob.objects.finished().exclude(stored_name="").only("id", "stored_name"):
        upload_delete(job)
    _orphans_delete(cutoff)
    return count


def upload_delete(job: ImportJob) -> None:
    """Delete an import's stored upload, once nothing reads it again (it ended, or its check
    failed); the job then names no file. A storage out of reach leaves the name for the sweep."""
    if job.stored_name and _file_delete(job.id, job.stored_name):
        ImportJob.objects.filter(id=job.id, stored_name=job.stored_name).update(stored_name="")
        job.stored_name = ""


def _file_delete(job_id: int, stored_name: str) -> bool:
    try:
        if stored_name:
            upload_storage().delete(stored_name)
    except OSError as error:  # gone already (some storages raise for that) or unreachable
        # One file must not keep the others from going.
        log.warning("import %s: its file %s was not deleted: %s", job_id, stored_name, error)
        return False
    return True


def _orphans_delete(cutoff) -> None:
    storage = upload_storage()
    try:
        names = {f"imports/{name}" for name in storage.listdir("imports")[1]}
    except (NotImplementedError, OSError):  # a storage that cannot list (or no file stored yet)
        return
    names -= set(ImportJob.objects.filter(stored_name__in=names).values_list("stored_name", flat=True))
    for name in names:
        try:
            if storage.get_modified_time(name) < cutoff:
                storage.delete(name)
        except (NotImplementedError, OSError) as error:
            log.warning("upload %s, named by no import, was not deleted: %s", name, error)


# --- single candidate and export ---------------------------------------------------------------


def candidate_ingest_request(team, *, posting, user, name, email, phone, metadata, retake) -> CandidateIngest:
    item = CandidateIngest.objects.create(
        team=team,
        posting=posting,
        requested_by=user,
        name=name,
        email=email,
        phone=phone,
        metadata=metadata,
        retake=retake,
    )
    task_named("dashboard.ingestion.tasks.ingest_candidate").delay_on_commit(item.id)
    return item


def candidate_ingest_send(item: CandidateIngest) -> None:
    try:
        with client_for(item.team) as client:
            result = client.ingest_candidate(
                item.posting.url_key,
                item.name,
                item.email,
                phone_number=item.phone or None,
                metadata=item.metadata or None,
                retake=item.retake,
            )
    except ValidationError as error:
        item.fail(f"HeyMilo refused the candidate: {error}", field_errors=error.field_errors)
        return
    except AmbiguousOutcome as error:
        item.fail(f"Unknown: check in HeyMilo before retrying ({error}).")
        return
    first = result.interview_details[0] if result.interview_details else None
    item.finish(
        interview_id=first.interview_id if first else "",
        interview_link=(first.interview_link or "")[:500] if first else "",
    )


def export_request(team, *, posting, user) -> Export:
    item = Export.objects.create(team=team, posting=posting, requested_by=user)
    task_named("dashboard.ingestion.tasks.export_posting").delay_on_commit(item.id)
    return item


def export_send(item: Export) -> None:
    with client_for(item.team) as client:
        result = client.export_interviews(item.posting.remote_id)
    file = {"job_id": result.job_id or "", "file_url": (result.file_url or "")[:1000]}
    if not file["file_url"]:
        item.fail(f"HeyMilo answered without a file ({result.status or 'no status'}).", **file)
        return
    item.finish(**file)


def request_fail(item, *, error: BaseException) -> None:
    item.fail(str(error))
