"""manage.py process_deliveries: enqueue webhook deliveries stored while the broker was down."""

from django.core.management.base import BaseCommand

from dashboard.webhooks import services


class Command(BaseCommand):
    help = "Enqueue webhook deliveries that were stored but never processed."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=float, default=None,
                            help="Only deliveries waiting at least this many seconds.")

    def handle(self, *args, **options):
        count = services.process_pending(options["older_than"])
        self.stdout.write(f"{count} deliveries enqueued.")
