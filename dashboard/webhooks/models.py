"""Webhook deliveries received, the team's HeyMilo webhooks mirrored, and webhook jobs run by workers."""

import fcntl
import os
import threading
from contextlib import contextmanager

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, models
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.core.querysets import TeamScopedQuerySet

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


# SQLite lets one writer in at a time and makes the others poll, sleeping 1, 2, 5, 10, 15, 20, 25…
# ms between tries: with deliveries arriving together, the ones that lost a race waited up to
# ~90 ms (p99) for a write of well under one. Receivers take turns on an OS lock on a file beside
# the database instead, which passes to the next waiter the moment it is released. flock() belongs
# to an open file, which threads share, so threads of one process queue on a threading.Lock first;
# the file is opened once per process (a child must not share its parent's).
_write_turn_lock = threading.Lock()
_write_turn_files: dict[tuple[int, str], int] = {}


def write_turn_path(connection) -> str | None:
    """The lock file beside a SQLite database file; None for other databases."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    return f"{connection.settings_dict['NAME']}-writers.lock"


@contextmanager
def sqlite_write_turn(connection):
    """Holds this process's and thread's turn to write to a SQLite database file; a no-op elsewhere,
    and inside a transaction, which holds SQLite's write lock already (transaction_mode IMMEDIATE):
    waiting there for a turn held by a writer waiting for that lock would stall both."""
    path = write_turn_path(connection)
    if path is None or connection.in_atomic_block:
        yield
        return
    with _write_turn_lock:
        fd = _write_turn_files.get((os.getpid(), path))
        if fd is None:
            fd = _write_turn_files[os.getpid(), path] = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)


class DeliveryQuerySet(TeamScopedQuerySet):
    def store_for_token(self, token: str, **values) -> int | None:
        """Stores a delivery for the team whose webhook token this is; its id, or None when no team has it.

        The receiver's whole database work in one statement, INSERT ... SELECT ... RETURNING: no
        separate team lookup and no transaction around it (a single statement in autocommit is
        committed when it returns, so the 2xx that follows never promises a row that is not there).
        The ORM cannot say INSERT ... SELECT, hence SQL; it is built from the model's own fields
        and prepared by them, so it follows the model on SQLite and PostgreSQL alike.
        """
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
        # Only identifiers from the models' own meta, quoted, are formatted in; values are parameters.
        sql = (
            f"INSERT INTO {q(meta.db_table)} ({', '.join(q(f.column) for f in fields)}, "  # noqa: S608
            f"{q(meta.get_field('team').column)}) SELECT {', '.join(['%s'] * len(fields))}, "
            f"{q(team_meta.pk.column)} FROM {q(team_meta.db_table)} "
            f"WHERE {q(team_meta.get_field('webhook_token').column)} = %s RETURNING {q(meta.pk.column)}"
        )
        # This statement is its own health check. Django's (CONN_HEALTH_CHECKS: a SELECT 1 before
        # each request's first query) cost a fifth of a delivery's CPU; instead, when the kept
        # connection turns out broken (a database restart), the statement goes again on a new one.
        # A delivery stored twice that way is a duplicate, which processing skips; one not stored
        # would be lost. Inside a caller's transaction the connection is theirs: no retry there.
        retry = connection.health_check_enabled and not connection.in_atomic_block
        if retry:
            connection.health_check_done = True
        try:
            return self._insert_returning(connection, sql, [*params, token])
        except (InterfaceError, OperationalError):
            if not retry or connection.is_usable():
                raise
            connection.close()
            return self._insert_returning(connection, sql, [*params, token])

    @staticmethod
    def _insert_returning(connection, sql: str, params: list) -> int | None:
        with sqlite_write_turn(connection), connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return row[0] if row else None


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
        self.save(update_fields=["state", "reason", "event_type", "posting_id", "interview_id",
                                 "processed_at"])


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
        constraints = [
            models.UniqueConstraint(fields=["team", "webhook_id"], name="webhook_unique_per_team")
        ]
        ordering = ["posting_id", "event_type", "-created_remote"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.url}"

    @property
    def linkable(self) -> bool:
        return bool(self.webhook_id) and "/" not in self.webhook_id


class WebhookJob(models.Model):
    """One webhook change asked for on a page, carried out by a worker and polled by the page."""

    class Kind(models.TextChoices):
        CREATE = "create", "Create webhook"
        DEACTIVATE = "deactivate", "Deactivate webhook"
        REFRESH = "refresh", "Refresh webhooks"
        CONNECT = "connect", "Connect this dashboard"
        ROTATE = "rotate", "Re-point webhooks to the new token"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        DONE = "done", "Done"

    class Outcome(models.TextChoices):
        OK = "ok", "Done"
        INVALID = "invalid", "HeyMilo rejected the values"
        ERROR = "error", "Failed"

    team = models.ForeignKey(Team, models.CASCADE, related_name="webhook_jobs")
    kind = models.CharField(max_length=12, choices=Kind)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    outcome = models.CharField(max_length=10, choices=Outcome, blank=True, default="")
    message = models.TextField(blank=True, default="")
    field_errors = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.outcome or self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state == self.State.DONE

    def finish(self, outcome: str, message: str, field_errors: dict | None = None) -> None:
        self.state = self.State.DONE
        self.outcome = outcome
        self.message = message
        self.field_errors = field_errors or {}
        self.finished_at = timezone.now()
        self.save(update_fields=["state", "outcome", "message", "field_errors", "finished_at"])
