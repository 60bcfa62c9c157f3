"""Password reset by email, through a real SMTP server, telling no one whether an address has an account."""

import re

import pytest

from dashboard.accounts import throttle
from tests.factories import UserFactory
from tests.mail.smtp_fixtures import text_and_html

pytestmark = pytest.mark.django_db

RESET = "/account/password/reset/"
# Tokens and nonces differ on every response, whatever was asked.
NONCE = re.compile(r'(nonce="|"X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+')


@pytest.fixture
def dana(db):
    return UserFactory(username="dana", email="dana@example.com")


def ask(client, email, capture):
    with capture(execute=True):
        return client.post(RESET, {"email": email})


def test_the_login_page_links_to_the_reset(client):
    page = client.get("/login/").text
    assert 'href="/account/password/reset/"' in page and "Forgot password?" in page


def test_the_answer_is_the_same_with_or_without_an_account_and_only_one_mail_goes(
    client, dana, smtp_server, django_capture_on_commit_callbacks
):
    known = ask(client, "dana@example.com", django_capture_on_commit_callbacks)
    unknown = ask(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.status_code == 302 and known.content == unknown.content
    page_known, page_unknown = (NONCE.sub("", client.get(r["Location"]).text) for r in (known, unknown))
    assert page_known == page_unknown
    assert "If an account has this address" in page_known
    [message] = smtp_server.wait(1)
    assert len(smtp_server.messages) == 1 and message["To"] == "dana@example.com"


def test_both_requests_queue_the_same_task(client, dana, django_capture_on_commit_callbacks):
    """What the request does is the same for both addresses: queue one task naming the address (the
    worker looks for the account), so the response time says nothing either."""
    for email in ("dana@example.com", "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(RESET, {"email": email})
        assert [callback.func.__name__ for callback in callbacks] == ["_enqueue"]
        assert [callback.args for callback in callbacks] == [(email,)]


def test_the_mailed_link_sets_a_new_password(client, dana, smtp_server, django_capture_on_commit_callbacks):
    ask(client, "DANA@example.com", django_capture_on_commit_callbacks)
    [message] = smtp_server.wait(1)
    assert message["List-Unsubscribe"] is None  # security mail
    assert message.get_content_type() == "multipart/alternative"
    text, html = text_and_html(message)
    assert "dana" in text
    [link] = re.findall(r"http://[^\s]+/account/password/reset/[^\s]+/[^\s]+/", text)
    assert link in html
    path = link.removeprefix("http://127.0.0.1:8000")
    page = client.get(path, follow=True)  # Django moves the token into the session first
    assert "Choose a new password" in page.text
    form_url = page.redirect_chain[-1][0]
    done = client.post(
        form_url, {"new_password1": "fresh-password-42", "new_password2": "fresh-password-42"}, follow=True
    )
    assert "Your password is changed" in done.text
    assert client.login(username="dana", password="fresh-password-42")
    client.logout()
    reused = client.get(path, follow=True)
    assert "This reset link no longer works" in reused.text


def test_a_bad_address_is_refused_with_a_message(client, smtp_server):
    response = client.post(RESET, {"email": "not an address"})
    assert response.status_code == 200 and "Enter a valid email address" in response.text
    assert smtp_server.messages == []


def test_the_sign_in_throttle_covers_the_reset_form(
    client, dana, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.LOGIN_THROTTLE_FAILURES = 3
    for _ in range(3):
        assert ask(client, "dana@example.com", django_capture_on_commit_callbacks).status_code == 302
    refused = ask(client, "dana@example.com", django_capture_on_commit_callbacks)
    assert refused.status_code == 200 and "asked for this address several times" in refused.text
    # The same words for an address without an account, once it is asked about as often.
    for _ in range(3):
        ask(client, "nobody@example.com", django_capture_on_commit_callbacks)
    other = ask(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert "asked for this address several times" in other.text
    assert len(smtp_server.messages) == 3


def test_many_requests_from_one_network_are_slowed(client, settings, smtp_server, monkeypatch):
    settings.LOGIN_THROTTLE_IP_FAILURES = 2
    # Every request in one delay window: one that falls in the next window may go through.
    monkeypatch.setattr(throttle, "_now", lambda: 1000.0)
    for number in range(2):
        client.post(RESET, {"email": f"person{number}@example.com"})
    slowed = client.post(RESET, {"email": "person9@example.com"})
    assert slowed.status_code == 200 and "Too many attempts from your network" in slowed.text
