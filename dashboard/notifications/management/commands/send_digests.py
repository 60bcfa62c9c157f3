"""Sends the daily digests due this hour, or with --now everyone's waiting digest at once."""

from django.core.management.base import BaseCommand

from dashboard.notifications import services


class Command(BaseCommand):
    help = "Send the daily digests due this hour (--now: everyone's waiting digest, whatever their hour)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--now", action="store_true", help="send every waiting digest now")

    def handle(self, *args, **options) -> None:
        sent = services.digests_send(everyone=options["now"])
        self.stdout.write(f"Sent {sent} digest{'s' if sent != 1 else ''}.")
