"""Sentry events, captured by a local transport: a failing request and an error log line, with the
e-mail addresses, names, phone numbers, API keys and cookies they held scrubbed before sending."""

import json
import logging

import pytest
import sentry_sdk
from django.test import Client
from sentry_sdk.transport import Transport

from dashboard.ops.errors import scrub, scrub_text, sentry_init

SECRETS = [
    "jane.doe@example.com",
    "jane.doe%40example.com",
    "Jane Doe",
    "206 555 0100",
    "hm_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "session-cookie-value-123456",
    "csrf-cookie-value",
    "sandbox-api-key-77",
]


class CapturingTransport(Transport):
    def __init__(self):
        super().__init__()
        self.events: list[dict] = []

    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type in ("event", "transaction"):
                self.events.append(item.payload.json)


@pytest.fixture
def sentry():
    transport = CapturingTransport()
    sentry_init(
        "https://public@sentry.invalid/1",
        environment="test",
        release=None,
        traces_sample_rate=0.0,
        transport=transport,
    )
    yield transport
    # Other tests in this process report nothing: back to the SDK's client that records nothing.
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


@pytest.mark.urls("tests.ops.boom_urls")
def test_a_failing_request_reaches_sentry_without_personal_data(sentry, db):
    client = Client(raise_request_exception=False, HTTP_HOST="localhost")
    client.cookies["sessionid"] = "session-cookie-value-123456"
    client.cookies["csrftoken"] = "csrf-cookie-value"
    sent = {
        "name": "Jane Doe",
        "email": "jane.doe@example.com",
        "phone": "+1 206 555 0100",
        "key": "hm_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    }
    response = client.post(
        "/boom/?email=jane.doe%40example.com&q=x",
        json.dumps(sent),
        content_type="application/json",
        HTTP_X_API_KEY="sandbox-api-key-77",
        HTTP_AUTHORIZATION="Bearer sandbox-api-key-77",
    )
    assert response.status_code == 500
    assert len(sentry.events) == 1
    event = sentry.events[0]
    text = json.dumps(event)
    for secret in SECRETS:
        assert secret not in text, (secret, text[max(0, text.find(secret) - 300) : text.find(secret) + 50])
    # Still useful: what failed, where, and that values were there.
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "ValueError"
    assert exception["value"] == "HeyMilo refused [email] ([phone]) with key [token]"
    frame = exception["stacktrace"]["frames"][-1]
    assert frame["function"] == "boom"
    assert frame["vars"]["email"] == "[Filtered]"
    assert frame["vars"]["candidate"] == "[Filtered]" or "[Filtered]" in json.dumps(
        frame["vars"]["candidate"]
    )
    # The SDK attaches the JSON body it read; it is dropped whole (candidates are sent in bodies).
    assert "data" not in event["request"]
    assert "cookies" not in event["request"]
    assert event.get("user", {}) in ({}, None) or set(event["user"]) <= {"id"}


def test_an_error_log_line_reaches_sentry_scrubbed(sentry):
    logging.getLogger("dashboard.ingestion").error(
        "Import row failed for %s (%s), phone %s", "jane.doe@example.com", "Jane Doe", "+1 206 555 0100"
    )
    assert len(sentry.events) == 1
    text = json.dumps(sentry.events[0])
    assert "jane.doe@example.com" not in text and "206 555 0100" not in text


@pytest.mark.parametrize(
    "text,expected",
    [
        ("mail ana@example.org now", "mail [email] now"),
        ("call +44 20 7946 0958", "call [phone]"),
        ("call (206) 555-0100.", "call [phone]."),
        ("row 12 of 300 on 2026-12-05", "row 12 of 300 on 2026-12-05"),
        ("key abcdef0123456789abcdef0123", "key [token]"),
        ("sync of posting_interviews_completed", "sync of posting_interviews_completed"),
    ],
)
def test_scrub_text(text, expected):
    assert scrub_text(text) == expected


def test_user_and_sensitive_keys_in_any_part_of_an_event():
    event = scrub(
        {
            "user": {"id": 7, "email": "a@b.co", "username": "ana", "ip_address": "203.0.113.9"},
            "extra": {"team_name": "Acme", "count": 3, "nested": [{"X-API-KEY": "k"}, ["Cookie", "s=1"]]},
            "breadcrumbs": {"values": [{"message": "sent to ana@example.org"}]},
        }
    )
    assert event["user"] == {"id": 7}
    assert event["extra"] == {
        "team_name": "[Filtered]",
        "count": 3,
        "nested": [{"X-API-KEY": "[Filtered]"}, ["Cookie", "[Filtered]"]],
    }
    assert event["breadcrumbs"]["values"][0]["message"] == "sent to [email]"
