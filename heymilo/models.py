"""Typed, frozen views of HeyMilo API payloads, parsed tolerantly; each keeps its `.raw` dict.

Tolerant means: unknown fields are ignored, missing or wrongly typed optional fields become None
(or empty tuples), numbers may arrive as int, float or numeric string (a bool is never a number),
and absolute timestamps (Unix seconds or ISO 8601) become aware UTC datetimes. Only what makes a
value useless raises MalformedResponse: a top-level value that is not an object, or a missing id.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, Self, get_args, get_origin, get_type_hints

from heymilo.errors import MalformedResponse

__all__ = [
    "Candidate",
    "Communication",
    "CommunicationEvaluation",
    "Eligibility",
    "EligibilityCriterion",
    "ExportJob",
    "IngestionResult",
    "Interview",
    "InterviewDetails",
    "InterviewLink",
    "InterviewSummary",
    "Page",
    "Posting",
    "Remark",
    "ResumeCriterion",
    "ResumeInfo",
    "ResumeScore",
    "RootLevelConfigs",
    "Scorecard",
    "ScorecardQuestion",
    "TranscriptTurn",
    "WebInterviewInfo",
    "Webhook",
    "Workflow",
    "WorkflowStep",
    "WorkflowStepStatus",
    "may_hold_unstorable",
    "storable",
]

# Unix times above this are taken as milliseconds: as seconds they would be past the year 5000.
_MILLISECONDS_THRESHOLD = 100_000_000_000


# PostgreSQL's text and jsonb refuse the NUL character, and UTF-8 (every database's text) cannot
# hold a lone surrogate. JSON carries either only as a \u escape (a raw control character is not
# valid JSON, and bytes that are not UTF-8 decode as U+FFFD), so a body without one of these
# escapes holds neither. Surrogate pairs match too and come through whole: only lone ones go.
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def may_hold_unstorable(body: bytes) -> bool:
    """False when the JSON `body` certainly decodes to nothing `storable` would change: a quick
    look at the bytes spares walking every page of a sync, which costs several times more."""
    # A NUL byte means a UTF-16 or UTF-32 body, whose escapes the pattern cannot see.
    return b"\x00" in body or _UNSTORABLE_ESCAPE.search(body) is not None


def storable(value: Any) -> Any:
    """Decoded JSON with NUL characters and lone surrogates removed from every string, keys too.

    One such character in a candidate's name made PostgreSQL refuse the whole page of a sync,
    every time: HeyMilo's text is kept as it can be stored instead.
    """
    if isinstance(value, str):
        return _UNSTORABLE.sub("", value)
    if isinstance(value, dict):
        return {_UNSTORABLE.sub("", k) if isinstance(k, str) else k: storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


# ---------------------------------------------------------------------------------------------
# Field readers: each takes any JSON value and returns the wanted type or None/empty.


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _opt_dict(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    # Ids sometimes arrive as numbers; a bool is never meant as text.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value) if math.isfinite(value) else None
    return None


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = _num(value)
    if number is None or not number.is_integer():
        return None
    return int(number)


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
    return None


def _time(value: Any) -> datetime | None:
    """An absolute timestamp: Unix seconds (or milliseconds), or ISO 8601; naive means UTC."""
    if isinstance(value, str):
        text = value.strip()
        number = _num(text)
        if number is None:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                return None
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            try:
                return parsed.astimezone(UTC)
            except (OverflowError, ValueError):
                return None
        value = number
    number = _num(value)
    if number is None:
        return None
    if abs(number) >= _MILLISECONDS_THRESHOLD:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(s for s in (_str(item) for item in _list(value)) if s is not None)


def _parse_all[T](value: Any, parse: Callable[[dict[str, Any]], T]) -> tuple[T, ...]:
    """Parse every dict in a list, skipping items that are not dicts or cannot be parsed."""
    items: list[T] = []
    for item in _list(value):
        if not isinstance(item, dict):
            continue
        try:
            items.append(parse(item))
        except MalformedResponse:
            continue
    return tuple(items)


def _require_dict(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise MalformedResponse(f"expected a JSON object for {what}, got {type(data).__name__}")
    return data


def _required_str(value: Any, key: str, what: str) -> str:
    text = _str(value)
    if not text:
        raise MalformedResponse(f"{what} has no {key}")
    return text


# ---------------------------------------------------------------------------------------------
# One from_dict for every model: each field is read from the key of its name, by the reader its
# annotation names (str | None: _str, float | None: _num, tuple[Model, ...]: _parse_all, ...; a
# plain str is a required id). A field whose key is named otherwise says so in its metadata
# (`_key`); one read by a rule of its own is marked `_BY_HAND` and given by its class's from_dict.

_BY_HAND: Mapping[str, Any] = {"by_hand": True}


def _key(name: str) -> Mapping[str, Any]:
    return {"key": name}


type _Reader = Callable[[Any], Any]

_SCALAR_READERS: dict[Any, _Reader] = {str: _str, float: _num, int: _int, bool: _bool, datetime: _time}

# Per model class, the function that builds one from its dict: written on first use (_compile).
_PARSERS: dict[type, Callable[..., Any]] = {}


class _Parsed:
    """A typed view of one JSON object of the API; `raw` keeps the object as it came."""

    __slots__ = ()
    _what: ClassVar[str]  # what MalformedResponse calls the object

    if TYPE_CHECKING:

        def __init__(self, *args: Any, **kwargs: Any) -> None: ...

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        parse = _PARSERS.get(cls) or _compile(cls)
        parsed: Self = parse(_require_dict(data, cls._what))
        return parsed

    @classmethod
    def _parse(cls, data: dict[str, Any], **by_hand: Any) -> Self:
        """For a from_dict of its own: it reads the _BY_HAND fields and passes them here."""
        parse = _PARSERS.get(cls) or _compile(cls)
        parsed: Self = parse(data, **by_hand)
        return parsed


def _compile(cls: type[_Parsed]) -> Callable[..., Any]:
    """The parser of `cls`, written out as one would by hand: `cls(read(get(key)), ..., data)`.

    Written from the fields as dataclasses writes __init__ (exec), because parsing is on the sync
    path and a loop over the fields cost it markedly more (docs/performance.md). The arguments are
    positional, raw last: constructing a frozen dataclass costs most of parsing, keywords more.
    """
    hints = get_type_hints(cls)
    *parsed, raw = fields(cls)  # type: ignore[arg-type]  # every _Parsed is a dataclass
    if raw.name != "raw":
        raise TypeError(f"{cls.__name__}: the last field of a parsed model is raw")
    scope: dict[str, Any] = {"cls": cls}
    by_hand: list[str] = []
    arguments: list[str] = []
    for number, f in enumerate(parsed):
        if f.metadata.get("by_hand"):
            if f.name in ("cls", "data", "get"):
                raise TypeError(f"{cls.__name__}: a field given by hand cannot be called {f.name}")
            by_hand.append(f.name)
            arguments.append(f.name)
        else:
            key = f.metadata.get("key", f.name)
            scope[f"read_{number}"] = _reader(hints[f.name], key, cls._what)
            arguments.append(f"read_{number}(get({key!r}))")
    keywords = f", *, {', '.join(by_hand)}" if by_hand else ""
    exec(  # noqa: S102 (the source is made of field names and repr()'d keys only)
        f"def parse(data{keywords}):\n    get = data.get\n    return cls({', '.join(arguments)}, data)", scope
    )
    parse: Callable[..., Any] = scope["parse"]
    _PARSERS[cls] = parse
    return parse


def _reader(hint: Any, key: str, what: str) -> _Reader:
    args = get_args(hint)
    optional = type(None) in args
    if optional:
        (hint,) = (arg for arg in args if arg is not type(None))
    if hint is str and not optional:
        return partial(_required_str, key=key, what=what)
    if hint in _SCALAR_READERS:
        return _SCALAR_READERS[hint]
    if get_origin(hint) is dict:
        return _dict
    if get_origin(hint) is tuple:
        item = get_args(hint)[0]
        if item is str:
            return _strs
        if isinstance(item, type) and issubclass(item, _Parsed):
            return partial(_parse_all, parse=item.from_dict)
    if isinstance(hint, type) and issubclass(hint, _Parsed):
        parse = hint.from_dict
        if optional:
            return lambda value: parse(value) if isinstance(value, dict) else None
        return lambda value: parse(_dict(value))
    raise TypeError(f"{what}: no reader for a field of type {hint!r}")


# ---------------------------------------------------------------------------------------------
# Postings


@dataclass(frozen=True, slots=True)
class RootLevelConfigs(_Parsed):
    _what = "root_level_configs"

    instructions: str | None = None
    company_overview: str | None = None
    job_overview: str | None = None
    interview_process_overview: str | None = None
    language: str | None = None
    interviewer_name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class WorkflowStep(_Parsed):
    """One step of a posting's agentic workflow (resume, web_interview, conversational_sms...)."""

    _what = "workflow step"

    type: str | None
    unique_id: str | None
    config: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def instructions(self) -> str | None:
        return _str(self.config.get("instructions"))

    @property
    def knockout_enabled(self) -> bool | None:
        return _bool(self.config.get("knockout_enabled"))

    @property
    def min_evaluation_score(self) -> float | None:
        return _num(self.config.get("min_evaluation_score"))

    @property
    def mandatory(self) -> bool | None:
        return _bool(self.config.get("mandatory"))

    @property
    def video(self) -> bool | None:
        return _bool(self.config.get("video"))

    @property
    def interviewer_name(self) -> str | None:
        return _str(self.config.get("interviewer_name"))

    @property
    def web_interview_config(self) -> dict[str, Any]:
        return _dict(self.config.get("web_interview_config"))

    @property
    def show_transcript(self) -> bool | None:
        return _bool(self.web_interview_config.get("show_transcript"))


