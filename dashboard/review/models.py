"""The team's own review of mirrored interviews: decisions, ratings, notes, bulk actions, the shortlist,
mentions, remembered filters, review settings and the audit log."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.core.querysets import TeamScopedQuerySet
from dashboard.mirror.models import Interview, Posting


class DecisionValue(models.TextChoices):
    ADVANCE = "advance", "Advance"
    HOLD = "hold", "Hold"
    REJECT = "reject", "Reject"


class BulkAction(models.TextChoices):
    DECISION = "decision", "Set decision"
    SHORTLIST_ADD = "shortlist_add", "Add to shortlist"
    SHORTLIST_REMOVE = "shortlist_remove", "Remove from shortlist"
    STAGE = "stage", "Move to stage"


class BulkDecision(models.Model):
    """One bulk action (a decision, or a shortlist change); undoing it reverts exactly what it changed.

    The name predates shortlist actions; keeping it keeps the URLs and the undo flow shared.
    """

    Action = BulkAction

    team = models.ForeignKey(Team, models.CASCADE, related_name="bulk_decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=20, choices=BulkAction, default=BulkAction.DECISION)
    value = models.CharField(max_length=10, choices=DecisionValue, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A shortlist removal deletes rows; what undo needs to put them back as they were.
    removed = models.JSONField(default=list, blank=True)
    # A stage move's target (Stage is defined below, hence the name).
    stage = models.ForeignKey("Stage", models.PROTECT, null=True, blank=True, related_name="+")

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.label} × {self.count}"

    @property
    def label(self) -> str:
        if self.action == BulkAction.DECISION:
            return self.get_value_display()
        if self.action == BulkAction.STAGE and self.stage_id:
            return f"Moved to {self.stage}"
        return self.get_action_display()


class Decision(models.Model):
    """The team's decision on an interview is its latest Decision; earlier ones are the history.

    The latest is marked `current`: each decision write in review.services keeps the mark (a new
    decision is current as it is written; an undo makes the one before current again), so the
    tables join it rather than look it up once per row."""

    Value = DecisionValue

    team = models.ForeignKey(Team, models.CASCADE, related_name="decisions")
    interview = models.ForeignKey(Interview, models.CASCADE, related_name="decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    value = models.CharField(max_length=10, choices=DecisionValue)
    reason = models.TextField(blank=True, default="")
    batch = models.ForeignKey(BulkDecision, models.CASCADE, null=True, blank=True, related_name="decisions")
    created_at = models.DateTimeField(default=timezone.now)
    current = models.BooleanField(default=False)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["interview", "-created_at", "-id"]),
            # Analytics' workload: a team's decisions in a range, by person, from the index alone.
            models.Index(fields=["team", "created_at", "user"], name="decision_workload"),
        ]
        constraints = [
            # At most one current decision: the tables join it, so a second would repeat a row.
            models.UniqueConstraint(
                fields=["interview"], condition=models.Q(current=True), name="one_current_decision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_value_display()} ({self.interview})"


class RatingQuerySet(TeamScopedQuerySet):
    def visible_to(self, team, user, *, private: bool, can_review: bool):
        """The team's ratings this person may read.

        With private ratings on, someone who can rate sees others' ratings on a candidate only
        after rating it themselves (so nobody anchors on the team's stars). Viewers never rate,
        so there is nothing to anchor and they see every rating.
        """
        rows = self.filter(team=team)
        if private and can_review:
            mine = Rating.objects.filter(team=team, user=user).values("interview")
            rows = rows.filter(models.Q(user=user) | models.Q(interview__in=mine))
        return rows


class Rating(models.Model):
    """Each reviewer's own 1–5 stars for an interview; rating again replaces it."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="ratings")
    interview = models.ForeignKey(Interview, models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            # Analytics: an interview's first rating after it completed (the review wait), and a
            # team's ratings in a range by person (workload), each from an index alone. The stars
            # let a table's team average be read from this index alone too, once per candidate
            # when the table is sorted by it (docs/performance.md, session 16).
            models.Index(fields=["interview", "created_at", "stars"], name="rating_first"),
            models.Index(fields=["team", "created_at", "user"], name="rating_workload"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["interview", "user"], name="one_rating_per_user"),
            models.CheckConstraint(condition=models.Q(stars__gte=1, stars__lte=5), name="stars_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.stars}★ ({self.interview})"


class Note(models.Model):
    team = models.ForeignKey(Team, models.CASCADE, related_name="notes")
    interview = models.ForeignKey(Interview, models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.body[:40]


class Mention(models.Model):
    """A teammate named as @username in a note; it sits in their inbox until they open it."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="mentions")
    note = models.ForeignKey(Note, models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["note", "user"], name="one_mention_per_note_user")]
        indexes = [models.Index(fields=["team", "user", "read_at"])]

    def __str__(self) -> str:
        return f"@{self.user} in note {self.note_id}"


class Shortlist(models.Model):
    """Membership of the team's shortlist: one row per shortlisted interview."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="shortlist")
    interview = models.OneToOneField(Interview, models.CASCADE, related_name="shortlisted_entry")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)
    # The bulk action that added it, so undoing that action removes exactly these rows.
    batch = models.ForeignKey(BulkDecision, models.SET_NULL, null=True, blank=True, related_name="+")

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-added_at", "-id"]

    def __str__(self) -> str:
        return f"Shortlisted: {self.interview}"


class SavedFilter(models.Model):
    """A person's last filters and sort on one posting's table (posting empty: the all-candidates list)."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    posting = models.ForeignKey(Posting, models.CASCADE, null=True, blank=True, related_name="+")
    query = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        # Two partial constraints: a NULL posting would never collide in a plain unique constraint.
        constraints = [
            models.UniqueConstraint(
                fields=["user", "team", "posting"],
                condition=models.Q(posting__isnull=False),
                name="one_saved_filter_per_posting",
            ),
            models.UniqueConstraint(
                fields=["user", "team"],
                condition=models.Q(posting__isnull=True),
                name="one_saved_filter_for_all_candidates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.query}"


class ReviewSettings(models.Model):
    """The team's review settings (kept here so the accounts app's Team stays as it is)."""

    team = models.OneToOneField(Team, models.CASCADE, related_name="review_settings")
    ratings_private = models.BooleanField(
        "Ratings private until submitted",
        default=True,
        help_text="A reviewer sees teammates' ratings of a candidate only after rating it themselves.",
    )

    def __str__(self) -> str:
        return f"Review settings of {self.team}"

    @classmethod
    def for_team(cls, team) -> "ReviewSettings":
        """The team's settings, or the defaults (unsaved) when an admin never changed them."""
        return cls.objects.filter(team=team).first() or cls(team=team)


class AuditAction(models.TextChoices):
    DECISION = "decision", "Decision"
    RATING = "rating", "Rating"
    NOTE = "note", "Note"
    BULK_DECISION = "bulk_decision", "Bulk decision"
    SHORTLIST_ADD = "shortlist_add", "Added to shortlist"
    SHORTLIST_REMOVE = "shortlist_remove", "Removed from shortlist"
    BULK_UNDO = "bulk_undo", "Bulk undo"
    SETTINGS = "settings", "Review settings"
    STAGE = "stage", "Stage move"
    BULK_STAGE = "bulk_stage", "Bulk stage move"
    PIPELINE = "pipeline", "Pipeline settings"
    SHARE_CREATE = "share_create", "Share link made"
    SHARE_REVOKE = "share_revoke", "Share link revoked"
    SCORECARD = "scorecard", "Scorecard"


class AuditEntry(models.Model):
    """Who did what to which interview(s), when, with the state before and after (append-only)."""

    Action = AuditAction

    team = models.ForeignKey(Team, models.CASCADE, related_name="audit_entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=20, choices=AuditAction)
    # One interview for single actions; bulk ones list every remote id they touched.
    interview = models.ForeignKey(Interview, models.SET_NULL, null=True, blank=True, related_name="+")
    interview_ids = models.JSONField(default=list, blank=True)
    count = models.PositiveIntegerField(default=0)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at", "-id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.user} at {self.created_at:%Y-%m-%d %H:%M}"


class TableColumns(models.Model):
    """The columns one person chose for the candidate tables (the same on every posting and on the
    all-candidates list): the keys of dashboard.review.columns, in its order. No row: the defaults."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    columns = models.JSONField(default=list)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_column_choice_per_person")]

    def __str__(self) -> str:
        return f"{self.user}: {', '.join(self.columns)}"


# ---------------------------------------------------------------------------------------------
# The hiring pipeline: the team's stages, reject reasons, each candidate's current stage and its moves


class StageKind(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class StageRole(models.TextChoices):
    """The stages the pipeline itself needs, whatever the team calls them: where a new candidate
    starts, and where "Reject" moves one. Other stages have no role."""

    NONE = "", "None"
    ENTRY = "entry", "Entry"
    REJECTED = "rejected", "Rejected"


# A team's first pipeline (migrations create it for existing teams, a Team signal for new ones):
# (name, kind, role).
DEFAULT_STAGES = (
    ("New", StageKind.OPEN, StageRole.ENTRY),
    ("Reviewed", StageKind.OPEN, StageRole.NONE),
    ("Hiring-manager interview", StageKind.OPEN, StageRole.NONE),
    ("Offer", StageKind.OPEN, StageRole.NONE),
    ("Hired", StageKind.OPEN, StageRole.NONE),
    ("Rejected", StageKind.CLOSED, StageRole.REJECTED),
    ("Withdrawn", StageKind.CLOSED, StageRole.NONE),
)
DEFAULT_REJECT_REASONS = (
    "Not enough experience",
    "Skills do not match",
    "Salary expectations",
    "Location or right to work",
    "Hired someone else",
    "Candidate withdrew",
    "Other",
)


class Stage(models.Model):
    """One step of the team's pipeline, in `position` order. Archived stages are kept (histories
    still name them) but take no new candidates and leave the board."""

    Kind = StageKind
    Role = StageRole

    team = models.ForeignKey(Team, models.CASCADE, related_name="stages")
    name = models.CharField(max_length=60)
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=StageKind, default=StageKind.OPEN)
    role = models.CharField(max_length=10, choices=StageRole, default=StageRole.NONE, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "role"], condition=~models.Q(role=""), name="one_stage_per_role"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def closed(self) -> bool:
        return self.kind == StageKind.CLOSED


class RejectReason(models.Model):
    """A reason a closed stage (Rejected, Withdrawn) asks for; archived ones stay in histories."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="reject_reasons")
    name = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class CandidateStage(models.Model):
    """An interview's current stage, kept current by every move (StageMove holds the history).
    No row: the team's entry stage (New), so a newly mirrored candidate needs no write. The
    posting is copied here so a board column is one index range."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    interview = models.OneToOneField(Interview, models.CASCADE, related_name="pipeline")
    posting = models.ForeignKey(Posting, models.CASCADE, null=True, blank=True, related_name="+")
    stage = models.ForeignKey(Stage, models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["posting", "stage", "entered_at"])]

    def __str__(self) -> str:
        return f"{self.interview} in {self.stage}"


class StageMove(models.Model):
    """One move of a candidate between stages: who, when, from where to where, and why."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    interview = models.ForeignKey(Interview, models.CASCADE, related_name="stage_moves")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    from_stage = models.ForeignKey(Stage, models.PROTECT, null=True, blank=True, related_name="+")
    to_stage = models.ForeignKey(Stage, models.PROTECT, related_name="+")
    # When the candidate had entered from_stage, so undoing the move restores its time in stage.
    from_entered_at = models.DateTimeField(null=True, blank=True)
    reason = models.ForeignKey(RejectReason, models.PROTECT, null=True, blank=True, related_name="+")
    # Free text beside the reason (a migrated decision's reason lives here).
    note = models.TextField(blank=True, default="")
    batch = models.ForeignKey(BulkDecision, models.CASCADE, null=True, blank=True, related_name="stage_moves")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["interview", "-created_at", "-id"]),
            models.Index(fields=["interview", "user"]),
        ]

    def __str__(self) -> str:
        return f"{self.interview}: {self.from_stage} → {self.to_stage}"


class HiddenStage(models.Model):
    """A stage one posting does not use: its board leaves the column out and Advance skips it."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    posting = models.ForeignKey(Posting, models.CASCADE, related_name="hidden_stages")
    stage = models.ForeignKey(Stage, models.CASCADE, related_name="+")

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["posting", "stage"], name="stage_hidden_once")]

    def __str__(self) -> str:
        return f"{self.stage} hidden on {self.posting}"
