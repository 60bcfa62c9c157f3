"""The app shell in Chromium, at 1440×900 and on a 390×844 phone: no page scrolls sideways, each has
one site header, the phone menu works from the keyboard, admin links only for admins, and no
keyboard-shortcut hints on touch screens."""

import pytest

from dashboard.mirror import services
from dashboard.mirror.models import Interview, Posting
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1440, "height": 900}}
# A phone: touch and no hover, as the media queries see one.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# What sticks out past the window's right edge, to name it when a page scrolls sideways.
OVERFLOW = """() => {
  const width = innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && !el.closest("[hidden]")) {
      let scroller = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (/(auto|scroll|hidden|clip)/.test(s.overflowX) && p.getBoundingClientRect().right <= width + 1) {
          scroller = true;
          break;
        }
      }
      const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/).join(".") : "";
      if (!scroller) wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (classes ? "." + classes : "") + " right=" + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""
HEADERS = "() => document.querySelectorAll('header.site-header').length"
HEADER_BOX = "() => { const b = document.querySelector('header.site-header').getBoundingClientRect(); " \
             "return [Math.round(b.width), Math.round(b.height)]; }"
NAV_LINKS = "() => [...document.querySelectorAll(\"nav[aria-label='Main'] a\")]" \
            ".filter((a) => a.checkVisibility()).map((a) => a.textContent.trim().split(/\\s/)[0])"
ADMIN_LINKS = ["Webhooks", "Syncs", "Audit", "Settings"]


@pytest.fixture
def world(live_server, sandbox, settings):
    settings.HEYMILO_PAGE_SIZE = 100
    team = TeamFactory(name="Acme Hiring", heymilo_base_url=sandbox.url, api_key=sandbox.api_key)
    MembershipFactory(user=UserFactory(username="hana"), team=team, role="admin")
    MembershipFactory(user=UserFactory(username="rita"), team=team, role="reviewer")
    services.request_sync(team)  # autocommit: the task runs at once, inline
    posting = Posting.objects.for_team(team).order_by("title").first()
    completed = Interview.objects.for_team(team).filter(posting=posting, status="completed")
    profile = completed.filter(has_recording=True).order_by("id").first() or completed.first()
    two = "&".join(f"ids={i.remote_id}" for i in completed.order_by("id")[:2])
    pages = ["/", "/postings/", f"/postings/{posting.remote_id}/", "/candidates/",
             f"/interviews/{profile.remote_id}/", f"/interviews/{profile.remote_id}/interview/",
             f"/interviews/{profile.remote_id}/activity/", f"/interviews/{profile.remote_id}/transcript/",
             f"/candidates/compare/?{two}", "/search/?q=the", "/inbox/", "/imports/", "/webhooks/",
             "/webhooks/events/", "/syncs/", "/audit/", "/settings/", "/settings/members/",
             "/account/password/"]
    return {"url": live_server.url, "pages": pages, "profile": profile}


def _signed_in(browser, base: str, username: str, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    return page


@pytest.mark.parametrize("size", ["1440", "390"])
def test_no_page_scrolls_sideways_and_each_has_one_header(browser, world, size):
    options = DESKTOP if size == "1440" else PHONE
    problems = []
    signed_out = browser.new_context(**options).new_page()
    signed_out.goto(f"{world['url']}/login/")
    if overflow := signed_out.evaluate(OVERFLOW):
        problems.append(f"/login/ scrolls sideways: {overflow}")
    signed_out.context.close()
    page = _signed_in(browser, world["url"], "hana", **options)
    for path in world["pages"]:
        response = page.goto(f"{world['url']}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        if overflow := page.evaluate(OVERFLOW):
            problems.append(f"{path} scrolls sideways: {overflow}")
        if (headers := page.evaluate(HEADERS)) != 1:
            problems.append(f"{path} has {headers} site headers")
            continue
        # Wide: a 248 px sidebar the window's height. Phone: one 52 px app bar, the rest folded.
        width, height = page.evaluate(HEADER_BOX)
        if size == "1440" and (width, height) != (248, 900):
            problems.append(f"{path}: the sidebar is {width}×{height}, not 248×900")
        if size == "390" and height > 53:
            problems.append(f"{path}: the phone app bar is {height} px tall, not 52")
    page.context.close()
    assert not problems, "\n".join(problems)


def test_the_phone_menu_opens_and_closes_with_the_keyboard(browser, world):
    from playwright.sync_api import expect

    page = _signed_in(browser, world["url"], "hana", **PHONE)
    nav = page.locator("nav[aria-label='Main']")
    button = page.get_by_role("button", name="Menu")
    expect(nav).to_be_hidden()
    page.keyboard.press("Tab")  # Skip to content
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.matches('[data-menu-toggle]')")
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    assert page.evaluate(NAV_LINKS) == ["Home", "Postings", "Candidates", "Search", "Inbox",
                                        "Webhooks", "Imports", "Syncs", "Audit", "Settings"]
    # Past the app bar's team and search links, Tab reaches the menu's links.
    in_nav = "() => document.activeElement.closest(\"nav[aria-label='Main']\") !== null"
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate(in_nav):
            break
    assert page.evaluate(in_nav), page.evaluate("() => document.activeElement.outerHTML")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Home"
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(button).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("() => document.activeElement.matches('[data-menu-toggle]')")
    # On a wide screen there is no menu button: the sidebar shows the navigation.
    page.set_viewport_size(DESKTOP["viewport"])
    expect(button).to_be_hidden()
    expect(nav).to_be_visible()
    page.context.close()


def test_the_sidebar_shows_admin_links_only_to_admins(browser, world):
    admin = _signed_in(browser, world["url"], "hana", **DESKTOP)
    assert admin.evaluate(NAV_LINKS) == ["Home", "Postings", "Candidates", "Search", "Inbox",
                                         "Webhooks", "Imports", "Syncs", "Audit", "Settings"]
    assert admin.locator(".nav-heading").inner_text() == "Admin"
    admin.context.close()
    reviewer = _signed_in(browser, world["url"], "rita", **DESKTOP)
    # Imports is every member's (anyone may look; reviewers import); the rest is the admins'.
    assert reviewer.evaluate(NAV_LINKS) == ["Home", "Postings", "Candidates", "Search", "Inbox", "Imports"]
    assert reviewer.locator(".nav-heading").count() == 0
    for path in ["/webhooks/", "/syncs/", "/audit/", "/settings/"]:
        assert reviewer.locator(f"nav[aria-label='Main'] a[href='{path}']").count() == 0, path
    reviewer.context.close()


def test_touch_screens_show_no_keyboard_shortcut_hints(browser, world):
    from playwright.sync_api import expect

    path = f"{world['url']}/interviews/{world['profile'].remote_id}/"
    desktop = _signed_in(browser, world["url"], "hana", **DESKTOP)
    desktop.goto(path)
    expect(desktop.get_by_role("button", name="Keyboard shortcuts")).to_be_visible()
    desktop.context.close()
    phone = _signed_in(browser, world["url"], "hana", **PHONE)
    phone.goto(path)
    expect(phone.get_by_role("button", name="Keyboard shortcuts")).to_be_hidden()
    assert phone.evaluate("() => [...document.querySelectorAll('kbd, .key-hint')]"
                          ".filter((k) => k.checkVisibility() && !k.closest('dialog')).length") == 0
    phone.context.close()
