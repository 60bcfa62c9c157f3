"""One outgoing email: queued by services.mail_send, sent by a worker, kept so admins see failures."""

from django.db import models

from dashboard.core.jobs import Job


class OutgoingMail(Job):
    """A message on its way. The bodies are kept only until it is sent or given up on: a password
    reset link must not outlive its delivery in the database."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        RUNNING = "running", "Sending"
        DONE = "done", "Sent"
        FAILED = "failed", "Not sent"

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        SMTP_ERROR = "smtp_error", "The mail server refused or was unreachable"
        RATE_CAPPED = "rate_capped", "Too many messages to this address this hour"
        NOT_QUEUED = "not_queued", "No worker could take it"

    # Security mail (password resets) belongs to no team; admins see only their team's rows.
    # (Job's team is required; mypy sees the override as a type change, which it is.)
    team = models.ForeignKey(  # type: ignore[assignment]
        "accounts.Team", models.CASCADE, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=20, choices=State, default=State.QUEUED)
    to = models.EmailField()
    subject = models.CharField(max_length=255)
    kind = models.CharField(max_length=40, blank=True, default="")
    text_body = models.TextField(blank=True, default="")
    html_body = models.TextField(blank=True, default="")
    unsubscribe_url = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta(Job.Meta):
        indexes = [
            models.Index(fields=["to", "created_at"], name="mail_recipient_hour"),
            models.Index(fields=["team", "state", "created_at"], name="mail_team_state"),
        ]

    def __str__(self) -> str:
        return f"Mail #{self.pk} to {self.to} ({self.state})"
