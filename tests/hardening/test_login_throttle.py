"""Issue 25's sign-in throttle items: one address (or everyone behind the TLS proxy) cannot lock
other people out, the client address is what the trusted proxy reports and nothing a client
writes, the admin sign-in and both password-change forms count toward limits, and a Redis outage
does not turn sign-in into a 500."""

import logging
import socket

import pytest
from django.test import Client, RequestFactory

from dashboard.accounts import throttle
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.254"  # the TLS proxy: every request behind it has this REMOTE_ADDR
DELAY = 5
START = 1_000 * DELAY  # the start of a throttle window on the test's clock


@pytest.fixture(autouse=True)
def fast_password_hashes(settings):
    """Autouse, so before the users are made: dozens of sign-ins per test at PBKDF2's cost took
    most of a minute; the throttle does not depend on the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved by the test instead of sleeping."""
    now = [float(START)]
    monkeypatch.setattr(throttle, "_now", lambda: now[0])
    return now


@pytest.fixture
def limits(settings):
    settings.LOGIN_THROTTLE_FAILURES = 5
    settings.LOGIN_THROTTLE_IP_FAILURES = 20
    settings.LOGIN_THROTTLE_IP_DELAY = DELAY
    settings.TRUSTED_PROXY_HOPS = 0
    return settings


def attempt(username, password, ip="10.0.0.1", client=None, **headers):
    client = client or Client()
    response = client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **headers)
    return client, response


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail_from(ip, times=20, **headers):
    for n in range(times):
        _, response = attempt(f"invented-{n}", "guess", ip=ip, **headers)
        assert "Please enter a correct username" in response.text


# --- one address cannot lock out everyone -----------------------------------------------------


