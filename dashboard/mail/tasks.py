"""The mail worker: one thin task per message."""

import random
import smtplib

from celery import shared_task
from django.conf import settings

from dashboard.core.tasks import HeyMiloTask
from dashboard.mail import services

# What a mail server or the way to it raises: refused, dropped, timed out, unreachable.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


# Idempotent: mail_deliver leaves a message already sent alone. Retries wait a random time up to
# MAIL_RETRY_SECONDS, then twice that, four times ... (full jitter), so a mail server back from a
# restart is not hit at once by every message that failed together. Inline (no broker), the first
# failure is the last.
@shared_task(base=HeyMiloTask, bind=True, acks_late=True, max_retries=5, soft_time_limit=60, time_limit=90)
def send_queued_mail(self, mail_id: int) -> None:
    try:
        services.mail_deliver(mail_id)
    except MAIL_ERRORS as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            services.mail_give_up(mail_id, error=exc)
            return
        backoff = settings.MAIL_RETRY_SECONDS * 2**self.request.retries
        countdown = random.uniform(0, min(600, backoff))
        raise self.retry(exc=exc, countdown=countdown) from exc


# Idempotent: deleting what is already gone deletes nothing. Beat runs it daily.
@shared_task(base=HeyMiloTask, acks_late=True, max_retries=0, soft_time_limit=120, time_limit=150)
def clean_up_sent_mail() -> None:
    services.mail_clean_up()
