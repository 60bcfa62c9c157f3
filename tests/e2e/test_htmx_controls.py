"""Every htmx control on every page, as each role, in Chromium: after each request the page still
holds exactly one site header (a control that inherited a target it was not meant for once put a
whole second page inside the candidate table)."""

import pytest

from dashboard.mirror import services
from dashboard.mirror.models import Interview, Posting
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory
from tests.waiting import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The controls that start an htmx request when a person acts on them. Polling regions and
# `load` triggers run by themselves and are covered by the check after each page load.
CONTROLS = """() => {
  const found = [];
  const add = (el, action) => {
    if (!el.checkVisibility()) return;
    // Identical controls (every sort header, every page link) are walked once: the same element,
    // method, path, target and the htmx attributes of every ancestor.
    const own = ["hx-get", "hx-post", "hx-target", "hx-swap"].map((a) => {
      const v = (el.closest("[" + a + "]") === el ? el.getAttribute(a) : "") || "";
      return v.split("?")[0];
    });
    const form = el.form || el.closest("form");
    const chain = [];
    for (let n = el.parentElement; n; n = n.parentElement) {
      for (const a of ["hx-get", "hx-post", "hx-target", "hx-swap"]) {
        if (n.hasAttribute(a)) chain.push(a + "=" + n.getAttribute(a).split("?")[0]);
      }
    }
    const formKey = form ? form.id + form.getAttribute("action") : "";
    const key = [el.tagName, action, ...own, formKey, ...chain].join("|");
    if (found.some((c) => c.key === key)) return;
    const label = (el.getAttribute("aria-label") || el.textContent || el.name || "").trim().slice(0, 40);
    found.push({key, action, label});
    el.setAttribute("data-walk", String(found.length - 1));
  };
  const clickable = "a[hx-get], a[hx-post], button[hx-get], button[hx-post]";
  for (const el of document.querySelectorAll(clickable)) add(el, "click");
  for (const form of document.querySelectorAll("form[hx-get], form[hx-post]")) {
    // A form's own trigger says which acts send its request: submitting (the default) or changing
    // a field; a submit button of a form htmx sends on change is the no-script fallback.
    const trigger = form.getAttribute("hx-trigger") || "submit";
    if (trigger.split(/[ ,]+/).includes("submit")) {
      for (const b of form.querySelectorAll("button:not([type]), button[type=submit], input[type=submit]")) {
        if (!b.hasAttribute("formaction")) add(b, "click");
      }
    }
    if (trigger.split(/[ ,]+/).includes("change")) {
      for (const s of form.querySelectorAll("select")) add(s, "select");
    }
  }
  for (const el of document.querySelectorAll("input[hx-get], input[hx-post]")) add(el, "type");
  return found;
}"""

HEADERS = "() => document.querySelectorAll('header.site-header').length"
MAINS = "() => document.querySelectorAll('main').length"

COUNT_REQUESTS = """() => {
  window.walkRequests = 0;
  document.body.addEventListener("htmx:afterSettle", () => { window.walkRequests += 1; });
  document.body.addEventListener("htmx:responseError", () => { window.walkRequests += 1; });
}"""


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _settle(page) -> None:
    page.wait_for_load_state("networkidle")
    wait_for(
        lambda: page.evaluate("() => !document.querySelector('.htmx-request')"),
        timeout=10,
        message="htmx requests to finish",
    )


def _walk(page, url: str, problems: list[str]) -> int:
    page.goto(url)
    _settle(page)
    if page.evaluate(HEADERS) != 1:
        problems.append(f"{url}: {page.evaluate(HEADERS)} site headers after load")
    controls = page.evaluate(CONTROLS)
    for number, control in enumerate(controls):
        index = number
        if number:
            # An earlier control may have changed the page (a decision, a new note): find this one
            # again by what it is.
            page.goto(url)
            _settle(page)
            now = [c["key"] for c in page.evaluate(CONTROLS)]
            if control["key"] not in now:
                continue
            index = now.index(control["key"])
        page.evaluate(COUNT_REQUESTS)
        element = page.locator(f"[data-walk='{index}']")
        if control["action"] == "click":
            # Required fields filled, so the browser lets the form go.
            page.evaluate(
                """(i) => {
              const el = document.querySelector(`[data-walk='${i}']`);
              const form = el.form || el.closest("form");
              if (form) for (const f of form.querySelectorAll("textarea[required], input[required]")) {
                if (!f.value && f.type !== "file") f.value = "Walked";
              }
              if (form) for (const s of form.querySelectorAll("select[required]")) {
                if (!s.value && s.options.length > 1) s.selectedIndex = 1;
              }
            }""",
                index,
            )
            element.click()
        elif control["action"] == "select":
            options = element.locator("option").all()
            element.select_option(index=1 if len(options) > 1 else 0)
        else:
            element.press_sequentially("a")
        # Each control must start a request of its own and end settled (or in an error answer).
        try:
            wait_for(
                lambda: (
                    page.evaluate("() => window.walkRequests || 0") >= 1
                    or page.url.split("#")[0].split("?")[0] != url.split("?")[0]
                ),
                timeout=10,
                message=f"{control['label']!r} on {url} to answer",
            )
        except AssertionError:
            problems.append(f"{url}: {control['label']!r} started no htmx request")
            continue
        _settle(page)
        headers, mains = page.evaluate(HEADERS), page.evaluate(MAINS)
        if headers != 1 or mains != 1:
            problems.append(f"{url}: {control['label']!r} left {headers} site headers, {mains} mains")
    return len(controls)


@pytest.mark.parametrize("size", [(1440, 900), (390, 844)], ids=["1440", "390"])
def test_every_htmx_control_leaves_one_page_for_every_role(live_server, browser, sandbox, settings, size):
    settings.HEYMILO_PAGE_SIZE = 100
    team = TeamFactory(name="Acme Hiring", heymilo_base_url=sandbox.url, api_key=sandbox.api_key)
    for role in ("admin", "reviewer", "viewer"):
        MembershipFactory(user=UserFactory(username=f"walk-{role}"), team=team, role=role)
    services.sync_request(team)  # inline: the mirror is there before the first page
    posting = Posting.objects.for_team(team).order_by("title").first()
    a, b = Interview.objects.for_team(team).filter(posting=posting, status="completed")[:2]
    base = live_server.url
    pages = [
        "/",
        "/postings/",
        f"/postings/{posting.remote_id}/",
        "/candidates/",
        f"/interviews/{a.remote_id}/",
        f"/interviews/{a.remote_id}/transcript/",
        f"/candidates/compare/?ids={a.remote_id}&ids={b.remote_id}",
        "/search/?q=experience",
        "/inbox/",
        "/imports/",
    ]
    admin_pages = [
        "/syncs/",
        "/settings/",
        "/settings/members/",
        "/webhooks/",
        "/webhooks/events/",
        "/audit/",
    ]

    problems: list[str] = []
    walked = {}
    for role in ("viewer", "reviewer", "admin"):
        context = browser.new_context(viewport={"width": size[0], "height": size[1]})
        page = context.new_page()
        _sign_in(page, base, f"walk-{role}")
        walked[role] = sum(
            _walk(page, base + path, problems) for path in pages + (admin_pages if role == "admin" else [])
        )
        context.close()
    assert not problems, "\n".join(problems)
    # The walk reached the controls it is about: reviewers and admins have the bulk form's sort
    # headers, pagination and decisions on top of what viewers have.
    assert walked["viewer"] >= 5
    assert walked["reviewer"] > walked["viewer"]
    assert walked["admin"] > walked["reviewer"]
