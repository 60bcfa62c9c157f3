"""Playwright driving Debian's Chromium against pytest-django's live server."""

import os
import re
from pathlib import Path

import pytest

from tests.waiting import wait_for

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still synchronous, which Django's async-safety check cannot tell.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


# `browser` (one Chromium per test process) and `page` live in tests/conftest.py.


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


# axe-core impacts that fail a page. "moderate" and "minor" findings are advice, except the landmark
# rules, which the issue names and axe grades moderate.
BLOCKING_IMPACTS = {"serious", "critical"}
ALWAYS_BLOCKING = re.compile(r"^(landmark-|region$)")

# ARIA references to ids the page does not have: axe only lists these as "needs review", yet the
# description or name they promise is silently lost for screen-reader users.
BROKEN_IDREFS = """() => {
  const attrs = ["aria-describedby", "aria-labelledby", "aria-controls"];
  const found = [];
  for (const el of document.querySelectorAll(attrs.map((a) => `[${a}]`).join(", "))) {
    for (const attr of attrs) {
      for (const id of (el.getAttribute(attr) || "").split(/\\s+/)) {
        if (id && !document.getElementById(id)) {
          found.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} ${attr}="${id}"`);
        }
      }
    }
  }
  return found;
}"""


def _last_line(text: str | None) -> str:
    return text.strip().splitlines()[-1].strip() if text and text.strip() else ""


def accessibility_problems(axe, page, label: str) -> list[str]:
    """axe-core's blocking findings and the broken ARIA references on the page as it is now, one line
    each. `axe` is an axe_playwright_python Axe(): it injects axe-core with page.evaluate, which the
    DevTools protocol runs whatever the page's CSP says."""
    found = []
    for v in axe.run(page).response["violations"]:
        if v["impact"] not in BLOCKING_IMPACTS and not ALWAYS_BLOCKING.match(v["id"]):
            continue
        nodes = "; ".join(
            f"{' '.join(map(str, n['target']))} ({_last_line(n.get('failureSummary'))})"
            for n in v["nodes"][:5]
        )
        more = f" and {len(v['nodes']) - 5} more" if len(v["nodes"]) > 5 else ""
        found.append(f"{label} [{page.url}]: {v['id']} ({v['impact']}): {v['help']} -> {nodes}{more}")
    for ref in page.evaluate(BROKEN_IDREFS):
        found.append(f"{label} [{page.url}]: aria-idref: {ref} names no element on the page")
    return found


def watch_console(context) -> list[str]:
    """Every console error, Content-Security-Policy report and uncaught page error in any tab of
    `context` from now on, in the list returned (it grows as they come)."""
    heard: list[str] = []

    def _console(message):
        # Chromium reports a CSP refusal as a console error; any other error is a bug of its own.
        if message.type == "error" or "Content Security Policy" in message.text:
            where = message.page.url if message.page else "?"
            heard.append(f"{message.type} on {where}: {message.text}")

    context.on("console", _console)
    context.on("weberror", lambda e: heard.append(f"page error: {e.error}"))
    return heard
