"""HeyMilo's own scorecard read as criteria: each interview scorecard question is a criterion the AI
scored out of 10, known by its words (or its id when it has none)."""

from dataclasses import dataclass

from dashboard.core import scores
from heymilo.errors import HeyMiloError
from heymilo.models import Interview as APIInterview

AI_SCALE = scores.QUESTION


@dataclass(frozen=True)
class AICriterion:
    key: str
    name: str
    description: str
    rank: int | None


def question_key(question_id: str | None, text: str | None) -> str:
    """A question's identity across a posting's interviews: its words (HeyMilo gives each
    interview's copy of a question an id of its own), else its id."""
    words = " ".join((text or "").lower().split())
    return ("text:" + words)[:320] if words else (question_id or "")[:320]


def parse(row) -> APIInterview | None:
    """A mirrored interview's document, typed (None when it cannot be read); the id is the row's,
    as the mirror's own `Interview.parsed` does."""
    try:
        return APIInterview.from_dict({**(row.document or {}), "interview_id": row.remote_id})
    except (HeyMiloError, ValueError, TypeError):
        return None


def _questions(doc: APIInterview | None):
    web = doc.web_interview if doc is not None else None
    return web.scorecard.questions if web is not None and web.scorecard is not None else ()


def criteria(doc: APIInterview | None) -> list[AICriterion]:
    """The questions of one interview's scorecard as criteria, in HeyMilo's order."""
    found = []
    for q in _questions(doc):
        if not (q.question_id or q.question):
            continue
        found.append(
            AICriterion(
                question_key(q.question_id, q.question),
                (q.question or q.question_id or "")[:300],
                q.evaluation_criteria or "",
                q.rank,
            )
        )
    return found


def criterion_scores(doc: APIInterview | None) -> dict[str, float]:
    """{criterion key: the AI's score out of 10} for the scored questions of one interview."""
    found: dict[str, float] = {}
    for q in _questions(doc):
        if q.not_scored or q.evaluation_score is None:
            continue
        found[question_key(q.question_id, q.question)] = float(q.evaluation_score)
    return found
