"""The candidate profile: header, tabs from the API document, empty states, prev/next, review forms."""

import json
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.utils import timezone

from dashboard.mirror.models import Interview
from dashboard.review.forms import SORTS, CandidateFilter
from dashboard.review.models import Decision, Note, Rating
from dashboard.review.selectors import candidates, list_position
from dashboard.review.services import decision_record, rating_set
from heymilo.models import Interview as APIInterview
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db

TABS = ["", "resume/", "interview/", "workflow/", "activity/"]


def analysed(team):
    """A mirrored interview with a full analysis: summary, scorecard, resume and eligibility."""
    for row in Interview.objects.for_team(team).filter(status="completed"):
        doc = APIInterview.from_dict(row.document)
        web, resume = doc.web_interview, doc.resume
        if (
            web
            and web.summary
            and web.summary.highlights
            and web.scorecard
            and web.scorecard.questions
            and web.communication
            and resume
            and resume.score_criteria
            and resume.eligibility
        ):
            return row, doc
    raise AssertionError("the sandbox has no fully analysed interview")


@pytest.mark.parametrize("tab", TABS)
@pytest.mark.parametrize("role", ["admin", "reviewer", "viewer"])
def test_every_member_sees_every_tab_as_a_page_and_as_a_partial(login, synced, request, role, tab):
    row, _ = analysed(synced)
    client = login(request.getfixturevalue(role))
    page = client.get(f"/interviews/{row.remote_id}/{tab}")
    assert page.status_code == 200
    assert row.name in page.text and "<html" in page.text
    partial = client.get(
        f"/interviews/{row.remote_id}/{tab}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="profile-body"
    )
    assert partial.status_code == 200
    assert "<html" not in partial.text and 'id="profile-body"' in partial.text
    assert ("Advance</button>" in page.text) is (role != "viewer")  # viewers get no forms


def test_the_tabs_show_what_the_document_holds(login, viewer, synced):
    row, doc = analysed(synced)
    client = login(viewer)
    web, resume = doc.web_interview, doc.resume
    overview = client.get(f"/interviews/{row.remote_id}/").text
    assert _escaped(web.summary.highlights[0]) in overview
    resume_tab = client.get(f"/interviews/{row.remote_id}/resume/").text
    assert _escaped(resume.score_criteria.criteria[0].criteria_text) in resume_tab
    assert _escaped(resume.eligibility.criteria[0].criteria_text) in resume_tab
    assert ("Pass" in resume_tab) or ("Fail" in resume_tab)
    interview_tab = client.get(f"/interviews/{row.remote_id}/interview/").text
    assert _escaped(web.scorecard.questions[0].question) in interview_tab
    assert "Speech score" in interview_tab
    workflow = client.get(f"/interviews/{row.remote_id}/workflow/").text
    assert "Complete" in workflow


def _escaped(text: str) -> str:
    from django.utils.html import escape

    return str(escape(text))


def test_a_pending_interview_shows_empty_states_not_errors(login, viewer, team, posting):
    row = make_interview(
        team,
        posting,
        status="pending",
        document={"interview_id": "int_wait", "details": {"name": "Pat Pending", "status": "pending"}},
        remote_id="int_wait",
    )
    client = login(viewer)
    overview = client.get(f"/interviews/{row.remote_id}/").text
    assert "No interview summary yet: the interview is pending" in overview
    assert "No resume analysis" in client.get(f"/interviews/{row.remote_id}/resume/").text
    assert "No interview scorecard yet" in client.get(f"/interviews/{row.remote_id}/interview/").text
    assert "has not reported any workflow steps" in client.get(f"/interviews/{row.remote_id}/workflow/").text
    assert "No decisions, ratings or notes yet" in client.get(f"/interviews/{row.remote_id}/activity/").text


def test_an_unreadable_document_says_so(login, viewer, team, posting):
    row = make_interview(team, posting, document={"details": "nonsense"})
    html = login(viewer).get(f"/interviews/{row.remote_id}/resume/").text
    assert "could not be read" in html


def test_remote_text_on_the_profile_is_escaped(login, viewer, team, posting):
    evil = "<script>alert(1)</script>"
    doc = {
        "interview_id": "int_evil",
        "details": {"name": evil, "status": "completed"},
        "agentic_data": {
            "web_interview_info": {"summary": {"highlights": [evil], "lowlights": []}},
            "resume_interview_info": {
                "resume_link": "javascript:alert(1)",
                "score_criteria": {"criteria": []},
            },
        },
    }
    row = make_interview(team, posting, name=evil, remote_id="int_evil", document=doc)
    client = login(viewer)
    for tab in ["", "resume/"]:
        html = client.get(f"/interviews/{row.remote_id}/{tab}").text
        assert evil not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "javascript:" not in html


