"""Home as a work queue: what waits for my review per posting (the same count the review queue walks),
what is new since I last looked, my unread mentions, today's decisions, deadlines, and for admins
what needs fixing. Every link goes where it says; another team's data never counts; the number of
queries does not grow with the data."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboard.accounts.models import KeyStatus, Membership
from dashboard.mirror.models import Interview, SyncRun
from dashboard.review.services import decision_record, note_add, rating_set
from dashboard.webhooks.models import Delivery
from tests.review.conftest import make_interview, make_posting

pytestmark = pytest.mark.django_db


def links(html: str) -> dict[str, str]:
    """Each link's text (tags and spaces squeezed) → its href, unescaped."""
    found = {}
    for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.S):
        found.setdefault(" ".join(re.sub(r"<[^>]+>", " ", unescape(text)).split()), unescape(href))
    return found


def queue_position(client, url: str) -> tuple[str, str]:
    """Follows a queue link to the profile it opens: (interview remote id, "i of n")."""
    response = client.get(url)
    assert response.status_code == 302, url
    target = response["Location"]
    page = client.get(target).text
    assert "Review queue" in page
    where = re.search(r'<span class="stepper-count">(\d+ of \d+)</span>', page).group(1)
    return urlsplit(target).path.split("/")[2], where


def tomorrow_noon():
    """Noon tomorrow in the site's time zone: "Closes tomorrow" counts calendar days, so a fixed
    number of hours from now would read "in 2 days" when the suite runs late in the evening."""
    return (timezone.localtime() + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def mixed(team, reviewer, admin):
    """Two postings, the reviewer's queue among every status and kind of review:
    Backend: 5 waiting (one decided by the admin: someone else's review is not mine), plus one I
    decided, one I rated, one pending, one in progress, one evaluating, one knocked out, one gone
    from HeyMilo. Design: 1 waiting (one I rated). The "1 of 495 vs 398" bug counted statuses and
    team decisions differently on each side."""
    backend = make_posting(team, title="Backend engineer")
    design = make_posting(team, title="Product designer", deadline=tomorrow_noon())
    waiting = [
        make_interview(
            team,
            backend,
            remote_id=f"int_b{n}",
            name=f"Backend {n}",
            score=n,
            last_engagement=timezone.now() - timedelta(minutes=n),
        )
        for n in (91, 82, 77, 64, 40)
    ]
    decision_record(team, interview=waiting[1], user=admin, value="hold", reason="Team's call, not mine")
    decision_record(team, interview=make_interview(team, backend, score=99), user=reviewer, value="advance")
    rating_set(team, interview=make_interview(team, backend, score=98), user=reviewer, stars=4)
    for status in ("pending", "in_progress", "evaluating", "knocked_out"):
        make_interview(team, backend, status=status, score=97)
    make_interview(team, backend, missing=True, score=96)
    design_rows = [
        make_interview(team, design, remote_id=f"int_d{n}", name=f"Designer {n}", score=n) for n in (88, 70)
    ]
    rating_set(team, interview=design_rows[0], user=reviewer, stars=5)
    return {"backend": backend, "design": design, "waiting": waiting}


def test_home_counts_agree_with_the_review_queue(login, reviewer, mixed):
    client = login(reviewer)
    html = client.get("/").text
    found = links(html)
    assert "6 interviews are waiting for your review across 2 postings." in html
    # The overall queue opens at the first of exactly as many as Home says.
    assert queue_position(client, found["▶ Start reviewing · 6"]) == ("int_b91", "1 of 6")
    # Per posting: "Review N" opens that posting's queue, N long, at the row Home shows first.
    assert queue_position(client, found["Review 5 →"]) == ("int_b91", "1 of 5")
    assert queue_position(client, found["Review 1 →"]) == ("int_d70", "1 of 1")
    assert '<span class="home-pill">5</span>' in html and '<span class="home-pill">1</span>' in html


def test_each_link_goes_where_it_says(login, reviewer, admin, team, mixed):
    note_add(team, interview=mixed["waiting"][0], user=admin, body="@bob can you listen from 12:40?")
    client = login(reviewer)
    html = client.get("/").text
    found = links(html)
    # Top 3 by score, each opening the profile inside that posting's queue.
    group = html.split('aria-label="Backend engineer"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r"<bdi>(Backend \d+)</bdi>", group) == ["Backend 91", "Backend 82", "Backend 77"]
    assert '91</span><span class="score-scale">/100</span>' in group and "score-strong" in group
    profile = client.get(unescape(re.search(r'href="(/interviews/int_b91/\?[^"]+)"', group).group(1)))
    assert profile.status_code == 200 and "1 of 5" in profile.text
    # "2 more" is the filtered table: exactly this posting's waiting rows.
    more = found["2 more"]
    assert urlsplit(more).path == f"/postings/{mixed['backend'].remote_id}/"
    table = client.get(more).text
    assert all(f"int_b{n}" in table for n in (91, 82, 77, 64, 40))
    assert "int_d70" not in table and table.count('name="ids" value=') == 5
    # The mention opens the candidate's profile at the note, marked in the side panel (and marks it read).
    mention = client.get(re.search(r'href="(/inbox/\d+/)"', html).group(1))
    assert mention.status_code == 302 and re.search(
        r"/interviews/int_b91/\?note=\d+#note-\d+$", mention["Location"]
    )
    # Deadlines: the posting closing tomorrow, amber, with my count, linking to the posting.
    assert f'href="/postings/{mixed["design"].remote_id}/"' in html
    assert "Closes tomorrow · 1 waiting for you" in html and "home-deadline-soon" in html
    assert "home-chip-warn" in html.split('aria-label="Product designer"', 1)[1].split("</section>", 1)[0]
    # Today's decision by the admin, with its reason.
    assert "“Team&#x27;s call, not mine”" in html or "“Team's call, not mine”" in html
    assert client.get(found["Inbox"]).status_code == 200
    assert client.get(found["All postings"]).status_code == 200


def test_new_since_counts_what_the_mirror_saw_after_my_last_look(login, reviewer, team, mixed):
    client = login(reviewer)
    first = client.get("/").text
    assert "New since" in first and "completed the interview" in first
    membership = Membership.objects.get(user=reviewer, team=team)
    seen = membership.home_seen_at
    assert seen is not None
    # Nothing changed since: nothing new, and the waiting list is still there.
    again = client.get("/").text
    assert "Nothing new since you last looked" in again and "Review 5" in again
    # One interview finished after that look (the mirror wrote it then).
    Interview.objects.filter(remote_id="int_b40").update(synced_at=timezone.now() + timedelta(seconds=1))
    later = client.get("/").text
    news = later.split('id="new-title"', 1)[1].split("</section>", 1)[0]
    assert "<strong>1</strong> completed" in news and "Backend 40" in news and "Backend 91" not in news


def test_empty_states_say_what_to_do_next(login, admin, reviewer, viewer, team):
    # No key, no postings: admins add the key, others ask them.
    assert "add the team's API key in Settings" in login(admin).get("/").text
    assert "An admin of Acme Hiring connects HeyMilo first" in login(reviewer).get("/").text
    team.set_api_key("some-key")
    team.save()
    html = login(reviewer).get("/").text
    assert "No postings yet" in html and 'action="/syncs/start/"' in html and "Sync now" in html
    assert "look again in a few minutes" in login(viewer).get("/").text
    # Postings, but everything reviewed: all caught up, and no "Start reviewing".
    posting = make_posting(team)
    done = make_interview(team, posting)
    make_interview(team, posting, status="in_progress")
    rating_set(team, interview=done, user=reviewer, stars=3)
    html = login(reviewer).get("/").text
    assert "You are all caught up." in html and "Start reviewing" not in html
    assert "you are all caught up" in html  # the summary line says it too
    # Viewers never review: no queue, no button.
    html = login(viewer).get("/").text
    assert "Waiting for you" not in html and "Start reviewing" not in html


def test_the_trouble_card_is_for_admins_only(login, admin, reviewer, team, mixed):
    team.set_api_key("revoked-key")
    team.save()
    team.record_key_status(KeyStatus.INVALID)
    run = SyncRun.objects.create(team=team, scope=SyncRun.Scope.TEAM, state=SyncRun.State.RUNNING)
    run.fail("HeyMilo answered 500 three times.")
    Delivery.objects.create(team=team, method="POST", state=Delivery.State.FAILED, reason="gave up")
    html = login(admin).get("/").text
    card = html.split('id="attention-title"', 1)[1].split("</section>", 1)[0]
    assert "HeyMilo rejected the API key" in card and 'href="/settings/"' in card
    assert "The last sync failed" in card and "HeyMilo answered 500 three times." in card
    assert "1 webhook delivery failed in the last day" in card
    assert 'href="/webhooks/events/?state=failed"' in card
    html = login(reviewer).get("/").text
    assert "Needs attention" not in html and "/webhooks/events/" not in html
    assert "HeyMilo rejected the API key" in html  # told, with whom to ask
    assert "Ask an admin to replace it." in html


def test_another_teams_data_never_counts(login, reviewer, admin, team, other_team, outsider, mixed):
    theirs = make_posting(other_team, title="Their posting", deadline=timezone.now() + timedelta(days=2))
    rows = [make_interview(other_team, theirs, name=f"Theirs {n}", score=95) for n in range(4)]
    decision_record(other_team, interview=rows[0], user=outsider, value="reject", reason="Not for us")
    Delivery.objects.create(team=other_team, method="POST", state=Delivery.State.FAILED)
    html = login(reviewer).get("/").text
    assert "Start reviewing · 6" in html
    assert "Their posting" not in html and "Theirs" not in html and "Not for us" not in html
    admin_html = login(admin).get("/").text
    assert "Needs attention" not in admin_html
    # And the outsider's own Home counts only their team.
    html = login(outsider).get("/").text
    assert "Backend engineer" not in html and "Their posting" in html


def _grow(team, reviewer, admin, n: int):
    posting = make_posting(team, deadline=timezone.now() + timedelta(days=3))
    for i in range(n):
        row = make_interview(team, posting, score=50 + i % 50)
        if i % 3 == 0:
            decision_record(team, interview=row, user=admin, value="advance", reason="fine")
        if i % 4 == 0:
            note_add(team, interview=row, user=admin, body="@bob look")
        if i % 5 == 0:
            make_interview(team, posting, status="knocked_out")


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["reviewer", "admin"])
def test_the_number_of_queries_does_not_grow_with_the_data(
    login, reviewer, admin, team, role, django_assert_max_num_queries
):
    user = reviewer if role == "reviewer" else admin
    client = login(user)
    _grow(team, reviewer, admin, 4)
    client.get("/")  # the session's first request does its own bookkeeping
    cache.clear()  # the sidebar's cached count: counted on both sides
    small = _home_queries(client)
    for _ in range(3):
        _grow(team, reviewer, admin, 40)
    cache.clear()
    with django_assert_max_num_queries(small):
        html = client.get("/").text
    assert "Start reviewing" in html
    assert small <= 30


def test_what_waits_is_read_once_then_again_after_a_review(login, reviewer, team, mixed):
    """Counting and picking what waits grows with the team, so Home caches them under the team's
    stamp: the next visit reads none, and a review shows the new counts at once."""
    client = login(reviewer)

    def visit():
        with CaptureQueriesContext(connection) as seen:
            html = client.get("/").text
        grouped = [q for q in seen.captured_queries if "GROUP BY" in q["sql"] and "COUNT(" in q["sql"]]
        return html, len(grouped)

    html, grouped = visit()
    assert grouped == 1 and {"Review 5 →", "Review 1 →"} <= set(links(html))
    html, grouped = visit()
    assert grouped == 0 and {"Review 5 →", "Review 1 →"} <= set(links(html))
    rating_set(team, interview=mixed["waiting"][0], user=reviewer, stars=3)
    html, grouped = visit()
    assert grouped == 1 and "Review 4 →" in links(html)
    assert "5 interviews are waiting for your review across 2 postings." in html
