"""Parsing HeyMilo payloads into models: the reference examples and tolerated oddities."""

from datetime import UTC, datetime

import pytest

from heymilo.errors import HeyMiloError, MalformedResponse
from heymilo.models import (
    Candidate,
    ExportJob,
    IngestionResult,
    Interview,
    Page,
    Posting,
    Webhook,
)
from tests.heymilo.payloads import payload


def test_it_parses_the_reference_postings_page():
    page = Page.from_dict(payload("postings_page"), "postings", Posting.from_dict)

    assert (page.total, page.page, page.limit, page.total_pages) == (42, 1, 10, 5)
    assert [p.posting_id for p in page.items] == ["posting_123", "post_67890"]
    posting = page.items[0]
    assert posting.title == "Software Engineer"
    assert posting.created_at == datetime.fromtimestamp(1652345678, UTC)
    assert posting.deadline == datetime.fromtimestamp(1662345678, UTC)
    assert posting.archived is False
    assert posting.finalized is True
    assert posting.url_key == "unique_url_key_for_posting"
    assert posting.root_level_configs.interviewer_name == "Alex Johnson"
    assert posting.root_level_configs.language == "en"
    assert page.items[1].root_level_configs.interviewer_name is None
    assert posting.step_types == ("resume", "web_interview", "conversational_sms")
    resume, web, sms = posting.agentic_workflow
    assert resume.knockout_enabled is True
    assert resume.min_evaluation_score == 0.7
    assert resume.mandatory is True
    assert web.video is True
    assert web.show_transcript is True
    assert web.interviewer_name == "Alex Johnson"
    assert sms.mandatory is None
    assert posting.raw["posting_id"] == "posting_123"


def test_it_parses_the_reference_interview():
    interview = Interview.from_dict(payload("interview"))

    assert interview.interview_id == "int_abc123"
    assert interview.posting_id == "posting_123"
    assert interview.posting_title == "Senior Frontend Developer"
    assert interview.company_name == "Example Corp"
    details = interview.details
    assert (details.candidate_id, details.name, details.email) == (
        "cand_xyz789",
        "John Smith",
        "john.smith@example.com",
    )
    assert details.status == "completed"
    assert details.score == 85.5
    assert details.interviewed_on == datetime.fromtimestamp(1676452800, UTC)
    assert details.actions == {"can_view": True, "can_download": True}
    assert details.resume_file_link == "https://example.com/resumes/abc123.pdf"
    assert details.final_score == 85.5
    assert details.skill_highlights == ("Communication", "Problem Solving")

    assert interview.workflow.all_complete is True
    assert [s.id for s in interview.workflow.steps] == ["resume_upload", "web_interview"]
    first = interview.workflow.steps[0]
    assert first.details_text == "Resume uploaded and analyzed"
    assert first.last_updated == datetime.fromtimestamp(1676452800, UTC)
    assert interview.workflow.steps[1].is_analyzing_call is False

    web = interview.web_interview
    assert web is not None
    assert web.summary.highlights == ("Strong communication skills", "Problem-solving abilities")
    assert web.summary.lowlights == ("Limited experience with Python",)
    question = web.scorecard.questions[0]
    assert question.question_id == "q1"
    assert question.evaluation_score == 4.0
    assert question.rank == 1
    assert question.score_weight == 2.0
    assert question.not_scored is False
    assert question.preview_timestamp == 1676453000.0
    assert [t.role for t in question.chat_transcript] == ["interviewer", "candidate"]
    assert web.scorecard.tags == ("JavaScript", "React", "Frontend")
    assert web.communication.speech_score == 4.2
    remark = web.communication.evaluations[0].remarks[0]
    assert remark.details == "Clear and concise communication"
    assert remark.transcript_reference.timestamp_str == "00:06:40"
    assert len(interview.transcript) == 2
    assert interview.transcript[0].timestamp == 1676452800.0

    resume = interview.resume
    assert resume.score_criteria.overall_score == 4.2
    assert resume.score_criteria.criteria[0].standout_parts == ("Led a team of 3 developers",)
    assert resume.eligibility.criteria[0].pass_criteria is True
    assert resume.eligibility.skill_gaps == ("Python", "AWS")

    assert interview.overall_score == 85.5
    assert interview.resume_score == 4.2
    assert interview.match_score == 85.0
    assert interview.is_eligible is True
    assert interview.audio_recording_link == "https://example.com/recordings/abc123.mp3"
    assert interview.video_recording_link == "https://example.com/recordings/abc123.mp4"
    assert interview.resume_link == "https://example.com/resumes/abc123.pdf"


