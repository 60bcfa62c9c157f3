"""Fixtures for the sharing tests: a candidate with HeyMilo's analysis, a recording and a transcript."""

import pytest

from dashboard.mirror.models import TranscriptLine
from tests.review.conftest import make_interview, make_posting

VIDEO = "https://media.example.com/rec/abc.mp4?X-Amz-Signature=sig"


def packet_document(remote_id: str, name: str, *, video: str | None = VIDEO) -> dict:
    web = {
        "summary": {
            "highlights": [f"{name} led the payments migration"],
            "lowlights": ["Vague on testing strategy"],
        },
        "scorecard": {
            "questions": [
                {
                    "question": "Tell us about a system you scaled",
                    "evaluation_score": 8,
                    "evaluation_summary": "Concrete and measured.",
                    "chat_transcript": [
                        {"speaker": "candidate", "text": "We sharded the ledger by merchant", "timestamp": 65}
                    ],
                }
            ]
        },
    }
    if video:
        web["video_recording_link"] = video
    return {
        "interview_id": remote_id,
        "details": {"name": name, "email": f"{remote_id}@example.com", "status": "completed"},
        "agentic_data": {"web_interview_info": web},
    }


def make_candidate(team, posting, name: str, **fields):
    remote_id = fields.pop("remote_id", None) or f"int_{name.split()[0].lower()}"
    row = make_interview(
        team,
        posting,
        remote_id=remote_id,
        name=name,
        score=fields.pop("score", 82),
        resume_score=4.2,
        has_recording=True,
        document=packet_document(remote_id, name, **fields),
    )
    TranscriptLine.objects.bulk_create(
        [
            TranscriptLine(
                interview=row, position=0, speaker="interviewer", text="Welcome!", offset_seconds=0
            ),
            TranscriptLine(
                interview=row,
                position=1,
                speaker="candidate",
                text="We sharded the ledger by merchant",
                offset_seconds=65,
                timestamp_str="01:05",
            ),
        ]
    )
    return row


@pytest.fixture
def posting(team):
    return make_posting(team, title="Backend engineer")


@pytest.fixture
def candidate(team, posting):
    return make_candidate(team, posting, "Ada Lovelace")
