"""End to end in Chromium: sign in, switch team, test the connection against the sandbox."""

import re

import pytest

from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_signs_in_switches_team_and_tests_the_connection(live_server, page, screenshot, sandbox):
    from playwright.sync_api import expect

    user = UserFactory(username="hana")
    first = TeamFactory(name="Acme Hiring")
    second = TeamFactory(name="Zenith Recruiting", heymilo_base_url=sandbox.url, api_key=sandbox.api_key)
    MembershipFactory(user=user, team=first, role="viewer")
    MembershipFactory(user=user, team=second, role="admin")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("hana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # The team joined first is the one signed in to; Home names it above the greeting.
    expect(page.locator(".home-team")).to_have_text("Acme Hiring")
    screenshot("foundation-1-home")

    page.get_by_label("Team", exact=True).select_option("zenith-recruiting")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_text("Now working in Zenith Recruiting")).to_be_visible()

    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_text(re.compile(r"•••• \S{4}"))).to_be_visible()
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-check")).to_contain_text("Connected", timeout=15_000)
    expect(page.locator("#connection-check")).to_contain_text("job posting")
    # The header's status dot was filled by a polled partial.
    expect(page.locator(".status-dot.status-ok")).to_have_count(1, timeout=15_000)
    screenshot("foundation-2-connection-ok")
    assert not [e for e in page.console_errors if "Content Security Policy" in e], page.console_errors
