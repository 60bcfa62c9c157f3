"""The one place API documents become mirror columns: sync and `manage.py reparse` both use it."""

import hashlib
import json
import re
from typing import Any

from heymilo.models import Interview as APIInterview
from heymilo.models import Posting as APIPosting

# Recording links are signed URLs that change on every fetch: they must not make an otherwise
# unchanged interview look changed (that would rewrite every row on every sync).
VOLATILE_KEYS = frozenset({"audio_recording_link", "video_recording_link"})

# Unix times are far above any interview's length in seconds; below this, a transcript
# timestamp is already an offset from the start.
UNIX_TIME_FLOOR = 1_000_000_000

HMS = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)\s*$")


# Where HeyMilo puts recording links in an interview document.
VOLATILE_PATHS = (("agentic_data", "web_interview_info"), ("details", "metadata", "web_interview"))


def _without(container: Any, path: tuple[str, ...]) -> Any:
    """`container` without the volatile keys of the dict at `path`, copying only along the path
    (documents are large and every sync hashes all of them)."""
    if not isinstance(container, dict):
        return container
    if not path:
        return {k: v for k, v in container.items() if k not in VOLATILE_KEYS}
    if path[0] not in container:
        return container
    return {**container, path[0]: _without(container[path[0]], path[1:])}


def content_hash(document: dict) -> str:
    for path in VOLATILE_PATHS:
        document = _without(document, path)
    encoded = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def posting_columns(posting: APIPosting) -> dict[str, Any]:
    return {
        "title": (posting.title or posting.name or "")[:300],
        "name": (posting.name or "")[:300],
        "description": posting.description or "",
        "archived": bool(posting.archived),
        "finalized": bool(posting.finalized),
        "deadline": posting.deadline,
        "url_key": (posting.url_key or "")[:200],
        "created_remote": posting.created_at,
        "updated_remote": posting.last_updated,
    }


def search_text(name: str, email: str) -> str:
    """What the candidate table's search looks in: name and email, lower-cased once here so the
    query needs one case-sensitive LIKE instead of two UPPER(...) LIKEs (a third of the time on
    SQLite, half on PostgreSQL). The newline keeps a match from spanning name and email."""
    return f"{name}\n{email}".lower()


def interview_columns(interview: APIInterview) -> dict[str, Any]:
    details = interview.details
    steps = interview.workflow.steps
    name, email = (details.name or "")[:300], (details.email or "")[:320]
    return {
        "posting_remote_id": (interview.posting_id or "")[:100],
        "candidate_id": (details.candidate_id or "")[:100],
        "name": name,
        "email": email,
        "search": search_text(name, email),
        "phone": (details.phone or "")[:40],
        "status": (details.status or "").strip().lower()[:40],
        "score": interview.overall_score,
        "resume_score": interview.resume_score,
        "match_score": interview.match_score,
        "eligible": interview.is_eligible,
        "interviewed_on": details.interviewed_on,
        "last_engagement": interview.workflow.last_engagement,
        "entered_on": entered_on(interview),
        "steps_total": min(len(steps), 32767),
        "steps_complete": min(sum(1 for s in steps if s.complete), 32767),
        "all_complete": bool(interview.workflow.all_complete),
        "has_recording": bool(interview.audio_recording_link or interview.video_recording_link),
    }


def entered_on(interview: APIInterview):
    """When the candidate entered the pipeline: HeyMilo publishes no ingestion time, but every
    workflow step carries one (a step not started yet keeps the time the candidate was added), so
    the earliest of them; else the interview's own date."""
    times = [step.last_updated for step in interview.workflow.steps if step.last_updated is not None]
    return min(times, default=interview.details.interviewed_on)


def parse_hms(text: str | None) -> float | None:
    """'00:05:10' or '05:10' -> seconds."""
    match = HMS.match(text or "")
    if not match:
        return None
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def transcript_rows(interview: APIInterview) -> list[dict[str, Any]]:
    """Turns with their offset in seconds from the start: `timestamp` relative to the first
    turn when it is a Unix time, as is when it is already an offset, else `timestamp_str`."""
    turns = interview.transcript
    absolute = [t.timestamp for t in turns if t.timestamp is not None and t.timestamp >= UNIX_TIME_FLOOR]
    start = min(absolute, default=0.0)  # read only when some turn has a Unix time
    rows = []
    for position, turn in enumerate(turns):
        offset = None
        if turn.timestamp is not None:
            offset = turn.timestamp - start if turn.timestamp >= UNIX_TIME_FLOOR else turn.timestamp
        if offset is None:
            offset = parse_hms(turn.timestamp_str)
        rows.append(
            {
                "position": position,
                "speaker": turn.role[:40],
                "text": turn.text or "",
                "offset_seconds": offset,
                "timestamp_str": (turn.timestamp_str or "")[:20],
            }
        )
    return rows
