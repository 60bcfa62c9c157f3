"""One candidate as a shared page and a printed report show them: HeyMilo's analysis typed, the
profile's score chips, the scorecard's questions and the key transcript excerpts with their times."""

from dataclasses import dataclass, field
from typing import Any

from dashboard.mirror.models import Interview
from dashboard.review import profile
from dashboard.transcripts import evidence
from heymilo.models import Interview as APIInterview
from heymilo.models import WebInterviewInfo

# A report is one to two pages: this many excerpts at most, each cut to this many characters.
KEY_EXCERPTS = 6
EXCERPT_CHARS = 280


@dataclass
class Excerpt:
    question: str
    speaker: str
    text: str
    at: str  # "03:12", or "" when the transcript has no times
    position: int | None  # the transcript turn, for the shared page's #t- anchor


@dataclass
class Candidate:
    row: Interview
    doc: APIInterview | None
    web: WebInterviewInfo | None
    chips: list[profile.Chip]
    questions: list = field(default_factory=list)
    excerpts: list[Excerpt] = field(default_factory=list)
    lines: list = field(default_factory=list)
    review: dict[str, Any] = field(default_factory=dict)
    n: int = 0  # the shared page's anchor (#c-2) and the recording's number in the packet
    recording: str = ""  # the shared page's signed recording URL
    video: bool = False


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


def key_excerpts(row, doc, lines) -> list[Excerpt]:
    """What the candidate said where the scorecard quotes them (each question's first candidate turn,
    found in the transcript for its time); without a scorecard, the candidate's opening turns."""
    found: list[Excerpt] = []
    web = doc.web_interview if doc else None
    questions = web.scorecard.questions if web and web.scorecard else ()
    start = evidence.transcript_start(row)
    for question in questions:
        turns = [t for t in (question.chat_transcript or ()) if (t.speaker or "").lower() == "candidate"]
        if not turns or not turns[0].text:
            continue
        line = evidence.match(turns[0], lines, start)
        at = (line.timestamp_str or _clock(line.offset_seconds)) if line else (turns[0].timestamp_str or "")
        found.append(
            Excerpt(
                question=question.question or "",
                speaker="Candidate",
                text=_cut(turns[0].text),
                at=at,
                position=line.position if line else None,
            )
        )
        if len(found) == KEY_EXCERPTS:
            return found
    if not found:
        for line in lines:
            if line.speaker == "candidate" and line.text.strip():
                found.append(
                    Excerpt(
                        question="",
                        speaker="Candidate",
                        text=_cut(line.text),
                        at=line.timestamp_str or _clock(line.offset_seconds),
                        position=line.position,
                    )
                )
                if len(found) == KEY_EXCERPTS:
                    break
    return found


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rstrip() + "…"


def candidate(row, *, with_lines: bool = False) -> Candidate:
    doc = profile.parse_document(row)
    web = doc.web_interview if doc else None
    lines = list(row.transcript_lines.all())
    return Candidate(
        row=row,
        doc=doc,
        web=web,
        chips=profile.score_chips(row, doc),
        questions=list(web.scorecard.questions) if web and web.scorecard else [],
        excerpts=key_excerpts(row, doc, lines),
        lines=lines if with_lines else [],
    )
