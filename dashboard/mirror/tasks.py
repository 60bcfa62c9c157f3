"""Celery tasks for the mirror: thin, idempotent, ids in."""

import logging

from celery import shared_task
from celery.contrib.django.task import DjangoTask

from dashboard.accounts.models import KeyStatus, Team
from dashboard.mirror import services
from dashboard.mirror.models import SyncRun
from heymilo.errors import TRANSIENT_ERRORS, HeyMiloError

log = logging.getLogger(__name__)


@shared_task(base=DjangoTask, bind=True, max_retries=6, acks_late=True)
def run_sync(self, run_id: int) -> None:
    """One step of a sync run; enqueues the next step at the back of the queue."""
    run = SyncRun.objects.select_related("team").filter(id=run_id).first()
    if run is None or run.is_finished:
        return  # redelivered after it finished, or superseded: nothing to do
    try:
        # Inline (eager) mode loops here: chaining eager tasks would nest one call per page.
        while services.sync_step(run):
            if not self.request.is_eager:
                # Next page at the back of the queue, so other teams' work runs in between.
                run_sync.delay(run_id)
                return
    except TRANSIENT_ERRORS as error:
        run.retries += 1
        run.message = f"Retrying after: {error}"
        run.save(update_fields=["retries", "message"])
        if self.request.retries >= self.max_retries:
            services.fail(run, error)
            return
        if self.request.is_eager:
            # Inline mode has no broker to wait on: try again at once (bounded by max_retries).
            run_sync.apply(args=(run_id,), retries=self.request.retries + 1)
            return
        # The client already retried with backoff; this waits longer, off the worker.
        delay = getattr(error, "retry_after", None) or min(60, 2 ** (self.request.retries + 1))
        raise self.retry(countdown=delay, exc=error) from None
    except HeyMiloError as error:
        services.fail(run, error)


@shared_task(base=DjangoTask, max_retries=0)
def sync_all_teams() -> int:
    """Beat's entry point: a full sync for every team with a usable key."""
    count = 0
    teams = Team.objects.exclude(api_key_encrypted="").exclude(api_key_status=KeyStatus.INVALID)
    for team in teams:
        services.request_sync(team)
        count += 1
    return count

