"""The profile's parsed view of a mirrored interview: its API document typed, one score chip per
workflow step, and the candidate's interview link (the profile and the compare page read these)."""

from dataclasses import dataclass

from dashboard.core import labels, scores
from heymilo.errors import MalformedResponse
from heymilo.models import Interview as APIInterview


@dataclass
class Chip:
    label: str  # in people's words (labels.step_label)
    score: float | None
    complete: bool
    scale: int = scores.OVERALL


def parse_document(row) -> APIInterview | None:
    """The mirrored API document, typed; None when it cannot be read (the page says so)."""
    try:
        return APIInterview.from_dict(row.document or {"interview_id": row.remote_id})
    except MalformedResponse:
        return None


def score_chips(row, doc: APIInterview | None) -> list[Chip]:
    """One chip per workflow step, with the score that step produced when there is one."""
    chips = []
    steps = doc.workflow.steps if doc else ()
    ids = [step.id for step in steps]
    for step in steps:
        step_id = (step.id or "").lower()
        if "resume" in step_id:
            score, scale = row.resume_score, scores.RESUME
        elif "interview" in step_id:
            score, scale = row.score, scores.OVERALL
        else:
            score, scale = None, scores.OVERALL
        chips.append(
            Chip(
                label=labels.step_label(step.id, ids), score=score, complete=bool(step.complete), scale=scale
            )
        )
    return chips


def interview_link(doc: APIInterview | None) -> str | None:
    """The candidate's interview link, when HeyMilo included one (only http(s) is linked)."""
    if doc is None:
        return None
    for source in (doc.raw, doc.details.raw, doc.details.metadata):
        link = source.get("interview_link")
        if isinstance(link, str) and link.startswith(("https://", "http://")):
            return link
    return None
