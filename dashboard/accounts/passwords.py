"""Password reset by email. The request only queues a task naming the address: finding its account
and sending happen in the worker, so the answer (and the time it takes) is the same whether or not
the address has an account."""

import functools
import logging

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from dashboard.core.tasks import task_named
from dashboard.mail.services import absolute_url, mail_send

logger = logging.getLogger(__name__)

SEND_TASK = "dashboard.accounts.tasks.send_password_reset"


def password_reset_request(*, email: str) -> None:
    """Queues the reset of whatever account has this address, once the request's transaction commits."""
    transaction.on_commit(functools.partial(_enqueue, email), robust=True)


def _enqueue(email: str) -> None:
    task_named(SEND_TASK).delay(email)


def password_reset_send(*, email: str) -> int:
    """Mails a reset link to each active account with this address and a usable password (Django's
    own rule, PasswordResetForm.get_users); the number of messages queued. Security mail: no
    unsubscribe."""
    sent = 0
    for user in PasswordResetForm().get_users(email):
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        mail_send(
            to=user.email,
            subject="Reset your HeyMilo Dashboard password",
            template="password_reset",
            context={
                "user": user,
                "reset_url": absolute_url(reverse("password_reset_confirm", args=[uid, token])),
                "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
            },
            kind="password_reset",
        )
        sent += 1
    return sent