def test_it_parses_the_reference_interviews_page():
    page = Page.from_dict(payload("interviews_page"), "candidates", Interview.from_dict)

    assert [i.interview_id for i in page.items] == ["int_abc123"]
    assert page.total_pages == 5


def test_it_parses_webhook_ingestion_and_export_answers():
    webhook = Webhook.from_dict(payload("webhook"))
    assert webhook.webhook_id == "webhook_789"
    assert webhook.is_active is True
    assert webhook.created_at == datetime(2023, 12, 20, 18, 40, tzinfo=UTC)

    result = IngestionResult.from_dict(payload("bulk_ingestion_result"))
    assert result.ingestion_id == "ing_123456789"
    assert result.interview_ids == ("int_id_78658707", "int_id_78658703")

    job = ExportJob.from_dict(payload("export_job"))
    assert job.status == "success"
    assert job.file_url.endswith(".json")


def test_it_falls_back_to_workflow_status_when_workflow_is_missing():
    data = payload("interview")
    del data["workflow"]

    interview = Interview.from_dict(data)

    assert [s.id for s in interview.workflow.steps] == ["resume_upload", "web_interview"]
    assert interview.workflow.all_complete is True


def test_it_gives_an_empty_workflow_when_neither_is_present():
    interview = Interview.from_dict({"interview_id": "i1"})

    assert interview.workflow.steps == ()
    assert interview.workflow.all_complete is None
    assert interview.web_interview is None
    assert interview.resume is None
    assert interview.transcript == ()
    assert interview.overall_score is None
    assert interview.match_score is None
    assert interview.is_eligible is None


def test_it_tolerates_missing_agentic_data_and_null_scores():
    data = payload("interview")
    del data["agentic_data"]
    data["details"]["score"] = None
    data["details"]["metadata"] = None

    interview = Interview.from_dict(data)

    assert interview.web_interview is None
    assert interview.resume is None
    assert interview.overall_score is None
    assert interview.details.resume_file_link is None
    assert interview.audio_recording_link is None


def test_it_reads_numbers_given_as_strings_but_never_bools():
    data = payload("interview")
    data["details"]["score"] = "85.5"
    web = data["agentic_data"]["web_interview_info"]
    web["summary"]["match_score"] = True
    web["scorecard"]["questions"][0]["evaluation_score"] = " 7 "
    web["scorecard"]["questions"][0]["rank"] = "2"
    web["scorecard"]["questions"][0]["score_weight"] = False
    web["communication"]["speech_score"] = "n/a"

    interview = Interview.from_dict(data)

    assert interview.details.score == 85.5
    assert interview.match_score is None
    question = interview.web_interview.scorecard.questions[0]
    assert question.evaluation_score == 7.0
    assert question.rank == 2
    assert question.score_weight is None
    assert interview.web_interview.communication.speech_score is None


def test_it_ignores_extra_fields_and_keeps_them_in_raw():
    data = payload("webhook")
    data["signing_secret_hint"] = "abc"
    data["nested"] = {"x": [1, 2]}

    webhook = Webhook.from_dict(data)

    assert webhook.webhook_id == "webhook_789"
    assert webhook.raw["nested"] == {"x": [1, 2]}


