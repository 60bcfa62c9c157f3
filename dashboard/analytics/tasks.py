"""The analytics page's figures, recomputed in a worker after a change (the page meanwhile serves
the last ones, marked as updating)."""

from celery import shared_task

from dashboard.analytics import services
from dashboard.core.tasks import HeyMiloTask


# Idempotent: it computes the figures of the data as it is now and replaces the cached ones.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=3)
def recompute_figures(team_id: int, posting_id: int | None, start: str, end: str, zone: str) -> None:
    services.figures_recompute(team_id=team_id, posting_id=posting_id, start=start, end=end, zone=zone)
