"""Celery tasks for ingestion: thin, ids in; retries come from HeyMiloTask."""

from collections.abc import Callable
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from dashboard.core.tasks import HeyMiloTask
from dashboard.ingestion import services
from dashboard.ingestion.models import CandidateIngest, Export
from heymilo.errors import HeyMiloError


# Idempotent: a chunk's rows are marked sent under the job's lock before the request, and a
# redelivered chunk is re-sent only when HeyMilo returns the existing interview (no retakes).
# More retries than the base: a long import meets more faults, and inline its retries count
# across all its chunks.
@shared_task(base=HeyMiloTask, bind=True, acks_late=True, max_retries=8)
def run_import(self, job_id: int) -> None:
    """One chunk of an import; the next goes to the back of the queue."""
    try:
        while services.import_step(job_id):
            if self.requeue(job_id):
                return
    except HeyMiloError as error:
        if self.will_retry(error):
            raise
        services.import_fail(job_id, error=error)


# Idempotent: a redelivered check deletes the rows of the one before and starts over.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0)
def check_import(job_id: int) -> None:
    """A big upload's dry run; the page polls how far it got."""
    services.import_check(job_id)


# Idempotent: only the caller that moves a stalled job's heartbeat re-queues it.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0)
def resume_stalled_imports() -> int:
    """Beat's safety net for imports whose worker died mid-chunk."""
    return services.import_resume_stalled()


# Idempotent: a draft deleted already is not found again.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0)
def clean_up_import_drafts() -> int:
    """Beat's hourly sweep of uploads nobody started within IMPORT_DRAFT_DAYS."""
    return services.import_drafts_clean_up(older_than=timedelta(days=settings.IMPORT_DRAFT_DAYS))


# Idempotent: a finished request is left alone; an unsure send is marked "check", never repeated.
@shared_task(base=HeyMiloTask, bind=True, acks_late=True)
def ingest_candidate(self, item_id: int) -> None:
    item = CandidateIngest.objects.select_related("posting").unfinished(item_id)
    _request_send(self, item, services.candidate_ingest_send)


# Idempotent: a finished export is left alone; asking HeyMilo again only starts another export.
@shared_task(base=HeyMiloTask, bind=True, acks_late=True)
def export_posting(self, item_id: int) -> None:
    _request_send(self, Export.objects.select_related("posting").unfinished(item_id), services.export_send)


def _request_send[R: (CandidateIngest, Export)](
    task: HeyMiloTask, item: R | None, send: Callable[[R], None]
) -> None:
    """Sends a posting page's one-off request; when HeyMilo keeps failing, the request fails
    with the reason once the task's retries are spent."""
    if item is None:
        return
    try:
        send(item)
    except HeyMiloError as error:
        if task.will_retry(error):
            raise
        services.request_fail(item, error=error)
