"""End to end in Chromium: a new hiring manager's first session, start to finish, with a screenshot
per step (var/screenshots/walkthrough-NN-<step>.png), axe-core and keyboard checks on every page,
and a console free of errors and Content-Security-Policy reports for the whole run.

Tasks run eagerly (the autouse fixture in tests/conftest.py), as in the other live-server tests:
each runs inside the web request or webhook delivery that enqueued it, against the sandbox.
"""

import csv
import io
import re

import pytest

from dashboard.mirror.models import Interview, Posting
from tests.e2e.conftest import SCREENSHOTS, accessibility_problems, wait_for_page, watch_console
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUS_CONTRAST = 3.0  # WCAG 1.4.11: a focus indicator against what surrounds it

# The focused element as the keyboard check needs it: where it is, and whether a sighted keyboard
# user can see it (an outline or a shadow, and an outline that contrasts with the background).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const rgb = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c || "");
    return m && m[1].split(/[\\s,\\/]+/).map(Number);
  };
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const behind = (node) => {
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c && (c.length < 4 || c[3] > 0)) return c;
    }
    return [255, 255, 255];
  };
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0;
  const shadow = !!s.boxShadow && s.boxShadow !== "none";
  let contrast = null;
  if (outline && rgb(s.outlineColor)) {
    const [a, b] = [lum(rgb(s.outlineColor)), lum(behind(el.parentElement))].sort((x, y) => y - x);
    contrast = Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
  }
  const box = el.getBoundingClientRect();
  const classes = typeof el.className === "string" ? el.className.trim().split(/\\s+/).filter(Boolean) : [];
  return {
    what: el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + classes.map((c) => "." + c).join(""),
    text: (el.getAttribute("aria-label") || el.innerText || el.value || "").trim().slice(0, 40),
    skip: el.matches("a[href='#main']") && /skip to content/i.test(el.textContent),
    inMainNav: !!el.closest("nav[aria-label='Main']"),
    inMain: !!el.closest("main"),
    // The browser's own media controls draw their ring inside the element, out of the page's reach.
    media: el.matches("video[controls], audio[controls]"),
    visible: outline || shadow,
    contrast,
    onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0 && box.left < innerWidth,
  };
}"""

# A labelless field dropped into the page once: proves axe runs, and reports, under the strict CSP.
CANARY_ADD = (
    "() => { const i = document.createElement('input'); i.id = 'axe-canary'; "
    "document.querySelector('main').append(i); }"
)
CANARY_REMOVE = "() => document.getElementById('axe-canary').remove()"

IMPORT_CSV = (
    "Name,Email,Phone\n"
    "Ada Lovelace,ada.walk@example.com,206-555-0101\n"
    "Grace Hopper,grace.walk@example.com,206-555-0199\n"
)


class Walk:
    """The run's bookkeeping: numbered screenshots, accessibility findings, console messages."""

    def __init__(self, page):
        from axe_playwright_python.sync_playwright import Axe

        self.page = page
        self.context = page.context
        self.axe = Axe()
        self.step = 0
        for old in SCREENSHOTS.glob("walkthrough-*.png"):  # a shorter walk leaves no stale steps behind
            old.unlink()
        self.audited: list[str] = []
        self.violations: list[str] = []
        self.focus_problems: list[str] = []
        # On the context: every tab the walk opens is heard, from its first request.
        self.console = watch_console(self.context)

    def shot(self, name: str, page=None):
        self.step += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        # caret="initial": Playwright otherwise leaves style="" on inputs, which htmx may copy into
        # swapped content and the strict CSP then reports.
        (page or self.page).screenshot(
            path=str(SCREENSHOTS / f"walkthrough-{self.step:02d}-{name}.png"), full_page=True, caret="initial"
        )

    def prove_axe_works(self):
        """Axe().run injects axe-core with page.evaluate, which the DevTools protocol runs whatever the
        page's CSP says (so no bypass_csp context is needed); this proves it also finds things."""
        self.page.evaluate(CANARY_ADD)
        found = {v["id"] for v in self.axe.run(self.page).response["violations"]}
        self.page.evaluate(CANARY_REMOVE)
        assert "label" in found, f"axe-core did not report an unlabelled field: {found}"

    def audit(self, label: str, page=None):
        """axe-core on the page as it is now; findings are kept for one report at the end."""
        self.audited.append(label)
        self.violations += accessibility_problems(self.axe, page or self.page, label)

    def _check_stop(self, label: str, focused: dict):
        if focused["media"]:
            return
        if not focused["visible"]:
            self.focus_problems.append(
                f"{label}: no visible focus on {focused['what']} ({focused['text']!r})"
            )
        elif focused["contrast"] is not None and focused["contrast"] < FOCUS_CONTRAST:
            self.focus_problems.append(
                f"{label}: the focus outline on {focused['what']} has contrast "
                f"{focused['contrast']}:1, under {FOCUS_CONTRAST}:1"
            )
        if not focused["onScreen"]:
            self.focus_problems.append(f"{label}: focus is off screen on {focused['what']}")

    def keyboard(self, label: str, url: str | None = None, *, header: bool = False, stops: int = 15):
        """From the top of a freshly loaded page (`url` in a new tab, else the walk's page, just
        loaded): the first Tab reaches "Skip to content" or the main navigation; with `header`, every
        stop through the header shows focus; the skip link brings <main> into view and the next
        `stops` focus stops, inside it, show focus too."""
        tab = self.context.new_page() if url else self.page
        try:
            if url:
                tab.goto(url)
            autofocused = tab.evaluate(FOCUSED)
            if autofocused:
                # A form page that focuses its first field on load starts the keyboard user there.
                self._check_stop(label, autofocused)
                return
            tab.keyboard.press("Tab")
            first = tab.evaluate(FOCUSED)
            if not first or not (first["skip"] or first["inMainNav"]):
                self.focus_problems.append(
                    f"{label}: the first Tab reached {first} instead of the skip link or the main navigation"
                )
                return
            self._check_stop(label, first)
            if header:
                self._through_header(tab, label)
            if first["skip"]:
                self._through_skip_link(tab, label, stops)
        finally:
            if url:
                tab.close()

    def _through_header(self, tab, label: str):
        for _ in range(25):
            tab.keyboard.press("Tab")
            focused = tab.evaluate(FOCUSED)
            if not focused or focused["inMain"]:
                break
            self._check_stop(f"{label}, header", focused)
        tab.goto(tab.url)  # back to the top for the skip link
        tab.keyboard.press("Tab")

    def _through_skip_link(self, tab, label: str, stops: int):
        tab.keyboard.press("Enter")
        # Let the fragment navigation and its hashchange handlers finish before looking.
        wait_for_page(tab, "location.hash === '#main'")
        tab.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        top, height = tab.evaluate(
            "() => [document.querySelector('main').getBoundingClientRect().top, innerHeight]"
        )
        if not -1 <= top < height / 2:
            self.focus_problems.append(
                f"{label}: after the skip link, <main> starts {top:.0f}px from the "
                "top of the window instead of at it"
            )
        for n in range(stops):
            tab.keyboard.press("Tab")
            focused = tab.evaluate(FOCUSED)
            if not focused or focused["skip"]:
                break  # nothing (more) to focus in <main>: Tab went round to the top of the page
            if n == 0 and not focused["inMain"]:
                self.focus_problems.append(
                    f"{label}: after the skip link, Tab reached {focused['what']} outside <main>"
                )
            self._check_stop(label, focused)

    def report(self) -> str:
        parts = []
        if self.console:
            parts.append("Console errors or CSP reports:\n  " + "\n  ".join(self.console))
        if self.violations:
            parts.append(
                "axe-core violations (serious, critical, landmarks) and broken ARIA references:"
                "\n  " + "\n  ".join(self.violations)
            )
        if self.focus_problems:
            parts.append("Keyboard focus problems:\n  " + "\n  ".join(self.focus_problems))
        return "\n\n".join(parts)


