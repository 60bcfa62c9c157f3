"""The calibration page's figures on a data set whose answer this test works out by itself from
the raw rows (average ranks and Pearson's formula written here, no library), the minimum-sample
rule, the CSV, who may see it, and its queries whatever the number of candidates."""

import math
import random

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard.mirror.models import Posting
from dashboard.review.models import CandidateStage, Decision, Stage
from dashboard.scorecards import selectors, services
from dashboard.scorecards.models import Answer, Criterion
from tests.csv_download import csv_rows
from tests.scorecards.conftest import KEY, make_candidate

pytestmark = pytest.mark.django_db


def stage(team, role="", name=None):
    if name:
        return Stage.objects.get(team=team, name=name)
    return Stage.objects.get(team=team, role=role)


def place(team, interview, where: Stage) -> None:
    CandidateStage.objects.create(team=team, interview=interview, posting=interview.posting, stage=where)


def decide(team, interview, value) -> None:
    Decision.objects.create(team=team, interview=interview, value=value, current=True)


def build_outcomes(team, posting):
    """12 AI-high candidates (10 acted on, 4 of them rejected: 3 by stage, 1 by decision alone) and
    12 AI-low ones (11 acted on, 3 advanced: 2 by stage, 1 by decision alone), and mid scores that
    count in neither."""
    rejected, reviewed, offer = (
        stage(team, "rejected"),
        stage(team, name="Reviewed"),
        stage(team, name="Offer"),
    )
    n = 0

    def new(score):
        nonlocal n
        n += 1
        return make_candidate(team, posting, n, score=score)

    for i in range(12):
        row = new(80 + i)
        if i < 3:
            place(team, row, rejected)
        elif i == 3:
            decide(team, row, "reject")
        elif i < 8:
            place(team, row, reviewed)
        elif i < 10:
            decide(team, row, "advance")  # no stage move: a decision alone is acting on it
        # 10, 11: not acted on
    for i in range(12):
        row = new(10 + i * 3)
        if i < 2:
            place(team, row, offer)
        elif i == 2:
            decide(team, row, "advance")
        elif i < 10:
            place(team, row, rejected)
        elif i == 10:
            decide(team, row, "hold")  # acted on, neither advanced nor rejected
        # 11: not acted on
    new(65)  # mid: counts in neither
    place(team, new(70), rejected)


def test_ai_high_rejected_and_ai_low_advanced_rates(team, posting):
    build_outcomes(team, posting)
    other = Posting.objects.create(team=team, remote_id="P-OTHER", title="Other")
    row = make_candidate(team, other, 1, score=95)
    place(team, row, stage(team, "rejected"))

    total = selectors.outcomes(team)[0]
    assert (total.high_rejected.part, total.high_rejected.whole) == (5, 11)
    assert (total.low_advanced.part, total.low_advanced.whole) == (3, 11)
    assert total.low_advanced.percent == pytest.approx(100 * 3 / 11)

    one = selectors.outcomes(team, posting)
    assert len(one) == 1
    assert (one[0].high_rejected.part, one[0].high_rejected.whole) == (4, 10)
    assert one[0].high_rejected.percent == pytest.approx(40.0)
    # The other posting alone has one candidate acted on: too few for a figure.
    by_posting = {o.remote_id: o for o in selectors.outcomes(team)[1:]}
    assert by_posting["P-OTHER"].high_rejected.percent is None
    assert not by_posting["P-OTHER"].high_rejected.enough


# --- people's ratings against the AI's -----------------------------------------------------------


