"""Operator commands: createteam and addmember."""

import pytest
from django.core.management import CommandError, call_command

from dashboard.accounts.models import Membership, Role, Team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_creates_a_team_with_an_admin():
    UserFactory(username="ops")
    call_command(
        "createteam",
        "Night Shift",
        "--api-key",
        "key-1234",
        "--base-url",
        "http://127.0.0.1:8765",
        "--admin",
        "ops",
    )
    team = Team.objects.get(slug="night-shift")
    assert team.api_key == "key-1234"
    assert team.heymilo_base_url == "http://127.0.0.1:8765"
    assert Membership.objects.get(team=team, user__username="ops").role == Role.ADMIN


def test_it_updates_an_existing_team_on_a_second_run():
    call_command("createteam", "Night Shift", "--api-key", "key-1")
    call_command("createteam", "Night Shift", "--api-key", "key-2")
    assert Team.objects.get(slug="night-shift").api_key == "key-2"
    assert Team.objects.count() == 1


def test_it_adds_and_changes_a_member(team):
    UserFactory(username="eve")
    call_command("addmember", team.slug, "eve", "--role", "reviewer")
    call_command("addmember", team.slug, "eve", "--role", "admin")
    assert Membership.objects.get(team=team, user__username="eve").role == Role.ADMIN


def test_it_explains_unknown_names(team):
    with pytest.raises(CommandError, match="No team"):
        call_command("addmember", "nope", "eve")
    with pytest.raises(CommandError, match="No user"):
        call_command("addmember", team.slug, "ghost")
