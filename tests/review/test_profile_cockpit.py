"""The profile cockpit (issue 16): the decision shown selected, the shortlist star, the recording card,
notes that appear at once in the side panel, the @mention highlight; deciding, shortlisting and adding
a candidate from the compare page."""

import re

import pytest

from dashboard.review.models import Decision, Mention, Shortlist
from dashboard.review.services import decision_record, note_add
from tests.review.conftest import make_interview

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def with_media(team, posting, video=None, audio=None, **fields):
    web = {}
    if video:
        web["video_recording_link"] = video
    if audio:
        web["audio_recording_link"] = audio
    details = {"name": "Mia Media", "status": "completed", "metadata": {"web_interview": web}}
    return make_interview(
        team,
        posting,
        name="Mia Media",
        document={"interview_id": fields.pop("remote_id", "int_media"), "details": details},
        remote_id="int_media",
        **fields,
    )


def pressed(html: str) -> list[str]:
    """The decision segments shown selected."""
    return re.findall(r'value="(advance|hold|reject)" class="seg[^"]*"[^>]*aria-pressed="true"', html)


def test_the_current_decision_is_shown_selected(login, reviewer, team, posting):
    row = make_interview(team, posting)
    client = login(reviewer)
    assert pressed(client.get(f"/interviews/{row.remote_id}/").text) == []
    response = client.post(
        f"/interviews/{row.remote_id}/decide/", {"value": "hold"}, HTTP_HX_TARGET="profile-header", **HX
    )
    assert 'id="profile-header"' in response.text and "<html" not in response.text
    assert pressed(response.text) == ["hold"]
    decision_record(team, interview=row, user=reviewer, value="advance")
    assert pressed(client.get(f"/interviews/{row.remote_id}/").text) == ["advance"]


def test_the_star_toggles_the_shortlist(login, reviewer, viewer, team, posting):
    row = make_interview(team, posting)
    client = login(reviewer)
    on = client.post(f"/interviews/{row.remote_id}/shortlist/", {"on": "1"}, **HX)
    assert Shortlist.objects.filter(interview=row).exists()
    assert re.search(r'class="star-toggle is-on" aria-pressed="true"[^>]*>★ Shortlisted', on.text)
    assert 'id="profile-header"' in on.text
    off = client.post(f"/interviews/{row.remote_id}/shortlist/", {"on": "0"}, **HX)
    assert not Shortlist.objects.filter(interview=row).exists()
    assert re.search(r'class="star-toggle" aria-pressed="false"[^>]*>☆ Shortlist<', off.text)
    # Without htmx: back to the profile. Viewers may not change it.
    assert client.post(f"/interviews/{row.remote_id}/shortlist/", {"on": "1"}).status_code == 302
    assert login(viewer).post(f"/interviews/{row.remote_id}/shortlist/", {"on": "0"}).status_code == 403
    assert Shortlist.objects.filter(interview=row).exists()


def test_an_audio_only_recording_gets_an_audio_player_and_no_video(login, viewer, team, posting):
    row = with_media(team, posting, audio="https://media.example.com/a.mp3")
    html = login(viewer).get(f"/interviews/{row.remote_id}/").text
    assert '<audio controls preload="metadata" src="https://media.example.com/a.mp3" data-media>' in html
    assert "<video" not in html


def test_a_video_recording_gets_a_video_player(login, viewer, team, posting):
    row = with_media(
        team, posting, video="https://media.example.com/v.mp4", audio="https://media.example.com/a.mp3"
    )
    html = login(viewer).get(f"/interviews/{row.remote_id}/").text
    assert '<video controls preload="metadata" src="https://media.example.com/v.mp4" data-media>' in html
    assert "<audio" not in html


def test_no_recording_means_no_player(login, viewer, team, posting):
    row = with_media(team, posting)
    html = login(viewer).get(f"/interviews/{row.remote_id}/").text
    assert "<video" not in html and "<audio" not in html and "recording-player" not in html


def test_a_link_that_is_not_http_gets_no_player(login, viewer, team, posting):
    row = with_media(team, posting, video="javascript:alert(1)")
    html = login(viewer).get(f"/interviews/{row.remote_id}/").text
    assert "<video" not in html and "javascript:" not in html


