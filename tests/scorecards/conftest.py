"""Postings whose interviews carry HeyMilo scorecards (questions scored out of 10), for the
scorecard and calibration tests."""

import pytest

from dashboard.mirror.models import Interview, Posting
from dashboard.scorecards.ai import question_key

QUESTIONS = (
    ("q_sql", "Walk us through a SQL query you tuned", "Explains indexes and measures before and after"),
    (
        "q_team",
        "Tell us about a disagreement with a teammate",
        "Listens, names the trade-off, reaches a decision",
    ),
    ("q_plan", "How would you plan a migration?", "Breaks the work into safe, reversible steps"),
)

# The criterion key of each question (its words: each interview's copy has an id of its own).
KEY = {qid: question_key(qid, text) for qid, text, _ in QUESTIONS}


def scorecard_doc(scores: dict[str, float | None]) -> dict:
    """An interview document whose web interview scorecard scores these questions (None: not scored)."""
    questions = []
    for rank, (qid, text, criteria) in enumerate(QUESTIONS):
        if qid not in scores:
            continue
        # Each interview's copy of a question has an id of its own, as HeyMilo's do.
        question = {
            "question_id": f"{qid}-{id(scores)}",
            "question": text,
            "evaluation_criteria": criteria,
            "rank": rank,
        }
        if scores[qid] is None:
            question["not_scored"] = True
        else:
            question["evaluation_score"] = scores[qid]
        questions.append(question)
    return {"agentic_data": {"web_interview_info": {"scorecard": {"questions": questions}}}}


def make_candidate(
    team, posting, n: int, *, score=None, ai: dict | None = None, status="completed"
) -> Interview:
    return Interview.objects.create(
        team=team,
        posting=posting,
        remote_id=f"{posting.remote_id}-int-{n}",
        name=f"Candidate {n}",
        status=status,
        score=score,
        document=scorecard_doc(ai or {}),
    )


@pytest.fixture
def posting(team):
    return Posting.objects.create(team=team, remote_id="P-SC", title="Data engineer")


@pytest.fixture
def candidate(team, posting):
    return make_candidate(team, posting, 1, score=82, ai={"q_sql": 8, "q_team": 3, "q_plan": 6})
