"""In Chromium: a mention made in one session shows on another open session's header without a
reload, carried by the live poll the page already runs."""

import pytest
from django.contrib.auth.models import User

from dashboard.notifications.models import NotificationSettings
from tests.e2e.conftest import wait_for_page
from tests.e2e.test_posting_page import _signed_in
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.review.conftest import make_interview, make_posting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}
RECORD = """
window.__shown = []; window.__played = [];
window.Notification = class { constructor(title, options) { window.__shown.push(options.body); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); } };
window.Audio = class { constructor(src) { window.__played.push(new URL(src, location.href).pathname); }
  play() { return Promise.resolve(); } };
"""


def test_a_mention_shows_a_badge_on_another_open_session_without_reload(browser, live_server):
    team = TeamFactory(name="Acme Hiring")
    for name, role in (("alice", "admin"), ("bob", "reviewer")):
        MembershipFactory(user=UserFactory(username=name), team=team, role=role)
    posting = make_posting(team, title="Account Executive")
    interview = make_interview(team, posting, name="Ana Ruiz")

    # Alice chose browser notifications and the sound; her browser allowed them.
    NotificationSettings.objects.create(user=User.objects.get(username="alice"), browser=True, sound=True)
    alice_context, alice = _signed_in(browser, live_server, "alice", DESKTOP)
    alice_context.grant_permissions(["notifications"])
    # Record what the page asks of the browser (Playwright's init script is not page code: no CSP).
    alice_context.add_init_script(RECORD)
    alice.goto(f"{live_server.url}/postings/{posting.remote_id}/")
    assert alice.locator("#notifications-link [data-unread]").count() == 0
    alice.evaluate("window.__sameDocument = true")  # gone if the page reloads

    bob_context, bob = _signed_in(browser, live_server, "bob", DESKTOP)
    bob.goto(f"{live_server.url}/interviews/{interview.remote_id}/")
    bob.locator("#note-body").fill("@alice her pricing answer is worth a listen")
    bob.get_by_role("button", name="Post note").click()
    bob.locator(".side-note", has_text="her pricing answer").first.wait_for()

    wait_for_page(alice, "document.querySelector('#notifications-link [data-unread]') !== null", timeout=20)
    assert alice.locator("#notifications-link [data-unread]").inner_text().startswith("1")
    assert alice.evaluate("window.__sameDocument") is True
    shown = alice.evaluate("window.__shown")
    assert len(shown) == 1 and shown[0].startswith("bob mentioned you on Ana Ruiz"), shown
    [played] = alice.evaluate("window.__played")
    assert played.startswith("/static/sounds/notification")
    assert (
        alice.locator("#notifications-link")
        .get_attribute("data-latest-text")
        .startswith("bob mentioned you on Ana Ruiz")
    )
    # The bell opens the centre, where the mention links to the Inbox's own mention.
    alice.locator("#notifications-link").click()
    alice.get_by_role("link", name="bob mentioned you on Ana Ruiz").click()
    alice.wait_for_url(f"**/interviews/{interview.remote_id}/**")
    assert alice.console_errors == [] and bob.console_errors == []
    alice_context.close()
    bob_context.close()
