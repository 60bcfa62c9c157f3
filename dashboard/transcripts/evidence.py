"""Evidence links: which transcript turn a scorecard excerpt or a remark quotes.

Matched by time first (the excerpt's time against each turn's offset), then by text when times
are missing or point at a turn that says something else. No match is a legitimate answer.
"""

import re

from dashboard.mirror.derive import UNIX_TIME_FLOOR, parse_hms

TIME_TOLERANCE = 1.5  # seconds
SPACES = re.compile(r"\s+")


def normalise(text: str | None) -> str:
    text = SPACES.sub(" ", (text or "").strip().lower())
    # Excerpts are often cut short with an ellipsis.
    return text.removesuffix("...").removesuffix("…").strip()


def transcript_start(interview) -> float | None:
    """The Unix time the transcript starts at, when its times are Unix times."""
    absolute = [
        t.timestamp
        for t in interview.parsed.transcript
        if t.timestamp is not None and t.timestamp >= UNIX_TIME_FLOOR
    ]
    return min(absolute) if absolute else None


def excerpt_offset(turn, start: float | None) -> float | None:
    if turn.timestamp is not None:
        if turn.timestamp >= UNIX_TIME_FLOOR:
            return turn.timestamp - start if start is not None else None
        return turn.timestamp
    return parse_hms(turn.timestamp_str)


def says_the_same(quote: str, line_text: str) -> bool:
    said = normalise(line_text)
    return bool(quote) and (said == quote or said.startswith(quote) or quote in said)


def match(turn, lines, start: float | None):
    """The TranscriptLine `turn` quotes, or None."""
    quote = normalise(turn.text)
    speaker = (turn.speaker or "").strip().lower()
    offset = excerpt_offset(turn, start)
    if offset is not None:
        near = [
            line
            for line in lines
            if line.offset_seconds is not None and abs(line.offset_seconds - offset) <= TIME_TOLERANCE
        ]
        near.sort(key=lambda line: abs(line.offset_seconds - offset))
        for line in near:
            if (not speaker or line.speaker == speaker) and (not quote or says_the_same(quote, line.text)):
                return line
    if quote:
        same_speaker = [line for line in lines if not speaker or line.speaker == speaker]
        for line in same_speaker or lines:
            if says_the_same(quote, line.text):
                return line
    return None


class EvidenceIndex:
    """Built once per page: the interview's lines and start time, for many excerpts."""

    def __init__(self, interview):
        self.interview = interview
        self.lines = list(interview.transcript_lines.all())
        self.start = transcript_start(interview)

    def position(self, turn) -> int | None:
        line = match(turn, self.lines, self.start) if turn is not None else None
        return line.position if line is not None else None