def test_a_new_hiring_manager_walks_the_whole_dashboard(live_server, page, sandbox, settings, tmp_path):
    from playwright.sync_api import expect

    settings.PUBLIC_BASE_URL = live_server.url  # the sandbox delivers webhooks to this server
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "uploads"},
        },
    }
    team = TeamFactory(name="Acme Hiring")  # no API key yet: the manager sets it up
    MembershipFactory(user=UserFactory(username="hana"), team=team, role="admin")
    walk = Walk(page)
    url = live_server.url

    # 1. Sign in.
    page.goto(f"{url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    walk.prove_axe_works()
    walk.audit("sign in")
    walk.shot("sign-in")
    page.get_by_label("Username").fill("hana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Home greets the person; the team's name sits above the greeting.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Good (morning|afternoon|evening), hana$")
    )
    expect(page.locator(".home-team")).to_have_text("Acme Hiring")
    expect(page.get_by_text("This team has no HeyMilo API key yet.")).to_be_visible()
    walk.audit("home, no key")
    walk.keyboard("home", f"{url}/", header=True)
    walk.shot("home-no-key")

    # 2. The team's API key, pointing at the sandbox, and "Test connection".
    page.get_by_role("link", name="Add it in Settings").click()
    page.get_by_label("HeyMilo base URL").fill(sandbox.url)
    page.get_by_label("HeyMilo API key").fill(sandbox.api_key)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(re.compile(r"•••• \S{4}"))).to_be_visible()
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#connection-check")).to_contain_text("Connected", timeout=15_000)
    expect(page.locator("#connection-check")).to_contain_text("job posting")
    expect(page.locator(".status-dot.status-ok")).to_have_count(1, timeout=15_000)
    walk.audit("settings")
    walk.keyboard("settings", page.url)
    walk.shot("connection-ok")

    # 3. The first sync, from the postings page's "Refresh all", polled until it completes.
    page.get_by_role("link", name="Postings", exact=True).click()
    expect(page.get_by_text("No postings mirrored yet.")).to_be_visible()
    page.get_by_role("button", name="Refresh all").click()
    expect(page.locator("#sync-progress")).to_contain_text("Succeeded.", timeout=30_000)
    expect(page.locator("#sync-progress progress")).to_have_attribute("value", "100")
    walk.audit("postings, sync done")
    walk.shot("sync-succeeded")

    # 4. Browse postings.
    page.reload()
    for doc in sandbox.postings():
        expect(page.get_by_role("link", name=doc["title"], exact=True)).to_be_visible()
    walk.audit("postings")
    walk.keyboard("postings", page.url)
    walk.shot("postings")

    # 5. Open a posting and filter its candidates.
    posting = Posting.objects.for_team(team).order_by("title").first()
    completed = Interview.objects.for_team(team).filter(posting=posting, status="completed")
    assert completed.count() >= 2, "the sandbox's seed gives each posting completed interviews"
    page.get_by_role("link", name=posting.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(posting.title)
    walk.audit("posting")
    walk.keyboard("posting", page.url)
    page.get_by_label("Status").select_option("completed")
    expect(page).to_have_url(re.compile(r"status=completed"))
    expect(page.locator("#candidate-table")).to_contain_text(f"{completed.count()} candidate")
    walk.audit("posting, filtered")
    walk.shot("candidates-filtered")

    # 6. A profile, then its transcript with the player: the recording loads and a time seeks it.
    candidate = completed.filter(has_recording=True).order_by("-interviewed_on", "-id").first()
    assert candidate is not None, "the sandbox's seed has completed interviews with recordings"
    page.locator("#candidate-table").get_by_role("link", name=candidate.name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(candidate.name)
    walk.audit("profile")
    walk.keyboard("profile", page.url)
    walk.shot("profile")
    page.get_by_role("link", name="Transcript", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Transcript")
    wait_for_page(page, "document.querySelector('[data-media]').readyState >= 1")
    line = candidate.transcript_lines.filter(offset_seconds__gt=5).order_by("position")[1]
    page.locator(f"#t-{line.position} [data-seek]").click()
    assert abs(page.locator("[data-media]").evaluate("m => m.currentTime") - line.offset_seconds) < 0.5
    walk.audit("transcript")
    walk.keyboard("transcript", page.url)
    walk.shot("transcript-player")

    # 7. Decide (advance, with a reason) and add a note.
    page.get_by_role("link", name=f"← {candidate.name}").click()
    page.get_by_text("Add a reason").click()  # the reason is optional, folded under the decision
    page.get_by_role("textbox", name="Reason (optional)").fill("Clear, specific answers")
    page.get_by_role("button", name="Advance").click()
    expect(page.locator("#profile-header")).to_contain_text("Decision recorded: advance.")
    # The side panel follows the decision (its activity refreshes) before the note is typed in it.
    expect(page.locator("#profile-side .side-activity")).to_contain_text("decided")
    page.locator("#note-body").fill("Phone screen next week")
    page.get_by_role("button", name="Post note").click()
    expect(page.locator("#profile-side")).to_contain_text("Phone screen next week")
    page.get_by_role("link", name="Activity", exact=True).click()
    expect(page.locator("#tab-activity")).to_contain_text("Phone screen next week")
    expect(page.locator("#tab-activity")).to_contain_text("Clear, specific answers")
    walk.audit("profile, activity")
    walk.shot("decided-and-noted")
    assert [d.value for d in candidate.decisions.all()] == ["advance"]

    # 8. Connect webhooks for the posting; a second tab keeps the posting page open to see events
    # arrive while the first one imports (the imported interviews are what HeyMilo reports on).
    # The plumbing lives on the posting's Manage tab, for admins.
    page.goto(f"{url}/postings/{posting.remote_id}/")
    page.get_by_role("link", name="Manage", exact=True).click()
    panel = page.locator(".wh-panel")
    expect(panel).to_contain_text("Not connected")
    panel.get_by_role("button", name="Connect this dashboard").click()
    expect(panel).to_contain_text("Connected: 3 webhooks created.", timeout=15_000)
    walk.audit("posting, webhooks connected")
    walk.shot("webhooks-connected")
    watcher = page.context.new_page()
    watcher.goto(f"{url}/postings/{posting.remote_id}/manage/")
    expect(watcher.locator(".wh-panel .badge")).to_have_text("Connected")
    watcher.goto(f"{url}/postings/{posting.remote_id}/")

    # 9. Import a small CSV into the posting: upload, preview, start, done.
    upload = tmp_path / "career fair.csv"
    upload.write_text(IMPORT_CSV, encoding="utf-8")
    page.get_by_role("link", name="Import CSV").click()
    expect(page.get_by_label("Posting")).to_have_value(str(posting.id))
    walk.audit("imports")
    walk.keyboard("imports", page.url)
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.locator('[data-count="valid"]')).to_have_text("2")
    import_path = page.url.removeprefix(url)
    walk.audit("import preview")
    walk.keyboard("import preview", page.url)
    walk.shot("import-preview")
    page.get_by_role("button", name="Start import: send 2 candidates").click()
    expect(page.locator("#import-progress")).to_contain_text("100 %", timeout=30_000)
    expect(page.locator("#import-progress")).to_contain_text("2 ingested")
    walk.audit("import done")
    walk.shot("import-done")
    assert sorted(r["email"] for r in sandbox.state()["ingested"]) == [
        "ada.walk@example.com",
        "grace.walk@example.com",
    ]

    # 10. HeyMilo (the sandbox) runs the new interviews and calls the webhooks: the open tab shows it.
    notice = watcher.locator(".wh-notice", has_text=re.compile(r"(Ada Lovelace|Grace Hopper) completed"))
    expect(notice.first).to_be_visible(timeout=30_000)
    walk.audit("posting, live event", watcher)
    walk.shot("webhook-event-live", watcher)
    watcher.close()
    page.goto(f"{url}/webhooks/events/")
    expect(page.locator(".wh-state-processed").first).to_be_visible()
    walk.audit("webhook events")
    walk.keyboard("webhook events")
    walk.shot("webhook-event-log")

    # 11. Export the posting's candidates (as filtered) to CSV.
    page.goto(f"{url}/postings/{posting.remote_id}/")
    total = int(page.locator("#candidate-table .table-tools strong").inner_text())
    with page.expect_download() as download:
        page.locator("#candidate-table").get_by_role("link", name="Export CSV").click()
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(exported) == total
    row = next(r for r in exported if r["HeyMilo interview id"] == candidate.remote_id)
    assert (row["Name"], row["Team decision"]) == (candidate.name, "advance")
    walk.shot("exported")

    # 12. The rest of the navigation, as a new manager would look around: audited and keyboard-checked.
    page.goto(f"{url}/")
    nav = page.locator("nav[aria-label='Main'] a")
    hrefs = [
        h
        for h in nav.evaluate_all("links => links.map(a => a.getAttribute('href'))")
        if h not in ("/", "/postings/", "/settings/", "/imports/")
    ]
    for href in [*hrefs, "/settings/members/", "/account/password/"]:
        page.goto(f"{url}{href}")
        assert page.get_by_role("heading", level=1).count() == 1, f"{href} has no single <h1>"
        walk.keyboard(href)
        walk.audit(href)
        walk.shot("tour-" + (href.strip("/").replace("/", "-") or "home"))

    # 13. The stylesheet has a dark scheme too: the main pages' contrast is audited in it as well.
    page.emulate_media(color_scheme="dark")
    for href in (
        "/",
        f"/postings/{posting.remote_id}/",
        f"/interviews/{candidate.remote_id}/activity/",
        f"/interviews/{candidate.remote_id}/transcript/",
        import_path,
        "/webhooks/events/",
    ):
        page.goto(f"{url}{href}")
        walk.audit(f"dark {href}")
    walk.shot("dark-event-log")
    page.emulate_media(color_scheme="light")

    # 14. Compare two ticked candidates side by side.
    page.goto(f"{url}/postings/{posting.remote_id}/?status=completed")
    ticks = page.locator("#candidate-table tbody input[name=ids]")
    ticks.nth(0).check()
    ticks.nth(1).check()
    page.get_by_role("button", name="Compare ticked").click()
    expect(page).to_have_url(re.compile(r"/candidates/compare/\?.*ids=.*ids="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare candidates")
    expect(page.locator("th.compare-candidate")).to_have_count(2)
    walk.audit("compare")
    walk.keyboard("compare", page.url)
    walk.shot("compare")

    problems = walk.report()
    assert not problems, f"Every step worked, but (pages audited: {', '.join(walk.audited)}):\n\n{problems}"
