"""`make screenshots`: PNGs of each main page at 1440×900 and 390×844 under docs/screenshots/.

It starts its own HeyMilo sandbox and dashboard on free ports with a VAR_DIR of its own (a fresh
SQLite database, tasks inline, so Redis is not needed), seeds them the way `make demo` does, adds a
little reviewing (decisions, ratings, a note that mentions the admin), signs in and takes each page
in light, and the main ones in dark too. It needs only Chromium at CHROMIUM (/usr/bin/chromium).
"""

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.demo import ROOT, TEAMS, USERS, seed, wait_port

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

OUT = Path(os.environ.get("SCREENSHOTS_DIR", ROOT / "docs" / "screenshots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SIZES: dict[str, "ViewportSize"] = {
    "1440": {"width": 1440, "height": 900},
    "390": {"width": 390, "height": 844},
}
# Pages shown in the dark theme as well (the rest only in light, to keep the set small).
DARK = {"home", "posting", "candidates", "profile", "analytics", "notifications", "notification-preferences"}

# The page a share link opens and a printable report, in dark too (issue 22).
DARK |= {"shared", "report"}

# The posting board and the pipeline's settings (issue 19), in dark too.
DARK |= {"board", "pipeline"}

# A few team decisions, ratings and a note, made by the reviewer, so the table, the profile and the
# admin's inbox show what a team in the middle of hiring sees.
REVIEWING = """
import json
from django.db.models import F
from django.contrib.auth import get_user_model
from dashboard.accounts.models import Team
from dashboard.mirror.models import Interview, Posting
from dashboard.review import services
User = get_user_model()
team = Team.objects.order_by("id").first()
admin, reviewer = User.objects.get(username="admin"), User.objects.get(username="reviewer")
completed = Interview.objects.for_team(team).filter(status="completed")
posting = max(Posting.objects.for_team(team), key=lambda p: completed.filter(posting=p).count())
rows = list(completed.filter(posting=posting).order_by(F("score").desc(nulls_last=True), "id")[:8])
for row, value, reason in zip(rows, ["advance", "advance", "hold", "advance", "reject"],
                              ["Clear ownership of the payments migration", "Strong system design",
                               "Salary expectation above band", "", "No production experience"]):
    services.decision_record(team, user=reviewer, interview=row, value=value, reason=reason)
# The board: a few candidates moved along the pipeline, one rejected with a reason.
from dashboard.review import stages
from dashboard.review.models import RejectReason, Stage
named = {s.name: s for s in Stage.objects.for_team(team)}
for row, name in zip(rows, ["Offer", "Hiring-manager interview", "Reviewed", "Reviewed", "Rejected"]):
    reason = RejectReason.objects.for_team(team).first() if name == "Rejected" else None
    stages.stage_move(team, user=reviewer, interview=row, stage=named[name], reason=reason)
for row, stars in zip(rows, [5, 4, 4, 3, 2, 4]):
    services.rating_set(team, user=reviewer, interview=row, stars=stars)
services.note_add(team, user=reviewer, interview=rows[0],
                  body="@admin can you listen from 12:40? The idempotency answer is the best we have had.")
services.note_add(team, user=reviewer, interview=rows[1], body="@admin portfolio is on page 2 of the resume.")
# Notifications (the two @mentions above made theirs): a teammate's decisions and, from yesterday,
# completed interviews in a followed posting and a finished import.
from datetime import timedelta
from django.utils import timezone
from dashboard.notifications import services as notify
from dashboard.notifications.models import Notification
for row, value in zip(rows[:2], ["Advance", "Hold"]):
    notify.notifications_create(team, recipient_ids=[admin.pk], kind="decision", interview=row,
        text=f"reviewer decided {value} on {row.name}, whom you rated", link=f"/interviews/{row.remote_id}/")
done = f"/postings/{posting.remote_id}/"
yesterday = notify.notifications_create(team, recipient_ids=[admin.pk], kind="interview_completed",
    text=f"4 interviews completed in {posting.title}", link=done, posting=posting)
yesterday += notify.notifications_create(team, recipient_ids=[admin.pk], kind="job", posting=posting,
    text=f"Import of career-fair.csv into {posting.title} finished: 240 candidates sent", link="/imports/")
day_before = timezone.now() - timedelta(days=1)
Notification.objects.filter(pk__in=[n.pk for n in yesterday]).update(created_at=day_before)
Notification.objects.filter(pk=yesterday[-1].pk).update(read_at=timezone.now())
best = F("score").desc(nulls_last=True)
with_recording = completed.filter(posting=posting, has_recording=True).order_by(best, "id").first()
# A shortlist of three and a share link to the profile's candidate (issue 22's shared page and reports).
from dashboard.review.models import Shortlist
from dashboard.sharing import services as sharing
for row in rows[:3]:
    Shortlist.objects.get_or_create(team=team, interview=row, defaults={"added_by": reviewer})
_link, share = sharing.share_link_create(team, user=reviewer, interviews=[with_recording or rows[0]])
# Signed-out pages: an emailed invitation link (the mail goes to VAR_DIR/mail) and a reset link.
from django.contrib.auth.tokens import default_token_generator
from django.utils.http import urlsafe_base64_encode
from dashboard.accounts.invitations import invitation_link, invitation_send
invitation = invitation_send(team, email="dana.scully@example.com", role="reviewer", invited_by=admin)
reset = f"/account/password/reset/{urlsafe_base64_encode(str(reviewer.pk).encode())}/"
reset += f"{default_token_generator.make_token(reviewer)}/"
mail_pages = {"invitation": "/" + invitation_link(invitation).split("/", 3)[3], "reset": reset}
print(json.dumps({**mail_pages,
                  "posting": posting.remote_id, "profile": (with_recording or rows[0]).remote_id,
                  "compare": [r.remote_id for r in rows[:3]], "share": share}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pages(ids: dict) -> dict[str, str]:
    compare = "&".join(f"ids={i}" for i in ids["compare"])
    return {
        "home": "/",
        "postings": "/postings/",
        "posting": f"/postings/{ids['posting']}/",
        "candidates": "/candidates/?status=completed",
        "profile": f"/interviews/{ids['profile']}/",
        "transcript": f"/interviews/{ids['profile']}/transcript/",
        "compare": f"/candidates/compare/?{compare}",
        "search": "/search/?q=python",
        "inbox": "/inbox/",
        "analytics": "/analytics/",
        "imports": "/imports/",
        "webhooks": "/webhooks/",
        "syncs": "/syncs/",
        "settings": "/settings/",
        "members": "/settings/members/",
        "shared": f"/s/{ids['share']}/",
        "report": f"/interviews/{ids['profile']}/report/",
        "shortlist": f"/postings/{ids['posting']}/share/",
        "share-links": "/settings/shares/",
        "board": f"/postings/{ids['posting']}/board/",
        "pipeline": "/review/pipeline/",
        "notifications": "/notifications/",
        "notification-preferences": "/notifications/preferences/",
    }


def chromium_launch(playwright, executable_path: str = CHROMIUM):
    """Headless Chromium as the screenshots and the browser tests run it. The machine's network
    is closed: these switches keep Chromium from phoning home."""
    return playwright.chromium.launch(
        executable_path=executable_path,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )


def shoot(base: str, ids: dict, password: str) -> list[Path]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        login = browser.new_context()
        page = login.new_page()
        page.goto(f"{base}/login/")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/")
        state = login.storage_state()
        login.close()
        for size, scheme, context in contexts(browser, storage_state=state):
            page = context.new_page()
            for name, path in pages(ids).items():
                if scheme == "dark" and name not in DARK:
                    continue
                page.goto(f"{base}{path}")
                # A page that keeps polling is still worth its picture.
                with contextlib.suppress(PlaywrightTimeout):
                    page.wait_for_load_state("networkidle", timeout=10_000)
                suffix = "-dark" if scheme == "dark" else ""
                target = OUT / f"{name}-{size}{suffix}.png"
                # caret="initial": Playwright otherwise leaves style="" on inputs (see tests/e2e).
                page.screenshot(path=str(target), caret="initial", animations="disabled")
                written.append(target)
                if SIZES[size]["width"] < 900 and name == "home" and scheme == "light":  # the menu, open
                    page.get_by_role("button", name="Menu").click()
                    target = OUT / f"menu-{size}.png"
                    page.screenshot(path=str(target), caret="initial", animations="disabled")
                    written.append(target)
        written.append(shoot_printed_report(browser, base, ids, state))
        written.extend(shoot_signed_out(browser, base, ids))
        browser.close()
    return written


def shoot_signed_out(browser, base: str, ids: dict) -> list[Path]:
    """Pages reached from an email or the sign-in page, without a session, light and dark."""
    paths = {
        "invitation": ids["invitation"],
        "password-reset": "/account/password/reset/",
        "password-reset-sent": "/account/password/reset/sent/",
        "password-reset-confirm": ids["reset"],
    }
    written = []
    for size, scheme, context in contexts(browser):
        page = context.new_page()
        for name, path in paths.items():
            page.goto(f"{base}{path}")
            target = OUT / f"{name}-{size}{'-dark' if scheme == 'dark' else ''}.png"
            page.screenshot(path=str(target), caret="initial", animations="disabled")
            written.append(target)
    return written


def contexts(browser, **options):
    """(size, colour scheme, a browser context for them) for each of SIZES, light and dark; each
    context is closed once the next is asked for."""
    for size, viewport in SIZES.items():
        phone = viewport["width"] < 900
        for scheme in ("light", "dark"):
            context = browser.new_context(
                viewport=viewport,
                color_scheme=scheme,
                device_scale_factor=1,
                # A phone: touch and no hover, so shortcut hints stay hidden as they would.
                is_mobile=phone,
                has_touch=phone,
                **options,
            )
            yield size, scheme, context
            context.close()


def shoot_printed_report(browser, base: str, ids: dict, state) -> Path:
    """The report's first page as the browser prints it: print media on an A4 sheet (794×1123 CSS
    px), cut at the first page's edge."""
    context = browser.new_context(viewport={"width": 794, "height": 1123}, storage_state=state)
    page = context.new_page()
    page.emulate_media(media="print")
    page.goto(f"{base}/interviews/{ids['profile']}/report/")
    target = OUT / "report-print-a4.png"
    page.screenshot(path=str(target), clip={"x": 0, "y": 0, "width": 794, "height": 1123})
    context.close()
    return target


