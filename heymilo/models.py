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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

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


def _require_id(data: Mapping[str, Any], key: str, what: str) -> str:
    value = _str(data.get(key))
    if not value:
        raise MalformedResponse(f"{what} has no {key}")
    return value


# ---------------------------------------------------------------------------------------------
# Postings


@dataclass(frozen=True, slots=True)
class RootLevelConfigs:
    instructions: str | None = None
    company_overview: str | None = None
    job_overview: str | None = None
    interview_process_overview: str | None = None
    language: str | None = None
    interviewer_name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "root_level_configs")
        return cls(
            instructions=_str(data.get("instructions")),
            company_overview=_str(data.get("company_overview")),
            job_overview=_str(data.get("job_overview")),
            interview_process_overview=_str(data.get("interview_process_overview")),
            language=_str(data.get("language")),
            interviewer_name=_str(data.get("interviewer_name")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class WorkflowStep:
    """One step of a posting's agentic workflow (resume, web_interview, conversational_sms...)."""

    type: str | None
    unique_id: str | None
    config: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "workflow step")
        return cls(
            type=_str(data.get("type")),
            unique_id=_str(data.get("unique_id")),
            config=_dict(data.get("config")),
            raw=data,
        )

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
class Posting:
    """A job posting (HeyMilo's UI calls them interviewers)."""

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

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "posting")
        return cls(
            posting_id=_require_id(data, "posting_id", "posting"),
            title=_str(data.get("title")),
            name=_str(data.get("name")),
            description=_str(data.get("description")),
            company_id=_str(data.get("company_id")),
            created_at=_time(data.get("created_at")),
            last_updated=_time(data.get("last_updated")),
            archived=_bool(data.get("archived")),
            deadline=_time(data.get("deadline")),
            finalized=_bool(data.get("finalized")),
            phone_number_id=_str(data.get("phone_number_id")),
            url_key=_str(data.get("url_key")),
            root_level_configs=RootLevelConfigs.from_dict(_dict(data.get("root_level_configs"))),
            agentic_workflow=_parse_all(data.get("agentic_workflow"), WorkflowStep.from_dict),
            raw=data,
        )

    @property
    def step_types(self) -> tuple[str, ...]:
        return tuple(step.type for step in self.agentic_workflow if step.type)


# ---------------------------------------------------------------------------------------------
# Interviews: workflow progress


@dataclass(frozen=True, slots=True)
class WorkflowStepStatus:
    """Where one candidate stands on one workflow step."""

    id: str | None
    order: int | None = None
    started: bool | None = None
    complete: bool | None = None
    required: bool | None = None
    is_analyzing_call: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)
    last_updated: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "workflow step status")
        return cls(
            id=_str(data.get("id")),
            order=_int(data.get("order")),
            started=_bool(data.get("started")),
            complete=_bool(data.get("complete")),
            required=_bool(data.get("required")),
            is_analyzing_call=_bool(data.get("is_analyzing_call")),
            details=_dict(data.get("details")),
            last_updated=_time(data.get("last_updated_timestamp", data.get("last_updated"))),
            raw=data,
        )

    @property
    def details_text(self) -> str | None:
        return _str(self.details.get("details"))


@dataclass(frozen=True, slots=True)
class Workflow:
    steps: tuple[WorkflowStepStatus, ...] = ()
    all_complete: bool | None = None
    last_engagement: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "workflow")
        steps = _parse_all(data.get("step_by_step"), WorkflowStepStatus.from_dict)
        return cls(
            steps=tuple(sorted(steps, key=lambda s: (s.order is None, s.order or 0))),
            all_complete=_bool(data.get("all_complete")),
            last_engagement=_time(data.get("last_engagement")),
            raw=data,
        )


# ---------------------------------------------------------------------------------------------
# Interviews: web interview analysis


@dataclass(frozen=True, slots=True)
class TranscriptTurn:
    """One utterance. `timestamp` stays a float: it may be seconds from the start, not Unix time."""

    speaker: str | None
    text: str | None
    timestamp: float | None = None
    timestamp_str: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "transcript turn")
        return cls(
            speaker=_str(data.get("speaker")),
            text=_str(data.get("text")),
            timestamp=_num(data.get("timestamp")),
            timestamp_str=_str(data.get("timestamp_str")),
            raw=data,
        )

    @property
    def role(self) -> str:
        """The speaker in lower case: the API capitalises it in some versions and not in others."""
        return (self.speaker or "").strip().lower()

    @property
    def is_candidate(self) -> bool:
        return self.role == "candidate"


