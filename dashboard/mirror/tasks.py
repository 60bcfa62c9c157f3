"""Celery tasks for the mirror: thin, ids in; retries come from HeyMiloTask."""

from celery import shared_task

from dashboard.accounts.models import KeyStatus, Team
from dashboard.core.tasks import HeyMiloTask
from dashboard.mirror import services
from dashboard.mirror.models import SyncRun
from heymilo.errors import HeyMiloError


# Idempotent: each step upserts by remote id from the run's saved cursor, and a redelivered step
# of a finished run does nothing.
@shared_task(base=HeyMiloTask, bind=True, acks_late=True)
def run_sync(self, run_id: int) -> None:
    """One step of a sync run; the next step goes to the back of the queue."""
    run = SyncRun.objects.unfinished(run_id)
    if run is None:
        return
    try:
        while services.sync_step(run):
            if self.requeue(run_id):
                return
    except HeyMiloError as error:
        if not self.will_retry(error):
            services.sync_fail(run, error=error)
            return
        services.sync_retry_note(run, error=error)
        raise


# Idempotent: sync_request returns the live run of a team instead of starting a second one.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0)
def sync_all_teams() -> int:
    """Beat's entry point: a full sync for every team with a usable key (after ending the runs
    whose worker died, which nothing else may ask for again)."""
    services.sync_end_dead()
    count = 0
    teams = Team.objects.exclude(api_key_encrypted="").exclude(api_key_status=KeyStatus.INVALID)
    for team in teams:
        services.sync_request(team)
        count += 1
    return count
