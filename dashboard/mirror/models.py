"""Mirrored postings, interviews and transcript lines, and the record of each sync run."""

from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from dashboard.accounts.models import Team
from dashboard.core.jobs import Job
from dashboard.core.querysets import TeamScopedQuerySet
from dashboard.mirror import derive
from heymilo.models import Interview as APIInterview


class Posting(models.Model):
    team = models.ForeignKey(Team, models.CASCADE, related_name="postings")
    remote_id = models.CharField("HeyMilo posting id", max_length=100)
    title = models.CharField(max_length=300, blank=True, default="")
    name = models.CharField(max_length=300, blank=True, default="")
    description = models.TextField(blank=True, default="")
    archived = models.BooleanField(default=False)
    finalized = models.BooleanField(default=False)
    deadline = models.DateTimeField(null=True, blank=True)
    url_key = models.CharField(max_length=200, blank=True, default="")
    created_remote = models.DateTimeField(null=True, blank=True)
    updated_remote = models.DateTimeField(null=True, blank=True)
    # The whole API document: derived columns are rebuilt from it (manage.py reparse).
    document = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=64, default="")
    # No longer returned by HeyMilo. Kept, never deleted: reviews stay attached.
    missing = models.BooleanField(default=False)
    synced_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "remote_id"], name="posting_unique_per_team")]
        indexes = [
            models.Index(fields=["team", "title"]),
            models.Index(fields=["team", "archived", "deadline"]),
            models.Index(fields=["team", "url_key"]),
        ]
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title or self.remote_id

    @property
    def state(self) -> str:
        if self.archived:
            return "archived"
        if self.deadline and self.deadline < timezone.now():
            return "expired"
        return "active"

    @property
    def deadline_soon(self) -> bool:
        """Within HeyMilo's own warning window of 7 days."""
        now = timezone.now()
        return bool(self.deadline and now <= self.deadline <= now + timedelta(days=7))


class Interview(models.Model):
    team = models.ForeignKey(Team, models.CASCADE, related_name="interviews")
    posting = models.ForeignKey(Posting, models.CASCADE, null=True, related_name="interviews")
    remote_id = models.CharField("HeyMilo interview id", max_length=100)
    posting_remote_id = models.CharField(max_length=100, blank=True, default="")
    candidate_id = models.CharField(max_length=100, blank=True, default="")
    name = models.CharField(max_length=300, blank=True, default="")
    email = models.CharField(max_length=320, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    status = models.CharField(max_length=40, blank=True, default="")
    score = models.FloatField(null=True, blank=True)
    resume_score = models.FloatField(null=True, blank=True)
    match_score = models.FloatField(null=True, blank=True)
    eligible = models.BooleanField(null=True, blank=True)
    interviewed_on = models.DateTimeField(null=True, blank=True)
    last_engagement = models.DateTimeField(null=True, blank=True)
    # When the candidate entered the pipeline (derive.entered_on): analytics counts ingestions by it.
    entered_on = models.DateTimeField(null=True, blank=True)
    steps_total = models.PositiveSmallIntegerField(default=0)
    steps_complete = models.PositiveSmallIntegerField(default=0)
    all_complete = models.BooleanField(default=False)
    has_recording = models.BooleanField(default=False)
    # Name and email for the table's search (derive.search_text), kept in step by save() and syncs.
    search = models.CharField(max_length=621, blank=True, default="", editable=False)
    missing = models.BooleanField(default=False)
    synced_at = models.DateTimeField(default=timezone.now)
    # Large columns last: on SQLite every column after a 16 kB document costs a walk of the row's
    # overflow pages (migration 0002 rebuilt the table in this order).
    document = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=64, default="")

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "remote_id"], name="interview_unique_per_team")
        ]
        # Lists always filter on `missing`: with it in the index, counting and paging a posting's
        # candidates never reads the (wide) rows themselves.
        indexes = [
            # The default order with the filter columns after it: a filtered page walks it newest
            # first and stops at its last row (selectors.page_ids, which names it on SQLite).
            models.Index(
                fields=["team", "posting", "missing", "interviewed_on", "id", "status", "score", "search"],
                name="interview_list_default",
            ),
            # The same for the all-candidates table.
            models.Index(
                fields=["team", "missing", "interviewed_on", "id", "status", "score", "search"],
                name="interview_all_default",
            ),
            # Covers the common filters (status, score range, name or email search) and the default
            # order without reading the rows.
            models.Index(
                fields=["team", "posting", "missing", "status", "score", "search", "interviewed_on"],
                name="interview_list_search",
            ),
            models.Index(fields=["team", "posting", "missing", "score"], name="interview_list_score"),
            # The posting page's pipeline funnel counts steps completed.
            models.Index(
                fields=["team", "posting", "missing", "steps_complete"], name="interview_list_steps"
            ),
            models.Index(fields=["team", "email"]),
            models.Index(fields=["team", "name"]),
            models.Index(fields=["team", "last_engagement"]),
            models.Index(fields=["team", "missing", "entered_on"], name="interview_entered"),
            # Analytics' interviews started (with how many completed) and completed, by week, and
            # the scores by posting of those started: read from the index alone.
            models.Index(
                fields=["team", "missing", "interviewed_on", "status", "posting", "score"],
                name="interview_started",
            ),
            models.Index(fields=["team", "missing", "status", "last_engagement"], name="interview_completed"),
            # Analytics' outcome by source looks each imported candidate up by HeyMilo's id.
            models.Index(fields=["team", "remote_id", "missing", "status"], name="interview_remote"),
            models.Index(fields=["team", "resume_score"]),
            models.Index(fields=["team", "match_score"]),
            models.Index(fields=["team", "eligible"]),
        ]
        ordering = ["-interviewed_on", "name"]

    def __str__(self) -> str:
        return self.name or self.remote_id

    def save(self, *args, **kwargs):
        self.search = derive.search_text(self.name, self.email)
        if kwargs.get("update_fields") is not None and {"name", "email"} & set(kwargs["update_fields"]):
            kwargs["update_fields"] = {*kwargs["update_fields"], "search"}
        super().save(*args, **kwargs)

    @cached_property
    def parsed(self) -> APIInterview:
        """The stored API document as the client's typed model (never fails on an old row)."""
        return APIInterview.from_dict({**self.document, "interview_id": self.remote_id})

    @property
    def completeness(self) -> str:
        return f"{self.steps_complete}/{self.steps_total}" if self.steps_total else "–"