@dataclass(frozen=True, slots=True)
class Posting(_Parsed):
    """A job posting (HeyMilo's UI calls them interviewers)."""

    _what = "posting"

    posting_id: str
    title: str | None = None
    name: str | None = None
    description: str | None = None
    company_id: str | None = None
    created_at: datetime | None = None
    last_updated: datetime | None = None
    archived: bool | None = None
    deadline: datetime | None = None
    finalized: bool | None = None
    phone_number_id: str | None = None
    url_key: str | None = None
    root_level_configs: RootLevelConfigs = field(default_factory=RootLevelConfigs)
    agentic_workflow: tuple[WorkflowStep, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def step_types(self) -> tuple[str, ...]:
        return tuple(step.type for step in self.agentic_workflow if step.type)


# ---------------------------------------------------------------------------------------------
# Interviews: workflow progress


@dataclass(frozen=True, slots=True)
class WorkflowStepStatus(_Parsed):
    """Where one candidate stands on one workflow step."""

    _what = "workflow step status"

    id: str | None
    order: int | None = None
    started: bool | None = None
    complete: bool | None = None
    required: bool | None = None
    is_analyzing_call: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)
    last_updated: datetime | None = field(default=None, metadata=_BY_HAND)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, cls._what)
        return cls._parse(
            data, last_updated=_time(data.get("last_updated_timestamp", data.get("last_updated")))
        )

    @property
    def details_text(self) -> str | None:
        return _str(self.details.get("details"))


