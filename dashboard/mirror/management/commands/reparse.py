"""manage.py reparse: rebuild derived columns and transcripts from the stored API documents."""

from django.core.management.base import BaseCommand

from dashboard.mirror import services


class Command(BaseCommand):
    help = "Re-derive every mirrored row's columns from its stored document (after a code change)."

    def handle(self, **options):
        count = services.documents_reparse()
        self.stdout.write(f"Re-parsed {count} interviews and every posting.")