@dataclass(frozen=True, slots=True)
class InterviewSummary:
    highlights: tuple[str, ...] = ()
    lowlights: tuple[str, ...] = ()
    match_score: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "summary")
        return cls(
            highlights=_strs(data.get("highlights")),
            lowlights=_strs(data.get("lowlights")),
            match_score=_num(data.get("match_score")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class ScorecardQuestion:
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

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "scorecard question")
        return cls(
            question_id=_str(data.get("question_id")),
            question=_str(data.get("question")),
            evaluation_summary=_str(data.get("evaluation_summary")),
            evaluation_criteria=_str(data.get("evaluation_criteria")),
            preview_timestamp=_num(data.get("preview_timestamp")),
            evaluation_score=_num(data.get("evaluation_score")),
            rank=_int(data.get("rank")),
            score_weight=_num(data.get("score_weight")),
            not_scored=_bool(data.get("not_scored")),
            chat_transcript=_parse_all(data.get("chat_transcript"), TranscriptTurn.from_dict),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Scorecard:
    match_details: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    questions: tuple[ScorecardQuestion, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "scorecard")
        return cls(
            match_details=_strs(data.get("match_details")),
            tags=_strs(data.get("tags")),
            questions=_parse_all(data.get("questions"), ScorecardQuestion.from_dict),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Remark:
    details: str | None
    transcript_reference: TranscriptTurn | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "remark")
        reference = _opt_dict(data.get("transcript_reference"))
        return cls(
            details=_str(data.get("details")),
            transcript_reference=TranscriptTurn.from_dict(reference) if reference else None,
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class CommunicationEvaluation:
    score: float | None
    remarks: tuple[Remark, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "communication evaluation")
        return cls(
            score=_num(data.get("score")),
            remarks=_parse_all(data.get("remarks"), Remark.from_dict),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Communication:
    speech_score: float | None = None
    evaluations: tuple[CommunicationEvaluation, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "communication")
        return cls(
            speech_score=_num(data.get("speech_score")),
            evaluations=_parse_all(data.get("evaluations"), CommunicationEvaluation.from_dict),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class WebInterviewInfo:
    summary: InterviewSummary | None = None
    scorecard: Scorecard | None = None
    communication: Communication | None = None
    transcript: tuple[TranscriptTurn, ...] = ()
    audio_recording_link: str | None = None
    video_recording_link: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "web_interview_info")
        summary = _opt_dict(data.get("summary"))
        scorecard = _opt_dict(data.get("scorecard"))
        communication = _opt_dict(data.get("communication"))
        # The reference wraps the turns as {"transcript": [...]}; accept a bare list as well.
        transcript = data.get("transcript")
        if isinstance(transcript, dict):
            transcript = transcript.get("transcript")
        return cls(
            summary=InterviewSummary.from_dict(summary) if summary is not None else None,
            scorecard=Scorecard.from_dict(scorecard) if scorecard is not None else None,
            communication=(Communication.from_dict(communication) if communication is not None else None),
            transcript=_parse_all(transcript, TranscriptTurn.from_dict),
            audio_recording_link=_str(data.get("audio_recording_link")),
            video_recording_link=_str(data.get("video_recording_link")),
            raw=data,
        )


# ---------------------------------------------------------------------------------------------
# Interviews: resume analysis


@dataclass(frozen=True, slots=True)
class ResumeCriterion:
    criteria_id: str | None
    criteria_text: str | None = None
    score: float | None = None
    confidence_score: float | None = None
    reasons: tuple[str, ...] = ()
    standout_parts: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "resume criterion")
        return cls(
            criteria_id=_str(data.get("criteria_id")),
            criteria_text=_str(data.get("criteria_text")),
            score=_num(data.get("score")),
            confidence_score=_num(data.get("confidence_score")),
            reasons=_strs(data.get("reasons")),
            standout_parts=_strs(data.get("standout_parts")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class ResumeScore:
    overall_score: float | None = None
    confidence_score: float | None = None
    criteria: tuple[ResumeCriterion, ...] = ()
    highlights: tuple[str, ...] = ()
    improvement_areas: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "score_criteria")
        return cls(
            overall_score=_num(data.get("overall_score")),
            confidence_score=_num(data.get("confidence_score")),
            criteria=_parse_all(data.get("criteria"), ResumeCriterion.from_dict),
            highlights=_strs(data.get("highlights")),
            improvement_areas=_strs(data.get("improvement_areas")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class EligibilityCriterion:
    criteria_id: str | None
    criteria_text: str | None = None
    pass_criteria: bool | None = None
    confidence_score: float | None = None
    reasons: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "eligibility criterion")
        return cls(
            criteria_id=_str(data.get("criteria_id")),
            criteria_text=_str(data.get("criteria_text")),
            pass_criteria=_bool(data.get("pass_criteria")),
            confidence_score=_num(data.get("confidence_score")),
            reasons=_strs(data.get("reasons")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Eligibility:
    is_eligible: bool | None = None
    confidence_score: float | None = None
    criteria: tuple[EligibilityCriterion, ...] = ()
    skill_gaps: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "eligibility_criteria")
        return cls(
            is_eligible=_bool(data.get("is_eligible")),
            confidence_score=_num(data.get("confidence_score")),
            criteria=_parse_all(data.get("criteria"), EligibilityCriterion.from_dict),
            skill_gaps=_strs(data.get("skill_gaps")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class ResumeInfo:
    score_criteria: ResumeScore | None = None
    eligibility: Eligibility | None = None
    resume_link: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "resume_interview_info")
        score = _opt_dict(data.get("score_criteria"))
        eligibility = _opt_dict(data.get("eligibility_criteria"))
        return cls(
            score_criteria=ResumeScore.from_dict(score) if score is not None else None,
            eligibility=Eligibility.from_dict(eligibility) if eligibility is not None else None,
            resume_link=_str(data.get("resume_link")),
            raw=data,
        )


# ---------------------------------------------------------------------------------------------
# Interviews


@dataclass(frozen=True, slots=True)
class InterviewDetails:
    """The core of an interview: who the candidate is, where they stand, the headline score."""

    interview_id: str | None = None
    candidate_id: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    status: str | None = None
    score: float | None = None
    interviewed_on: datetime | None = None
    actions: dict[str, Any] = field(default_factory=dict)
    workflow_status: Workflow | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    resume_file_link: str | None = None
    final_score: float | None = None
    skill_highlights: tuple[str, ...] = ()
    audio_recording_link: str | None = None
    video_recording_link: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "interview details")
        metadata = _dict(data.get("metadata"))
        resume = _dict(metadata.get("resume"))
        web = _dict(metadata.get("web_interview"))
        workflow_status = _opt_dict(data.get("workflow_status"))
        return cls(
            interview_id=_str(data.get("interview_id")),
            candidate_id=_str(data.get("candidate_id")),
            name=_str(data.get("name")),
            email=_str(data.get("email")),
            phone=_str(data.get("phone", data.get("phone_number"))),
            status=_str(data.get("status")),
            score=_num(data.get("score")),
            interviewed_on=_time(data.get("interviewed_on")),
            actions=_dict(data.get("actions")),
            workflow_status=(Workflow.from_dict(workflow_status) if workflow_status is not None else None),
            metadata=metadata,
            resume_file_link=_str(resume.get("file_link")),
            final_score=_num(web.get("final_score")),
            skill_highlights=_strs(web.get("skill_highlights")),
            audio_recording_link=_str(web.get("audio_recording_link")),
            video_recording_link=_str(web.get("video_recording_link")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Interview:
    """One candidate's interview for one posting, with everything HeyMilo's AI made of it.

    Recording links are signed URLs that expire: re-fetch the interview before playing an old one.
    """

    interview_id: str
    posting_id: str | None = None
    posting_title: str | None = None
    posting_interview_type: str | None = None
    company_name: str | None = None
    company_image: str | None = None
    details: InterviewDetails = field(default_factory=InterviewDetails)
    workflow: Workflow = field(default_factory=Workflow)
    web_interview: WebInterviewInfo | None = None
    resume: ResumeInfo | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "interview")
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
        return cls(
            interview_id=interview_id,
            posting_id=_str(data.get("posting_id")),
            posting_title=_str(data.get("posting_title")),
            posting_interview_type=_str(data.get("posting_interview_type")),
            company_name=_str(data.get("company_name")),
            company_image=_str(data.get("company_image")),
            details=details,
            workflow=workflow,
            web_interview=WebInterviewInfo.from_dict(web) if web is not None else None,
            resume=ResumeInfo.from_dict(resume) if resume is not None else None,
            raw=data,
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
class Webhook:
    webhook_id: str
    posting_id: str | None = None
    url: str | None = None
    event_type: str | None = None
    http_method: str | None = None
    is_active: bool | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "webhook")
        return cls(
            webhook_id=_require_id(data, "webhook_id", "webhook"),
            posting_id=_str(data.get("posting_id")),
            url=_str(data.get("url")),
            event_type=_str(data.get("event_type")),
            http_method=_str(data.get("http_method")),
            is_active=_bool(data.get("is_active")),
            created_at=_time(data.get("created_at")),
            updated_at=_time(data.get("updated_at")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class InterviewLink:
    interview_id: str
    interview_link: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "interview link")
        return cls(
            interview_id=_require_id(data, "interview_id", "interview link"),
            interview_link=_str(data.get("interview_link")),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class IngestionResult:
    message: str | None = None
    ingestion_id: str | None = None
    interview_details: tuple[InterviewLink, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "ingestion result")
        return cls(
            message=_str(data.get("message")),
            ingestion_id=_str(data.get("ingestion_id")),
            interview_details=_parse_all(data.get("interview_details"), InterviewLink.from_dict),
            raw=data,
        )

    @property
    def interview_ids(self) -> tuple[str, ...]:
        return tuple(link.interview_id for link in self.interview_details)


@dataclass(frozen=True, slots=True)
class ExportJob:
    job_id: str | None = None
    status: str | None = None
    file_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: Any) -> Self:
        data = _require_dict(data, "export job")
        return cls(
            job_id=_str(data.get("job_id")),
            status=_str(data.get("status")),
            file_url=_str(data.get("file_url")),
            raw=data,
        )


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
