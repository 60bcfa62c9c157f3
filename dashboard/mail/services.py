"""Outgoing mail: mail_send queues one message, a worker delivers it (tasks.send_queued_mail).

Nothing here may break the action that sends: an invitation is saved even when the mail server is
down. A message is rendered at once (so the caller's objects are read in the caller's request), its
row saved in the caller's transaction, and queued only once that commits; the worker retries
refusals and dropped connections, and a message given up on shows on its team's settings page.
"""

import functools
import logging
import smtplib
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from dashboard.core.tasks import task_named
from dashboard.mail.models import OutgoingMail

logger = logging.getLogger(__name__)

SEND_TASK = "dashboard.mail.tasks.send_queued_mail"
PRODUCT_NAME = "HeyMilo Dashboard"


def absolute_url(path: str) -> str:
    """A link for a message: mail is read outside the dashboard, so every link is absolute."""
    return urljoin(settings.PUBLIC_BASE_URL + "/", path.lstrip("/"))


def mail_send(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    team=None,
    unsubscribe_url: str | None = None,
    kind: str = "",
) -> None:
    """Queues one message (sent after the caller's transaction commits, by a Celery task with
    retries). `template` names templates/mail/<template>.txt and .html (both extend mail/base.*
    with the team's name as branding). `unsubscribe_url` set → List-Unsubscribe and
    List-Unsubscribe-Post: List-Unsubscribe=One-Click headers (RFC 8058); None = security mail.
    Over MAIL_PER_RECIPIENT_PER_HOUR messages to one address in an hour, it is dropped (logged
    once an hour per address)."""
    try:
        full_context = {
            **context,
            "team": team,
            "brand": team.name if team is not None else PRODUCT_NAME,
            "subject": subject,
            "unsubscribe_url": unsubscribe_url or "",
            "home_url": absolute_url("/"),
        }
        text_body = render_to_string(f"mail/{template}.txt", full_context)
        html_body = render_to_string(f"mail/{template}.html", full_context)
        # A savepoint: a failed insert must not poison the caller's transaction.
        with transaction.atomic():
            mail = _mail_queue(
                to=to.strip(),
                subject=subject,
                team=team,
                kind=kind,
                text_body=text_body,
                html_body=html_body,
                unsubscribe_url=unsubscribe_url or "",
            )
    except Exception:
        logger.exception("Mail to %s (%s) could not be queued", to, kind or template)
        return
    if mail is not None:
        transaction.on_commit(functools.partial(_enqueue, mail.pk), robust=True)


def _mail_queue(*, to: str, team, kind: str, **fields) -> OutgoingMail | None:
    """The row to send, or None when the address has had its hour's share (MAIL_PER_RECIPIENT_PER_HOUR):
    a bulk import or a loop must not flood one inbox. The first dropped message of the hour is kept
    as a failed row, so the admins see it and the log says it once."""
    since = timezone.now() - timedelta(hours=1)
    recent = OutgoingMail.objects.filter(to__iexact=to, created_at__gte=since)
    if (
        recent.exclude(outcome=OutgoingMail.Outcome.RATE_CAPPED).count()
        < settings.MAIL_PER_RECIPIENT_PER_HOUR
    ):
        return OutgoingMail.objects.create(to=to, team=team, kind=kind, **fields)
    if not recent.filter(outcome=OutgoingMail.Outcome.RATE_CAPPED).exists():
        logger.warning(
            "Mail to %s dropped: more than %s messages to this address in an hour (%s)",
            to,
            settings.MAIL_PER_RECIPIENT_PER_HOUR,
            kind or fields["subject"],
        )
        OutgoingMail.objects.create(
            to=to,
            team=team,
            kind=kind,
            subject=fields["subject"],
            state=OutgoingMail.State.FAILED,
            outcome=OutgoingMail.Outcome.RATE_CAPPED,
            message=(
                f"More than {settings.MAIL_PER_RECIPIENT_PER_HOUR} messages to this address in an hour: "
                "this one and the rest of the hour's were not sent."
            ),
            finished_at=timezone.now(),
        )
    return None


def _enqueue(mail_id: int) -> None:
    try:
        task_named(SEND_TASK).delay(mail_id)
    except Exception as exc:  # the broker is down: the row says so instead of waiting forever
        logger.exception("Mail #%s could not be queued", mail_id)
        mail = OutgoingMail.objects.filter(pk=mail_id).first()
        if mail is not None:
            mail.fail(
                f"It could not be handed to a worker ({type(exc).__name__}).",
                outcome=OutgoingMail.Outcome.NOT_QUEUED,
                text_body="",
                html_body="",
            )


def mail_deliver(mail_id: int) -> None:
    """Sends a queued message once. Raises what the mail server or the connection raised: the
    task retries it, and calls mail_give_up when no tries are left. A message already sent or
    given up on (a redelivered task) is left alone."""
    now = timezone.now()
    taken = OutgoingMail.objects.filter(pk=mail_id, state__in=OutgoingMail.ACTIVE_STATES).update(
        state=OutgoingMail.State.RUNNING, started_at=now
    )
    if not taken:
        return
    mail = OutgoingMail.objects.get(pk=mail_id)
    OutgoingMail.objects.filter(pk=mail_id).update(attempts=mail.attempts + 1)
    headers = {"Auto-Submitted": "auto-generated"}
    if mail.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{mail.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[mail.to],
        headers=headers,
    )
    message.attach_alternative(mail.html_body, "text/html")
    message.send(fail_silently=False)
    mail.finish(outcome=OutgoingMail.Outcome.SENT, text_body="", html_body="")


def failure_words(error: BaseException) -> str:
    """What an admin reads on Settings: what happened and what to do (the log keeps the details)."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return "The mail server refused our sign-in: check the user and password in EMAIL_URL."
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "The mail server refused this address: check it for typos."
    if isinstance(error, smtplib.SMTPException):
        return f"The mail server refused the message ({error})."
    if isinstance(error, TimeoutError):
        return "The mail server did not answer in time: check that it is running and EMAIL_URL."
    return "The mail server could not be reached: check that it is running and EMAIL_URL."


def mail_give_up(mail_id: int, *, error: BaseException) -> None:
    """The last try failed: logged, and kept (without its bodies) for the team's admins to see."""
    logger.error("Mail #%s not sent: %s: %s", mail_id, type(error).__name__, error)
    mail = OutgoingMail.objects.filter(pk=mail_id).first()
    if mail is not None:
        mail.fail(
            failure_words(error),
            outcome=OutgoingMail.Outcome.SMTP_ERROR,
            text_body="",
            html_body="",
        )


def mail_clean_up() -> int:
    """Deletes the rows of messages older than MAIL_KEEP_DAYS that are finished (sent or given up
    on); the number deleted."""
    before = timezone.now() - timedelta(days=settings.MAIL_KEEP_DAYS)
    deleted, _ = OutgoingMail.objects.filter(
        created_at__lt=before, state__in=OutgoingMail.FINISHED_STATES
    ).delete()
    return deleted
