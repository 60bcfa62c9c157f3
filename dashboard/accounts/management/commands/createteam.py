"""createteam NAME --api-key KEY [--base-url URL] [--admin USERNAME]"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from dashboard.accounts.models import Membership, Role, Team
from heymilo.client import valid_key_characters


class Command(BaseCommand):
    help = "Create a team (or update the one with this name's slug) with its HeyMilo API key."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--api-key", required=True)
        parser.add_argument("--base-url", default=None)
        parser.add_argument("--admin", dest="admin_username", default=None)

    @transaction.atomic
    def handle(self, name, api_key, base_url, admin_username, **options):
        slug = slugify(name)
        if not slug:
            raise CommandError("The team name needs at least one letter or digit.")
        taken = Team.objects.filter(name__iexact=name).exclude(slug=slug).first()
        if taken is not None:
            raise CommandError(
                f"Another team ({taken.slug}) is already named {taken.name!r}: choose another name."
            )
        team, created = Team.objects.get_or_create(slug=slug, defaults={"name": name})
        team.name = name
        if base_url:
            team.heymilo_base_url = base_url
        if not valid_key_characters(api_key.strip()):
            raise CommandError("The API key holds a space, a line break or a non-ASCII character.")
        team.set_api_key(api_key)
        try:
            team.full_clean(exclude=["api_key_encrypted", "webhook_token"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        team.save()
        if admin_username:
            user = get_user_model().objects.filter(username=admin_username).first()
            if user is None:
                raise CommandError(f"No user named {admin_username!r}.")
            Membership.objects.update_or_create(team=team, user=user, defaults={"role": Role.ADMIN})
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} team {team.name} ({team.slug}), key ending {team.api_key_last4}.")