def average_ranks(values: list[float]) -> list[float]:
    """1-based ranks, ties sharing the mean of the ranks they span."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float:
    rx, ry = average_ranks(xs), average_ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    return cov / math.sqrt(sum((a - mx) ** 2 for a in rx) * sum((b - my) ** 2 for b in ry))


@pytest.fixture
def scored(team, posting, admin, reviewer):
    """14 candidates, each scored by the AI on three questions (with ties) and rated by two people
    on the criteria (some left unrated); a draft and an unscored question that must not count."""
    rng = random.Random(20)
    rows = []
    for n in range(14):
        ai = {"q_sql": rng.choice([2, 4, 5, 5, 7, 9]), "q_team": rng.choice([3, 6, 6, 8]), "q_plan": None}
        if n == 13:
            ai.pop("q_team")  # HeyMilo did not ask this one
        rows.append(make_candidate(team, posting, 100 + n, score=rng.randint(20, 95), ai=ai))
    template = services.template_for_posting(team, posting=posting)
    by_key = {c.ai_key: c for c in Criterion.objects.filter(template=template)}
    criteria = {qid: by_key[key] for qid, key in KEY.items()}
    for row in rows:
        for user in (admin, reviewer):
            ratings = {c.pk: rng.choice([1, 2, 3, 3, 4, None]) for c in criteria.values()}
            services.scorecard_save(
                team,
                user=user,
                interview=row,
                ratings=ratings,
                recommendation=rng.randint(1, 4),
                notes={},
                submit=True,
            )
    # A third person's draft: never part of a figure.
    from tests.conftest import _member

    drafter = _member(team, "reviewer", "dora")
    services.scorecard_save(
        team,
        user=drafter,
        interview=rows[0],
        ratings={c.pk: 4 for c in criteria.values()},
        recommendation=4,
        notes={},
        submit=False,
    )
    return rows, criteria


def expected_pairs(criterion) -> list[tuple[float, float]]:
    """From the raw answers: each candidate's mean submitted rating and the AI's score."""
    per: dict[int, list] = {}
    for a in Answer.objects.filter(criterion=criterion, scorecard__submitted_at__isnull=False):
        if a.rating is not None and a.ai_score is not None:
            per.setdefault(a.interview_id, []).append((a.rating, a.ai_score))
    return [(sum(r for r, _ in v) / len(v), v[0][1]) for v in per.values()]


def test_rank_correlation_and_gaps_match_an_independent_computation(team, posting, scored):
    _rows, criteria = scored
    figures = {f.criterion_id: f for f in selectors.criteria_figures(team, posting)}

    for key in ("q_sql", "q_team"):
        pairs = expected_pairs(criteria[key])
        figure = figures[criteria[key].pk]
        assert figure.n == len(pairs) >= selectors.MIN_SAMPLE
        assert figure.rho == pytest.approx(spearman([h for h, _ in pairs], [a for _, a in pairs]), abs=1e-9)
        assert figure.gap == pytest.approx(sum(abs(h * 25 - a * 10) for h, a in pairs) / len(pairs))
        assert figure.lean == pytest.approx(sum(h * 25 - a * 10 for h, a in pairs) / len(pairs))
    # The question the AI did not score has no pairs at all.
    assert criteria["q_plan"].pk not in figures


def test_the_most_disputed_candidates_are_those_furthest_from_the_ai(team, posting, scored):
    rows, _ = scored
    gaps = {}
    for row in rows:
        found = [
            abs(a.rating * 25 - a.ai_score * 10)
            for a in Answer.objects.filter(interview=row, submitted=True)
            if a.rating is not None and a.ai_score is not None
        ]
        if found:
            gaps[row.remote_id] = sum(found) / len(found)
    listed = selectors.disputed(team, posting)
    assert len(listed) == selectors.DISPUTED_SHOWN
    assert [d.gap for d in listed] == pytest.approx(
        sorted(gaps.values(), reverse=True)[: selectors.DISPUTED_SHOWN]
    )
    assert listed[0].remote_id == max(gaps, key=lambda k: gaps[k])


def test_a_criterion_rated_for_too_few_candidates_shows_no_figure(
    team, posting, admin, reviewer, login, django_capture_on_commit_callbacks
):
    rows = [
        make_candidate(team, posting, n, score=50, ai={"q_sql": n % 10 + 1})
        for n in range(selectors.MIN_SAMPLE - 1)
    ]
    template = services.template_for_posting(team, posting=posting)
    sql = Criterion.objects.get(template=template, ai_key=KEY["q_sql"])
    for n, row in enumerate(rows):
        services.scorecard_save(
            team,
            user=admin,
            interview=row,
            ratings={sql.pk: n % 4 + 1},
            recommendation=3,
            notes={},
            submit=True,
        )
    (figure,) = selectors.criteria_figures(team, posting)
    assert figure.n == selectors.MIN_SAMPLE - 1 and figure.rho is None
    assert selectors.figures(team, posting).widest == []

    client = login(reviewer)
    page = client.get(reverse("calibration") + f"?posting={posting.remote_id}").content.decode()
    assert "Too few" in page
    assert "too few to say" in page
    assert "A figure needs at least 10 candidates" in page

    # The tenth candidate makes it a figure.
    row = make_candidate(team, posting, 50, score=50, ai={"q_sql": 3})
    services.scorecard_save(
        team, user=admin, interview=row, ratings={sql.pk: 2}, recommendation=3, notes={}, submit=True
    )
    (figure,) = selectors.criteria_figures(team, posting)
    assert figure.n == selectors.MIN_SAMPLE and figure.rho is not None
    url = reverse("calibration") + f"?posting={posting.remote_id}"
    with django_capture_on_commit_callbacks(execute=True):  # the last figures; the recompute runs
        assert "· updating" in client.get(url).content.decode()
    page = client.get(url).content.decode()
    assert f"(n={selectors.MIN_SAMPLE})" in page


def test_the_page_and_its_csv(team, posting, scored, reviewer, login):
    build_outcomes(team, posting)
    client = login(reviewer)
    page = client.get(reverse("calibration")).content.decode()
    assert "People versus the AI" in page
    assert "of AI-high candidates rejected (4 of 10 acted on)" in page
    assert "<svg" in page and "Agreement per criterion" in page
    rows, _ = scored
    top = selectors.disputed(team)[0]
    assert f'href="{reverse("interview", args=[top.remote_id])}"' in page

    response = client.get(reverse("calibration_csv", args=["criteria"]) + f"?posting={posting.remote_id}")
    assert response["Content-Type"].startswith("text/csv")
    table = csv_rows(response)
    assert table[0][:4] == ["Criterion", "Template", "Candidates", "Rank correlation"]
    by_name = {row[0]: row for row in table[1:]}
    figure = next(f for f in selectors.criteria_figures(team, posting) if f.rho is not None)
    assert float(by_name[figure.name][3]) == pytest.approx(figure.rho, abs=1e-3)
    outcomes = list(csv_rows(client.get(reverse("calibration_csv", args=["outcomes"]))))
    assert outcomes[1][0] == "All postings" and outcomes[1][2:5] == ["10", "4", "40.0"]


def test_viewers_do_not_see_it_and_outsiders_see_only_their_own_team(
    team, viewer, outsider, login, posting, scored
):
    assert login(viewer).get(reverse("calibration")).status_code == 403
    assert login(viewer).get(reverse("calibration_csv", args=["criteria"])).status_code == 403
    page = login(outsider).get(reverse("calibration")).content.decode()
    assert "Candidate 1" not in page and "Data engineer" not in page
    assert "No submitted scorecard rates a criterion" in page


def test_a_posting_of_another_team_is_refused_with_a_message(team, reviewer, login, other_team):
    theirs = Posting.objects.create(team=other_team, remote_id="THEIRS", title="Secret role")
    client = login(reviewer)
    page = client.get(reverse("calibration") + f"?posting={theirs.remote_id}").content.decode()
    assert "That posting is not one of this team&#x27;s." in page and "Secret role" not in page
    assert client.get(reverse("calibration_csv", args=["criteria"]) + "?posting=THEIRS").status_code == 404


def test_the_page_takes_the_same_queries_at_any_number_of_candidates(team, posting, admin, reviewer, login):
    client = login(reviewer)
    template = services.template_for_posting(team, posting=posting)
    criteria = list(Criterion.objects.filter(template=template))

    def add(count, start):
        for n in range(start, start + count):
            row = make_candidate(team, posting, n, score=n % 100, ai={"q_sql": n % 10 + 1, "q_team": 5})
            place(team, row, stage(team, "rejected"))
            services.scorecard_save(
                team,
                user=admin,
                interview=row,
                ratings={c.pk: n % 4 + 1 for c in criteria},
                recommendation=2,
                notes={},
                submit=True,
            )

    def queries() -> int:
        # The first view of the posting, which computes the figures here (later ones after a
        # change serve the last figures and leave the computing to a worker).
        cache.delete(selectors.figures_key(team))
        with CaptureQueriesContext(connection) as seen:
            assert client.get(reverse("calibration")).status_code == 200
        return len(seen)

    add(12, 0)
    small = queries()
    add(30, 100)
    assert queries() == small


# --- the figures after a change: the last ones, marked as updating, while a worker computes -----------


def test_after_a_change_the_page_serves_the_last_figures_as_updating_and_one_recompute_renews_them(
    team, posting, scored, admin, reviewer, login, django_capture_on_commit_callbacks
):
    _rows, criteria = scored
    sql = criteria["q_sql"]
    client = login(reviewer)
    url = reverse("calibration") + f"?posting={posting.remote_id}"
    # The posting's first view computes them here: nothing older to show.
    first = client.get(url).content.decode()
    assert "updating" not in first
    old_n = len(expected_pairs(sql))
    assert f"(n={old_n})" in first

    # A change: one more candidate scored (every scorecard write renews the team's stamp).
    row = make_candidate(team, posting, 300, score=90, ai={"q_sql": 9, "q_team": 2})
    services.scorecard_save(
        team,
        user=admin,
        interview=row,
        ratings={c.pk: 1 for c in criteria.values()},
        recommendation=1,
        notes={},
        submit=True,
    )
    with django_capture_on_commit_callbacks() as queued:
        stale = client.get(url).content.decode()
        polled = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Figures as of" in stale and "· updating" in stale and 'hx-trigger="every 2s"' in stale
    assert f"(n={old_n})" in stale and f"(n={old_n + 1})" not in stale
    # The poll draws the figures region alone, still the old ones, and queues nothing more.
    assert "<html" not in polled and "· updating" in polled and f"(n={old_n})" in polled
    assert len(queued) == 1

    queued[0]()  # the queued task (inline in tests) computes them as a worker would

    fresh = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "updating" not in fresh and "hx-trigger" not in fresh
    pairs = expected_pairs(sql)
    assert len(pairs) == old_n + 1
    rho = spearman([h for h, _ in pairs], [a for _, a in pairs])
    assert f"{rho:+.2f} (n={old_n + 1})" in fresh
    figure = next(
        f for f in selectors.cached_figures(team, posting).figures.criteria if f.criterion_id == sql.pk
    )
    assert figure.rho == pytest.approx(rho, abs=1e-9)
    assert figure.gap == pytest.approx(sum(abs(h * 25 - a * 10) for h, a in pairs) / len(pairs))
    # Nothing is left pending: the next change queues a recompute again.
    services.scorecard_save(
        team, user=reviewer, interview=row, ratings={sql.pk: 4}, recommendation=4, notes={}, submit=True
    )
    with django_capture_on_commit_callbacks() as queued:
        assert "· updating" in client.get(url).content.decode()
    assert len(queued) == 1


def test_the_cached_figures_are_kept_per_team_and_posting(
    team, posting, scored, reviewer, outsider, other_team, login
):
    keys = {
        selectors.figures_key(team, posting),
        selectors.figures_key(team),
        selectors.figures_key(other_team),
    }
    assert len(keys) == 3
    assert "Candidate 1" in login(reviewer).get(reverse("calibration")).content.decode()
    assert selectors.cached_figures(team) is not None
    assert selectors.cached_figures(team, posting) is None  # another filter: nothing yet
    assert selectors.cached_figures(other_team) is None
    # The other team's first view computes its own figures, never the cached ones of this team.
    page = login(outsider).get(reverse("calibration")).content.decode()
    assert "Candidate 1" not in page and "No submitted scorecard rates a criterion" in page
