"""Share links: made from the profile or a shortlist by reviewers and admins, a random token kept
only as its hash, 7 days by default and 30 at most, revocable, every opening logged; the shared
page shows its packet and nothing else of the team."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.review import services as review_services
from dashboard.review.models import Shortlist
from dashboard.sharing import services
from dashboard.sharing.models import ShareLink, ShareOpen
from tests.review.conftest import make_posting
from tests.sharing.conftest import VIDEO, make_candidate

pytestmark = pytest.mark.django_db

TOKEN_URL = re.compile(r"/s/([A-Za-z0-9_-]{40,})/")


def create(client, interview, **data):
    return client.post(reverse("share_create", args=[interview.remote_id]), {"days": 7, **data})


def made_token(response) -> str:
    found = TOKEN_URL.search(response.content.decode())
    assert found, response.content.decode()[:2000]
    return found.group(1)


def test_a_reviewer_makes_a_link_that_lasts_7_days_by_default_and_is_shown_once(login, reviewer, candidate):
    client = login(reviewer)
    panel = client.get(reverse("share_panel", args=[candidate.remote_id]))
    assert panel.status_code == 200
    assert b'value="7"' in panel.content
    response = create(client, candidate)
    assert response.status_code == 200
    token = made_token(response)
    link = ShareLink.objects.get()
    assert link.created_by == reviewer and link.team == candidate.team
    assert not link.include_notes
    assert list(link.interviews.all()) == [candidate]
    assert abs(link.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    # Only a hash is kept; the token is random and says nothing about the candidate.
    assert link.token_hash == services.token_hash(token) != token
    assert token not in str(ShareLink.objects.values_list().get())
    # Bad luck is not a leak: a random token holds "ada" once in about 800 (it did, once), so
    # the whole surname is looked for.
    assert candidate.remote_id not in token and "lovelace" not in token.lower()
    # Shown once: the panel afterwards lists the link without its address.
    again = client.get(reverse("share_panel", args=[candidate.remote_id]))
    assert token.encode() not in again.content
    assert b"Active" in again.content


def test_30_days_is_the_most_and_bad_input_is_named(login, admin, candidate):
    client = login(admin)
    response = create(client, candidate, days=30)
    link = ShareLink.objects.get()
    assert abs(link.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    for days, message in [
        (31, "A link lasts at most 30 days"),
        (0, "A link lasts at least 1 day"),
        ("soon", "must be a whole number from 1 to 30"),
        ("", "Say how many days the link lasts"),
    ]:
        response = create(client, candidate, days=days)
        assert response.status_code == 400, days
        assert message in response.content.decode(), days
    assert ShareLink.objects.count() == 1
    with pytest.raises(ValueError, match="1 to 30 days"):
        services.share_link_create(candidate.team, user=admin, interviews=[candidate], days=45)


def test_viewers_cannot_make_or_revoke_links(login, viewer, reviewer, candidate):
    link, _ = services.share_link_create(candidate.team, user=reviewer, interviews=[candidate])
    client = login(viewer)
    assert client.get(reverse("share_panel", args=[candidate.remote_id])).status_code == 200
    assert create(client, candidate).status_code == 403
    assert client.post(reverse("share_revoke", args=[link.pk])).status_code == 403
    assert ShareLink.objects.count() == 1 and ShareLink.objects.get().is_active


def test_a_link_holds_only_its_own_teams_candidates(team, other_team, admin, candidate):
    theirs = make_candidate(other_team, make_posting(other_team), "Eve Secret", remote_id="int_eve")
    with pytest.raises(ValueError, match="only this team's"):
        services.share_link_create(team, user=admin, interviews=[candidate, theirs])
    assert not ShareLink.objects.exists()


def test_the_shared_page_needs_no_sign_in_and_is_never_indexed(reviewer, candidate):
    link, token = services.share_link_create(candidate.team, user=reviewer, interviews=[candidate])
    reviewer.first_name, reviewer.last_name = "Bob", "Builder"
    reviewer.save()
    response = Client().get(
        f"/s/{token}/", HTTP_USER_AGENT="Mozilla/5.0 (Department head)", REMOTE_ADDR="203.0.113.9"
    )
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert "Bob Builder" in page and team_name(candidate) in page
    assert link.expires_at.strftime("%-d %b %Y") in page
    # The packet: summary, scores with their scales, the scorecard, the transcript.
    for text in [
        "Ada Lovelace",
        "led the payments migration",
        "/100",
        "/5",
        "Tell us about a system you scaled",
        "We sharded the ledger by merchant",
    ]:
        assert text in page, text
    # No navigation, no link into the team's dashboard.
    assert 'class="site-header"' not in page
    assert reverse("interview", args=[candidate.remote_id]) not in page
    assert "/postings/" not in page and 'href="/"' not in page
    opened = ShareOpen.objects.get()
    assert (opened.link, opened.address, opened.user_agent) == (
        link,
        "203.0.113.9",
        "Mozilla/5.0 (Department head)",
    )


def team_name(row) -> str:
    return row.team.name


def test_every_opening_is_logged(reviewer, candidate):
    link, token = services.share_link_create(candidate.team, user=reviewer, interviews=[candidate])
    for agent in ["first", "second", "third"]:
        Client().get(f"/s/{token}/", HTTP_USER_AGENT=agent)
    assert list(
        ShareOpen.objects.filter(link=link).order_by("at", "id").values_list("user_agent", flat=True)
    ) == [
        "first",
        "second",
        "third",
    ]


def test_private_notes_ratings_and_decisions_stay_out_unless_chosen(team, reviewer, admin, candidate):
    review_services.note_add(team, user=reviewer, interview=candidate, body="Secret: salary ask is 240k")
    review_services.rating_set(team, user=reviewer, interview=candidate, stars=2)
    review_services.decision_record(
        team, user=reviewer, interview=candidate, value="hold", reason="Budget talk first"
    )
    _, plain = services.share_link_create(team, user=admin, interviews=[candidate])
    page = Client().get(f"/s/{plain}/").content.decode()
    for private in ["salary ask is 240k", "Budget talk first", "Team rating", "Hold", "2 of 5"]:
        assert private not in page, private
    _, with_notes = services.share_link_create(team, user=admin, interviews=[candidate], include_notes=True)
    page = Client().get(f"/s/{with_notes}/").content.decode()
    for shown in ["salary ask is 240k", "Budget talk first", "Team rating 2.0 of 5"]:
        assert shown in page, shown


def test_a_shared_page_shows_no_other_candidate(team, other_team, reviewer, posting, candidate):
    make_candidate(team, posting, "Grace Hopper")
    make_candidate(other_team, make_posting(other_team), "Eve Secret", remote_id="int_eve")
    _, token = services.share_link_create(team, user=reviewer, interviews=[candidate])
    page = Client().get(f"/s/{token}/").content.decode()
    assert "Ada Lovelace" in page
    assert "Grace Hopper" not in page and "Eve Secret" not in page


def test_a_forged_id_or_query_never_shows_another_teams_data(team, other_team, reviewer, candidate):
    theirs = make_candidate(other_team, make_posting(other_team), "Eve Secret", remote_id="int_eve")
    link, token = services.share_link_create(team, user=reviewer, interviews=[candidate])
    for query in [
        f"?interview={theirs.remote_id}",
        f"?team={other_team.pk}",
        f"?c={theirs.pk}",
        "?n=2&remote_id=int_eve",
    ]:
        response = Client().get(f"/s/{token}/{query}")
        assert response.status_code == 200
        assert b"Eve Secret" not in response.content and b"Ada Lovelace" in response.content
    # Even a join row slipped in by hand (a bug, a bad migration) cannot put their row on the page.
    link.interviews.add(theirs)
    page = Client().get(f"/s/{token}/").content.decode()
    assert "Eve Secret" not in page and "Ada Lovelace" in page
    assert Client().get(f"/s/{token}/recording/2/").status_code == 404
    # Another team's link is theirs alone: its token shows their candidate, never ours.
    _, their_token = services.share_link_create(other_team, user=None, interviews=[theirs])
    page = Client().get(f"/s/{their_token}/?interview={candidate.remote_id}").content.decode()
    assert "Ada Lovelace" not in page and "Eve Secret" in page


def test_an_unknown_token_is_a_clear_not_found_page():
    response = Client().get("/s/not-a-real-token-at-all-0123456789abcdefghij/")
    assert response.status_code == 404
    assert b"This link does not exist" in response.content
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert not ShareOpen.objects.exists()


def test_an_expired_link_is_a_clear_410_page_naming_whom_to_ask(reviewer, candidate):
    reviewer.first_name, reviewer.last_name = "Bob", "Builder"
    reviewer.save()
    link, token = services.share_link_create(candidate.team, user=reviewer, interviews=[candidate])
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(f"/s/{token}/")
    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page and "Bob Builder" in page and reviewer.email in page
    assert "Ada Lovelace" not in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert not ShareOpen.objects.exists()


def test_a_revoked_link_stops_at_once_and_says_so(login, reviewer, admin, candidate):
    link, token = services.share_link_create(candidate.team, user=reviewer, interviews=[candidate])
    assert Client().get(f"/s/{token}/").status_code == 200
    response = login(reviewer).post(reverse("share_revoke", args=[link.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Revoked" in response.content
    link.refresh_from_db()
    assert link.revoked_by == reviewer and link.state == "revoked"
    response = Client().get(f"/s/{token}/")
    assert response.status_code == 410
    assert b"This link was revoked" in response.content and b"Ada Lovelace" not in response.content
    # Revoking again keeps the first revocation.
    assert not services.share_link_revoke(candidate.team, link=link, user=admin)
    link.refresh_from_db()
    assert link.revoked_by == reviewer


def test_the_recording_plays_through_a_signed_url_bounded_by_the_link(reviewer, candidate):
    link, token = services.share_link_create(candidate.team, user=reviewer, interviews=[candidate], days=1)
    page = Client().get(f"/s/{token}/").content.decode()
    # Never HeyMilo's (or any permanent) URL on the page: our signed one, which redirects.
    assert "media.example.com" not in page
    src = re.search(r'<video[^>]+src="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert src.startswith(f"/s/{token}/recording/1/?exp=")
    expires = int(re.search(r"exp=(\d+)", src).group(1))
    assert expires <= link.expires_at.timestamp()
    response = Client().get(src)
    assert response.status_code == 302 and response["Location"] == VIDEO
    assert response["Referrer-Policy"] == "no-referrer"
    # A tampered signature or a later expiry written in by hand: refused.
    assert Client().get(src.replace("sig=", "sig=x")).status_code == 404
    assert Client().get(src.replace(f"exp={expires}", f"exp={expires + 86400}")).status_code == 404
    # A time that is no number (a digit int() refuses, thousands of digits): refused the same way.
    for bad in ("²", "9" * 5000):
        assert Client().get(src.replace(f"exp={expires}", f"exp={bad}")).status_code == 404
    # After the link expires, the same URL is refused.
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = Client().get(src)
    assert refused.status_code == 410 and "Location" not in refused


def test_a_recording_url_past_its_own_time_is_refused(reviewer, candidate):
    from dashboard.sharing import views

    link, token = services.share_link_create(candidate.team, user=reviewer, interviews=[candidate])
    expires = int(timezone.now().timestamp()) - 5
    sig = views._recording_signature(link, 1, expires)
    response = Client().get(f"/s/{token}/recording/1/?exp={expires}&sig={sig}")
    assert response.status_code == 410
    assert b"This recording link has expired" in response.content


def test_a_shortlist_is_shared_as_one_link(login, team, reviewer, posting, candidate):
    grace = make_candidate(team, posting, "Grace Hopper", score=91)
    make_candidate(team, posting, "Not Shortlisted")
    client = login(reviewer)
    url = reverse("shortlist_share", args=[posting.remote_id])
    empty = client.post(url, {"days": 7})
    assert empty.status_code == 400 and b"No one is on this posting&#x27;s shortlist yet" in empty.content
    for row in (candidate, grace):
        Shortlist.objects.create(team=team, interview=row, added_by=reviewer)
    response = client.post(url, {"days": 14})
    assert response.status_code == 200
    token = made_token(response)
    link = ShareLink.objects.get()
    assert link.posting == posting and set(link.interviews.all()) == {candidate, grace}
    page = Client().get(f"/s/{token}/").content.decode()
    assert "Shortlist" in page and "Grace Hopper" in page and "Ada Lovelace" in page
    assert "Not Shortlisted" not in page


def test_admins_see_and_revoke_every_link_of_the_team(login, team, other_team, admin, reviewer, candidate):
    mine, _ = services.share_link_create(team, user=reviewer, interviews=[candidate])
    theirs_row = make_candidate(other_team, make_posting(other_team), "Eve Secret", remote_id="int_eve")
    services.share_link_create(other_team, user=None, interviews=[theirs_row])
    Client().get("/s/x/")
    assert login(reviewer).get(reverse("share_links")).status_code == 403
    client = login(admin)
    page = client.get(reverse("share_links")).content.decode()
    assert "Ada Lovelace" in page and "Eve Secret" not in page and "Not opened yet" in page
    response = client.post(reverse("share_revoke", args=[mine.pk]), {"next": reverse("share_links")})
    assert response.status_code == 302 and response["Location"] == reverse("share_links")
    mine.refresh_from_db()
    assert mine.revoked_by == admin
    assert "Revoked" in client.get(reverse("share_links")).content.decode()


def test_rows_ticked_in_a_table_are_shared_as_one_link(
    login, team, other_team, reviewer, viewer, posting, candidate
):
    grace = make_candidate(team, posting, "Grace Hopper", score=91)
    theirs = make_candidate(other_team, make_posting(other_team), "Eve Secret", remote_id="int_eve")
    client = login(reviewer)
    table = client.get(reverse("posting", args=[posting.remote_id])).content.decode()
    assert "data-ticked-get>Share ticked" in table
    url = reverse("selection_share")
    ticked = [candidate.remote_id, grace.remote_id, theirs.remote_id]
    page = client.get(url, {"ids": ticked}).content.decode()
    assert "Ada Lovelace" in page and "Grace Hopper" in page and "Eve Secret" not in page
    empty = client.post(url, {"days": 7})
    assert empty.status_code == 400 and b"No candidates ticked" in empty.content
    response = client.post(url, {"days": 3, "ids": ticked})
    token = made_token(response)
    link = ShareLink.objects.get()
    assert set(link.interviews.all()) == {candidate, grace} and link.posting is None
    assert abs(link.expires_at - (timezone.now() + timedelta(days=3))) < timedelta(minutes=1)
    shared = Client().get(f"/s/{token}/").content.decode()
    assert "Grace Hopper" in shared and "Ada Lovelace" in shared and "Eve Secret" not in shared
    assert login(viewer).post(url, {"days": 7, "ids": ticked}).status_code == 403


def test_revoking_goes_back_only_to_a_page_of_this_site(login, admin, candidate):
    client = login(admin)
    for evil in ["//evil.example/", "/\\evil.example/", "https://evil.example/"]:
        link, _ = services.share_link_create(candidate.team, user=admin, interviews=[candidate])
        response = client.post(reverse("share_revoke", args=[link.pk]), {"next": evil})
        assert response["Location"] == reverse("share_links"), evil


def test_making_and_revoking_a_link_are_in_the_teams_audit_log(
    login, team, admin, reviewer, posting, candidate
):
    from dashboard.review.models import AuditEntry

    client = login(reviewer)
    create(client, candidate, days="3")
    link = ShareLink.objects.get()
    made = AuditEntry.objects.get(action=AuditEntry.Action.SHARE_CREATE)
    assert (made.team, made.user, made.interview, made.interview_ids) == (
        team,
        reviewer,
        candidate,
        ["int_ada"],
    )
    assert made.after["link"] == link.pk and made.after["include_notes"] is False
    assert "token" not in str(made.after) and made_token_absent(made, link)
    # An admin revokes someone else's link: the log says who, and that it was not its maker.
    login(admin).post(reverse("share_revoke", args=[link.pk]), {"next": reverse("share_links")})
    revoked = AuditEntry.objects.get(action=AuditEntry.Action.SHARE_REVOKE)
    assert (revoked.user, revoked.interview_ids, revoked.after) == (
        admin,
        ["int_ada"],
        {"revoked": True, "by_maker": False},
    )
    # A second revocation changes nothing and logs nothing.
    assert not services.share_link_revoke(team, link=link, user=reviewer)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SHARE_REVOKE).count() == 1
    page = login(admin).get(reverse("audit")).content.decode()
    assert "Share link made" in page and "Share link revoked" in page


def made_token_absent(entry, link) -> bool:
    """The audit entry never holds the token or its hash."""
    return link.token_hash not in str(entry.after) and link.token_hash not in str(entry.before)
