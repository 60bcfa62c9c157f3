"""End to end in Chromium: an admin invites by email, the invitee opens the link from the mail the
SMTP server received, sets a password and lands on the team's Home."""

import re

import pytest

from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from tests.mail.smtp_fixtures import text_and_html

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invitee_opens_the_mailed_link_sets_a_password_and_lands_on_home(
    live_server, browser, page, screenshot, smtp_server, settings
):
    from playwright.sync_api import expect

    settings.PUBLIC_BASE_URL = live_server.url  # the links in the mail point at this server
    team = TeamFactory(name="Acme Hiring")
    MembershipFactory(team=team, user=UserFactory(username="alice", first_name="Alice"), role="admin")

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/settings/members/")
    page.get_by_label("Email", exact=True).fill("dana@example.com")
    page.get_by_label("Role", exact=True).select_option("reviewer")
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_text("Invitation sent to dana@example.com")).to_be_visible()
    expect(page.get_by_role("button", name="Resend")).to_be_visible()

    [message] = smtp_server.wait(1)
    text, _html = text_and_html(message)
    [link] = re.findall(r"http://\S+/invitations/open/\S+/", text)

    # The invitee, in a browser of their own.
    context = browser.new_context(viewport={"width": 390, "height": 844})
    invitee = context.new_page()
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="Join Acme Hiring")).to_be_visible()
    invitee.get_by_label("Your name").fill("Dana Scully")
    invitee.get_by_label("Password", exact=True).fill("a-long-new-password-7")
    invitee.get_by_label("Password again").fill("a-long-new-password-7")
    invitee.get_by_role("button", name="Join Acme Hiring").click()
    expect(invitee.get_by_text("Welcome to Acme Hiring")).to_be_visible()
    expect(invitee.locator(".home-team")).to_have_text("Acme Hiring")
    assert invitee.url.rstrip("/") == live_server.url

    # The link is spent: opening it again says so.
    invitee.goto(link)
    expect(invitee.get_by_role("heading", name="This invitation has already been used")).to_be_visible()
    context.close()
