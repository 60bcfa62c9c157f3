"""End to end in Chromium (issue 20): a reviewer fills in a scorecard on the profile (a draft, then
submitted) without a reload, sees the teammate's scorecard only then, beside HeyMilo's criterion
scores with the split flagged; compare shows the recommendations; the calibration page draws its
figures. With SCORECARD_SHOTS=<dir>, each page is also photographed at 1440 and 390 px, light and
dark."""

import os
import random
from pathlib import Path

import pytest
from django.core.cache import cache

from dashboard.analytics.services import recompute_done
from dashboard.core.stamps import team_changed
from dashboard.mirror import services as mirror_services
from dashboard.mirror.models import Interview
from dashboard.review.models import CandidateStage, Stage
from dashboard.scorecards import ai, selectors, services
from dashboard.scorecards.models import Criterion, Scorecard
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.mirror.helpers import point_team_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = ((1440, 900), (390, 844))


def sign_in(page, live_server, username: str):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def photograph(page, name: str, locator: str | None = None) -> None:
    folder = os.environ.get("SCORECARD_SHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for width, height in SIZES:
        for scheme in ("light", "dark"):
            page.set_viewport_size({"width": width, "height": height})
            page.emulate_media(color_scheme=scheme)
            path = f"{folder}/{name}-{width}-{scheme}.png"
            if locator:
                page.locator(locator).scroll_into_view_if_needed()
                page.locator(locator).screenshot(path=path, caret="initial")
            else:
                page.screenshot(path=path, full_page=True, caret="initial")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(color_scheme="light")


def scored_interviews(team) -> list[Interview]:
    rows = Interview.objects.filter(team=team, status="completed").exclude(posting=None).order_by("remote_id")
    return [row for row in rows if ai.criterion_scores(ai.parse(row))]


def seed_the_team(team, admin, rows) -> None:
    """Scorecards from the admin on most candidates, roughly following the AI with some dissent, and
    stage moves, so the calibration page has figures to draw."""
    rng = random.Random(5)
    rejected = Stage.objects.get(team=team, role=Stage.Role.REJECTED)
    reviewed = Stage.objects.get(team=team, name="Reviewed")
    for row in rows:
        template = services.template_for_posting(team, posting=row.posting)
        scores = ai.criterion_scores(ai.parse(row))
        ratings = {}
        for c in Criterion.objects.filter(template=template):
            base = scores.get(c.ai_key)
            guess = round((base or 5) / 10 * 4 + rng.choice([-2, -1, 0, 0, 1]))
            ratings[c.pk] = max(1, min(4, guess))
        services.scorecard_save(
            team,
            user=admin,
            interview=row,
            ratings=ratings,
            recommendation=rng.randint(1, 4),
            notes={},
            submit=True,
        )
        CandidateStage.objects.update_or_create(
            interview=row,
            defaults={"team": team, "posting": row.posting, "stage": rng.choice([rejected, reviewed])},
        )


def test_a_reviewer_scores_a_candidate_and_sees_the_team_beside_the_ai(live_server, page, team, sandbox):
    from playwright.sync_api import expect

    point_team_at(team, sandbox)
    mirror_services.sync_request(team)
    rows = scored_interviews(team)
    assert len(rows) >= 3, "the sandbox's completed interviews carry scorecards"
    admin = UserFactory(username="maya", first_name="Maya", last_name="Chen")
    MembershipFactory(user=admin, team=team, role="admin")
    reviewer = UserFactory(username="sam", first_name="Sam", last_name="Ortiz")
    MembershipFactory(user=reviewer, team=team, role="reviewer")
    interview = rows[0]
    seed_the_team(team, admin, rows[1:])
    template = services.template_for_posting(team, posting=interview.posting)
    criteria = list(Criterion.objects.filter(template=template).order_by("section__position", "position"))
    services.scorecard_save(
        team,
        user=admin,
        interview=interview,
        ratings={c.pk: 1 for c in criteria},
        recommendation=1,
        notes={criteria[0].section_id: "Vague on the details."},
        submit=True,
    )

    sign_in(page, live_server, "sam")
    page.goto(f"{live_server.url}/interviews/{interview.remote_id}/")
    panel = page.locator("#scorecard-panel")
    expect(panel).to_contain_text("1 teammate has submitted a scorecard")
    expect(panel.locator(".sc-compare")).to_have_count(0)

    # A draft: saved in place, still only mine.
    panel.locator(f'label[for="r-{criteria[0].pk}-4"]').click()
    panel.locator("textarea").first.fill("Clear on the trade-offs.")
    panel.get_by_role("button", name="Save draft").click()
    expect(panel).to_contain_text("Draft saved: only you can see it.")
    expect(panel).to_contain_text("1 teammate has submitted a scorecard")
    photograph(page, "profile-scorecard-form", "#scorecard-panel")

    # Submitted: the team's scorecards appear beside the AI's scores, the split flagged.
    for c in criteria[1:]:
        panel.locator(f'label[for="r-{c.pk}-4"]').click()
    panel.locator('label[for="rec-4"]').click()
    panel.get_by_role("button", name="Submit scorecard").click()
    expect(panel).to_contain_text("Scorecard submitted")
    expect(panel.locator(".sc-compare")).to_contain_text("Maya Chen")
    expect(panel.locator(".sc-compare tr.is-split").first).to_be_visible()
    expect(panel.locator(".sc-compare")).to_contain_text("Strong no")
    expect(panel.locator(".sc-compare")).to_contain_text("Strong yes")
    card = Scorecard.objects.get(user=reviewer)
    assert card.submitted and card.notes == {str(criteria[0].section_id): "Clear on the trade-offs."}
    photograph(page, "profile-scorecards", "#scorecard-panel")

    # Compare: the team's recommendations.
    other = rows[1]
    page.goto(f"{live_server.url}/candidates/compare/?ids={interview.remote_id}&ids={other.remote_id}")
    expect(page.locator(".sc-compare-recs")).to_contain_text("Strong yes")
    photograph(page, "compare-recommendations")

    # Calibration: its figures drawn.
    page.goto(f"{live_server.url}/calibration/")
    expect(page.locator("h1")).to_have_text("People versus the AI")
    expect(page.locator("#criteria-title")).to_be_visible()
    photograph(page, "calibration")

    # After a change: the last figures at once, said to be updating, and the new ones swapped in
    # by the page's poll once the worker's recompute is done (held pending while photographed).
    key = selectors.figures_key(team)
    cache.add(key + ":recompute", 1, 60)
    team_changed(team.pk)  # as any decision or sync would
    page.goto(f"{live_server.url}/calibration/")
    expect(page.locator(".analytics-as-of")).to_contain_text("· updating")
    expect(page.locator("#criteria-title")).to_be_visible()
    photograph(page, "calibration-updating")
    recompute_done(key=key)
    expect(page.locator(".analytics-as-of")).to_have_count(0, timeout=15000)
    expect(page.locator("#calibration-figures")).not_to_have_attribute("hx-trigger", "every 2s")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
