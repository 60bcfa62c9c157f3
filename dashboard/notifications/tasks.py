"""Notification mail in workers: each "email now" batch, and beat's hourly digest round.

Both only render and queue messages (dashboard.mail sends them, with its own retries)."""

from celery import shared_task

from dashboard.core.tasks import HeyMiloTask
from dashboard.notifications import services
from dashboard.notifications.models import Notification


# Idempotent: a row already emailed or read is skipped by the service.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=3)
def send_notification_emails(notification_ids: list[int]) -> int:
    rows = Notification.objects.filter(pk__in=notification_ids).select_related("recipient", "team")
    return sum(services.notification_email_send(row) for row in rows)


# Idempotent within the hour: digests_send skips a person sent one in the past 50 minutes.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=3)
def send_digests() -> int:
    """Hourly: the digest for everyone whose chosen hour it now is where they are."""
    return services.digests_send()
