"""The analytics page in Chromium after a change: the last figures marked as updating, then the
fresh ones swapped in by the region's own poll, which then stops. With ANALYTICS_SHOTS set to a
folder, both states are saved there at 1440 light and 390 dark."""

import os
import re
from pathlib import Path

import pytest

from tests.analytics.test_analytics import END, START, World, decide
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [("1440-light", 1440, 900, "light"), ("390-dark", 390, 844, "dark")]


@pytest.mark.parametrize(("name", "width", "height", "scheme"), SIZES, ids=[s[0] for s in SIZES])
def test_the_updating_figures_are_replaced_by_the_fresh_ones(
    browser, live_server, admin, team, other_team, name, width, height, scheme
):
    world = World(team, other_team, size=40)
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: m.type == "error" and errors.append(m.text))
    tab.goto(f"{live_server.url}/login/")
    tab.get_by_label("Username").fill(admin.username)
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(re.compile(r"^(?!.*/login/)"))
    url = f"{live_server.url}/analytics/?start={START}&end={END}"
    tab.goto(url)  # the first view computes the figures
    assert tab.locator(".analytics-as-of").count() == 0

    decide(world, team)
    tab.goto(url)
    status = tab.locator(".analytics-as-of")
    assert re.fullmatch(r"Figures as of \d+ \w+, \d\d:\d\d · updating", status.inner_text())
    shots = os.environ.get("ANALYTICS_SHOTS")
    if shots:
        tab.screenshot(path=str(Path(shots) / f"analytics-updating-{name}.png"), full_page=True)
    # Tasks run inline in tests: the recompute is done, and the next poll (2 s) swaps it in.
    status.wait_for(state="detached", timeout=10_000)
    assert tab.locator("#analytics-figures:not([hx-trigger])").count() == 1
    if shots:
        tab.screenshot(path=str(Path(shots) / f"analytics-fresh-{name}.png"), full_page=True)
    assert errors == []
    context.close()
