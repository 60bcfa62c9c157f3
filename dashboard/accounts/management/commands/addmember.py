"""addmember TEAM USERNAME --role ROLE"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dashboard.accounts.models import Membership, Role, Team


class Command(BaseCommand):
    help = "Add a user to a team with a role, or change their role."

    def add_arguments(self, parser):
        parser.add_argument("team", help="team slug")
        parser.add_argument("username")
        parser.add_argument("--role", choices=Role.values, default=Role.VIEWER)

    def handle(self, team, username, role, **options):
        team_obj = Team.objects.filter(slug=team).first()
        if team_obj is None:
            raise CommandError(f"No team with slug {team!r}.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        Membership.objects.update_or_create(team=team_obj, user=user, defaults={"role": role})
        self.stdout.write(f"{username} is {role} in {team_obj.name}.")
