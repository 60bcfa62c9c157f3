"""The calibration page's figures, recomputed in a worker after a change (the page meanwhile serves
the last ones, marked as updating)."""

from celery import shared_task

from dashboard.core.tasks import HeyMiloTask
from dashboard.scorecards import services


# Idempotent: it computes the figures of the data as it is now and replaces the cached ones.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=3)
def recompute_calibration(team_id: int, posting_id: int | None) -> None:
    services.calibration_recompute(team_id=team_id, posting_id=posting_id)
