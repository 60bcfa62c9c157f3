"""Celery tasks for teams: thin wrappers that load rows and call a service."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.core.cache import cache

from dashboard.accounts import services
from dashboard.accounts.models import ConnectionCheck, Team


@shared_task(base=DjangoTask, max_retries=0, soft_time_limit=60, time_limit=90)
def check_connection(check_id: int) -> None:
    check = ConnectionCheck.objects.select_related("team").filter(id=check_id).first()
    # Idempotent under acks_late: a redelivered check that already finished does nothing.
    if check is None or check.is_finished:
        return
    services.run_connection_check(check)


@shared_task(base=DjangoTask, max_retries=0, soft_time_limit=30, time_limit=45)
def refresh_health(team_id: int) -> None:
    team = Team.objects.filter(id=team_id).first()
    try:
        if team is not None:
            services.refresh_health(team)
    finally:
        cache.delete(f"team:{team_id}:health-refresh")
