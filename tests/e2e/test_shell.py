"""The app shell in Chromium, at 1440×900 and on a 390×844 phone: every page of the walkthrough, as
admin, reviewer and viewer, does not scroll sideways, has one site header, passes axe-core in the light
and the dark scheme and leaves the console free of errors and CSP reports; the phone menu works from
the keyboard, admin links only for admins, and no keyboard-shortcut hints on touch screens."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dashboard.ingestion import services as ingestion
from dashboard.mirror import services
from dashboard.mirror.models import Interview, Posting
from tests.e2e.conftest import accessibility_problems, wait_for_page, watch_console
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
# Loaded, and the htmx requests that start on load (the header's sync status) answered and swapped.
SETTLED = "document.readyState === 'complete' && !document.querySelector('.htmx-request')"
HEADER_BOX = (
    "() => { const b = document.querySelector('header.site-header').getBoundingClientRect(); "
    "return [Math.round(b.width), Math.round(b.height)]; }"
)
NAV_LINKS = (
    "() => [...document.querySelectorAll(\"nav[aria-label='Main'] a\")]"
    ".filter((a) => a.checkVisibility()).map((a) => a.textContent.trim().split(/\\s/)[0])"
)
ADMIN_LINKS = ["Webhooks", "Syncs", "Audit", "Settings"]
# Who signs in, with which role.
PEOPLE = {"hana": "admin", "rita": "reviewer", "vera": "viewer"}


@pytest.fixture
def world(live_server, sandbox, settings, tmp_path):
    settings.HEYMILO_PAGE_SIZE = 100
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }
    team = TeamFactory(name="Acme Hiring", heymilo_base_url=sandbox.url, api_key=sandbox.api_key)
    for username, role in PEOPLE.items():
        MembershipFactory(user=UserFactory(username=username), team=team, role=role)
    services.sync_request(team)  # autocommit: the task runs at once, inline
    posting = Posting.objects.for_team(team).order_by("title").first()
    completed = Interview.objects.for_team(team).filter(posting=posting, status="completed")
    profile = completed.filter(has_recording=True).order_by("id").first() or completed.first()
    two = "&".join(f"ids={i.remote_id}" for i in completed.order_by("id")[:2])
    # The walkthrough's import preview: a draft import of two rows into the posting.
    upload = SimpleUploadedFile(
        "career fair.csv",
        b"Name,Email,Phone\n"
        b"Ada Lovelace,ada.shell@example.com,206-555-0101\n"
        b"Grace Hopper,grace.shell@example.com,206-555-0199\n",
    )
    job = ingestion.import_create(
        team, posting=posting, user=team.memberships.get(role="admin").user, upload=upload, retake=False
    )
    pages = [
        "/",
        "/postings/",
        f"/postings/{posting.remote_id}/",
        "/candidates/",
        f"/interviews/{profile.remote_id}/",
        f"/interviews/{profile.remote_id}/interview/",
        f"/interviews/{profile.remote_id}/activity/",
        f"/interviews/{profile.remote_id}/transcript/",
        f"/candidates/compare/?{two}",
        "/search/?q=the",
        "/inbox/",
        "/imports/",
        f"/imports/{job.id}/",
        "/account/password/",
        # Sharing (issue 22): the printable report, the profile's share panel as a page, the shortlist.
        f"/interviews/{profile.remote_id}/report/",
        f"/interviews/{profile.remote_id}/share/",
        f"/postings/{posting.remote_id}/share/",
    ]
    admin_pages = [
        f"/postings/{posting.remote_id}/manage/",
        "/webhooks/",
        "/webhooks/events/",
        "/syncs/",
        "/audit/",
        "/settings/",
        "/settings/members/",
        "/settings/shares/",
    ]
    return {"url": live_server.url, "pages": pages, "admin_pages": admin_pages, "profile": profile}


def _sign_in(page, base: str, username: str):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _signed_in(browser, base: str, username: str, **options):
    page = browser.new_context(**options).new_page()
    _sign_in(page, base, username)
    return page


def _in_both_schemes(axe, page, label: str) -> list[str]:
    """axe-core on the loaded page in the light scheme, then in the dark one: the stylesheet's
    prefers-color-scheme block swaps colours at once (no transitions), so no reload is needed."""
    found = []
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert page.evaluate(f"() => matchMedia('(prefers-color-scheme: {scheme})').matches"), scheme
        found += accessibility_problems(axe, page, f"{label}, {scheme}")
    return found


@pytest.mark.parametrize("size", ["1440", "390"])
def test_every_page_fits_has_one_header_and_passes_axe_for_every_role(browser, world, size):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    options = DESKTOP if size == "1440" else PHONE
    problems = []
    context = browser.new_context(**options)
    heard = [watch_console(context)]  # each context's, for its whole run, signing in included
    page = context.new_page()
    page.goto(f"{world['url']}/login/")
    if overflow := page.evaluate(OVERFLOW):
        problems.append(f"/login/ scrolls sideways: {overflow}")
    problems += _in_both_schemes(axe, page, "signed out")
    context.close()
    for username, role in PEOPLE.items():
        context = browser.new_context(**options)
        heard.append(watch_console(context))
        page = context.new_page()
        _sign_in(page, world["url"], username)
        for path in world["pages"] + (world["admin_pages"] if role == "admin" else []):
            where = f"{path} as {role}"
            response = page.goto(f"{world['url']}{path}")
            if response.status != 200:
                problems.append(f"{where} answered {response.status}")
                continue
            wait_for_page(page, SETTLED)
            if overflow := page.evaluate(OVERFLOW):
                problems.append(f"{where} scrolls sideways: {overflow}")
            problems += _in_both_schemes(axe, page, where)
            if (headers := page.evaluate(HEADERS)) != 1:
                problems.append(f"{where} has {headers} site headers")
                continue
            # Wide: a 248 px sidebar the window's height. Phone: one 52 px app bar, the rest folded.
            width, height = page.evaluate(HEADER_BOX)
            if size == "1440" and (width, height) != (248, 900):
                problems.append(f"{where}: the sidebar is {width}×{height}, not 248×900")
            if size == "390" and height > 53:
                problems.append(f"{where}: the phone app bar is {height} px tall, not 52")
        context.close()
    problems += [f"console: {line}" for lines in heard for line in lines]
    assert not problems, "\n".join(problems)


# The sidebar's links for an admin, in order (a reviewer sees no Admin section).
ADMIN_NAV = [
    "Home",
    "Postings",
    "Candidates",
    "Search",
    "Inbox",
    "Waiting",
    "Analytics",
    "Webhooks",
    "Imports",
    "Syncs",
    "Audit",
    "Settings",
]


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
    assert page.evaluate(NAV_LINKS) == ADMIN_NAV
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
    assert admin.evaluate(NAV_LINKS) == ADMIN_NAV
    assert admin.locator(".nav-heading").inner_text() == "Admin"
    admin.context.close()
    reviewer = _signed_in(browser, world["url"], "rita", **DESKTOP)
    # Imports is every member's (anyone may look; reviewers import); the rest is the admins'.
    assert reviewer.evaluate(NAV_LINKS) == [
        "Home",
        "Postings",
        "Candidates",
        "Search",
        "Inbox",
        "Waiting",
        "Analytics",
        "Imports",
    ]
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
    assert (
        phone.evaluate(
            "() => [...document.querySelectorAll('kbd, .key-hint')]"
            ".filter((k) => k.checkVisibility() && !k.closest('dialog')).length"
        )
        == 0
    )
    phone.context.close()
