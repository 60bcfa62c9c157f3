"""Teams (one HeyMilo API key each), memberships with roles, and connection checks."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from dashboard.accounts import crypto
from dashboard.core.jobs import Job
from dashboard.core.querysets import TeamScopedQuerySet


def new_webhook_token() -> str:
    return secrets.token_urlsafe(32)


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    REVIEWER = "reviewer", "Reviewer"
    VIEWER = "viewer", "Viewer"


# Higher rank includes everything a lower one may do.
ROLE_RANK = {Role.VIEWER: 0, Role.REVIEWER: 1, Role.ADMIN: 2}


class KeyStatus(models.TextChoices):
    MISSING = "missing", "Not set"
    UNTESTED = "untested", "Not tested yet"
    VALID = "valid", "Working"
    INVALID = "invalid", "Rejected by HeyMilo"


class TeamQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(memberships__user=user)


class Team(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    heymilo_base_url = models.URLField(
        "HeyMilo base URL",
        default="https://api.heymilo.network",
        help_text="Leave as is unless HeyMilo gave you another address.",
    )
    # Fernet token; the clear key never touches the database. See crypto.py.
    api_key_encrypted = models.TextField(blank=True, default="")
    api_key_last4 = models.CharField(max_length=4, blank=True, default="")
    api_key_status = models.CharField(max_length=10, choices=KeyStatus, default=KeyStatus.MISSING)
    api_key_checked_at = models.DateTimeField(null=True, blank=True)
    # The credential in our webhook receiver's URL: HeyMilo publishes no signature scheme.
    webhook_token = models.CharField(max_length=64, unique=True, default=new_webhook_token)
    default_phone_region = models.CharField(
        max_length=2, default="US", help_text="Country used for phone numbers without a + prefix."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            # Two teams named alike would look the same in the team switcher.
            models.UniqueConstraint(
                Lower("name"),
                name="team_name_unique",
                violation_error_message="Another team already has this name: choose another.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key_encrypted)

    @property
    def api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted) if self.api_key_encrypted else ""

    def set_api_key(self, key: str) -> None:
        key = key.strip()
        self.api_key_encrypted = crypto.encrypt(key) if key else ""
        self.api_key_last4 = key[-4:] if key else ""
        self.api_key_status = KeyStatus.UNTESTED if key else KeyStatus.MISSING
        self.api_key_checked_at = None

    def record_key_status(self, status: str) -> None:
        turned_invalid = status == KeyStatus.INVALID and self.api_key_status != KeyStatus.INVALID
        self.api_key_status = status
        self.api_key_checked_at = timezone.now()
        self.save(update_fields=["api_key_status", "api_key_checked_at"])
        if turned_invalid:  # once a rejection, not at every failing sync after it
            from dashboard.accounts.signals import key_rejected

            key_rejected.send(sender=Team, team=self)

    def admin_count(self) -> int:
        return self.memberships.filter(role=Role.ADMIN).count()


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)
    # When this person last opened Home in this team: its "New since …" counts what came after.
    # Per membership, not per user, since each team has its own news; empty until the first visit.
    home_seen_at = models.DateTimeField(null=True, blank=True)

    objects = TeamScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="one_membership")]
        ordering = ["team__name"]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    def can(self, role: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(role)]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_review(self) -> bool:
        return self.can(Role.REVIEWER)

    def mark_home_seen(self, at) -> None:
        """Home was shown at `at`: the next visit's "New since" starts there (one UPDATE, no save()
        of a membership the request may hold stale)."""
        Membership.objects.filter(pk=self.pk).update(home_seen_at=at)
        self.home_seen_at = at


def normalise_email(email: str) -> str:
    return email.strip().lower()


class InvitationQuerySet(TeamScopedQuerySet):
    def for_user(self, user):
        """Invitations addressed to this person's email; none when they have no email."""
        email = normalise_email(user.email or "")
        return self.filter(email=email) if email else self.none()

    def pending(self):
        return self.filter(state=Invitation.State.PENDING)


class Invitation(models.Model):
    """An admin's offer of a role in their team, addressed to an email. No one joins a team, and
    no one's account is revealed to the admin, until the person with that email accepts."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        CANCELLED = "cancelled", "Cancelled"

    team = models.ForeignKey(Team, models.CASCADE, related_name="invitations")
    email = models.EmailField()  # normalised to lower case: matched against the invitee's
    role = models.CharField(max_length=10, choices=Role, default=Role.VIEWER)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "email"],
                condition=models.Q(state="pending"),
                name="one_pending_invitation",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.team} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


class ConnectionCheck(Job):
    """One press of "Test connection": run by a worker, polled by the settings page. Done when
    HeyMilo accepts the key; failed with the outcome saying why not."""

    class Outcome(models.TextChoices):
        OK = "ok", "Connected"
        UNAUTHORIZED = "unauthorized", "Key rejected"
        UNREACHABLE = "unreachable", "HeyMilo unreachable"
        RATE_LIMITED = "rate_limited", "Rate-limited"
        NO_KEY = "no_key", "No API key"
        ERROR = "error", "HeyMilo error"

    outcome = models.CharField(max_length=30, choices=Outcome, blank=True, default="")
    postings_total = models.IntegerField(null=True, blank=True)

    status_url_name = "connection_check_status"

    def __str__(self) -> str:
        return f"Connection check #{self.pk} ({self.outcome or self.state})"
