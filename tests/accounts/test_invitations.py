"""Joining a team needs the person's consent, and their current team changes only by their choice.

Admins invite an email; whoever signs in with it accepts or declines on Home. The answer never
tells the admin whether the address has an account, and nobody's session moves to another team
because they were invited, joined, or added by an operator.
"""

import importlib
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from dashboard.accounts.models import Invitation, Membership, Role, Team
from tests.factories import PASSWORD, MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

MEMBERS = "/settings/members/"


@pytest.fixture
def dave(db):
    return UserFactory(username="dave", email="Dave@Example.com")


def invite(client, email, role="reviewer"):
    return client.post(MEMBERS, {"email": email, "role": role})


def heading(client) -> str:
    """The current team's name, as Home's header shows it (above the greeting)."""
    return re.search(r'<span class="home-team">(.*?)</span>', client.get("/").text).group(1)


def accept_url(invitation):
    return f"/invitations/{invitation.id}/accept/"


def decline_url(invitation):
    return f"/invitations/{invitation.id}/decline/"


# The admin's side


def test_it_answers_the_same_for_an_address_with_an_account_and_one_without(login, admin, dave):
    client = login(admin)

    def page_after_inviting(email):
        posted = invite(client, email)
        page = client.get(posted["Location"]).text
        Invitation.objects.all().delete()  # each page then lists only its own invitation
        page = page.replace(email, "EMAIL")
        # Tokens and nonces differ on every response, whatever was invited.
        page = re.sub(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": "|nonce=")[^"]+', r"\1TOKEN", page)
        page = re.sub(r"/settings/invitations/\d+/", "/settings/invitations/ID/", page)
        return posted.status_code, posted["Location"], posted.content, page

    known, unknown = page_after_inviting("dave@example.com"), page_after_inviting("nobody@example.com")
    assert known == unknown
    assert known[0] == 302
    assert "Invitation sent to EMAIL. They join when they accept it." in known[3]


def test_it_adds_no_one_until_they_accept(login, admin, team, dave):
    invite(login(admin), "DAVE@example.com ", role="reviewer")
    invitation = Invitation.objects.get()
    assert (invitation.team, invitation.email, invitation.role, invitation.invited_by) == (
        team,
        "dave@example.com",
        Role.REVIEWER,
        admin,
    )
    assert not Membership.objects.filter(user=dave).exists()
    page = login(admin).get(MEMBERS).text
    assert "Pending invitations" in page and "dave@example.com" in page


def test_inviting_the_same_address_again_updates_the_pending_invitation(login, admin):
    client = login(admin)
    invite(client, "nobody@example.com", role="viewer")
    invite(client, "Nobody@Example.com", role="admin")
    assert Invitation.objects.get().role == Role.ADMIN


def test_reviewers_and_viewers_cannot_invite_or_cancel(login, admin, reviewer, viewer, dave):
    invite(login(admin), dave.email)
    invitation = Invitation.objects.get()
    for user in (reviewer, viewer):
        client = login(user)
        assert invite(client, "someone@example.com").status_code == 403
        assert client.post(f"/settings/invitations/{invitation.id}/cancel/").status_code == 403
    assert Invitation.objects.get().is_pending


def test_an_admin_cancels_an_invitation_and_it_can_no_longer_be_accepted(login, admin, dave):
    invite(login(admin), dave.email)
    invitation = Invitation.objects.get()
    response = login(admin).post(f"/settings/invitations/{invitation.id}/cancel/", follow=True)
    assert f"The invitation to {invitation.email} was cancelled." in response.text
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.CANCELLED

    response = login(dave).post(accept_url(invitation), follow=True)
    assert "is no longer open" in response.text
    assert not Membership.objects.filter(user=dave).exists()


def test_another_teams_admin_cannot_cancel(login, admin, outsider, dave):
    invite(login(admin), dave.email)
    invitation = Invitation.objects.get()
    assert login(outsider).post(f"/settings/invitations/{invitation.id}/cancel/").status_code == 404
    assert Invitation.objects.get().is_pending


