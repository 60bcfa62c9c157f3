"""The printable reports: a candidate's (header, scores with their scales, highlights, key transcript
excerpts with their times) and a posting's shortlist (a summary table, then each candidate). The
PDFs themselves are printed by Chromium in tests/e2e/test_reports.py."""

import pytest
from django.urls import reverse

from dashboard.review import services as review_services
from dashboard.review.models import Shortlist
from tests.sharing.conftest import make_candidate

pytestmark = pytest.mark.django_db


def test_the_candidate_report_has_header_scores_highlights_and_timed_excerpts(
    login, team, viewer, reviewer, candidate
):
    review_services.decision_record(team, user=reviewer, interview=candidate, value="advance", reason="Sharp")
    response = login(viewer).get(reverse("interview_report", args=[candidate.remote_id]))
    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        "Candidate report",
        "Ada Lovelace",
        "Backend engineer",
        '82</span><span class="score-scale">/100',
        '4.2</span><span class="score-scale">/5',
        "led the payments migration",
        "Tell us about a system you scaled",
        '8</span><span class="score-scale">/10',
        '<span class="report-time">01:05</span>',
        "We sharded the ledger by merchant",
        "Advance",
        "data-print",
        "css/report.css",
    ]:
        assert text in page, text
    assert "onclick" not in page and "<script>" not in page


def test_without_a_scorecard_the_excerpts_are_the_candidates_opening_turns(login, team, viewer, posting):
    row = make_candidate(team, posting, "Grace Hopper")
    row.document["agentic_data"]["web_interview_info"].pop("scorecard")
    row.save()
    page = login(viewer).get(reverse("interview_report", args=[row.remote_id])).content.decode()
    assert '<span class="report-time">01:05</span>' in page
    assert "Welcome!" not in page  # the interviewer's turn is not a key moment of the candidate's


def test_the_shortlist_report_has_a_summary_and_a_page_per_candidate(
    login, team, viewer, reviewer, posting, candidate
):
    grace = make_candidate(team, posting, "Grace Hopper", score=91)
    make_candidate(team, posting, "Not Shortlisted")
    for row in (candidate, grace):
        Shortlist.objects.create(team=team, interview=row, added_by=reviewer)
    page = login(viewer).get(reverse("shortlist_report", args=[posting.remote_id])).content.decode()
    assert "Shortlist report" in page and "2 candidates on the shortlist" in page
    assert page.count('class="report-page report-candidate"') == 2
    assert page.index("Grace Hopper") < page.index("Ada Lovelace")  # best score first
    assert "Not Shortlisted" not in page


def test_an_empty_shortlist_says_what_to_do(login, viewer, posting):
    page = login(viewer).get(reverse("shortlist_report", args=[posting.remote_id])).content.decode()
    assert "No one is on this posting's shortlist yet" in page


def test_the_profile_and_the_posting_lead_to_sharing_and_printing(login, viewer, posting, candidate):
    client = login(viewer)
    profile = client.get(reverse("interview", args=[candidate.remote_id])).content.decode()
    assert reverse("share_panel", args=[candidate.remote_id]) in profile
    panel = client.get(
        reverse("share_panel", args=[candidate.remote_id]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert reverse("interview_report", args=[candidate.remote_id]) in panel
    assert "Create link" not in panel  # viewers print, reviewers share
    head = client.get(reverse("posting", args=[posting.remote_id])).content.decode()
    assert reverse("shortlist_share", args=[posting.remote_id]) in head
