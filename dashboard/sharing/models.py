"""Share links (a random token, kept only as its hash) to one candidate or a shortlist, and the
log of every opening."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from dashboard.accounts.models import Team
from dashboard.core.querysets import TeamScopedQuerySet
from dashboard.mirror.models import Interview, Posting


class ShareLink(models.Model):
    """A read-only packet of one or more interviews, opened at /s/<token>/ without signing in.

    Only the SHA-256 of the token is stored: someone reading the database (or a backup) cannot
    open the links, and the token is shown once, when the link is made."""

    team = models.ForeignKey(Team, models.CASCADE, related_name="share_links")
    # The posting whose shortlist this is (empty for a single candidate's link).
    posting = models.ForeignKey(Posting, models.SET_NULL, null=True, blank=True, related_name="+")
    interviews = models.ManyToManyField(Interview, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    include_notes = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "-created_at"])]

    def __str__(self) -> str:
        return f"Share link {self.pk} of {self.team}"

    @property
    def state(self) -> str:
        """active, expired or revoked (revoked wins: it says who ended it)."""
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def is_active(self) -> bool:
        return self.state == "active"


class ShareOpen(models.Model):
    """One opening of a shared page: when, from which address, with which browser."""

    link = models.ForeignKey(ShareLink, models.CASCADE, related_name="opens")
    at = models.DateTimeField(default=timezone.now)
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Opened {self.at:%Y-%m-%d %H:%M} from {self.address}"
