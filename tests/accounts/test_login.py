"""Sign-in: throttled after repeated failures, session rotated on success (tests/hardening/
test_login_throttle.py has the address slow-down, the proxy, the admin and Redis down)."""

import pytest
from django.test import Client

from dashboard.accounts import throttle
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_it_signs_in_and_rotates_the_session(client, admin):
    client.get("/login/")
    client.session.save()
    before = client.session.session_key
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert client.session.session_key != before


def test_it_locks_a_username_after_repeated_failures(client, admin, settings):
    settings.LOGIN_THROTTLE_FAILURES = 3
    for _ in range(3):
        assert "Please enter a correct username" in attempt(client, "alice", "wrong").text
    response = attempt(client, "alice", PASSWORD)  # even the right password now
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_it_does_not_lock_other_usernames(admin, reviewer, settings):
    settings.LOGIN_THROTTLE_FAILURES = 2
    client = Client()
    for _ in range(2):
        attempt(client, "alice", "wrong")
    assert attempt(client, "bob", PASSWORD, ip="10.0.0.2").status_code == 302


def test_it_slows_an_address_that_tries_many_usernames(client, admin, settings, monkeypatch):
    settings.LOGIN_THROTTLE_IP_FAILURES = 4
    monkeypatch.setattr(throttle, "_now", lambda: 1000.0)  # every attempt in one delay window
    for name in ("a", "b", "c", "d"):
        attempt(client, name, "wrong", ip="10.9.9.9")
    response = attempt(client, "alice", PASSWORD, ip="10.9.9.9")
    assert "Too many failed sign-ins from your network. Try again in" in response.text
    assert "_auth_user_id" not in client.session
    assert attempt(Client(), "alice", PASSWORD, ip="10.1.1.1").status_code == 302


def test_it_enforces_csrf_on_login_and_posts(admin):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 403
    client.force_login(admin)
    assert client.post("/settings/connection-checks/").status_code == 403
