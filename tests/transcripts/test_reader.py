"""The transcript reader and its downloads."""

import pytest

from dashboard.mirror.models import Interview, TranscriptLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def interview(team):
    row = Interview.objects.create(
        team=team,
        remote_id="int_r",
        name="Ada <b>Lovelace</b>",
        status="completed",
        document={
            "interview_id": "int_r",
            "agentic_data": {
                "web_interview_info": {"audio_recording_link": "https://cdn.example/a.mp3?sig=1"}
            },
        },
    )
    turns = [
        ("interviewer", "Welcome!", 0.0, "00:00:00"),
        ("candidate", 'Hi --> "><img src=x onerror=alert(1)> & co', 12.5, ""),
        ("system", "Call ended", None, ""),
    ]
    for position, (speaker, text, offset, stamp) in enumerate(turns):
        TranscriptLine.objects.create(
            interview=row,
            position=position,
            speaker=speaker,
            text=text,
            offset_seconds=offset,
            timestamp_str=stamp,
        )
    return row


def test_it_shows_every_turn_with_anchors_times_and_the_player(login, viewer, interview):
    html = login(viewer).get("/interviews/int_r/transcript/").text
    assert 'id="t-0"' in html and 'id="t-2"' in html
    assert 'data-seek="12.500"' in html and ">0:12<" in html and ">00:00:00<" in html
    assert '<audio controls preload="metadata" data-media src="https://cdn.example/a.mp3?sig=1">' in html
    assert '"><img src=x onerror=alert(1)>' not in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt; &amp; co" in html


def test_it_reads_without_a_recording_and_ignores_odd_links(login, viewer, interview):
    interview.document = {
        "agentic_data": {"web_interview_info": {"audio_recording_link": "javascript:alert(1)"}}
    }
    interview.save()
    html = login(viewer).get("/interviews/int_r/transcript/").text
    assert "<audio" not in html and "javascript:" not in html
    assert 'class="time">0:12<' in html


def test_it_says_when_there_is_no_transcript_yet(login, viewer, team):
    Interview.objects.create(team=team, remote_id="int_p", name="Pending", status="pending")
    assert "There is no transcript yet" in login(viewer).get("/interviews/int_p/transcript/").text


def test_it_downloads_plain_text(login, viewer, interview):
    response = login(viewer).get("/interviews/int_r/transcript.txt")
    assert response["Content-Disposition"] == 'attachment; filename="ada-blovelaceb-transcript.txt"'
    body = response.content.decode()
    assert "[0:00] Interviewer: Welcome!" in body
    assert "System: Call ended" in body


def test_it_downloads_webvtt_captions(login, viewer, interview):
    body = login(viewer).get("/interviews/int_r/transcript.vtt").content.decode()
    assert body.startswith("WEBVTT\n")
    assert "00:00:00.000 --> 00:00:12.500" in body
    assert "00:00:12.500 --> 00:00:17.500" in body
    # Cue text cannot break out of the cue: no raw < or -->.
    assert "<v Candidate>Hi --&gt; &quot;" not in body
    assert '<v Candidate>Hi --&gt; "&gt;&lt;img src=x onerror=alert(1)&gt; &amp; co' in body
    assert "Call ended" not in body  # untimed lines have no cue


@pytest.mark.parametrize(
    "url",
    ["/interviews/int_r/transcript/", "/interviews/int_r/transcript.txt", "/interviews/int_r/transcript.vtt"],
)
def test_another_team_gets_404(login, outsider, interview, url):
    assert login(outsider).get(url).status_code == 404