class TranscriptLineQuerySet(TeamScopedQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Lines made without their team take their interview's (see TranscriptLine.team)."""
        objs = list(objs)
        missing = {line.interview_id for line in objs if line.team_id is None}
        if missing:
            teams = dict(Interview.objects.filter(id__in=missing).values_list("id", "team_id"))
            for line in objs:
                if line.team_id is None:
                    line.team_id = teams[line.interview_id]
        return super().bulk_create(objs, *args, **kwargs)


class TranscriptLine(models.Model):
    interview = models.ForeignKey(Interview, models.CASCADE, related_name="transcript_lines")
    # The interview's team, on the line too: the full-text index holds it as a column, so a
    # search reads only its own team's lines at any size (docs/performance.md, transcript search);
    # SQLite's index triggers cannot look it up without tying the interview table's schema to them.
    team = models.ForeignKey(Team, models.CASCADE, related_name="+", db_index=False)
    position = models.PositiveIntegerField()
    speaker = models.CharField(max_length=40, blank=True, default="")  # lower case
    text = models.TextField(blank=True, default="")
    # Seconds from the start of the interview, whatever form the API gave the time in.
    offset_seconds = models.FloatField(null=True, blank=True)
    timestamp_str = models.CharField(max_length=20, blank=True, default="")

    objects = TranscriptLineQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["interview", "position"], name="line_position_unique")]
        indexes = [models.Index(fields=["team", "id"], name="line_team_newest")]
        ordering = ["interview", "position"]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:40]}"

    def save(self, *args, **kwargs):
        if self.team_id is None:
            self.team_id = self.interview.team_id
        super().save(*args, **kwargs)


class SyncRun(Job):
    class Scope(models.TextChoices):
        TEAM = "team", "Whole team"
        POSTING = "posting", "One posting"
        INTERVIEW = "interview", "One interview"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Succeeded"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        INTERRUPTED = "interrupted", "Interrupted"

    FINISHED_STATES = (State.DONE, State.FAILED, State.SKIPPED, State.INTERRUPTED)

    scope = models.CharField(max_length=10, choices=Scope)
    target = models.CharField(max_length=100, blank=True, default="")  # posting or interview id
    state = models.CharField(max_length=20, choices=State, default=State.QUEUED)
    pages_done = models.PositiveIntegerField(default=0)
    pages_expected = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_missing = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    # Documents the database would not take (the rest of their page was written): the first
    # SKIPPED_KEPT as {"kind", "id", "reason"}, so one bad document never stops a team's sync.
    rows_skipped = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list, blank=True)
    # Where the run stands (phase, posting index, page): a failed run shows where it stopped.
    cursor = models.JSONField(default=dict, blank=True)

    SKIPPED_KEPT = 50

    class Meta(Job.Meta):
        indexes = [models.Index(fields=["team", "scope", "state", "created_at"])]

    status_url_name = "sync_progress"

    def __str__(self) -> str:
        return f"{self.get_scope_display()} sync #{self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.pages_expected:
            return 0
        return min(99, round(100 * self.pages_done / self.pages_expected))

    @property
    def skipped_unlisted(self) -> int:
        return max(0, self.rows_skipped - len(self.skipped))

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    def finish(self, **ending) -> bool:
        ended = super().finish(**ending)
        if ended:
            # Progress counters of the last step are saved with the ending.
            self.save(update_fields=self.progress_fields())
        return ended

    @staticmethod
    def progress_fields() -> list[str]:
        return [
            "pages_done",
            "pages_expected",
            "rows_created",
            "rows_updated",
            "rows_unchanged",
            "rows_missing",
            "rows_skipped",
            "skipped",
            "retries",
            "cursor",
        ]