@dataclass(frozen=True, slots=True)
class Workflow(_Parsed):
    _what = "workflow"

    steps: tuple[WorkflowStepStatus, ...] = field(default=(), metadata=_BY_HAND)
    all_complete: bool | None = None
    last_engagement: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, cls._what)
        steps = _parse_all(data.get("step_by_step"), WorkflowStepStatus.from_dict)
        return cls._parse(data, steps=tuple(sorted(steps, key=lambda s: (s.order is None, s.order or 0))))


# ---------------------------------------------------------------------------------------------
# Interviews: web interview analysis


@dataclass(frozen=True, slots=True)
class TranscriptTurn(_Parsed):
    """One utterance. `timestamp` stays a float: it may be seconds from the start, not Unix time."""

    _what = "transcript turn"

    speaker: str | None
    text: str | None
    timestamp: float | None = None
    timestamp_str: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def role(self) -> str:
        """The speaker in lower case: the API capitalises it in some versions and not in others."""
        return (self.speaker or "").strip().lower()

    @property
    def is_candidate(self) -> bool:
        return self.role == "candidate"


@dataclass(frozen=True, slots=True)
class InterviewSummary(_Parsed):
    _what = "summary"

    highlights: tuple[str, ...] = ()
    lowlights: tuple[str, ...] = ()
    match_score: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class ScorecardQuestion(_Parsed):
    _what = "scorecard question"

    question_id: str | None
    question: str | None = None
    evaluation_summary: str | None = None
    evaluation_criteria: str | None = None
    preview_timestamp: float | None = None
    evaluation_score: float | None = None
    rank: int | None = None
    score_weight: float | None = None
    not_scored: bool | None = None
    chat_transcript: tuple[TranscriptTurn, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class Scorecard(_Parsed):
    _what = "scorecard"

    match_details: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    questions: tuple[ScorecardQuestion, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class Remark(_Parsed):
    _what = "remark"

    details: str | None
    transcript_reference: TranscriptTurn | None = field(default=None, metadata=_BY_HAND)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, cls._what)
        # Unlike the other nested objects, an empty reference is no reference.
        reference = _opt_dict(data.get("transcript_reference"))
        return cls._parse(
            data, transcript_reference=TranscriptTurn.from_dict(reference) if reference else None
        )


@dataclass(frozen=True, slots=True)
class CommunicationEvaluation(_Parsed):
    _what = "communication evaluation"

    score: float | None
    remarks: tuple[Remark, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class Communication(_Parsed):
    _what = "communication"

    speech_score: float | None = None
    evaluations: tuple[CommunicationEvaluation, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class WebInterviewInfo(_Parsed):
    _what = "web_interview_info"

    summary: InterviewSummary | None = None
    scorecard: Scorecard | None = None
    communication: Communication | None = None
    transcript: tuple[TranscriptTurn, ...] = field(default=(), metadata=_BY_HAND)
    audio_recording_link: str | None = None
    video_recording_link: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, cls._what)
        # The reference wraps the turns as {"transcript": [...]}; accept a bare list as well.
        transcript = data.get("transcript")
        if isinstance(transcript, dict):
            transcript = transcript.get("transcript")
        return cls._parse(data, transcript=_parse_all(transcript, TranscriptTurn.from_dict))


# ---------------------------------------------------------------------------------------------
# Interviews: resume analysis


@dataclass(frozen=True, slots=True)
class ResumeCriterion(_Parsed):
    _what = "resume criterion"

    criteria_id: str | None
    criteria_text: str | None = None
    score: float | None = None
    confidence_score: float | None = None
    reasons: tuple[str, ...] = ()
    standout_parts: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class ResumeScore(_Parsed):
    _what = "score_criteria"

    overall_score: float | None = None
    confidence_score: float | None = None
    criteria: tuple[ResumeCriterion, ...] = ()
    highlights: tuple[str, ...] = ()
    improvement_areas: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class EligibilityCriterion(_Parsed):
    _what = "eligibility criterion"

    criteria_id: str | None
    criteria_text: str | None = None
    pass_criteria: bool | None = None
    confidence_score: float | None = None
    reasons: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class Eligibility(_Parsed):
    _what = "eligibility_criteria"

    is_eligible: bool | None = None
    confidence_score: float | None = None
    criteria: tuple[EligibilityCriterion, ...] = ()
    skill_gaps: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class ResumeInfo(_Parsed):
    _what = "resume_interview_info"

    score_criteria: ResumeScore | None = None
    eligibility: Eligibility | None = field(default=None, metadata=_key("eligibility_criteria"))
    resume_link: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


# ---------------------------------------------------------------------------------------------
# Interviews


@dataclass(frozen=True, slots=True)
class InterviewDetails(_Parsed):
    """The core of an interview: who the candidate is, where they stand, the headline score."""

    _what = "interview details"

    interview_id: str | None = None
    candidate_id: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = field(default=None, metadata=_BY_HAND)
    status: str | None = None
    score: float | None = None
    interviewed_on: datetime | None = None
    actions: dict[str, Any] = field(default_factory=dict)
    workflow_status: Workflow | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # From metadata.resume and metadata.web_interview:
    resume_file_link: str | None = field(default=None, metadata=_BY_HAND)
    final_score: float | None = field(default=None, metadata=_BY_HAND)
    skill_highlights: tuple[str, ...] = field(default=(), metadata=_BY_HAND)
    audio_recording_link: str | None = field(default=None, metadata=_BY_HAND)
    video_recording_link: str | None = field(default=None, metadata=_BY_HAND)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, cls._what)
        metadata = _dict(data.get("metadata"))
        resume = _dict(metadata.get("resume"))
        web = _dict(metadata.get("web_interview"))
        return cls._parse(
            data,
            phone=_str(data.get("phone", data.get("phone_number"))),
            resume_file_link=_str(resume.get("file_link")),
            final_score=_num(web.get("final_score")),
            skill_highlights=_strs(web.get("skill_highlights")),
            audio_recording_link=_str(web.get("audio_recording_link")),
            video_recording_link=_str(web.get("video_recording_link")),
        )


@dataclass(frozen=True, slots=True)
class Interview(_Parsed):
    """One candidate's interview for one posting, with everything HeyMilo's AI made of it.

    Recording links are signed URLs that expire: re-fetch the interview before playing an old one.
    """

    _what = "interview"

    interview_id: str = field(metadata=_BY_HAND)
    posting_id: str | None = None
    posting_title: str | None = None
    posting_interview_type: str | None = None
    company_name: str | None = None
    company_image: str | None = None
    details: InterviewDetails = field(default_factory=InterviewDetails, metadata=_BY_HAND)
    workflow: Workflow = field(default_factory=Workflow, metadata=_BY_HAND)
    # From agentic_data:
    web_interview: WebInterviewInfo | None = field(default=None, metadata=_BY_HAND)
    resume: ResumeInfo | None = field(default=None, metadata=_BY_HAND)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, cls._what)
        details = InterviewDetails.from_dict(_dict(data.get("details")))
        interview_id = _str(data.get("interview_id")) or details.interview_id
        if not interview_id:
            raise MalformedResponse("interview has no interview_id")
        # The top-level workflow and details.workflow_status carry the same data; either may be
        # the one that is missing.
        workflow_data = _opt_dict(data.get("workflow"))
        if workflow_data is not None:
            workflow = Workflow.from_dict(workflow_data)
        else:
            workflow = details.workflow_status or Workflow()
        agentic = _dict(data.get("agentic_data"))
        web = _opt_dict(agentic.get("web_interview_info"))
        resume = _opt_dict(agentic.get("resume_interview_info"))
        return cls._parse(
            data,
            interview_id=interview_id,
            details=details,
            workflow=workflow,
            web_interview=WebInterviewInfo.from_dict(web) if web is not None else None,
            resume=ResumeInfo.from_dict(resume) if resume is not None else None,
        )

    @property
    def candidate_name(self) -> str | None:
        return self.details.name

    @property
    def candidate_email(self) -> str | None:
        return self.details.email

    @property
    def status(self) -> str | None:
        return self.details.status

    @property
    def overall_score(self) -> float | None:
        """The interview's headline score (details.score, else the web interview's final score)."""
        if self.details.score is not None:
            return self.details.score
        return self.details.final_score

    @property
    def resume_score(self) -> float | None:
        if self.resume is None or self.resume.score_criteria is None:
            return None
        return self.resume.score_criteria.overall_score

    @property
    def match_score(self) -> float | None:
        if self.web_interview is None or self.web_interview.summary is None:
            return None
        return self.web_interview.summary.match_score

    @property
    def is_eligible(self) -> bool | None:
        if self.resume is None or self.resume.eligibility is None:
            return None
        return self.resume.eligibility.is_eligible

    @property
    def transcript(self) -> tuple[TranscriptTurn, ...]:
        return self.web_interview.transcript if self.web_interview is not None else ()

    @property
    def audio_recording_link(self) -> str | None:
        if self.web_interview is not None and self.web_interview.audio_recording_link:
            return self.web_interview.audio_recording_link
        return self.details.audio_recording_link

    @property
    def video_recording_link(self) -> str | None:
        if self.web_interview is not None and self.web_interview.video_recording_link:
            return self.web_interview.video_recording_link
        return self.details.video_recording_link

    @property
    def resume_link(self) -> str | None:
        if self.resume is not None and self.resume.resume_link:
            return self.resume.resume_link
        return self.details.resume_file_link