def test_a_new_note_appears_in_the_side_panel_response(login, reviewer, team, posting):
    row = make_interview(team, posting)
    client = login(reviewer)
    response = client.post(
        f"/interviews/{row.remote_id}/notes/",
        {"body": "Strong on <SQL>"},
        HTTP_HX_TARGET="profile-side",
        **HX,
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<aside id="profile-side"')
    assert "Strong on &lt;SQL&gt;" in response.text
    assert "review-changed" in response["HX-Trigger"]


def test_an_empty_note_says_so_and_keeps_the_panel(login, reviewer, team, posting):
    row = make_interview(team, posting)
    response = login(reviewer).post(f"/interviews/{row.remote_id}/notes/", {"body": "  "}, **HX)
    assert 'id="profile-side"' in response.text and "Note: " in response.text
    assert not row.notes.exists()


def test_arriving_from_a_mention_highlights_that_note(login, admin, reviewer, team, posting):
    row = make_interview(team, posting)
    first = note_add(team, interview=row, user=admin, body=f"@{reviewer.username} listen at 12:40")
    other = note_add(team, interview=row, user=admin, body="unrelated")
    client = login(reviewer)
    response = client.get(f"/inbox/{Mention.objects.get(note=first).pk}/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith(f"?note={first.pk}#note-{first.pk}")
    assert f'id="note-{first.pk}" class="side-note is-highlighted"' in html
    assert f'id="note-{other.pk}" class="side-note"' in html
    assert "Mentions you" in html


def compare_url(*ids):
    return "/candidates/compare/?" + "&".join(f"ids={i}" for i in ids)


def test_deciding_from_the_compare_page_rerenders_the_comparison(login, reviewer, team, posting):
    a, b = make_interview(team, posting), make_interview(team, posting)
    client = login(reviewer)
    here = "?" + compare_url(a.remote_id, b.remote_id).split("?")[1]
    page = client.get(compare_url(a.remote_id, b.remote_id)).text
    assert f'hx-post="/interviews/{a.remote_id}/decide/{here}"' in page.replace("&amp;", "&")
    response = client.post(
        f"/interviews/{a.remote_id}/decide/{here}",
        {"value": "reject", "from": "compare"},
        HTTP_HX_TARGET="comparison",
        **HX,
    )
    assert Decision.objects.get(interview=a).value == "reject"
    assert response.text.lstrip().startswith('<div id="comparison">')
    assert pressed(response.text) == ["reject"]
    # Without htmx: back to the same comparison.
    plain = client.post(f"/interviews/{b.remote_id}/decide/{here}", {"value": "advance", "from": "compare"})
    assert plain.status_code == 302 and plain["Location"] == compare_url(a.remote_id, b.remote_id)


def test_shortlisting_from_the_compare_page(login, reviewer, team, posting):
    a, b = make_interview(team, posting), make_interview(team, posting)
    client = login(reviewer)
    here = "?" + compare_url(a.remote_id, b.remote_id).split("?")[1]
    response = client.post(
        f"/interviews/{b.remote_id}/shortlist/{here}",
        {"on": "1", "from": "compare"},
        HTTP_HX_TARGET="comparison",
        **HX,
    )
    assert Shortlist.objects.filter(interview=b).exists()
    assert response.text.lstrip().startswith('<div id="comparison">')
    assert response.text.count("★ Shortlisted") == 1


def test_a_candidate_is_added_from_the_compare_page(login, viewer, team, posting, other_team):
    a, b = make_interview(team, posting, score=70), make_interview(team, posting, score=90)
    elsewhere = make_interview(team, None, name="Not On This Posting")
    theirs = make_interview(other_team, None, name="Other Team Person")
    html = login(viewer).get(compare_url(a.remote_id)).text
    add = html[html.index('class="compare-add"') : html.index("</form>", html.index('class="compare-add"'))]
    assert f'<input type="hidden" name="ids" value="{a.remote_id}">' in add
    assert f'<option value="{b.remote_id}">' in add and "90/100" in add
    options = add.split("<select", 1)[1]
    assert elsewhere.remote_id not in add and theirs.remote_id not in add
    assert f'value="{a.remote_id}">' not in options
    # The form's GET (ids=a&ids=b) is the comparison of both.
    both = login(viewer).get(compare_url(a.remote_id, b.remote_id)).text
    assert both.count('class="compare-name"') == 2


def test_four_candidates_offer_no_add_control(login, viewer, team, posting):
    rows = [make_interview(team, posting) for _ in range(5)]
    html = login(viewer).get(compare_url(*[r.remote_id for r in rows[:4]])).text
    assert 'class="compare-add"' not in html