def test_it_treats_null_lists_as_empty_and_wrong_types_as_missing():
    data = payload("interview")
    web = data["agentic_data"]["web_interview_info"]
    web["scorecard"]["questions"] = None
    web["scorecard"]["tags"] = "JavaScript"
    web["summary"] = ["not", "a", "dict"]
    web["transcript"] = None
    data["agentic_data"]["resume_interview_info"]["score_criteria"] = "oops"
    data["workflow"]["step_by_step"] = [None, 3, {"id": "ok", "order": "1"}]

    interview = Interview.from_dict(data)

    assert interview.web_interview.scorecard.questions == ()
    assert interview.web_interview.scorecard.tags == ()
    assert interview.web_interview.summary is None
    assert interview.transcript == ()
    assert interview.resume.score_criteria is None
    assert interview.resume_score is None
    assert [(s.id, s.order) for s in interview.workflow.steps] == [("ok", 1)]


def test_it_accepts_a_bare_transcript_list_and_capitalised_speakers():
    data = {
        "interview_id": "i1",
        "agentic_data": {
            "web_interview_info": {
                "transcript": [
                    {"speaker": "Interviewer", "text": "Hi", "timestamp": 0},
                    {"speaker": "Candidate", "text": "Hello", "timestamp": "1.5"},
                ]
            }
        },
    }

    turns = Interview.from_dict(data).transcript

    assert [t.role for t in turns] == ["interviewer", "candidate"]
    assert turns[1].is_candidate
    # Seconds from the start stay a float: they are not a Unix time.
    assert turns[1].timestamp == 1.5


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1652345678, datetime.fromtimestamp(1652345678, UTC)),
        (1652345678.5, datetime.fromtimestamp(1652345678.5, UTC)),
        ("1652345678", datetime.fromtimestamp(1652345678, UTC)),
        (1652345678000, datetime.fromtimestamp(1652345678, UTC)),
        ("2025-08-14T14:35:00Z", datetime(2025, 8, 14, 14, 35, tzinfo=UTC)),
        ("2025-08-14T16:35:00+02:00", datetime(2025, 8, 14, 14, 35, tzinfo=UTC)),
        ("2025-08-14T14:35:00", datetime(2025, 8, 14, 14, 35, tzinfo=UTC)),
        ("next tuesday", None),
        (True, None),
        (None, None),
        (1e300, None),
        ([1], None),
    ],
)
def test_it_reads_timestamps_as_aware_utc(value, expected):
    posting = Posting.from_dict({"posting_id": "p1", "created_at": value})

    assert posting.created_at == expected
    if expected is not None:
        assert posting.created_at.utcoffset().total_seconds() == 0


def test_it_accepts_numeric_ids():
    assert Posting.from_dict({"posting_id": 123}).posting_id == "123"


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (Posting, {"title": "no id"}),
        (Posting, {"posting_id": ""}),
        (Posting, {"posting_id": None}),
        (Interview, {"details": {"name": "x"}}),
        (Webhook, {"url": "https://example.com"}),
        (Posting, ["not", "an", "object"]),
        (Interview, "a string"),
        (ExportJob, None),
        (IngestionResult, 42),
    ],
)
def test_it_raises_malformed_response_when_parsing_is_impossible(model, data):
    with pytest.raises(MalformedResponse) as excinfo:
        model.from_dict(data)

    assert isinstance(excinfo.value, HeyMiloError)


def test_it_takes_the_interview_id_from_details_when_the_top_level_lacks_it():
    assert Interview.from_dict({"details": {"interview_id": "i9"}}).interview_id == "i9"


def test_it_requires_the_page_items_key():
    with pytest.raises(MalformedResponse):
        Page.from_dict({"total": 3}, "postings", Posting.from_dict)
    with pytest.raises(MalformedResponse):
        Page.from_dict({"postings": "x"}, "postings", Posting.from_dict)
    assert Page.from_dict({"postings": None}, "postings", Posting.from_dict).items == ()


