"""The notification centre, the header's count, preferences and the follow button."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.notifications.models import (
    Channel,
    Follow,
    Kind,
    Notification,
    NotificationSettings,
    Preference,
)

pytestmark = pytest.mark.django_db


def make(team, user, text, *, days_ago=0, kind=Kind.DECISION, link="/postings/", read=False):
    at = timezone.now() - timedelta(days=days_ago)
    return Notification.objects.create(
        team=team,
        recipient=user,
        kind=kind,
        text=text,
        link=link,
        created_at=at,
        read_at=at if read else None,
    )


def test_the_centre_groups_by_day_and_the_header_counts_unread(login, team, other_team, reviewer, outsider):
    make(team, reviewer, "Ana Ruiz completed the interview for Account Executive")
    make(team, reviewer, "alice decided Advance on Ben Osei, whom you rated", days_ago=2, read=True)
    make(other_team, outsider, "Secret Candidate finished")
    page = login(reviewer).get("/notifications/")
    assert page.status_code == 200
    html = page.text
    assert "Today" in html
    assert (timezone.localdate() - timedelta(days=2)).strftime("%A") in html
    assert "Ana Ruiz completed the interview" in html and "Secret Candidate" not in html
    assert 'id="notifications-link"' in html and 'class="bell-count" data-unread>1<' in html


def test_opening_one_marks_it_read_and_goes_where_it_points(login, team, reviewer):
    row = make(team, reviewer, "Import finished", link="/postings/")
    response = login(reviewer).get(f"/notifications/{row.pk}/")
    assert response.status_code == 302 and response["Location"] == "/postings/"
    assert Notification.objects.get(pk=row.pk).read_at is not None


def test_a_link_elsewhere_is_never_followed(login, team, reviewer):
    row = make(team, reviewer, "odd", link="https://evil.example/")
    assert login(reviewer).get(f"/notifications/{row.pk}/")["Location"] == "/notifications/"


def test_mark_one_and_all_read_in_place_with_the_badge_out_of_band(login, team, reviewer):
    first = make(team, reviewer, "first")
    make(team, reviewer, "second")
    client = login(reviewer)
    response = client.post("/notifications/read/", {"id": first.pk}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="notification-list"' in response.text
    assert 'hx-swap-oob="true"' in response.text and "data-unread>1<" in response.text
    response = client.post("/notifications/read/", headers={"HX-Request": "true"})
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "data-unread" not in response.text


def test_the_live_polls_carry_the_badge(login, team, reviewer):
    make(team, reviewer, "new one")
    client = login(reviewer)
    live = client.get("/webhooks/live/?after=0", headers={"HX-Request": "true"})
    assert 'id="notifications-link"' in live.text and 'hx-swap-oob="true"' in live.text
    assert 'data-latest-text="new one"' in live.text
    status = client.get("/status/heymilo/", headers={"HX-Request": "true"})
    assert 'id="notifications-link"' in status.text


def test_preferences_save_and_admins_alone_see_the_admin_kinds(login, team, admin, viewer):
    page = login(viewer).get("/notifications/preferences/")
    assert "Someone @mentions me in a note" in page.text
    assert "Syncs with HeyMilo failing" not in page.text
    assert "Syncs with HeyMilo failing" in login(admin).get("/notifications/preferences/").text
    form = {
        f"kind_{k.value}": Channel.IN_APP
        for k in Kind
        if k.value not in ("sync_failing", "key_rejected", "webhooks_rejected")
    }
    form.update(kind_mention=Channel.DIGEST, time_zone="Europe/Berlin", digest_hour="17", sound="on")
    response = login(viewer).post("/notifications/preferences/", form)
    assert response.status_code == 302
    assert Preference.objects.get(user=viewer, kind=Kind.MENTION).channel == Channel.DIGEST
    chosen = NotificationSettings.objects.get(user=viewer)
    assert (chosen.time_zone, chosen.digest_hour, chosen.sound, chosen.browser) == (
        "Europe/Berlin",
        17,
        True,
        False,
    )


def test_a_bad_time_zone_is_refused_with_a_message_and_nothing_saved(login, team, viewer):
    form = {
        f"kind_{k.value}": Channel.IN_APP
        for k in Kind
        if k.value not in ("sync_failing", "key_rejected", "webhooks_rejected")
    }
    form.update(time_zone="Mars/Olympus", digest_hour="8")
    response = login(viewer).post("/notifications/preferences/", form)
    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert not Preference.objects.exists()


def test_the_follow_button_on_the_posting_page(login, team, viewer, posting):
    client = login(viewer)
    assert 'aria-pressed="false"' in client.get(f"/postings/{posting.remote_id}/").text
    response = client.post(
        f"/postings/{posting.remote_id}/follow/", {"follow": "1"}, headers={"HX-Request": "true"}
    )
    assert 'aria-pressed="true"' in response.text
    assert Follow.objects.get(user=viewer, posting=posting).following
    client.post(f"/postings/{posting.remote_id}/follow/", {"follow": "0"})
    assert not Follow.objects.get(user=viewer, posting=posting).following


def test_a_mention_opened_from_the_inbox_is_read_in_the_centre_too(
    login, team, admin, reviewer, posting, django_capture_on_commit_callbacks
):
    from dashboard.review.models import Mention
    from dashboard.review.services import note_add
    from tests.review.conftest import make_interview

    with django_capture_on_commit_callbacks(execute=True):
        note_add(team, user=reviewer, interview=make_interview(team, posting), body="@alice look")
    client = login(admin)
    assert "data-unread>1<" in client.get("/notifications/").text
    client.get(f"/inbox/{Mention.objects.get().pk}/")
    page = client.get("/notifications/").text
    assert "data-unread" not in page and 'class="notif-item unread"' not in page


@pytest.mark.parametrize("bad", ["abc", "²", "1" * 40])
def test_an_id_that_is_no_number_marks_nothing_read(login, team, reviewer, bad):
    """Bad input: a hand-edited id. It used to mark every notification read ("abc") or fail with
    a server error ("²"); now it marks none, and the list comes back as it was."""
    make(team, reviewer, "first")
    make(team, reviewer, "second")
    response = login(reviewer).post("/notifications/read/", {"id": bad}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "data-unread>2<" in response.text
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
