"""Chromium for the webhooks' one browser test, sharing tests/e2e's browser when it is up."""

import pytest

from dashboard.screenshots import chromium_launch
from dashboard.webhooks import processing
from tests.e2e.conftest import page, screenshot  # noqa: F401


def _running_e2e_browser(request):
    # Two Playwright sync sessions cannot run in one thread: when tests/e2e's session browser
    # is already up in this process, use it. pytest offers no public way to reach it.
    manager = request._fixturemanager
    by_node = getattr(manager, "_arg2node2fixturedefs", None)
    if by_node is not None:
        defs = [d for ds in by_node.get("browser", {}).values() for d in ds]
    else:
        defs = list(getattr(manager, "_arg2fixturedefs", {}).get("browser", []))
    for fixturedef in defs:
        # Ours is function-scoped and still being set up: only a live session browser has a result.
        if getattr(fixturedef, "cached_result", None) is not None:
            return fixturedef.cached_result[0]
    return None


@pytest.fixture
def browser(request, chromium_path):
    """Function-scoped on purpose: closed again before any tests/e2e test starts its own."""
    running = _running_e2e_browser(request)
    if running is not None:
        yield running
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = chromium_launch(playwright, chromium_path)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def _broker_not_paused(monkeypatch):
    """A test that breaks the broker must not make the next one skip enqueueing."""
    monkeypatch.setattr(processing, "_broker_paused_until", 0.0)
