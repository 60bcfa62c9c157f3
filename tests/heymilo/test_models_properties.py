"""Property tests: any JSON fed to any model's from_dict parses or raises HeyMiloError only."""

import contextlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heymilo.errors import HeyMiloError
from heymilo.models import (
    Communication,
    CommunicationEvaluation,
    Eligibility,
    EligibilityCriterion,
    ExportJob,
    IngestionResult,
    Interview,
    InterviewDetails,
    InterviewLink,
    InterviewSummary,
    Page,
    Posting,
    Remark,
    ResumeCriterion,
    ResumeInfo,
    ResumeScore,
    RootLevelConfigs,
    Scorecard,
    ScorecardQuestion,
    TranscriptTurn,
    Webhook,
    WebInterviewInfo,
    Workflow,
    WorkflowStep,
    WorkflowStepStatus,
)
from tests.heymilo.payloads import payload

MODELS = [
    Communication,
    CommunicationEvaluation,
    Eligibility,
    EligibilityCriterion,
    ExportJob,
    IngestionResult,
    Interview,
    InterviewDetails,
    InterviewLink,
    InterviewSummary,
    Posting,
    Remark,
    ResumeCriterion,
    ResumeInfo,
    ResumeScore,
    RootLevelConfigs,
    Scorecard,
    ScorecardQuestion,
    TranscriptTurn,
    WebInterviewInfo,
    Webhook,
    Workflow,
    WorkflowStep,
    WorkflowStepStatus,
]

PARSERS = [model.from_dict for model in MODELS] + [
    lambda d: Page.from_dict(d, "postings", Posting.from_dict),
    lambda d: Page.from_dict(d, "candidates", Interview.from_dict),
]

# Numbers in the shapes a careless server sends: huge, tiny, negative, non-finite (Python's json
# accepts NaN and Infinity), and as strings.
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=False).map(str),
    st.text(max_size=20),
    st.sampled_from(["2025-08-14T14:35:00Z", "9999-12-31T23:59:59+14:00", "", "NaN", "-inf"]),
)

JSON = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=4),
    ),
    max_leaves=25,
)


def shaped_like(template: Any) -> st.SearchStrategy[Any]:
    """JSON with the template's keys and nesting, any part possibly dropped or swapped.

    Containers keep their shape most of the time (so parsing reaches the deep models) and are
    sometimes replaced by random JSON; leaves are the template's value or a random leaf.
    """
    if isinstance(template, dict):
        fields = {key: shaped_like(value) for key, value in template.items()}
        shaped = st.one_of(st.fixed_dictionaries(fields), st.fixed_dictionaries({}, optional=fields))
    elif isinstance(template, list):
        item = shaped_like(template[0]) if template else JSON
        shaped = st.lists(item, max_size=3)
    else:
        return st.one_of(st.just(template), LEAVES)
    return st.one_of(*([shaped] * 8), JSON)


TEMPLATES = {
    "interview": payload("interview"),
    "postings_page": payload("postings_page"),
    "posting": payload("postings_page")["postings"][0],
    "interviews_page": payload("interviews_page"),
    "webhook": payload("webhook"),
    "ingestion": payload("bulk_ingestion_result"),
    "export": payload("export_job"),
}


def _parse_or_heymilo_error(data: Any) -> None:
    for parse in PARSERS:
        with contextlib.suppress(HeyMiloError):
            parse(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_it_parses_or_raises_heymilo_error_for_arbitrary_json(data):
    _parse_or_heymilo_error(data)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(*(shaped_like(t) for t in TEMPLATES.values())))
def test_it_parses_or_raises_heymilo_error_for_reference_shaped_json(data):
    _parse_or_heymilo_error(data)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(shaped_like(TEMPLATES["interview"]))
def test_it_never_lets_convenience_properties_fail_on_a_parsed_interview(data):
    try:
        interview = Interview.from_dict(data)
    except HeyMiloError:
        return
    # Every property a template reads must work whatever the payload held.
    for name in (
        "overall_score",
        "resume_score",
        "match_score",
        "is_eligible",
        "transcript",
        "audio_recording_link",
        "video_recording_link",
        "resume_link",
        "candidate_name",
        "status",
    ):
        getattr(interview, name)
    for turn in interview.transcript:
        assert turn.timestamp is None or isinstance(turn.timestamp, float)
        _ = turn.role


@settings(max_examples=100)
@given(shaped_like(TEMPLATES["posting"]))
def test_it_never_lets_workflow_step_properties_fail(data):
    try:
        posting = Posting.from_dict(data)
    except HeyMiloError:
        return
    for step in posting.agentic_workflow:
        for name in (
            "knockout_enabled",
            "min_evaluation_score",
            "mandatory",
            "video",
            "show_transcript",
            "instructions",
            "interviewer_name",
        ):
            getattr(step, name)
