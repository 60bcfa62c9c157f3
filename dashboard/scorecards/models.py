"""Scorecard templates (sections of criteria), the template each posting uses, each reviewer's
scorecard of a candidate (draft, then submitted and amendable with its history)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.core.querysets import TeamScopedQuerySet
from dashboard.mirror.models import Interview, Posting

# Every criterion is rated on four points, named with the score bands' words so a 3 of 4 reads
# like a Good score anywhere else; the overall recommendation is Greenhouse's and Ashby's scale.
SCALE = 4


class Rating(models.IntegerChoices):
    WEAK = 1, "Weak"
    MIXED = 2, "Mixed"
    GOOD = 3, "Good"
    STRONG = 4, "Strong"


class Recommendation(models.IntegerChoices):
    STRONG_NO = 1, "Strong no"
    NO = 2, "No"
    YES = 3, "Yes"
    STRONG_YES = 4, "Strong yes"


class ScorecardTemplate(models.Model):
    """What a team's reviewers rate: criteria in sections. Seeded ones come from the questions of
    HeyMilo's own scorecards for a posting, so people rate what the AI rated."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="scorecard_templates")
    name = models.CharField(max_length=120)
    # The posting whose HeyMilo scorecards it was seeded from (none: written by hand).
    seeded_from = models.ForeignKey(Posting, models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Section(models.Model):
    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    template = models.ForeignKey(ScorecardTemplate, models.CASCADE, related_name="sections")
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    # Removed from the template but kept: submitted scorecards still name it.
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    template = models.ForeignKey(ScorecardTemplate, models.CASCADE, related_name="criteria")
    section = models.ForeignKey(Section, models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=300)
    # What good looks like, shown beside the rating buttons.
    description = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    # The HeyMilo scorecard question this criterion rates ("text:" and its words, or its id when it
    # has no words: scorecards.ai.question_key); empty when the AI does not score it.
    ai_key = models.CharField(max_length=320, blank=True, default="")
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["section__position", "position", "id"]

    def __str__(self) -> str:
        return self.name


class PostingTemplate(models.Model):
    """The template a posting's reviewers fill in (no row: one is seeded when first needed)."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    posting = models.OneToOneField(Posting, models.CASCADE, related_name="scorecard_choice")
    template = models.ForeignKey(ScorecardTemplate, models.PROTECT, related_name="postings")
    chosen_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    chosen_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.posting}: {self.template}"


class Scorecard(models.Model):
    """One reviewer's scorecard of one candidate. A draft (submitted_at empty) is seen by its
    author alone; submitting shows it to the team, and later saves are amendments, each kept as a
    Revision."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    interview = models.ForeignKey(Interview, models.CASCADE, related_name="scorecards")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    template = models.ForeignKey(ScorecardTemplate, models.PROTECT, related_name="+")
    recommendation = models.PositiveSmallIntegerField(choices=Recommendation, null=True, blank=True)
    # Free text per section: {section id (as text): text}.
    notes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "user"], name="one_scorecard_per_reviewer"),
            models.CheckConstraint(
                condition=models.Q(recommendation__isnull=True)
                | models.Q(recommendation__gte=1, recommendation__lte=4),
                name="recommendation_1_to_4",
            ),
        ]
        indexes = [models.Index(fields=["team", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.user}'s scorecard of {self.interview}"

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class Answer(models.Model):
    """One criterion's rating on one scorecard, with HeyMilo's score for the same criterion
    (out of 10) kept beside it: the calibration page compares the two in one query."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    scorecard = models.ForeignKey(Scorecard, models.CASCADE, related_name="answers")
    interview = models.ForeignKey(Interview, models.CASCADE, related_name="+")
    criterion = models.ForeignKey(Criterion, models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(choices=Rating, null=True, blank=True)
    ai_score = models.FloatField(null=True, blank=True)
    # A copy of the scorecard's state, so the calibration reads submitted answers from one index.
    submitted = models.BooleanField(default=False)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "criterion"], name="one_answer_per_criterion"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=4),
                name="rating_1_to_4",
            ),
        ]
        # Covers the calibration page's reads (ratings beside AI scores by criterion and candidate)
        # without visiting the rows (docs/performance.md).
        indexes = [
            models.Index(
                fields=["team", "submitted", "criterion", "interview", "rating", "ai_score"],
                name="answer_calibration",
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.rating}"


class Revision(models.Model):
    """A submitted scorecard as it was at one submission or amendment (number 1 is the first
    submission): the amendment history."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    scorecard = models.ForeignKey(Scorecard, models.CASCADE, related_name="revisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    number = models.PositiveIntegerField()
    recommendation = models.PositiveSmallIntegerField(choices=Recommendation, null=True, blank=True)
    # {criterion id (as text): rating or null} and {section id: text}, as submitted.
    ratings = models.JSONField(default=dict)
    notes = models.JSONField(default=dict)
    # Why it was amended (empty for the first submission).
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "number"], name="revision_number_once")]

    def __str__(self) -> str:
        return f"Revision {self.number} of {self.scorecard}"
