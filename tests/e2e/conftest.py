"""Playwright driving Debian's Chromium against pytest-django's live server."""

import os
from pathlib import Path

import pytest

from tests.waiting import wait_for

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still synchronous, which Django's async-safety check cannot tell.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            # The machine's network is closed: keep Chromium from phoning home.
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(name: str):
        path = SCREENSHOTS / f"{name}.png"
        # caret="initial": Playwright otherwise leaves style="" on inputs, which htmx may copy
        # into swapped content and the strict CSP then reports.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return _shot


def wait_for_page(page, expression: str, timeout: float = 15.0):
    """page.wait_for_function without eval in the page: Playwright polls a string predicate through
    new Function() there, which our CSP (no 'unsafe-eval') refuses whenever the first try is false.
    Polling page.evaluate from here runs the same expression outside the page's CSP."""
    return wait_for(lambda: page.evaluate(expression), timeout=timeout, message=expression)
