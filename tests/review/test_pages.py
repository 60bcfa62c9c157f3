"""The postings list, a posting page and the interview page (moved here from the mirror app)."""

import pytest

from dashboard.mirror.models import Interview, Posting
from tests.mirror.helpers import point_team_at

pytestmark = pytest.mark.django_db


def test_it_lists_postings_with_counts_and_freshness(login, viewer, synced, sandbox):
    html = login(viewer).get("/postings/").text
    for doc in sandbox.postings():
        assert doc["title"] in html
    assert "Synced <time" in html and "just now</time>" in html
    assert "Refresh all" not in html  # viewers cannot start syncs


def test_it_shows_a_posting_with_its_candidates(login, reviewer, synced, sandbox):
    doc = sandbox.postings()[0]
    html = login(reviewer).get(f"/postings/{doc['posting_id']}/").text
    assert doc["url_key"] not in html  # the ingestion key is on the admins' Manage tab
    first = sandbox.interviews(doc["posting_id"])[0]
    assert first["details"]["name"] in html
    assert f"/interviews/{first['interview_id']}/" in html


def test_it_404s_another_teams_posting_and_interview(login, outsider, synced, sandbox):
    client = login(outsider)
    posting = Posting.objects.first()
    interview = Interview.objects.first()
    assert client.get(f"/postings/{posting.remote_id}/").status_code == 404
    # Their own key cannot see it either: read-through asks HeyMilo, which says 404.
    response = client.get(f"/interviews/{interview.remote_id}/")
    assert interview.name not in response.text


def test_reading_through_an_interview_not_mirrored_yet(
    login, viewer, team, sandbox, django_capture_on_commit_callbacks
):
    point_team_at(team, sandbox)
    doc = sandbox.interviews(sandbox.postings()[0]["posting_id"])[2]
    client = login(viewer)
    url = f"/interviews/{doc['interview_id']}/"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        loading = client.get(url)
    assert "Fetching this interview from HeyMilo" in loading.text
    assert 'hx-trigger="every 1s"' in loading.text
    for callback in callbacks:  # the worker's turn
        callback()
    poll = client.get(url + "?poll=1", HTTP_HX_REQUEST="true")
    assert poll.headers["HX-Refresh"] == "true"
    assert doc["details"]["name"] in client.get(url).text


def test_reading_through_an_unknown_interview_ends_in_404(
    login, viewer, team, sandbox, django_capture_on_commit_callbacks
):
    point_team_at(team, sandbox)
    client = login(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/interviews/int_nope/")
    response = client.get("/interviews/int_nope/")
    assert response.status_code == 404


def test_remote_text_is_escaped(login, viewer, synced, sandbox):
    interview = Interview.objects.first()
    interview.name = '<img src=x onerror="alert(1)">'
    interview.save()
    html = login(viewer).get(f"/postings/{interview.posting.remote_id}/").text
    assert '<img src=x onerror="alert(1)">' not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_review_pages_keep_the_strict_csp_rules(login, reviewer, synced):
    from tests.test_layout import INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE

    client = login(reviewer)
    interview = Interview.objects.filter(status="completed").first()
    urls = [
        "/postings/",
        "/candidates/",
        f"/postings/{interview.posting.remote_id}/",
        *[
            f"/interviews/{interview.remote_id}/{tab}"
            for tab in ["", "resume/", "interview/", "workflow/", "activity/"]
        ],
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert not INLINE_SCRIPT.search(html), url
        assert not INLINE_HANDLER.search(html), url
        assert not INLINE_STYLE.search(html), url
        assert "{{" not in html and "{%" not in html, url


def test_the_posting_page_puts_the_candidates_first_and_the_plumbing_on_manage(login, admin, synced, sandbox):
    posting = Posting.objects.exclude(url_key="").first()
    client = login(admin)
    html = client.get(f"/postings/{posting.remote_id}/").text
    main = html.split('<main id="main">', 1)[1]
    # Header, tabs, the summary strip, the toolbar, then the table: nothing of Manage's on the way.
    order = [
        main.index(marker)
        for marker in [
            'class="posting-head"',
            'class="tabs posting-tabs"',
            'class="summary-strip"',
            'id="filter-form"',
            'id="candidate-table"',
            "About this posting",
        ]
    ]
    assert order == sorted(order)
    assert posting.url_key not in main and "Ingestion key" not in main and "Live updates" not in main
    assert f'href="/postings/{posting.remote_id}/manage/">Manage</a>' in main
    manage = client.get(f"/postings/{posting.remote_id}/manage/")
    assert manage.status_code == 200
    text = manage.text.split('<main id="main">', 1)[1]
    assert "Ingestion key" in text and posting.url_key in text
    assert 'id="webhook-connection"' in text and "Candidates in and out" in text  # partials kept whole
    assert 'id="candidate-table"' not in text and 'aria-current="page">Manage' in text


@pytest.mark.parametrize("role", ["reviewer", "viewer"])
def test_reviewers_and_viewers_never_see_the_plumbing(login, request, synced, sandbox, role, settings):
    posting = Posting.objects.exclude(url_key="").first()
    client = login(request.getfixturevalue(role))
    html = client.get(f"/postings/{posting.remote_id}/").text
    for secret in [
        posting.url_key,
        "Ingestion key",
        "PUBLIC_BASE_URL",
        "Live updates",
        settings.PUBLIC_BASE_URL,
        "/manage/",
    ]:
        assert secret not in html, secret
    assert client.get(f"/postings/{posting.remote_id}/manage/").status_code == 403


def test_the_postings_list_answers_htmx_with_its_table_only(login, viewer, synced, sandbox):
    response = login(viewer).get(
        "/postings/?q=zzz-no-such", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="postings-table"
    )
    assert "<html" not in response.text and 'id="postings-table"' in response.text
    assert "No postings match these filters" in response.text


def test_home_counts_interviews_awaiting_review(login, reviewer, team):
    # Completed interviews this reviewer has not decided on or rated (tests/test_home.py has more).
    from dashboard.review.services import decision_record
    from tests.review.conftest import make_interview, make_posting

    posting = make_posting(team)
    decided, *_ = [make_interview(team, posting) for _ in range(3)]
    make_interview(team, posting, status="pending")
    decision_record(team, interview=decided, user=reviewer, value="hold")
    html = login(reviewer).get("/").text
    assert "Start reviewing · 2" in html
