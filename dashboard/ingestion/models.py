"""CSV import jobs and their rows, single-candidate ingests and JSON exports."""

from django.db import models
from django.urls import reverse
from django.utils import timezone

from dashboard.core.jobs import Job
from dashboard.mirror.models import Posting


class ImportJob(Job):
    class State(models.TextChoices):
        CHECKING = "checking", "Checking"  # a big file's dry run, in a worker
        DRAFT = "draft", "Preview"  # checked, waiting for a person to start it: neither active nor ended
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    ACTIVE_STATES = (State.CHECKING, State.QUEUED, State.RUNNING)
    FINISHED_STATES = (State.DONE, State.CANCELLED, State.FAILED)

    posting = models.ForeignKey(Posting, models.CASCADE, related_name="import_jobs")
    file_name = models.CharField("file name as uploaded (shown only)", max_length=255)
    stored_name = models.CharField("generated name in upload storage; blank once deleted", max_length=255)
    encoding = models.CharField(max_length=20, default="utf-8")
    delimiter = models.CharField(max_length=1, default=",")
    header = models.JSONField(default=list)
    mapping = models.JSONField(default=dict)
    retake = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_existing = models.PositiveIntegerField(default=0)
    # While checking: rows read so far, of about this many (the file's line count).
    rows_checked = models.PositiveIntegerField(default=0)
    rows_expected = models.PositiveIntegerField(default=0)
    chunk_size = models.PositiveIntegerField(default=100)
    cancel_requested = models.BooleanField(default=False)
    retries = models.PositiveIntegerField(default=0)
    # Renewed at every chunk: a running job silent for INGEST_STALL_SECONDS lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta(Job.Meta):
        indexes = [models.Index(fields=["team", "-created_at"]), models.Index(fields=["state"])]

    status_url_name = "import_progress"

    def __str__(self) -> str:
        return f"{self.file_name} → {self.posting}"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_checking(self) -> bool:
        return self.state == self.State.CHECKING

    @property
    def check_percent(self) -> int:
        # The line count is an estimate: stay below 100 until the check says it is done.
        return min(99, 100 * self.rows_checked // self.rows_expected) if self.rows_expected else 0

    def get_delimiter_name(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(self.delimiter, "comma")


class ImportRow(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        INVALID = "invalid", "Invalid"
        DUPLICATE = "duplicate", "Duplicate in file"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Not sent"
        SENT = "sent", "Sending"
        INGESTED = "ingested", "Ingested"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown: check"

    DONE_OUTCOMES = (Outcome.INGESTED, Outcome.FAILED, Outcome.UNKNOWN)

    job = models.ForeignKey(ImportJob, models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField("row number in the file (the header is row 1)")
    name = models.CharField(max_length=300, blank=True, default="")
    email = models.CharField(max_length=320, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    metadata = models.JSONField(default=dict)
    data = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=Status.choices)
    # Known for this posting already (mirror or an earlier import): HeyMilo returns that interview.
    existing = models.BooleanField(default=False)
    error = models.TextField(blank=True, default="")
    # A row not sent keeps its cells as written: the "rows not sent" download is built from them
    # after the upload itself is deleted (the import ended).
    cells = models.JSONField(default=list)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    interview_id = models.CharField(max_length=100, blank=True, default="")
    interview_link = models.URLField(max_length=500, blank=True, default="")
    chunk = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        indexes = [
            models.Index(fields=["job", "status"]),
            models.Index(fields=["job", "outcome", "chunk"]),
            models.Index(fields=["job", "chunk", "number"]),
        ]

    def __str__(self) -> str:
        return f"row {self.number}: {self.email}"

    def payload(self) -> dict:
        body = {"name": self.name, "email": self.email}
        if self.phone:
            body["phone_number"] = self.phone
        if self.metadata:
            body["metadata"] = self.metadata
        if self.data:
            body["data"] = self.data
        return body


class Request(Job):
    """Shared by the one-off calls a posting page makes through a worker."""

    posting = models.ForeignKey(Posting, models.CASCADE, related_name="+")

    class Meta(Job.Meta):
        abstract = True


class CandidateIngest(Request):
    """One candidate added from the posting page."""

    name = models.CharField(max_length=300)
    email = models.CharField(max_length=320)
    phone = models.CharField(max_length=40, blank=True, default="")
    metadata = models.JSONField(default=dict)
    retake = models.BooleanField(default=False)
    field_errors = models.JSONField(default=dict)  # the API's 422, by field
    interview_id = models.CharField(max_length=100, blank=True, default="")
    interview_link = models.URLField(max_length=500, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.name} <{self.email}> → {self.posting_id}"

    def get_status_url(self) -> str:
        return reverse("candidate_status", args=[self.posting.remote_id, self.pk])


class Export(Request):
    """A JSON export of a posting's interviews, made by HeyMilo."""

    job_id = models.CharField(max_length=100, blank=True, default="")
    file_url = models.URLField(max_length=1000, blank=True, default="")

    def __str__(self) -> str:
        return f"export {self.job_id or self.id}"


class UploadChunk(models.Model):
    """A piece of an upload kept in the database (dashboard/ingestion/storage.py): every host
    reads the same file, and none keeps it on its own disk."""

    name = models.CharField("the file's name in upload storage", max_length=255)
    number = models.PositiveIntegerField("the piece's place in the file, from 0")
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "number"], name="upload_chunk_name_number")]

    def __str__(self) -> str:
        return f"{self.name} #{self.number}"
