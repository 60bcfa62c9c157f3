"""Webhook deliveries received, the team's HeyMilo webhooks mirrored, and webhook jobs run by workers."""

from django.db import connections, models
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.core.jobs import Job
from dashboard.core.querysets import TeamScopedQuerySet
from dashboard.mirror.selectors import InterviewLabel

EVENT_TYPES = [
    ("interview_started", "Interview started"),
    ("interview_completed", "Interview completed"),
    ("report_available", "Report available"),
]
EVENT_NAMES = [value for value, _label in EVENT_TYPES]

# What a live notice says after the candidate's name.
EVENT_VERBS = {
    "interview_started": "started the interview",
    "interview_completed": "completed the interview",
    "report_available": "has a report available",
}


class DeliveryQuerySet(TeamScopedQuerySet):
    def store_for_token(self, token: str, **values) -> tuple[int, int] | None:
        """Stores a delivery for the team whose webhook token this is: its id and the team's, or None
        when no team has it. One INSERT ... SELECT ... RETURNING instead of the ORM's team lookup
        and create buys the receiver's p99 at 300/s on PostgreSQL (docs/performance.md, "webhook
        receiver, plain vs machinery"). Built from the model's own fields, prepared by them; in
        autocommit it is committed when it returns, before the 202."""
        connection = connections[self.db]
        delivery = self.model(**values)
        # Columns left NULL are left out: PostgreSQL types a bare NULL in a SELECT list as text.
        fields, params = [], []
        for field in self.model._meta.concrete_fields:
            if field.primary_key or field.name == "team":
                continue
            value = field.get_db_prep_save(field.pre_save(delivery, add=True), connection)
            if value is not None:
                fields.append(field)
                params.append(value)
        q, meta, team_meta = connection.ops.quote_name, self.model._meta, Team._meta

        def col(field) -> str:
            # A concrete field's column, quoted (the stubs allow None: a field may have no column).
            return q(field.column)

        team_column = col(meta.get_field("team"))
        # Only identifiers from the models' own meta, quoted, are formatted in; values are parameters.
        sql = (
            f"INSERT INTO {q(meta.db_table)} ({', '.join(col(f) for f in fields)}, {team_column}) "  # noqa: S608
            f"SELECT {', '.join(['%s'] * len(fields))}, {col(team_meta.pk)} "
            f"FROM {q(team_meta.db_table)} "
            f"WHERE {col(team_meta.get_field('webhook_token'))} = %s "
            f"RETURNING {col(meta.pk)}, {team_column}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, token])
            row = cursor.fetchone()
        return (row[0], row[1]) if row else None


class Delivery(models.Model):
    """One request to our receiver, stored before anything else happens to it."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        DUPLICATE = "duplicate", "Duplicate"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"
        IGNORED = "ignored", "Ignored"
        # The body names no event we can read (processing.delivery_parse): kept to be replayed
        # once the parser learns its shape.
        UNRECOGNISED = "unrecognised", "Unrecognised"

    team = models.ForeignKey(Team, models.CASCADE, related_name="webhook_deliveries")
    method = models.CharField(max_length=10)
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True, default="")
    query = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=12, choices=State, default=State.RECEIVED)
    reason = models.TextField(blank=True, default="")
    event_type = models.CharField(max_length=100, blank=True, default="")
    posting_id = models.CharField(max_length=100, blank=True, default="")
    interview_id = models.CharField(max_length=100, blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a worker last took it: a delivery `processing` for long had its worker die (the sweep).
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()
    # Not a column: the event log's candidate and posting, set by selectors.with_labels.
    label: InterviewLabel | None = None

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["team", "state", "id"]),
            models.Index(fields=["state", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"Delivery #{self.pk} ({self.state})"

    @property
    def payload_text(self) -> str:
        """What HeyMilo sent: the body of a POST, the query string of a GET."""
        if self.body:
            return self.body
        return "\n".join(f"{k}={v}" for k, v in self.query.items())

    @property
    def links_interview(self) -> bool:
        """Only a verified id links to the interview page: a forged one may not even fit a URL."""
        return self.state == self.State.PROCESSED and bool(self.interview_id) and "/" not in self.interview_id

    def finish(self, state: str, reason: str = "") -> None:
        self.state = state
        self.reason = reason
        self.processed_at = timezone.now()
        self.save(
            update_fields=["state", "reason", "event_type", "posting_id", "interview_id", "processed_at"]
        )


class WebhookSubscription(models.Model):
    """A HeyMilo webhook of the team, as the API last described it."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="webhook_subscriptions")
    webhook_id = models.CharField(max_length=100)
    posting_id = models.CharField(max_length=100, blank=True, default="")
    url = models.TextField(blank=True, default="")
    event_type = models.CharField(max_length=100, blank=True, default="")
    http_method = models.CharField(max_length=10, blank=True, default="post")
    is_active = models.BooleanField(default=True)
    created_remote = models.DateTimeField(null=True, blank=True)
    updated_remote = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "webhook_id"], name="webhook_unique_per_team")]
        ordering = ["posting_id", "event_type", "-created_remote"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.url}"

    @property
    def linkable(self) -> bool:
        return bool(self.webhook_id) and "/" not in self.webhook_id


class WebhookJob(Job):
    """One webhook change asked for on a page, carried out by a worker and polled by the page."""

    class Kind(models.TextChoices):
        CREATE = "create", "Create webhook"
        DEACTIVATE = "deactivate", "Deactivate webhook"
        REFRESH = "refresh", "Refresh webhooks"
        CONNECT = "connect", "Connect this dashboard"
        ROTATE = "rotate", "Re-point webhooks to the new token"

    class Outcome(models.TextChoices):
        OK = "ok", "Done"
        INVALID = "invalid", "HeyMilo rejected the values"
        ERROR = "error", "Failed"

    kind = models.CharField(max_length=12, choices=Kind)
    params = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome, blank=True, default="")
    field_errors = models.JSONField(default=dict, blank=True)

    status_url_name = "webhook_job"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.outcome or self.state})"
