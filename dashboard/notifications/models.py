"""Notifications, the postings people follow, and each person's choices per kind."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.core.querysets import TeamScopedQuerySet
from dashboard.mirror.models import Interview, Posting


class Kind(models.TextChoices):
    INTERVIEW_COMPLETED = "interview_completed", "Interviews completed in postings I follow"
    MENTION = "mention", "Someone @mentions me in a note"
    REPLY = "reply", "A new note on a candidate I wrote a note on"
    DECISION = "decision", "A teammate decides on a candidate I rated"
    JOB = "job", "An import or export I started finishes or fails"
    SYNC_FAILING = "sync_failing", "Syncs with HeyMilo failing for over an hour"
    KEY_REJECTED = "key_rejected", "HeyMilo rejects the team's API key"
    WEBHOOKS_REJECTED = "webhooks_rejected", "Webhook deliveries rejected repeatedly"


# Only admins can act on these; others are never sent them, and their preferences hide them.
ADMIN_KINDS = frozenset({Kind.SYNC_FAILING, Kind.KEY_REJECTED, Kind.WEBHOOKS_REJECTED})


class Channel(models.TextChoices):
    OFF = "off", "Off"
    IN_APP = "in_app", "In app"
    EMAIL = "email", "Email now"
    DIGEST = "digest", "Daily digest"


# What a person gets before choosing: email for what needs them now, the digest for news.
DEFAULT_CHANNELS = {
    Kind.INTERVIEW_COMPLETED: Channel.DIGEST,
    Kind.MENTION: Channel.EMAIL,
    Kind.REPLY: Channel.DIGEST,
    Kind.DECISION: Channel.DIGEST,
    Kind.JOB: Channel.IN_APP,
    Kind.SYNC_FAILING: Channel.EMAIL,
    Kind.KEY_REJECTED: Channel.EMAIL,
    Kind.WEBHOOKS_REJECTED: Channel.EMAIL,
}


# What the centre shows under each item: the kind in a word or two.
CATEGORIES = {
    Kind.INTERVIEW_COMPLETED: "Interview completed",
    Kind.MENTION: "Mention",
    Kind.REPLY: "Note",
    Kind.DECISION: "Decision",
    Kind.JOB: "Import or export",
    Kind.SYNC_FAILING: "Syncs",
    Kind.KEY_REJECTED: "API key",
    Kind.WEBHOOKS_REJECTED: "Webhooks",
}


class NotificationQuerySet(TeamScopedQuerySet):
    def for_person(self, team, user):
        return self.for_team(team).filter(recipient=user)

    def unread(self):
        # A mention read in the Inbox is read here too: one mention, two ways to open it.
        return self.filter(read_at__isnull=True).exclude(mention__read_at__isnull=False)


class Notification(models.Model):
    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind)
    # How it reaches the person beyond the centre, fixed when made (a later change of preference
    # does not re-send or withdraw it).
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.IN_APP)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=500, blank=True, default="")
    posting = models.ForeignKey(Posting, models.CASCADE, null=True, blank=True, related_name="+")
    interview = models.ForeignKey(Interview, models.CASCADE, null=True, blank=True, related_name="+")
    # An @mention's notification points at review's Mention (the Inbox keeps the mention itself).
    mention = models.ForeignKey("review.Mention", models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The header's unread count, polled with the live notices.
            models.Index(fields=["recipient", "team", "read_at"], name="notif_unread"),
            # Beat's hourly look for digests due.
            models.Index(fields=["channel", "digested_at"], name="notif_digest_due"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.text}"

    @property
    def is_unread(self) -> bool:
        """Unread here and, for an @mention, in the Inbox too (load `mention` with the row)."""
        return self.read_at is None and not (self.mention_id and self.mention and self.mention.read_at)

    @property
    def category(self) -> str:
        return CATEGORIES.get(Kind(self.kind), "") if self.kind in Kind.values else ""


class FollowQuerySet(TeamScopedQuerySet):
    pass


class Follow(models.Model):
    """A person following a posting. Unfollowing keeps the row with `following` off, so touching
    the posting again (a decision, a note) does not follow it again behind their back."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    posting = models.ForeignKey(Posting, models.CASCADE, related_name="+")
    following = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = FollowQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "posting"], name="follow_once")]
        indexes = [models.Index(fields=["posting", "following"], name="follow_posting")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.posting_id}"


class NotificationSettings(models.Model):
    """A person's digest time and browser choices, the same in every team they belong to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notification_settings"
    )
    time_zone = models.CharField(max_length=64, default="UTC")
    digest_hour = models.PositiveSmallIntegerField(default=8)  # 0-23, in time_zone
    browser = models.BooleanField(default=False)  # the Notification API, allowed on a click
    sound = models.BooleanField(default=False)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: digest at {self.digest_hour}:00 {self.time_zone}"


class Preference(models.Model):
    """One person's channel for one kind; no row means DEFAULT_CHANNELS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=Kind)
    channel = models.CharField(max_length=10, choices=Channel)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="preference_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.channel}"