# ---------------------------------------------------------------------------------------------
# Webhooks, ingestion, export


@dataclass(frozen=True, slots=True)
class Webhook(_Parsed):
    _what = "webhook"

    webhook_id: str
    posting_id: str | None = None
    url: str | None = None
    event_type: str | None = None
    http_method: str | None = None
    is_active: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class InterviewLink(_Parsed):
    _what = "interview link"

    interview_id: str
    interview_link: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class IngestionResult(_Parsed):
    _what = "ingestion result"

    message: str | None = None
    ingestion_id: str | None = None
    interview_details: tuple[InterviewLink, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def interview_ids(self) -> tuple[str, ...]:
        return tuple(link.interview_id for link in self.interview_details)


@dataclass(frozen=True, slots=True)
class ExportJob(_Parsed):
    _what = "export job"

    job_id: str | None = None
    status: str | None = None
    file_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate to ingest (input, not a response).

    HeyMilo wants phone_number in E.164 (+12065551234) and metadata values as strings (at most
    50 keys); the server enforces this and answers 422 otherwise.
    """

    name: str
    email: str
    phone_number: str | None = None
    metadata: Mapping[str, str] | None = None
    data: Mapping[str, Any] | None = None

    def to_payload(self, retake: bool = False) -> dict[str, Any]:
        payload: dict[str, Any] = {"name": self.name, "email": self.email}
        if self.phone_number is not None:
            payload["phone_number"] = self.phone_number
        if self.metadata is not None:
            payload["metadata"] = dict(self.metadata)
        if self.data is not None:
            payload["data"] = dict(self.data)
        payload["retake"] = bool(retake)
        return payload


# ---------------------------------------------------------------------------------------------
# Pages


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a paginated list; `raw` is the whole response body."""

    items: tuple[T, ...]
    total: int | None = None
    page: int | None = None
    limit: int | None = None
    total_pages: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any, items_key: str, parse: Callable[[dict[str, Any]], T]) -> Page[T]:
        """Parse a page whose items sit under `items_key`; items that cannot be parsed are skipped.

        Skipping (rather than failing the page) keeps one odd record from blocking a whole sync;
        `raw` still holds it.
        """
        data = _require_dict(data, "page")
        if items_key not in data:
            raise MalformedResponse(f"page has no {items_key!r} list")
        items = data[items_key]
        if items is not None and not isinstance(items, list):
            raise MalformedResponse(f"page's {items_key!r} is not a list")
        return cls(
            items=_parse_all(items, parse),
            total=_int(data.get("total")),
            page=_int(data.get("page")),
            limit=_int(data.get("limit")),
            total_pages=_int(data.get("total_pages")),
            raw=data,
        )

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)
