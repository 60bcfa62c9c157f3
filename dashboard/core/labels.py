"""People's words for HeyMilo's identifiers, one place: interview statuses ("Knocked out", not
`knocked_out`) and workflow steps ("Resume screen", not "resume_screen_1"). The table row, the
filters, the profile, compare, Home and the posting's charts all ask here."""

import functools
import re

# HeyMilo's statuses (the reference and its v2 docs), in the order a candidate meets them.
STATUS_LABELS = {
    "pending": "Pending",
    "in_progress": "In progress",
    "evaluating": "Evaluating",
    "completed": "Completed",
    "knocked_out": "Knocked out",
    "shortlisted": "Shortlisted",
    "dismissed": "Dismissed",
}

# Step types (a posting's agentic_workflow) and the step ids an interview's workflow reports:
# the sandbox's and HeyMilo's own ("resume_upload" in the reference's example).
STEP_LABELS = {
    "resume": "Resume screen",
    "resume_screen": "Resume screen",
    "resume_upload": "Resume screen",
    "web_interview": "Web interview",
    "voice_interview": "Voice interview",
    "conversational_sms": "SMS screen",
    "sms_screen": "SMS screen",
    "sms": "SMS screen",
}
# Words written in capitals wherever an id has them.
ACRONYMS = {"sms": "SMS", "ai": "AI", "hm": "HM", "id": "ID"}
_INDEX = re.compile(r"[\s_-]+(\d+)$")


def words(value) -> str:
    """An identifier in words: "web_interview" → "Web interview", "sms_follow_up" → "SMS follow up"."""
    parts = re.split(r"[\s_]+", str(value or "").strip())
    text = " ".join(ACRONYMS.get(part.lower(), part) for part in parts if part)
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=64)
def status_label(status: str | None) -> str:
    """ "Knocked out" for knocked_out; an unknown status in words; "Unknown" for none at all."""
    key = (status or "").strip().lower()
    if not key:
        return "Unknown"
    return STATUS_LABELS.get(key) or words(key)


def status_choices(blank: str = "Any status") -> list[tuple[str, str]]:
    """The status filter's choices."""
    return [("", blank), *STATUS_LABELS.items()]


def _base(step: str) -> tuple[str, str]:
    """ "resume_screen_1" → ("resume_screen", "1")."""
    key = (step or "").strip().lower()
    match = _INDEX.search(key)
    return (key[: match.start()], match.group(1)) if match else (key, "")


def step_label(step: str | None, siblings=()) -> str:
    """A workflow step's name: "Resume screen", "Web interview", "SMS screen". HeyMilo numbers
    step ids ("resume_screen_1"); the number is kept only when `siblings` (the other step ids or
    types of the same workflow) hold another step of the same kind: "Web interview 2"."""
    base, index = _base(step or "")
    if not base:
        return "Step"
    label = STEP_LABELS.get(base) or words(base)
    if index and sum(1 for other in siblings if other and _base(other)[0] == base) > 1:
        label = f"{label} {index}"
    return label
