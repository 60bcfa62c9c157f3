"""The team's own review of mirrored interviews: decisions, ratings, notes and bulk decisions."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.mirror.models import Interview, TeamScopedQuerySet


class DecisionValue(models.TextChoices):
    ADVANCE = "advance", "Advance"
    HOLD = "hold", "Hold"
    REJECT = "reject", "Reject"


class BulkDecision(models.Model):
    """One bulk "set a decision" action; undoing it removes exactly the decisions it wrote."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="bulk_decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    value = models.CharField(max_length=10, choices=DecisionValue)
    reason = models.TextField(blank=True, default="")
    count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                  related_name="+")

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_value_display()} × {self.count}"


class Decision(models.Model):
    """The team's decision on an interview is its latest Decision; earlier ones are the history."""

    Value = DecisionValue

    team = models.ForeignKey(Team, models.CASCADE, related_name="decisions")
    interview = models.ForeignKey(Interview, models.CASCADE, related_name="decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    value = models.CharField(max_length=10, choices=DecisionValue)
    reason = models.TextField(blank=True, default="")
    batch = models.ForeignKey(BulkDecision, models.CASCADE, null=True, blank=True, related_name="decisions")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["interview", "-created_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.get_value_display()} ({self.interview})"


class Rating(models.Model):
    """Each reviewer's own 1–5 stars for an interview; rating again replaces it."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="ratings")
    interview = models.ForeignKey(Interview, models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    stars = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
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


def latest_decision(field: str = "value"):
    """The team decision of each interview in a query: its latest Decision (one subquery, no N+1)."""
    latest = Decision.objects.filter(interview=models.OuterRef("pk")).order_by("-created_at", "-id")
    return models.Subquery(latest.values(field)[:1])


def candidates(team, user, posting=None):
    """The team's mirrored interviews with the team decision and the user's own rating."""
    rows = (
        Interview.objects.for_team(team)
        .filter(missing=False)
        .select_related("posting")
        .annotate(
            decision=latest_decision(),
            my_rating=models.Subquery(
                Rating.objects.filter(interview=models.OuterRef("pk"), user=user).values("stars")[:1]
            ),
        )
    )
    if posting is not None:
        rows = rows.filter(posting=posting)
    return rows


def awaiting_review(interviews):
    """Completed interviews the team has not decided on yet."""
    return interviews.filter(status="completed").exclude(
        models.Exists(Decision.objects.filter(interview=models.OuterRef("pk")))
    )
