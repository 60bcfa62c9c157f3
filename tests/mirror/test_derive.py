"""Deriving columns from documents: offsets, volatile links, reparse."""

import pytest
from django.core.management import call_command

from dashboard.mirror import derive
from dashboard.mirror.models import Interview
from heymilo.models import Interview as APIInterview


def interview(turns, **extra):
    return APIInterview.from_dict(
        {
            "interview_id": "int_1",
            "details": {"name": "Ada", "status": "Completed", "score": "81.5"},
            "agentic_data": {"web_interview_info": {"transcript": {"transcript": turns}, **extra}},
        }
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:05:10", 310),
        ("05:10", 310),
        ("1:00:00", 3600),
        ("00:00:01.5", 1.5),
        ("", None),
        (None, None),
        ("soon", None),
    ],
)
def test_it_parses_clock_times(text, seconds):
    assert derive.parse_hms(text) == seconds


def test_it_makes_unix_times_relative_to_the_first_turn():
    rows = derive.transcript_rows(
        interview(
            [
                {"speaker": "Interviewer", "text": "Hi", "timestamp": 1676452800},
                {"speaker": "CANDIDATE", "text": "Hello", "timestamp": 1676452810.5},
            ]
        )
    )
    assert [(r["speaker"], r["offset_seconds"]) for r in rows] == [("interviewer", 0), ("candidate", 10.5)]


def test_it_keeps_offsets_and_falls_back_to_the_clock_string():
    rows = derive.transcript_rows(
        interview(
            [
                {"speaker": "interviewer", "text": "a", "timestamp": 3.25},
                {"speaker": "candidate", "text": "b", "timestamp_str": "00:01:02"},
                {"speaker": "system", "text": "c"},
            ]
        )
    )
    assert [r["offset_seconds"] for r in rows] == [3.25, 62, None]


def test_recording_links_do_not_count_as_changes():
    base = {
        "interview_id": "i",
        "details": {"name": "A"},
        "agentic_data": {"web_interview_info": {"audio_recording_link": "https://x/a?sig=1"}},
    }
    relinked = {
        "interview_id": "i",
        "details": {"name": "A"},
        "agentic_data": {"web_interview_info": {"audio_recording_link": "https://x/a?sig=2"}},
    }
    renamed = {"interview_id": "i", "details": {"name": "B"}}
    assert derive.content_hash(base) == derive.content_hash(relinked)
    assert derive.content_hash(base) != derive.content_hash(renamed)


def test_it_reads_numbers_given_as_strings():
    columns = derive.interview_columns(interview([]))
    assert columns["score"] == 81.5
    assert columns["status"] == "completed"


@pytest.mark.django_db
def test_reparse_rebuilds_columns_from_documents(team):
    doc = interview([{"speaker": "candidate", "text": "x", "timestamp": 1}]).raw
    row = Interview.objects.create(team=team, remote_id="int_1", document=doc, name="stale", score=1)
    call_command("reparse")
    row.refresh_from_db()
    assert (row.name, row.score, row.status) == ("Ada", 81.5, "completed")
    assert row.transcript_lines.get().text == "x"


def test_links_in_the_details_metadata_do_not_count_either():
    def doc(sig):
        return {
            "interview_id": "i",
            "details": {
                "name": "A",
                "metadata": {
                    "web_interview": {"final_score": 80, "video_recording_link": f"https://x/v?sig={sig}"}
                },
            },
        }

    assert derive.content_hash(doc(1)) == derive.content_hash(doc(2))
    changed = doc(1)
    changed["details"]["metadata"]["web_interview"]["final_score"] = 81
    assert derive.content_hash(changed) != derive.content_hash(doc(1))
