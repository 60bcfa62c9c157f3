"""Evidence matching: excerpts and remarks to the transcript turn they quote."""

import pytest
from django.template.loader import render_to_string

from dashboard.mirror.models import Interview, TranscriptLine
from dashboard.transcripts.evidence import EvidenceIndex
from heymilo.models import TranscriptTurn

pytestmark = pytest.mark.django_db

START = 1_700_000_000


@pytest.fixture
def interview(team):
    turns = [
        {"speaker": "interviewer", "text": "Tell me about JavaScript.", "timestamp": START},
        {
            "speaker": "candidate",
            "text": "I have used JavaScript for five years at two companies.",
            "timestamp": START + 10,
        },
        {"speaker": "interviewer", "text": "And system design?", "timestamp": START + 30},
        {
            "speaker": "candidate",
            "text": "I led the redesign of our billing system.",
            "timestamp": START + 40,
        },
    ]
    row = Interview.objects.create(
        team=team,
        remote_id="int_e",
        name="Ada",
        document={"agentic_data": {"web_interview_info": {"transcript": {"transcript": turns}}}},
    )
    for position, turn in enumerate(turns):
        TranscriptLine.objects.create(
            interview=row,
            position=position,
            speaker=turn["speaker"],
            text=turn["text"],
            offset_seconds=turn["timestamp"] - START,
        )
    return row


def turn(text, speaker="candidate", timestamp=None, timestamp_str=None):
    return TranscriptTurn(speaker=speaker, text=text, timestamp=timestamp, timestamp_str=timestamp_str)


def test_it_matches_by_unix_time(interview):
    assert (
        EvidenceIndex(interview).position(
            turn("I have used JavaScript for five years...", timestamp=START + 10)
        )
        == 1
    )


def test_it_matches_by_offset_and_by_clock_string(interview):
    index = EvidenceIndex(interview)
    assert index.position(turn("I led the redesign of our billing system.", timestamp=40.5)) == 3
    assert index.position(turn("I led the redesign", timestamp_str="00:00:40")) == 3


def test_it_falls_back_to_text_when_the_time_disagrees(interview):
    # The time points at the interviewer's question; the words are the candidate's answer.
    assert (
        EvidenceIndex(interview).position(
            turn("I led the redesign of our billing system", timestamp=START + 30)
        )
        == 3
    )


def test_it_matches_by_text_when_there_is_no_time(interview):
    assert EvidenceIndex(interview).position(turn("  used JAVASCRIPT for five  years ")) == 1


def test_no_match_is_an_answer(interview):
    index = EvidenceIndex(interview)
    assert index.position(turn("I have never written code.", timestamp=START + 99)) is None
    assert index.position(None) is None


def test_the_quote_links_to_its_moment_or_says_it_stands_alone(interview):
    html = render_to_string(
        "transcripts/_evidence.html",
        {"interview": interview, "turn": turn('I led the redesign <b>"now"</b>', timestamp=40)},
    )
    assert "Not found in the transcript" in html  # the quote's words differ
    assert "&lt;b&gt;&quot;now&quot;&lt;/b&gt;" in html
    html = render_to_string(
        "transcripts/_evidence.html",
        {"interview": interview, "turn": turn("I led the redesign", timestamp=40)},
    )
    assert "/interviews/int_e/transcript/#t-3" in html