# The invitee's side


def test_the_invitee_accepts_on_home_and_joins_with_the_role(login, admin, team, dave):
    invite(login(admin), dave.email, role="reviewer")
    client = login(dave)
    home = client.get("/").text
    assert "alice invites you to join <strong>Acme Hiring</strong> as reviewer." in home
    invitation = Invitation.objects.get()
    assert accept_url(invitation) in home and decline_url(invitation) in home

    response = client.post(accept_url(invitation), follow=True)
    assert "You joined Acme Hiring." in response.text
    assert Membership.objects.get(user=dave, team=team).role == Role.REVIEWER
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.ACCEPTED and invitation.answered_at
    assert accept_url(invitation) not in client.get("/").text
    # Accepting twice (a double click) adds nothing and says why.
    assert "no longer open" in client.post(accept_url(invitation), follow=True).text
    assert Membership.objects.filter(user=dave).count() == 1


def test_the_invitee_declines(login, admin, dave):
    invite(login(admin), dave.email)
    invitation = Invitation.objects.get()
    client = login(dave)
    response = client.post(decline_url(invitation), follow=True)
    assert "You declined the invitation to Acme Hiring." in response.text
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.DECLINED
    assert not Membership.objects.filter(user=dave).exists()
    assert accept_url(invitation) not in client.get("/").text


def test_an_invitation_for_one_address_cannot_be_answered_by_another_person(login, admin, dave):
    invite(login(admin), dave.email)
    invitation = Invitation.objects.get()
    for intruder in (UserFactory(username="eve"), UserFactory(username="noemail", email="")):
        client = login(intruder)
        assert accept_url(invitation) not in client.get("/").text
        assert client.post(accept_url(invitation)).status_code == 404
        assert client.post(decline_url(invitation)).status_code == 404
    assert Invitation.objects.get().is_pending
    assert not Membership.objects.filter(team=invitation.team).exclude(user=admin).exists()


def test_accepting_keeps_a_role_an_operator_gave_meanwhile(login, admin, team, dave):
    invite(login(admin), dave.email, role="viewer")
    call_command("addmember", team.slug, "dave", "--role", "admin")
    login(dave).post(accept_url(Invitation.objects.get()))
    assert Membership.objects.get(user=dave, team=team).role == Role.ADMIN


# The current team


@pytest.fixture
def in_team_x(db):
    """dave, signed in and working in X; Y's name sorts before X's."""
    x = TeamFactory(name="Xylophone Hiring")
    y = TeamFactory(name="AAA")
    y_admin = UserFactory(username="yadmin")
    MembershipFactory(team=y, user=y_admin, role="admin")
    dave = UserFactory(username="dave", email="dave@example.com")
    MembershipFactory(team=x, user=dave, role="viewer")
    return x, y, y_admin, dave


def test_the_session_team_never_changes_on_invite_or_accept(client, in_team_x):
    from django.test import Client

    x, y, y_admin, dave = in_team_x
    client.force_login(dave)
    assert heading(client) == x.name

    admin_client = Client()
    admin_client.force_login(y_admin)
    invite(admin_client, "dave@example.com", role="reviewer")
    assert heading(client) == x.name

    response = client.post(accept_url(Invitation.objects.get()), follow=True)
    assert "You are still working in Xylophone Hiring" in response.text
    assert Membership.objects.get(user=dave, team=y).role == Role.REVIEWER
    assert heading(client) == x.name
    assert 'value="aaa"' in client.get("/").text  # the switcher offers the new team

    client.post("/team/switch/", {"team": y.slug})
    assert heading(client) == y.name


@pytest.mark.parametrize("session", ["signed in now", "signed in before teams were kept"])
def test_being_added_by_an_operator_does_not_move_the_session_either(client, in_team_x, session):
    x, y, _y_admin, dave = in_team_x
    client.force_login(dave)
    if session == "signed in before teams were kept":
        stored = client.session
        del stored["team_id"]
        stored.save()
    assert heading(client) == x.name
    call_command("addmember", y.slug, "dave")
    assert heading(client) == x.name


