"""Celery tasks for webhooks: thin, idempotent, ids in."""

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings

from dashboard.accounts.models import KeyStatus, Team
from dashboard.core.heymilo_api import client_for
from dashboard.webhooks import services
from dashboard.webhooks.models import Delivery, WebhookJob
from heymilo.ratelimit import RateLimitWait


@shared_task(base=DjangoTask, bind=True, max_retries=5, acks_late=True, ignore_result=True,
             soft_time_limit=60, time_limit=90)
def process_delivery(self, delivery_id: int, force: bool = False) -> None:
    delivery = Delivery.objects.select_related("team").filter(id=delivery_id).first()
    # Idempotent: a redelivered task finds the delivery no longer `received` and does nothing.
    if delivery is None or delivery.state != Delivery.State.RECEIVED:
        return
    # Inline mode has no broker to reschedule on, and a replay is one delivery someone waits for:
    # those wait for the team's token. Others wait for it in the team's lane, off the worker.
    bounded = not (self.request.is_eager or force) and delivery.team.has_api_key
    client = client_for(delivery.team, max_rate_wait=settings.WEBHOOK_MAX_RATE_WAIT) if bounded else None
    try:
        services.process_delivery(delivery, force=force, client=client)
    except RateLimitWait:
        services.to_lane(delivery.team_id, delivery_id)
    except services.TRANSIENT as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            # Inline mode has no broker to wait on; either way the admin can replay it later.
            services.fail_for_good(delivery_id, error)
            return
        delay = getattr(error, "retry_after", None) or min(120, 2 ** (self.request.retries + 2))
        raise self.retry(countdown=delay, exc=error) from None


@shared_task(base=DjangoTask, max_retries=0, acks_late=True, ignore_result=True,
             soft_time_limit=60, time_limit=90)
def process_lane(team_id: int) -> int:
    """One team's deliveries for about a second; the rest queue again behind other teams' work."""
    return services.work_lane(team_id)


@shared_task(base=DjangoTask, max_retries=0)
def process_pending_deliveries() -> int:
    """Beat's sweep: deliveries stored while the broker was down, or left by a worker that died."""
    return services.process_pending()


@shared_task(base=DjangoTask, max_retries=0, acks_late=True, soft_time_limit=120, time_limit=150)
def run_webhook_job(job_id: int) -> None:
    job = WebhookJob.objects.select_related("team").filter(id=job_id).first()
    if job is None or job.is_finished:
        return
    services.run_job(job)


@shared_task(base=DjangoTask, max_retries=0)
def refresh_all_subscriptions() -> int:
    """Beat: reload every team's webhooks from HeyMilo, so changes made elsewhere show up."""
    teams = Team.objects.exclude(api_key_encrypted="").exclude(api_key_status=KeyStatus.INVALID)
    for team in teams:
        services.start_job(team, WebhookJob.Kind.REFRESH, {})
    return teams.count()