def main() -> None:
    if not Path(CHROMIUM).exists():
        sys.exit(f"No Chromium at {CHROMIUM}: install Debian's chromium or set CHROMIUM=/path/to/it.")
    var = Path(tempfile.mkdtemp(prefix="heymilo-screenshots-"))
    sandbox_port, web_port = free_port(), free_port()
    env = {
        **os.environ,
        "VAR_DIR": str(var),
        "DEBUG": "1",
        "TASKS_INLINE": "1",
        "PYTHONUNBUFFERED": "1",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
    }
    env.pop("DATABASE_URL", None)  # a SQLite file of its own under VAR_DIR
    children: list[subprocess.Popen] = []
    try:
        sandbox = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "heymilo.sandbox",
                "--port",
                str(sandbox_port),
                "--postings",
                "6",
                "--interviews-per-posting",
                "40",
                "--seed",
                "2026",
                "--quiet",
                *[arg for _, key in TEAMS for arg in ("--api-key", key)],
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        children.append(sandbox)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        wait_port(sandbox_port, sandbox, "The HeyMilo sandbox")
        creds = {username: f"{username}-shots-pass" for username, _role in USERS}
        print("→ seeding teams and syncing from the sandbox", flush=True)
        seed(env, f"http://127.0.0.1:{sandbox_port}", creds)
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", REVIEWING],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            sys.exit(f"Seeding the reviewing failed:\n{done.stderr}")
        ids = json.loads(done.stdout.strip().splitlines()[-1])
        web = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        children.append(web)
        wait_port(web_port, web, "The web server", timeout=60)
        OUT.mkdir(parents=True, exist_ok=True)
        for old in OUT.glob("*.png"):
            old.unlink()
        print("→ taking screenshots", flush=True)
        written = shoot(f"http://127.0.0.1:{web_port}", ids, creds["admin"])
        total = sum(p.stat().st_size for p in written)
        print(f"Wrote {len(written)} PNGs ({total / 1e6:.1f} MB) to {OUT}/")
    finally:
        for proc in children:
            proc.terminate()
        for proc in children:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