def test_invented_usernames_from_one_address_lock_out_no_real_user(admin, limits, clock):
    fail_from("10.9.9.9")
    client, response = attempt("alice", PASSWORD, ip="10.1.1.1")  # elsewhere: at once
    assert response.status_code == 302 and signed_in(client)
    clock[0] += DELAY  # same address (an office behind one NAT): after the short delay
    client, response = attempt("alice", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 302 and signed_in(client)


def test_an_address_over_the_limit_is_slowed_not_locked(admin, limits, clock):
    fail_from("10.9.9.9")
    client, response = attempt("alice", PASSWORD, ip="10.9.9.9")  # within the delay
    assert response.status_code == 200 and not signed_in(client)
    assert f"Too many failed sign-ins from your network. Try again in {DELAY} seconds." in response.text
    clock[0] += DELAY - 1
    _, response = attempt("alice", PASSWORD, ip="10.9.9.9")
    assert "Try again in 1 second." in response.text
    clock[0] += 1
    _, response = attempt("invented-x", "guess", ip="10.9.9.9")  # the window's one attempt
    assert "Please enter a correct username" in response.text
    _, response = attempt("alice", PASSWORD, ip="10.9.9.9")  # a second one in that window
    assert "Try again in" in response.text
    clock[0] += DELAY
    client, response = attempt("alice", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 302 and signed_in(client)


# --- the client address behind the proxy ------------------------------------------------------


def test_behind_the_proxy_one_clients_failures_do_not_slow_another(admin, limits, clock):
    limits.TRUSTED_PROXY_HOPS = 1
    fail_from(PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    _, response = attempt("alice", PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert "Try again in" in response.text  # the guesser is slowed...
    client, response = attempt("alice", PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == 302 and signed_in(client)  # ...the colleague is not


def test_behind_the_proxy_a_client_cannot_escape_by_writing_its_own_header(admin, limits, clock):
    """nginx's $proxy_add_x_forwarded_for appends the address it saw after whatever the client
    sent: only the last entry is the proxy's word."""
    limits.TRUSTED_PROXY_HOPS = 1
    for n in range(20):
        attempt(f"invented-{n}", "guess", ip=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5")
    _, response = attempt("alice", PASSWORD, ip=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.99, 203.0.113.5")
    assert "Try again in" in response.text


def test_without_trusted_proxies_a_forged_header_does_not_change_the_address(admin, limits, clock):
    fail_from("10.8.0.1", HTTP_X_FORWARDED_FOR="203.0.113.1")
    client, response = attempt("alice", PASSWORD, ip="10.8.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert "Try again in" in response.text and not signed_in(client)


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "203.0.113.1", "10.0.0.254"),  # no proxy trusted: the header is the client's
        (1, "203.0.113.1", "203.0.113.1"),  # nginx overwriting the header
        (1, "192.0.2.66, 203.0.113.1", "203.0.113.1"),  # nginx appending after a forged entry
        (2, "192.0.2.66, 203.0.113.1, 10.0.0.9", "203.0.113.1"),  # a load balancer, then nginx
        (2, "203.0.113.1", "10.0.0.254"),  # fewer entries than hops: not through them all
        (1, "", "10.0.0.254"),  # no header at all
        (1, "not an address", "10.0.0.254"),  # garbage from a misconfigured proxy
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_reads_only_the_trusted_hops(settings, hops, forwarded, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert throttle.client_ip(request) == expected


# --- the admin sign-in and password changes ----------------------------------------------------


@pytest.fixture
def staff(admin):
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return admin


def test_the_admin_sign_in_is_throttled_like_the_main_one(staff, reviewer, limits, clock):
    # Not staff, right password: the admin refuses bob, but that is no failed guess.
    for _ in range(6):
        response = Client().post("/admin/login/", {"username": "bob", "password": PASSWORD})
        assert response.status_code == 200 and "Too many" not in response.text
    assert attempt("bob", PASSWORD)[1].status_code == 302
    client = Client()
    for n in range(25):
        client.post(
            "/admin/login/?next=/admin/",
            {"username": "alice", "password": f"guess {n}", "next": "/admin/"},
            REMOTE_ADDR=f"10.6.0.{n}",
        )
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "alice", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="10.6.9.9",
    )
    assert response.status_code == 200 and not signed_in(client)
    assert "Too many failed sign-in attempts" in response.text
    # The same count: the dashboard's sign-in refuses too.
    client, response = attempt("alice", PASSWORD, ip="10.6.9.8")
    assert "Too many failed sign-in attempts" in response.text and not signed_in(client)


@pytest.mark.parametrize("url", ["/account/password/", "/admin/password_change/"])
def test_wrong_current_passwords_lock_the_password_change(staff, limits, url):
    client = Client()
    client.force_login(staff)

    def change(old, new):
        return client.post(url, {"old_password": old, "new_password1": new, "new_password2": new})

    for n in range(4):
        assert change(f"guess {n}", "a brand new passphrase 42").status_code == 200
    assert change(PASSWORD, "a brand new passphrase 42").status_code == 302  # the count restarts
    for n in range(5):
        assert change(f"guess {n}", "another new passphrase 43").status_code == 200
    response = change("a brand new passphrase 42", "another new passphrase 43")
    assert response.status_code == 200
    assert "Too many wrong current passwords. Wait 15 minutes" in response.text
    staff.refresh_from_db()
    assert staff.check_password("a brand new passphrase 42")  # unchanged by the refused change


# --- Redis down -------------------------------------------------------------------------------


@pytest.fixture
def cache_down(settings):
    """Django's cache pointed at a port nobody listens on, as while Redis restarts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
        }
    }


def test_sign_in_fails_open_with_a_warning_while_redis_is_down(admin, limits, cache_down, caplog):
    caplog.set_level(logging.WARNING, logger="dashboard.accounts.throttle")
    _, response = attempt("alice", "guess")
    assert response.status_code == 200 and "Please enter a correct username" in response.text
    client, response = attempt("alice", PASSWORD)
    assert response.status_code == 302 and signed_in(client)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase 42",
            "new_password2": "a brand new passphrase 42",
        },
    )
    assert response.status_code == 302
    assert "Sign-in throttle skipped: the cache is unreachable (ConnectionError" in caplog.text
    assert PASSWORD not in caplog.text and "alice" not in caplog.text
