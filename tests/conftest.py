"""Shared fixtures: services (Redis, PostgreSQL, Chromium) that skip or fail, teams and people."""

import os
import socket
import uuid
from urllib.parse import urlsplit

import pytest

pytest_plugins = ["tests.sandbox_fixtures", "tests.celery_fixtures", "tests.mail.smtp_fixtures"]


def pytest_collection_modifyitems(items):
    """The slow tests first, the rest in their order: xdist hands tests out in this order, so a
    minute-long test never starts last and keeps the run waiting on one worker."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# This test run's own Celery queue, so it never shares tasks with a demo or another run on the
# same Redis. pytest-django has loaded settings already: set the app's queue before first use;
# worker processes read the same name from the environment.
# Set, not setdefault: xdist workers inherit the controller's environment, and two workers
# sharing a queue would run each other's tasks against the wrong test database.
_RUN_ID = uuid.uuid4().hex[:12]
os.environ["CELERY_QUEUE"] = f"test-{_RUN_ID}"
# Likewise the rate-limit buckets and cache keys (sync locks name team ids, which every test
# database reuses): a test's workers must not see another test process's.
os.environ["HEYMILO_RATE_PREFIX"] = f"test-{_RUN_ID}:rl:"
os.environ["CACHE_KEY_PREFIX"] = f"test-{_RUN_ID}"
from dashboard.celery import app as _celery_app  # noqa: E402

_celery_app.conf.task_default_queue = os.environ["CELERY_QUEUE"]
from django.conf import settings as _settings  # noqa: E402

_settings.HEYMILO_RATE_PREFIX = os.environ["HEYMILO_RATE_PREFIX"]
if "KEY_PREFIX" in _settings.CACHES["default"]:
    _settings.CACHES["default"]["KEY_PREFIX"] = os.environ["CACHE_KEY_PREFIX"]


def missing_service(reason: str):
    """Skip with a visible reason, or fail when CI demands every real service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def port_open(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), 1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not port_open(REDIS_URL, 6379):
        missing_service(f"Redis is not reachable at {REDIS_URL}")
    return REDIS_URL


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.path.exists(CHROMIUM):
        missing_service(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path):
    """One Chromium for every browser test in this process: two Playwright sync sessions cannot
    run in one thread, so no folder starts its own."""
    from playwright.sync_api import sync_playwright

    from dashboard.screenshots import chromium_launch

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous, which Django's async-safety check cannot tell.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        launched = chromium_launch(playwright, chromium_path)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _isolated_cache_and_eager_tasks(request, settings, monkeypatch):
    """Unit tests get a private in-memory cache, a private rate limiter, and run tasks inline;
    tests marked `celery` keep the real Redis cache, broker and shared limiter."""
    from celery import current_app

    from dashboard.core import heymilo_api
    from heymilo.ratelimit import TokenBucket

    if request.node.get_closest_marker("celery"):
        yield
        return
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()
    limiter = TokenBucket(limit=settings.HEYMILO_RATE_LIMIT, period=settings.HEYMILO_RATE_PERIOD)
    monkeypatch.setattr(heymilo_api, "shared_rate_limiter", lambda: limiter)
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = eager
    # An eager apply_async marks "a task is running" in one process-wide flag and puts back what
    # it found; threads running inline tasks at once (tests/webhooks/test_concurrency.py) can
    # leave it set, and a later test's result.get() would then refuse to wait.
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture
def team(db):
    from tests.factories import TeamFactory

    return TeamFactory(name="Acme Hiring")


@pytest.fixture
def other_team(db):
    from tests.factories import TeamFactory

    return TeamFactory(name="Globex Talent")


def _member(team, role, username):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username=username)
    MembershipFactory(team=team, user=user, role=role)
    return user


@pytest.fixture
def admin(team):
    return _member(team, "admin", "alice")


@pytest.fixture
def reviewer(team):
    return _member(team, "reviewer", "bob")


@pytest.fixture
def viewer(team):
    return _member(team, "viewer", "carol")


@pytest.fixture
def outsider(other_team):
    """A member of another team only: every one of `team`'s pages must be 404 for them."""
    return _member(other_team, "admin", "mallory")


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
