"""Celery tasks for webhooks: thin, ids in; retries come from HeyMiloTask."""

from celery import shared_task
from django.conf import settings

from dashboard.accounts.models import KeyStatus, Team
from dashboard.core.heymilo_api import client_for
from dashboard.core.tasks import HeyMiloTask
from dashboard.webhooks import processing, subscriptions
from dashboard.webhooks.models import Delivery, WebhookJob
from heymilo.errors import HeyMiloError
from heymilo.ratelimit import RateLimitWait


# Idempotent: a redelivered task finds the delivery no longer `received` and does nothing.
@shared_task(
    base=HeyMiloTask, bind=True, acks_late=True, ignore_result=True, soft_time_limit=60, time_limit=90
)
def process_delivery(self, delivery_id: int, force: bool = False) -> None:
    delivery = Delivery.objects.select_related("team").filter(id=delivery_id).first()
    if delivery is None or delivery.state != Delivery.State.RECEIVED:
        return
    # Inline mode has no broker to reschedule on, and a replay is one delivery someone waits for:
    # those wait for the team's token. Others wait for it in the team's lane, off the worker.
    bounded = not (self.request.is_eager or force) and delivery.team.has_api_key
    client = client_for(delivery.team, max_rate_wait=settings.WEBHOOK_MAX_RATE_WAIT) if bounded else None
    try:
        processing.delivery_process(delivery, force=force, client=client)
    except RateLimitWait:
        processing.lane_push(delivery.team_id, delivery_id=delivery_id)
    except HeyMiloError as error:
        if self.will_retry(error):
            raise
        processing.delivery_fail(delivery_id, error=error)  # the admin can replay it later


# Idempotent: each delivery in the lane is claimed before it is processed.
@shared_task(
    base=HeyMiloTask, acks_late=True, max_retries=0, ignore_result=True, soft_time_limit=60, time_limit=90
)
def process_lane(team_id: int) -> int:
    """One team's deliveries for about a second; the rest queue again behind other teams' work."""
    return processing.lane_work(team_id)


# Idempotent: the sweep resets and enqueues with conditional updates; a delivery is claimed once.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0)
def process_pending_deliveries() -> int:
    """Beat's sweep: deliveries stored while the broker was down, or left by a worker that died."""
    return processing.deliveries_sweep()


# Idempotent but for one kind: refresh, deactivate and connect (which skips webhooks that exist)
# can run twice; a create redone after its worker died may make a second webhook. Acks late all
# the same: a job lost with its worker would leave its page waiting for good.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0, soft_time_limit=120, time_limit=150)
def run_webhook_job(job_id: int) -> None:
    job = WebhookJob.objects.unfinished(job_id)
    if job is not None:
        subscriptions.webhook_job_run(job)


# Idempotent in effect: a redelivery queues a second refresh per team, which loads the same webhooks.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0)
def refresh_all_subscriptions() -> int:
    """Beat: reload every team's webhooks from HeyMilo, so changes made elsewhere show up."""
    teams = Team.objects.exclude(api_key_encrypted="").exclude(api_key_status=KeyStatus.INVALID)
    for team in teams:
        subscriptions.webhook_job_start(team, kind=WebhookJob.Kind.REFRESH, params={})
    return teams.count()
