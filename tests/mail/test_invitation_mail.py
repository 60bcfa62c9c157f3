"""Invitations by email, through a real SMTP server: the link in the received message opens a page
that makes a new account (or joins a signed-in one); expired, revoked and reused links say so."""

import re
import time

import pytest
from django.contrib.auth import get_user_model

from dashboard.accounts.models import Invitation, Membership
from dashboard.mail.models import OutgoingMail
from tests.factories import PASSWORD, UserFactory
from tests.mail.smtp_fixtures import text_and_html

pytestmark = pytest.mark.django_db

MEMBERS = "/settings/members/"


@pytest.fixture
def invite(login, admin, smtp_server, django_capture_on_commit_callbacks):
    """Invites an address as the admin (through the Members page) and answers the link it mailed."""

    def _invite(email="dana@example.com", role="reviewer"):
        client = login(admin)
        before = len(smtp_server.messages)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(MEMBERS, {"email": email, "role": role})
        assert response.status_code == 302
        [message] = smtp_server.wait(before + 1)[before:]
        return link_in(message)

    return _invite


def link_in(message) -> str:
    text, html = text_and_html(message)
    [link] = re.findall(r"http://[^\s]+/invitations/open/[^\s/]+/", text)
    assert link in html
    return link.removeprefix("http://127.0.0.1:8000")


def join(client, link, name="Dana Scully", password="a-long-new-password-7"):
    return client.post(link, {"name": name, "password1": password, "password2": password})


def test_the_invitation_mail_is_multipart_branded_and_has_no_unsubscribe(invite, smtp_server, team):
    invite()
    [message] = smtp_server.messages
    assert message["To"] == "dana@example.com"
    assert message["Subject"] == "Join Acme Hiring on HeyMilo Dashboard"
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    text, html = text_and_html(message)
    assert "as reviewer" in text and "7 days" in text
    assert "Acme Hiring" in html


def test_a_new_person_sets_name_and_password_and_lands_on_the_teams_home(invite, client, team):
    link = invite()
    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Join Acme Hiring" in page.text and "dana@example.com" in page.text
    response = join(client, link)
    assert response.status_code == 302 and response["Location"] == "/"
    user = get_user_model().objects.get(email="dana@example.com")
    assert user.get_full_name() == "Dana Scully" and user.username == "dana@example.com"
    assert Membership.objects.get(user=user).role == "reviewer"
    home = client.get("/")
    assert "Welcome to Acme Hiring" in home.text
    # And they can sign in again with their address and the password they chose.
    client.logout()
    assert client.login(username="dana@example.com", password="a-long-new-password-7")


def test_bad_passwords_are_refused_with_the_reason_and_nothing_is_created(invite, client):
    link = invite()
    client.logout()
    response = client.post(link, {"name": "Dana", "password1": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert "This password is too common" in response.text or "entirely numeric" in response.text
    response = client.post(
        link, {"name": "Dana", "password1": "a-long-new-password-7", "password2": "other-one-9"}
    )
    assert "The two passwords differ" in response.text
    assert not get_user_model().objects.filter(email="dana@example.com").exists()
    assert Invitation.objects.get().is_pending


def test_a_used_link_says_so(invite, client):
    link = invite()
    client.logout()
    join(client, link)
    client.logout()
    page = client.get(link)
    assert page.status_code == 410
    assert "This invitation has already been used" in page.text
    second = join(client, link, name="Someone Else")
    assert second.status_code == 410
    assert get_user_model().objects.filter(email="dana@example.com").count() == 1


def test_a_revoked_link_says_so(invite, client, login, admin):
    link = invite()
    invitation = Invitation.objects.get()
    login(admin).post(f"/settings/invitations/{invitation.id}/cancel/")
    client.logout()
    page = client.get(link)
    assert page.status_code == 410
    assert "This invitation is no longer open" in page.text and "withdrew it" in page.text
    assert join(client, link).status_code == 410
    assert not get_user_model().objects.filter(email="dana@example.com").exists()


def test_an_expired_link_says_so_and_a_resend_mails_a_fresh_one(
    invite, client, login, admin, smtp_server, monkeypatch, django_capture_on_commit_callbacks
):
    real_time = time.time
    with monkeypatch.context() as patched:
        # The link is signed eight days ago.
        patched.setattr(time, "time", lambda: real_time() - 8 * 86400)
        old_link = invite()
    client.logout()
    page = client.get(old_link)
    assert page.status_code == 410
    assert "This invitation link has expired" in page.text and "Acme Hiring" in page.text
    assert join(client, old_link).status_code == 410

    invitation = Invitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        resent = login(admin).post(f"/settings/invitations/{invitation.id}/resend/", follow=True)
    assert "A new link was sent to dana@example.com" in resent.text
    new_link = link_in(smtp_server.wait(2)[1])
    client.logout()
    assert join(client, new_link).status_code == 302
    assert Membership.objects.filter(user__email="dana@example.com").exists()


def test_an_altered_link_is_not_found(invite, client):
    link = invite()
    client.logout()
    page = client.get(link[:-5] + "xxxx/")
    assert page.status_code == 404
    assert "This link does not open an invitation" in page.text


def test_a_signed_in_person_joins_with_their_account(invite, client, team, other_team):
    link = invite(email="erin@example.com")
    erin = UserFactory(username="erin", email="erin@example.com")
    client.logout()
    client.force_login(erin)
    page = client.get(link)
    assert "You are signed in as <strong>erin</strong>" in page.text
    assert not Membership.objects.filter(user=erin).exists()  # opening the link changes nothing
    response = client.post(link)
    assert response.status_code == 302
    assert Membership.objects.get(user=erin).team == team
    assert client.get(link).status_code == 410


def test_an_address_with_an_account_is_asked_to_sign_in(invite, client):
    link = invite(email="erin@example.com")
    UserFactory(username="erin", email="erin@example.com")
    client.logout()
    page = client.get(link)
    assert "An account with <strong>erin@example.com</strong> exists already" in page.text
    assert "/login/?next=" in page.text
    join(client, link)
    assert get_user_model().objects.filter(email__iexact="erin@example.com").count() == 1
    assert client.login(username="erin", password=PASSWORD)


def test_a_stopped_mail_server_fails_the_mail_not_the_invitation(
    login, admin, team, smtp_server, django_capture_on_commit_callbacks, caplog
):
    smtp_server.stop()
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(MEMBERS, {"email": "dana@example.com", "role": "viewer"}, follow=True)
    assert response.status_code == 200
    assert "Invitation sent to dana@example.com" in response.text
    assert Invitation.objects.get().is_pending  # the invitation itself went through
    mail = OutgoingMail.objects.get()
    assert (mail.state, mail.team) == ("failed", team)
    assert any("not sent" in record.getMessage() for record in caplog.records)
    settings_page = client.get("/settings/").text
    assert "Emails not sent" in settings_page
    assert "Join Acme Hiring on HeyMilo Dashboard" in settings_page and "dana@example.com" in settings_page


def test_reviewers_do_not_see_mail_failures_or_resend(login, reviewer, team, smtp_server):
    OutgoingMail.objects.create(team=team, to="x@example.com", subject="S", state="failed")
    client = login(reviewer)
    assert client.get("/settings/").status_code in (403, 404)
    invitation = Invitation.objects.create(team=team, email="x@example.com")
    assert client.post(f"/settings/invitations/{invitation.id}/resend/").status_code in (403, 404)
    assert smtp_server.messages == []