def test_it_skips_page_items_that_cannot_be_parsed():
    data = {"postings": [{"posting_id": "a"}, {"title": "no id"}, "junk", {"posting_id": "b"}]}

    page = Page.from_dict(data, "postings", Posting.from_dict)

    assert [p.posting_id for p in page] == ["a", "b"]
    assert len(page.raw["postings"]) == 4


def test_it_builds_the_candidate_payload_with_retake():
    candidate = Candidate("Jane Doe", "jane@example.com", "+12065551234", {"source": "csv"}, {"years": "5"})

    assert candidate.to_payload(retake=True) == {
        "name": "Jane Doe",
        "email": "jane@example.com",
        "phone_number": "+12065551234",
        "metadata": {"source": "csv"},
        "data": {"years": "5"},
        "retake": True,
    }
    assert Candidate("A", "a@example.com").to_payload() == {
        "name": "A",
        "email": "a@example.com",
        "retake": False,
    }


def test_it_keeps_models_frozen():
    webhook = Webhook.from_dict(payload("webhook"))

    with pytest.raises(AttributeError):
        webhook.url = "https://evil.example"  # type: ignore[misc]


def test_a_model_whose_field_no_reader_knows_is_refused_with_the_field_type_named():
    from dataclasses import dataclass, field
    from typing import Any

    from heymilo.models import _Parsed

    @dataclass(frozen=True, slots=True)
    class Odd(_Parsed):
        _what = "odd thing"

        tags: frozenset[str] = frozenset()
        raw: dict[str, Any] = field(default_factory=dict, repr=False)

    with pytest.raises(TypeError, match=r"odd thing: no reader for a field of type frozenset\[str\]"):
        Odd.from_dict({"tags": ["a"]})


def test_a_model_must_end_with_raw():
    from dataclasses import dataclass, field
    from typing import Any

    from heymilo.models import _Parsed

    @dataclass(frozen=True, slots=True)
    class Backwards(_Parsed):
        _what = "backwards"

        raw: dict[str, Any] = field(default_factory=dict, repr=False)
        name: str | None = None

    with pytest.raises(TypeError, match="Backwards: the last field of a parsed model is raw"):
        Backwards.from_dict({"name": "x"})


def test_the_fields_read_by_rules_of_their_own():
    remark = {"details": "clear", "transcript_reference": {}}
    interview = Interview.from_dict(
        {
            "interview_id": "i1",
            "details": {
                "phone_number": "+12065551234",
                "workflow_status": {
                    "step_by_step": [
                        {"id": "second", "order": 2, "last_updated_timestamp": 1700000000},
                        {"id": "first", "order": 1, "last_updated": 1600000000},
                    ]
                },
                "metadata": {"resume": {"file_link": "https://r"}, "web_interview": {"final_score": "7.5"}},
            },
            "agentic_data": {
                "resume_interview_info": {"eligibility_criteria": {"is_eligible": True}},
                "web_interview_info": {
                    "transcript": [{"speaker": "AI", "text": "hi"}],
                    "communication": {"evaluations": [{"score": 1, "remarks": [remark]}]},
                },
            },
        }
    )

    assert interview.details.phone == "+12065551234"  # phone, else phone_number
    first, second = interview.workflow.steps  # from details.workflow_status, sorted by order
    assert (first.id, second.id) == ("first", "second")
    assert first.last_updated == datetime.fromtimestamp(1600000000, UTC)
    assert second.last_updated == datetime.fromtimestamp(1700000000, UTC)
    assert (interview.resume_link, interview.overall_score) == ("https://r", 7.5)  # from metadata
    assert interview.is_eligible is True  # resume.eligibility is read from eligibility_criteria
    assert [turn.text for turn in interview.transcript] == ["hi"]  # a bare list of turns
    evaluation = interview.web_interview.communication.evaluations[0]
    assert evaluation.remarks[0].transcript_reference is None  # an empty reference is none