def test_prev_next_walk_the_list_it_was_opened_from(login, viewer, team, posting):
    rows = [make_interview(team, posting, score=s, name=f"N{s}") for s in (90, 80, 70)]
    make_interview(team, posting, score=10, eligible=False)  # filtered out
    client = login(viewer)
    table = client.get(f"/postings/{posting.remote_id}/?sort=-score&score_min=50").text
    nav = urlencode({"list": "sort=-score&score_min=50", "in": posting.remote_id})
    assert f"/interviews/{rows[1].remote_id}/?{nav.replace('&', '&amp;')}" in table
    html = client.get(f"/interviews/{rows[1].remote_id}/?{nav}").text
    assert "2 of 3" in html
    assert f'href="/interviews/{rows[0].remote_id}/?' in html and 'data-shortcut="k"' in html
    assert f'href="/interviews/{rows[2].remote_id}/?' in html and 'data-shortcut="j"' in html
    last = client.get(f"/interviews/{rows[2].remote_id}/?{nav}").text
    assert "3 of 3" in last and 'data-shortcut="j"' not in last
    # The tabs keep the list along.
    assert f"/interviews/{rows[2].remote_id}/resume/?{nav.replace('&', '&amp;')}" in last


def test_a_reviewer_decides_with_a_reason_and_sees_it_in_activity(login, reviewer, team, posting):
    row = make_interview(team, posting)
    client = login(reviewer)
    response = client.post(
        f"/interviews/{row.remote_id}/decide/",
        {"value": "advance", "reason": "Strong SQL"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="profile-header",
    )
    assert response.status_code == 200
    assert 'id="profile-header"' in response.text and "<html" not in response.text
    assert "Decision recorded" in response.text
    assert "review-changed" in json.loads(response["HX-Trigger"])
    decision = Decision.objects.get()
    assert (decision.value, decision.reason) == ("advance", "Strong SQL")
    assert (decision.user, decision.team) == (reviewer, team)
    activity = client.get(f"/interviews/{row.remote_id}/activity/").text
    assert "Strong SQL" in activity and reviewer.username in activity


def test_decide_rate_and_note_work_without_javascript(login, reviewer, team, posting):
    row = make_interview(team, posting)
    client = login(reviewer)
    url = f"/interviews/{row.remote_id}/"
    response = client.post(url + "decide/?list=q%3D&in=x", {"value": "hold"})
    assert response.status_code == 302 and response["Location"] == url + "?list=q%3D&in=x"
    assert client.post(url + "rate/", {"stars": "4"}).status_code == 302
    assert client.post(url + "rate/", {"stars": "2"}).status_code == 302
    assert client.post(url + "notes/", {"body": "  Call back Tuesday "}).status_code == 302
    assert Rating.objects.get().stars == 2
    assert Note.objects.get().body == "Call back Tuesday"
    page = client.get(url + "activity/").text
    assert "Hold" in page and "Rated 2 of 5" in page and "Call back Tuesday" in page
    assert "My rating: 2 of 5" in client.get(url).text


def test_bad_review_input_gets_a_message_and_keeps_what_was_typed(login, reviewer, team, posting):
    row = make_interview(team, posting)
    client = login(reviewer)
    url = f"/interviews/{row.remote_id}/"
    response = client.post(url + "decide/", {"value": "maybe", "reason": "Keep this text"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text and "Keep this text" in response.text
    response = client.post(url + "rate/", {"stars": "9"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Select a valid choice" in response.text
    response = client.post(url + "notes/", {"body": "   "})
    assert response.status_code == 400 and "This field is required" in response.text
    assert not Decision.objects.exists() and not Rating.objects.exists() and not Note.objects.exists()


def test_viewers_get_403_on_every_post_and_nothing_changes(login, viewer, team, posting):
    row = make_interview(team, posting)
    client = login(viewer)
    url = f"/interviews/{row.remote_id}/"
    assert client.post(url + "decide/", {"value": "advance"}).status_code == 403
    assert client.post(url + "rate/", {"stars": "5"}).status_code == 403
    assert client.post(url + "notes/", {"body": "hi"}).status_code == 403
    assert client.post(url + "refresh/").status_code == 403
    assert not Decision.objects.exists() and not Rating.objects.exists() and not Note.objects.exists()


def test_an_outsider_gets_404_on_every_profile_url(login, outsider, team, posting):
    row = make_interview(team, posting)
    client = login(outsider)
    url = f"/interviews/{row.remote_id}/"
    for tab in TABS[1:]:
        assert client.get(url + tab).status_code == 404
        assert client.get(url + tab, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="profile-body").status_code == 404
    for action, data in [
        ("decide/", {"value": "advance"}),
        ("rate/", {"stars": "5"}),
        ("notes/", {"body": "x"}),
        ("refresh/", {}),
    ]:
        assert client.post(url + action, data).status_code == 404
    assert not Decision.objects.exists() and not Rating.objects.exists() and not Note.objects.exists()


def test_refresh_fetches_the_interview_again_and_shows_progress(
    login, reviewer, synced, django_capture_on_commit_callbacks
):
    row, _ = analysed(synced)
    client = login(reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/interviews/{row.remote_id}/refresh/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="sync-progress"' in response.text
    from dashboard.mirror.models import SyncRun

    run = SyncRun.objects.filter(scope=SyncRun.Scope.INTERVIEW, target=row.remote_id).get()
    assert run.state == SyncRun.State.DONE


def test_the_profile_takes_a_constant_number_of_queries(
    login, reviewer, team, posting, django_assert_max_num_queries
):
    from dashboard.review.services import decision_record, note_add, rating_set

    rows = [make_interview(team, posting, score=n) for n in range(80)]
    for row in rows[:5]:
        decision_record(team, interview=row, user=reviewer, value="hold")
        rating_set(team, interview=row, user=reviewer, stars=3)
        note_add(team, interview=row, user=reviewer, body="seen")
    client = login(reviewer)
    client.get("/candidates/")  # warm the session
    nav = urlencode({"list": "sort=-score"})
    for tab in ["", "activity/"]:
        # 17: the header's inbox badge, review settings, the notes' mentions and the sidebar's
        # "Waiting for you" joined the page; 18: the activity's stage moves; 20: the list position
        # by keyset (the row's sort value, the row before with the count before it, the row after,
        # and the list's length, which a table page viewed first would have cached); 22: the
        # header's stage line (the team's stages with the posting's hidden ones, the reasons); 24:
        # the scorecards region (the candidate's scorecards, the posting's template).
        with django_assert_max_num_queries(24):
            assert client.get(f"/interviews/{rows[2].remote_id}/{tab}?{nav}").status_code == 200


@pytest.mark.parametrize("sort", [f"{sign}{key}" for key in SORTS for sign in ("", "-")])
def test_prev_next_agree_with_the_list_order_for_every_sort(team, reviewer, admin, sort):
    """The database numbers the list (list_position); every row's place, neighbours and the total
    must be what reading the whole sorted list gives, ties and empty values included."""
    postings = [make_posting(team, title=title) for title in ("B role", "A role")]
    rows = []
    for n in range(12):
        rows.append(
            make_interview(
                team,
                postings[n % 2],
                name=f"Same {n % 3}",
                email=f"c{n % 4}@example.com",
                score=None if n % 5 == 0 else float(n % 4) * 10,
                resume_score=None if n % 3 else 50.0,
                eligible=[True, False, None][n % 3],
                interviewed_on=None if n % 4 == 0 else timezone.now(),
            )
        )
    for n, row in enumerate(rows[:8]):
        decision_record(team, interview=row, user=admin, value=["advance", "hold", "reject"][n % 3])
        if n % 2:
            rating_set(team, interview=row, user=reviewer, stars=1 + n % 5)
    form = CandidateFilter(QueryDict(f"sort={sort}"))
    listed = form.apply(candidates(team, reviewer), reviewer)
    order = list(listed.values_list("pk", "remote_id"))
    assert len(order) == 12
    for index, (pk, _) in enumerate(order):
        expected = {
            "index": index + 1,
            "total": 12,
            "prev": order[index - 1][1] if index else None,
            "next": order[index + 1][1] if index + 1 < len(order) else None,
        }
        # Counted, and carried by the link (`at`: the neighbours read without counting).
        assert list_position(listed, pk, total=12) == expected
        assert list_position(listed, pk, total=12, at=index + 1) == expected


def test_a_candidate_no_longer_in_the_list_says_how_many_are_left(login, reviewer, team, posting):
    kept = [make_interview(team, posting, score=s) for s in (90, 80)]
    dropped = make_interview(team, posting, score=20)
    assert list_position(
        CandidateFilter(QueryDict("score_min=50")).apply(candidates(team, reviewer, posting), reviewer),
        dropped.pk,
        total=2,
    ) == {"index": None, "prev": None, "next": None, "total": 2}
    nav = urlencode({"list": "sort=-score&score_min=50", "in": posting.remote_id})
    html = login(reviewer).get(f"/interviews/{dropped.remote_id}/?{nav}").text
    assert "No longer in this list (2 left)" in html
    assert f"/interviews/{kept[0].remote_id}/" not in html  # no prev/next from outside the list
