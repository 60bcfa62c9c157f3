"""Reads of outgoing mail."""

from datetime import timedelta

from django.utils import timezone

from dashboard.mail.models import OutgoingMail

FAILURES_SHOWN_DAYS = 7


def mail_failures(team, *, limit: int = 10):
    """The team's messages not sent in the last week, newest first, for its admins."""
    since = timezone.now() - timedelta(days=FAILURES_SHOWN_DAYS)
    return (
        OutgoingMail.objects.for_team(team)
        .filter(state=OutgoingMail.State.FAILED, created_at__gte=since)
        .only("to", "subject", "kind", "outcome", "message", "created_at", "finished_at")[:limit]
    )
