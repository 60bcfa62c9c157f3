"""mail_send through a real SMTP server: parts, headers, branding, the rate cap, failures."""

import logging

import pytest

from dashboard.mail.models import OutgoingMail
from dashboard.mail.services import mail_send
from tests.mail.smtp_fixtures import text_and_html

pytestmark = pytest.mark.django_db


def _send(team=None, **overrides):
    arguments = {
        "to": "dana@example.com",
        "subject": "Join Acme Hiring",
        "template": "invitation",
        "context": {
            "inviter": "Alice",
            "role": "Reviewer",
            "accept_url": "http://testserver/invitations/open/x/",
            "days": 7,
            "expires_at": None,
        },
        "team": team,
        "kind": "test",
    }
    arguments.update(overrides)
    mail_send(**arguments)


def test_it_sends_text_and_html_with_the_teams_branding(
    team, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(team)
    [message] = smtp_server.wait(1)
    assert message["To"] == "dana@example.com"
    assert message["Subject"] == "Join Acme Hiring"
    assert message.get_content_type() == "multipart/alternative"
    text, html = text_and_html(message)
    assert "Acme Hiring" in text and "http://testserver/invitations/open/x/" in text
    assert "<strong>Acme Hiring</strong>" in html
    assert message["List-Unsubscribe"] is None  # no unsubscribe_url: security mail
    mail = OutgoingMail.objects.get()
    assert mail.state == "done" and mail.text_body == "" and mail.html_body == ""


def test_it_adds_one_click_unsubscribe_headers_when_given_a_url(
    team, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(team, unsubscribe_url="http://testserver/unsubscribe/abc/")
    [message] = smtp_server.wait(1)
    assert message["List-Unsubscribe"] == "<http://testserver/unsubscribe/abc/>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = text_and_html(message)
    assert "http://testserver/unsubscribe/abc/" in text and "Stop these emails" in html


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(team, smtp_server):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        _send(team)
        raise RuntimeError("the action failed")
    assert not OutgoingMail.objects.exists()
    assert smtp_server.messages == []


def test_the_rate_cap_drops_the_rest_of_the_hour_and_logs_once(
    team, smtp_server, settings, caplog, django_capture_on_commit_callbacks
):
    settings.MAIL_PER_RECIPIENT_PER_HOUR = 3
    with (
        caplog.at_level(logging.WARNING, logger="dashboard.mail.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for _ in range(10):
            _send(team)
        _send(team, to="erin@example.com")
    assert len(smtp_server.to("dana@example.com")) == 3
    assert len(smtp_server.to("erin@example.com")) == 1
    dropped = [record for record in caplog.records if "dropped" in record.getMessage()]
    assert len(dropped) == 1 and "dana@example.com" in dropped[0].getMessage()
    capped = OutgoingMail.objects.get(outcome=OutgoingMail.Outcome.RATE_CAPPED)
    assert capped.state == "failed" and capped.team == team


def test_a_stopped_mail_server_is_logged_and_kept_as_failed(
    team, smtp_server, caplog, django_capture_on_commit_callbacks
):
    smtp_server.stop()
    with (
        caplog.at_level(logging.ERROR, logger="dashboard.mail.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _send(team)
    mail = OutgoingMail.objects.get()
    assert mail.state == "failed" and mail.outcome == "smtp_error"
    assert mail.message.startswith("The mail server could not be reached")
    assert mail.text_body == ""  # the link inside does not stay in the database
    assert any("not sent" in record.getMessage() for record in caplog.records)


def test_a_template_that_does_not_exist_is_logged_not_raised(team, smtp_server, caplog):
    with caplog.at_level(logging.ERROR, logger="dashboard.mail.services"):
        _send(team, template="no_such_template")
    assert not OutgoingMail.objects.exists()
    assert any("could not be queued" in record.getMessage() for record in caplog.records)


def test_finished_rows_older_than_mail_keep_days_are_deleted(team, settings):
    from datetime import timedelta

    from django.utils import timezone

    from dashboard.core.tasks import task_named

    old = timezone.now() - timedelta(days=settings.MAIL_KEEP_DAYS + 1)
    sent = OutgoingMail.objects.create(
        team=team, to="a@example.com", subject="S", state="done", created_at=old
    )
    waiting = OutgoingMail.objects.create(team=team, to="a@example.com", subject="S", created_at=old)
    recent = OutgoingMail.objects.create(team=team, to="a@example.com", subject="S", state="failed")
    task_named("dashboard.mail.tasks.clean_up_sent_mail").delay()  # by its beat name, inline
    assert set(OutgoingMail.objects.values_list("pk", flat=True)) == {waiting.pk, recent.pk}
    assert not OutgoingMail.objects.filter(pk=sent.pk).exists()
