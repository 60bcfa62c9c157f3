"""Celery tasks for ingestion: thin, idempotent, ids in."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from dashboard.ingestion import services
from dashboard.ingestion.models import CandidateIngest, Export


def _retry_later(task, error, again):
    """Eager (inline) mode has no broker to wait on: try again at once, bounded by max_retries."""
    if task.request.is_eager:
        again.apply(args=task.request.args, retries=task.request.retries + 1, throw=True)
        return
    # The client already retried with backoff; this waits longer, off the worker.
    delay = getattr(error, "retry_after", None) or min(60, 2 ** (task.request.retries + 1))
    raise task.retry(countdown=delay, exc=error) from None


@shared_task(base=DjangoTask, bind=True, max_retries=8, acks_late=True)
def run_import(self, job_id: int) -> None:
    """One chunk of an import; enqueues the next at the back of the queue."""
    try:
        # Inline mode loops here: chaining eager tasks would nest one call per chunk.
        while services.import_step(job_id):
            if not self.request.is_eager:
                run_import.delay(job_id)
                return
    except services.TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            services.import_fail(job_id, error)
            return
        _retry_later(self, error, run_import)


@shared_task(base=DjangoTask, max_retries=0, acks_late=True)
def check_import(job_id: int) -> None:
    """A big upload's dry run; the page polls how far it got."""
    services.import_check(job_id)


@shared_task(base=DjangoTask, max_retries=0)
def resume_stalled_imports() -> int:
    """Beat's safety net for imports whose worker died mid-chunk."""
    return services.resume_stalled()


@shared_task(base=DjangoTask, bind=True, max_retries=5, acks_late=True)
def ingest_candidate(self, item_id: int) -> None:
    item = CandidateIngest.objects.select_related("team", "posting").filter(id=item_id).first()
    if item is None or item.is_finished:
        return
    try:
        services.candidate_ingest_send(item)
    except services.TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            services.request_fail(item, error)
            return
        _retry_later(self, error, ingest_candidate)
    except services.HeyMiloError as error:
        services.request_fail(item, error)


@shared_task(base=DjangoTask, bind=True, max_retries=5, acks_late=True)
def export_posting(self, item_id: int) -> None:
    item = Export.objects.select_related("team", "posting").filter(id=item_id).first()
    if item is None or item.is_finished:
        return
    try:
        services.export_send(item)
    except services.TRANSIENT as error:
        if self.request.retries >= self.max_retries:
            services.request_fail(item, error)
            return
        _retry_later(self, error, export_posting)
    except services.HeyMiloError as error:
        services.request_fail(item, error)
