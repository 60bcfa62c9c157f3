"""A real Celery worker sends the mail, and retries while the mail server is down."""

import pytest

from dashboard.mail.models import OutgoingMail
from dashboard.mail.services import mail_send
from tests.waiting import wait_for

pytestmark = pytest.mark.celery


def test_a_worker_retries_until_the_mail_server_is_back(start_worker, smtp_server, team):
    smtp_server.stop()
    worker = start_worker(
        extra_env={"EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}", "MAIL_RETRY_SECONDS": "1"}
    )
    # No transaction around it: the row is committed at once and queued for the worker.
    mail_send(
        to="dana@example.com",
        subject="Join Acme Hiring",
        template="invitation",
        context={"inviter": "Alice", "role": "reviewer", "accept_url": "http://testserver/x/", "days": 7},
        team=team,
        unsubscribe_url="http://testserver/unsubscribe/abc/",
        kind="test",
    )
    mail = OutgoingMail.objects.get()
    wait_for(lambda: OutgoingMail.objects.get().attempts >= 1, timeout=30, message="a first, refused, try")
    assert OutgoingMail.objects.get().state in ("queued", "running")  # not given up on
    smtp_server.start()
    [message] = smtp_server.wait(1, timeout=60)
    assert message["List-Unsubscribe"] == "<http://testserver/unsubscribe/abc/>"
    wait_for(lambda: OutgoingMail.objects.get().state == "done", timeout=15, message="the row marked sent")
    mail.refresh_from_db()
    assert mail.attempts >= 2 and mail.text_body == ""
    assert "Retry in" in worker.log()
