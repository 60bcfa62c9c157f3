"""Pytest plugin: a real SMTP server (aiosmtpd) per test, with Django's mail settings pointed at it.

    def test_it_mails(smtp_server, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):  # mail is queued on commit
            client.post(...)
        [message] = smtp_server.wait(1)  # email.message.EmailMessage objects
        assert message["To"] == "dana@example.com"

Tasks run inline in unit tests, so a message has reached the server when the request returns.
`smtp_server.stop()` makes the next sends fail as with a mail server that is down.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    """What the server received, in order: `messages` (parsed), `envelopes` (sender, recipients)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._received = threading.Condition()
        self.host = "127.0.0.1"
        self.port = _free_port()
        self.running = False

    # aiosmtpd's handler hook: called once per message the server accepts.
    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        with self._received:
            self.messages.append(message)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self._received.notify_all()
        return "250 Message accepted for delivery"

    def start(self) -> None:
        """Starts listening (again, after stop(): the same port, as a restarted server)."""
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()
        self.running = True

    def stop(self) -> None:
        """Stops listening: the next send is refused, as by a mail server that is down."""
        if self.running:
            self._controller.stop()
            self.running = False

    def wait(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The first `count` messages, once that many have arrived (for sends from another
        process, such as a real Celery worker); fails naming what did arrive."""
        deadline = time.monotonic() + timeout
        with self._received:
            while len(self.messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    subjects = [message["Subject"] for message in self.messages]
                    raise AssertionError(f"expected {count} messages, received {len(subjects)}: {subjects}")
                self._received.wait(left)
            return list(self.messages[:count])

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if address in str(message["To"])]


@pytest.fixture
def smtp_server(settings):
    server = SMTPServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": server.host, "port": server.port, "timeout": 5},
        }
    }
    yield server
    server.stop()


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML parts of a multipart/alternative message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "expected a text and an HTML part"
    return text.get_content(), html.get_content()