def test_sign_in_opens_the_team_joined_first_not_the_first_by_name(client, in_team_x):
    x, y, _y_admin, dave = in_team_x
    MembershipFactory(team=y, user=dave, role="viewer")  # joined after X
    response = client.post("/login/", {"username": "dave", "password": PASSWORD}, follow=True)
    assert '<span class="home-team">Xylophone Hiring</span>' in response.text


def test_leaving_the_current_team_falls_back_and_says_so(client, in_team_x):
    x, y, _y_admin, dave = in_team_x
    MembershipFactory(team=y, user=dave, role="viewer")
    client.force_login(dave)
    client.post("/team/switch/", {"team": y.slug})
    assert heading(client) == y.name
    Membership.objects.get(user=dave, team=y).delete()  # an admin of Y removed them
    home = client.get("/").text
    assert (
        "You are no longer a member of the team you were working in: now working in Xylophone Hiring." in home
    )
    assert heading(client) == x.name

    Membership.objects.get(user=dave, team=x).delete()
    home = client.get("/").text
    assert "you are in no team now" in home and "not a member of any team" in home


def test_a_person_without_a_team_sees_and_accepts_an_invitation(client, login, admin, team):
    loner = UserFactory(username="loner", email="loner@example.com")
    invite(login(admin), loner.email)
    client.force_login(loner)
    home = client.get("/").text
    assert "Acme Hiring" in home and "not a member of any team" not in home
    client.post(accept_url(Invitation.objects.get()))
    assert heading(client) == "Acme Hiring"


# Team names


def test_the_database_refuses_two_teams_named_alike(team):
    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(name="ACME hiring", slug="acme-2")


def test_settings_refuse_a_name_another_team_has(login, admin, team, other_team):
    response = login(admin).post(
        "/settings/",
        {"name": "globex TALENT", "heymilo_base_url": "http://127.0.0.1:9", "default_phone_region": "US"},
    )
    assert response.status_code == 200
    assert "Another team already has this name: choose another." in response.text
    team.refresh_from_db()
    assert team.name == "Acme Hiring"


def test_createteam_refuses_a_name_another_team_has(db):
    TeamFactory(name="Night Shift", slug="nights")
    with pytest.raises(CommandError, match="Another team \\(nights\\) is already named 'Night Shift'"):
        call_command("createteam", "night shift", "--api-key", "key-1")
    assert Team.objects.count() == 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_migrating_renames_existing_duplicates_before_the_constraint():
    from tests.migrations import migrate, migrate_to_latest

    old = migrate([("accounts", "0001_initial")])
    try:
        for slug, name in [("team-b", "Team B"), ("team-b-2", "TEAM B"), ("other", "Other")]:
            old.get_model("accounts", "Team").objects.create(slug=slug, name=name)
    finally:
        migrate_to_latest()
    assert sorted(Team.objects.values_list("name", flat=True)) == ["Other", "TEAM B (team-b-2)", "Team B"]


def test_the_migration_renames_duplicate_team_names():
    migration = importlib.import_module("dashboard.accounts.migrations.0002_rename_duplicate_team_names")
    rows = [
        (1, "Team B", "team-b"),
        (2, "team b", "team-b-2"),
        (3, "Other", "other"),
        (4, "Team B", "team-b-3"),
        (5, "Team B (team-b-5)", "x"),  # the name a rename would pick is taken already
        (6, "Team B", "team-b-5"),
        (7, "L" * 100, "long"),
        (8, "l" * 100, "long-2"),
    ]
    assert migration.deduplicated_names(rows) == {
        2: "team b (team-b-2)",
        4: "Team B (team-b-3)",
        6: "Team B (team-b-5, 6)",
        8: "l" * 91 + " (long-2)",
    }
