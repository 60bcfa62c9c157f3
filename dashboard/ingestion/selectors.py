"""The ingestion app's reads for its pages: an import's progress and what its preview says."""

from django.db.models import Count, Q
from django.utils import timezone

from dashboard.ingestion import validation
from dashboard.ingestion.models import ImportJob, ImportRow


def import_progress(job: ImportJob) -> dict:
    """Rows done of total, speed and time left, for the progress bar."""
    counts = job.rows.filter(status=ImportRow.Status.VALID).aggregate(
        total=Count("id"),
        done=Count("id", filter=Q(outcome__in=ImportRow.DONE_OUTCOMES)),
        ingested=Count("id", filter=Q(outcome=ImportRow.Outcome.INGESTED)),
        failed=Count("id", filter=Q(outcome=ImportRow.Outcome.FAILED)),
        unknown=Count("id", filter=Q(outcome=ImportRow.Outcome.UNKNOWN)),
    )
    total, done = counts["total"], counts["done"]
    counts["percent"] = int(100 * done / total) if total else 100
    counts["rate"] = counts["seconds_left"] = None
    if job.started_at and done:
        elapsed = ((job.finished_at or timezone.now()) - job.started_at).total_seconds()
        if elapsed > 0:
            counts["rate"] = done / elapsed
            counts["seconds_left"] = int((total - done) / counts["rate"])
    return counts


def import_notes(job: ImportJob) -> list[str]:
    """What the preview should say beside the counts: the mapping's choices a person may not
    expect, and the phone policy when it refused a row."""
    notes = validation.mapping_notes(job.header, job.mapping)
    if job.rows.filter(status=ImportRow.Status.INVALID, error__contains=validation.UNASSIGNED_RANGE).exists():
        notes.append(
            "Phone numbers with the right length but in no range in use (reserved or "
            "fictional, such as UK 07700 900xxx) are refused: HeyMilo would invite the "
            "candidate at a number that reaches nobody. Correct them, or set the phone "
            "column to Ignore to send those candidates without a phone."
        )
    return notes
