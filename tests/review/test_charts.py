"""The posting page's pipeline funnel and score distribution."""

import pytest

from dashboard.mirror.models import Interview, Posting
from dashboard.review import charts
from heymilo.models import WorkflowStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def posting(team):
    posting = Posting.objects.create(team=team, remote_id="P", title="Role")
    for index, (score, done) in enumerate([(95, 2), (91.5, 2), (55, 1), (100, 2), (None, 0)]):
        Interview.objects.create(
            team=team, posting=posting, remote_id=f"i{index}", score=score, steps_total=2, steps_complete=done
        )
    Interview.objects.create(team=team, posting=posting, remote_id="gone", score=10, missing=True)
    return posting


def test_the_funnel_counts_candidates_reaching_each_step(posting):
    steps = [
        WorkflowStep(type="resume", unique_id="r", config={}),
        WorkflowStep(type="web_interview", unique_id="w", config={}),
    ]
    bars = charts.funnel(posting, steps)
    assert [(b.label, b.count) for b in bars] == [
        ("Candidates", 5),
        ("Resume screen done", 4),
        ("Web interview done", 3),
    ]
    assert [b.percent for b in bars] == [100, 80, 60]


def test_the_histogram_puts_scores_in_bands_of_ten(posting):
    bars = charts.score_histogram(posting)
    counts = {b.label: b.count for b in bars}
    assert counts["90–100"] == 3  # 91.5, 95 and 100 (the top band includes 100)
    assert counts["50–59"] == 1
    assert sum(counts.values()) == 4  # no score and missing rows are left out
    tallest = max(bars, key=lambda b: b.count)
    assert tallest.height == charts.CHART_HEIGHT and tallest.y == 0


def test_the_posting_page_draws_both(login, viewer, posting):
    html = login(viewer).get(f"/postings/{posting.remote_id}/").text
    assert '<svg class="histogram"' in html and "Pipeline" in html
    assert "90–100: 3 candidates" in html


def test_band_edges_fall_in_the_band_they_start(team):
    """Each bar holds the scores written low to low + 9 (rounded half up as the table writes them:
    79.9999999 is "80/100", in the 80s bar), the top one 90 and above, on SQLite and PostgreSQL
    alike."""
    posting = Posting.objects.create(team=team, remote_id="E", title="Edges")
    scores = [
        0,
        0.01,
        9.99,
        10,
        19.999,
        20,
        29.5,
        30.0,
        59.99999,
        60,
        69.99,
        70,
        79.9999999,
        80,
        89.99,
        90,
        99.99,
        100,
        104.5,
    ]
    for index, score in enumerate(scores):
        Interview.objects.create(team=team, posting=posting, remote_id=f"e{index}", score=score)
    counts = [bar.count for bar in charts.score_histogram(posting)]
    expected = [sum(1 for s in scores if min(int((s + 0.5) // 10), 9) == band) for band in range(10)]
    assert counts == expected == [2, 2, 2, 2, 0, 0, 2, 2, 2, 5]


def test_the_summary_strip_counts_statuses_and_my_review(login, team, reviewer, admin):
    from dashboard.review.services import decision_record, rating_set

    posting = Posting.objects.create(team=team, remote_id="S", title="Strip")
    rows = [
        Interview.objects.create(team=team, posting=posting, remote_id=f"s{n}", status=status, score=score)
        for n, (status, score) in enumerate(
            [
                ("completed", 91),
                ("completed", 70),
                ("completed", None),
                ("knocked_out", 30),
                ("pending", None),
            ]
        )
    ]
    rating_set(team, interview=rows[0], user=reviewer, stars=4)
    decision_record(team, interview=rows[1], user=admin, value="hold")  # the team's, not mine
    summary = charts.summary(posting, reviewer)
    assert summary.total == 5 and summary.completed == 3
    assert [(s.label, s.count) for s in summary.stages] == [
        ("Pending", 1),
        ("Completed", 3),
        ("Knocked out", 1),
    ]
    assert summary.reviewed_by_me == 1 and summary.waiting_for_me == 2
    assert charts.summary(posting, reviewer, reviewer=False).decided == 1  # what a viewer's strip shows
    assert summary.strong == 1 and summary.scored == 3
    html = login(reviewer).get(f"/postings/{posting.remote_id}/").text
    assert "Knocked out <strong>1</strong>" in html and 'href="?status=knocked_out"' in html
    assert '<strong class="big">1</strong> of 3 completed reviewed' in html
    assert ">Review 2 waiting</a>" in html
