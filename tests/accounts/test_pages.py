"""Every accounts page for the three roles, a person of another team, and a person without one."""

import pytest

from dashboard.accounts.models import ConnectionCheck, Invitation, Membership, Role

pytestmark = pytest.mark.django_db


def test_it_shows_home_to_every_role(login, admin, reviewer, viewer, team):
    for user in (admin, reviewer, viewer):
        response = login(user).get("/")
        assert response.status_code == 200
        assert team.name in response.text


def test_it_tells_a_person_without_a_team_what_to_do(login):
    from tests.factories import UserFactory

    response = login(UserFactory(username="loner")).get("/")
    assert response.status_code == 200
    assert "not a member of any team" in response.text


def test_it_points_admins_to_settings_when_no_key_is_set(login, admin, viewer):
    assert "Add it in Settings" in login(admin).get("/").text
    assert "Ask an admin" in login(viewer).get("/").text


def test_it_redirects_anonymous_visitors_to_login(client):
    response = client.get("/settings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("url", ["/settings/", "/settings/members/"])
def test_it_shows_admin_pages_to_admins_only(login, admin, reviewer, viewer, url):
    assert login(admin).get(url).status_code == 200
    assert login(reviewer).get(url).status_code == 403
    assert login(viewer).get(url).status_code == 403


@pytest.mark.parametrize("url", ["/settings/", "/settings/members/"])
def test_it_404s_team_pages_for_a_person_without_a_team(login, url):
    from tests.factories import UserFactory

    assert login(UserFactory(username="loner")).get(url).status_code == 404


def test_it_404s_another_teams_connection_check(login, admin, outsider, team):
    check = ConnectionCheck.objects.create(team=team, requested_by=admin)
    assert login(outsider).get(f"/settings/connection-checks/{check.id}/").status_code == 404


def test_it_404s_another_teams_memberships(login, admin, viewer, outsider):
    membership = Membership.objects.get(user=viewer)
    client = login(outsider)
    assert client.post(f"/settings/members/{membership.id}/role/", {"role": "admin"}).status_code == 404
    assert client.post(f"/settings/members/{membership.id}/remove/").status_code == 404
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_it_forbids_viewers_to_post_and_changes_nothing(login, admin, viewer, team):
    client = login(viewer)
    membership = Membership.objects.get(user=admin)
    assert client.post(f"/settings/members/{membership.id}/remove/").status_code == 403
    assert (
        client.post(
            "/settings/",
            {"name": "Hacked", "heymilo_base_url": "http://x.test", "default_phone_region": "US"},
        ).status_code
        == 403
    )
    assert client.post("/settings/connection-checks/").status_code == 403
    team.refresh_from_db()
    assert team.name == "Acme Hiring"
    assert Membership.objects.filter(id=membership.id).exists()
    assert not ConnectionCheck.objects.exists()


def test_it_switches_team_for_a_member_of_both(login, team, other_team):
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="both")
    MembershipFactory(user=user, team=team, role="viewer")
    MembershipFactory(user=user, team=other_team, role="admin")
    client = login(user)
    assert "Acme Hiring" in client.get("/").text  # the team joined first
    response = client.post("/team/switch/", {"team": other_team.slug}, follow=True)
    assert "Now working in Globex Talent" in response.text
    assert client.get("/settings/").status_code == 200  # admin there


def test_the_team_switcher_lists_every_team_from_the_one_membership_query(login, team, other_team):
    """The middleware reads the person's memberships once: the current team and the switcher's
    list (by name) come from the same query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username="both")
    MembershipFactory(user=user, team=other_team, role="viewer")  # joined first: the current team
    MembershipFactory(user=user, team=team, role="admin")
    client = login(user)
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").text
    switcher = page[page.index('name="team"') :]
    assert switcher.index(">Acme Hiring<") < switcher.index(">Globex Talent<")  # by name
    assert f'<option value="{other_team.slug}" selected>' in switcher  # the team joined first
    reads = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "accounts_membership"')
    ]
    assert len(reads) == 1, reads


def test_it_404s_switching_to_a_team_you_are_not_in(login, viewer, other_team):
    assert login(viewer).post("/team/switch/", {"team": other_team.slug}).status_code == 404


def test_it_invites_a_member_by_email_instead_of_adding_them(login, admin, team):
    from tests.factories import UserFactory

    newcomer = UserFactory(username="dave", email="Dave@Example.com")
    response = login(admin).post("/settings/members/", {"email": "dave@example.com", "role": "reviewer"})
    assert response.status_code == 302
    assert not Membership.objects.filter(user=newcomer, team=team).exists()  # until dave accepts
    assert Invitation.objects.get(team=team).email == "dave@example.com"


def test_it_explains_an_address_already_in_the_team(login, admin, viewer):
    response = login(admin).post("/settings/members/", {"email": viewer.email.upper(), "role": "admin"})
    assert response.status_code == 200
    assert "already a member of the team" in response.text
    assert not Invitation.objects.exists()


def test_it_changes_a_role(login, admin, viewer):
    membership = Membership.objects.get(user=viewer)
    login(admin).post(f"/settings/members/{membership.id}/role/", {"role": "reviewer"})
    membership.refresh_from_db()
    assert membership.role == Role.REVIEWER


def test_it_keeps_the_last_admin(login, admin):
    membership = Membership.objects.get(user=admin)
    client = login(admin)
    response = client.post(f"/settings/members/{membership.id}/remove/", follow=True)
    assert "The last admin cannot be removed" in response.text
    response = client.post(f"/settings/members/{membership.id}/role/", {"role": "viewer"}, follow=True)
    assert "at least one admin" in response.text
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_it_removes_a_member(login, admin, viewer):
    membership = Membership.objects.get(user=viewer)
    login(admin).post(f"/settings/members/{membership.id}/remove/")
    assert not Membership.objects.filter(id=membership.id).exists()


def test_it_changes_a_password_and_signs_out_other_sessions(client, admin):
    from django.test import Client

    from tests.factories import PASSWORD

    other = Client()
    other.force_login(admin)
    assert other.get("/").status_code == 200
    client.force_login(admin)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase 42",
            "new_password2": "a brand new passphrase 42",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session stays signed in
    assert other.get("/").status_code == 302  # the other one is signed out
