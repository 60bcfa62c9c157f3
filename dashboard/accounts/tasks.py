"""Celery tasks for teams: thin wrappers that load rows and call a service."""

from celery import shared_task
from django.core.cache import cache

from dashboard.accounts import passwords, services
from dashboard.accounts.models import ConnectionCheck, Team
from dashboard.core.tasks import HeyMiloTask


# Idempotent: a redelivered check that already finished does nothing. No retries: the check
# reports HeyMilo's answer, whatever it is, to the person waiting for it.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0, soft_time_limit=60, time_limit=90)
def check_connection(check_id: int) -> None:
    check = ConnectionCheck.objects.unfinished(check_id)
    if check is not None:
        services.connection_check_run(check)


# Idempotent: it only reads HeyMilo's health and caches the reading. No retries: the next page
# view asks again.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0, soft_time_limit=30, time_limit=45)
def refresh_health(team_id: int) -> None:
    team = Team.objects.filter(id=team_id).first()
    try:
        if team is not None:
            services.health_refresh(team)
    finally:
        cache.delete(f"team:{team_id}:health-refresh")


# Idempotent enough: a redelivery mails a second link, and the per-recipient cap bounds that.
# No retries here: sending retries on its own (dashboard.mail.tasks).
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0, soft_time_limit=30, time_limit=45)
def send_password_reset(email: str) -> None:
    passwords.password_reset_send(email=email)
