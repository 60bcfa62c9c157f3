"""manage.py process_deliveries: enqueue webhook deliveries stored while the broker was down, or left
`processing` by a worker that died."""

from django.core.management.base import BaseCommand

from dashboard.webhooks import processing


class Command(BaseCommand):
    help = "Enqueue webhook deliveries that were stored but never processed, or whose worker died."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=float,
            default=None,
            help="Only deliveries waiting at least this many seconds.",
        )
        parser.add_argument(
            "--stuck-after",
            type=float,
            default=None,
            help="Deliveries processing for longer than this many seconds had their "
            "worker die: process them again (default WEBHOOK_PROCESSING_TIMEOUT).",
        )

    def handle(self, *args, **options):
        count = processing.deliveries_sweep(
            older_than=options["older_than"], stuck_after=options["stuck_after"]
        )
        self.stdout.write(f"{count} deliveries enqueued.")
