"""Re-encrypt every stored secret with the newest FIELD_ENCRYPTION_KEYS entry."""

from django.core.management.base import BaseCommand
from django.db import transaction

from dashboard.accounts import crypto
from dashboard.accounts.models import Team


class Command(BaseCommand):
    help = "Re-encrypt API keys with the first key in FIELD_ENCRYPTION_KEYS (run after adding one)."

    @transaction.atomic
    def handle(self, **options):
        count = 0
        for team in Team.objects.select_for_update().exclude(api_key_encrypted=""):
            team.api_key_encrypted = crypto.rotate(team.api_key_encrypted)
            team.save(update_fields=["api_key_encrypted"])
            count += 1
        self.stdout.write(f"Re-encrypted {count} API key{'s' if count != 1 else ''}.")
