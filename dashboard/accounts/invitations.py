"""Invitations to a team: an admin offers a role to an email; the person with that email accepts or
declines, on Home once signed in, or through the signed link the invitation email carries (valid
INVITATION_DAYS days, single use: only a pending invitation opens). Writes, plus reading a link."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dashboard.accounts.models import Invitation, Membership, Team, normalise_email
from dashboard.mail.services import absolute_url, mail_send

LINK_SALT = "dashboard.accounts.invitation-link"


class InvitationLinkError(Exception):
    """A link that opens nothing: `reason` is "invalid" (not ours, or altered), "expired", or the
    invitation's state ("accepted", "declined", "cancelled"); `invitation` when the link was ours."""

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def invitation_link(invitation: Invitation) -> str:
    """A signed, timestamped link naming the invitation and its address: altering either breaks it."""
    token = signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=LINK_SALT, compress=True)
    return absolute_url(reverse("invitation_open", args=[token]))


def invitation_from_link(token: str) -> Invitation:
    """The pending invitation a link opens, or InvitationLinkError saying why not."""
    max_age = timedelta(days=settings.INVITATION_DAYS)
    try:
        payload = signing.loads(token, salt=LINK_SALT, max_age=max_age)
    except signing.SignatureExpired:
        payload = signing.loads(token, salt=LINK_SALT)  # genuine, only old: say whose it was
        invitation = Invitation.objects.select_related("team").filter(pk=payload["i"]).first()
        raise InvitationLinkError("expired", invitation) from None
    except (signing.BadSignature, ValueError):
        raise InvitationLinkError("invalid") from None
    invitation = (
        Invitation.objects.select_related("team", "invited_by")
        .filter(pk=payload.get("i"), email=payload.get("e"))
        .first()
    )
    if invitation is None:
        raise InvitationLinkError("invalid")  # its team was deleted
    if not invitation.is_pending:
        raise InvitationLinkError(invitation.state, invitation)
    return invitation


def invitation_mail(invitation: Invitation) -> None:
    """Emails the invitation's link. Security mail: no unsubscribe, it is one message someone asked for."""
    inviter = invitation.invited_by
    mail_send(
        to=invitation.email,
        subject=f"Join {invitation.team.name} on HeyMilo Dashboard",
        template="invitation",
        context={
            "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else "An admin",
            "role": invitation.get_role_display().lower(),
            "accept_url": invitation_link(invitation),
            "days": settings.INVITATION_DAYS,
            "expires_at": timezone.now() + timedelta(days=settings.INVITATION_DAYS),
        },
        team=invitation.team,
        kind="invitation",
    )


@transaction.atomic
def invitation_send(team: Team, *, email: str, role: str, invited_by) -> Invitation:
    """One pending invitation per team and address: sending again updates its role. Nothing here
    looks at whether an account has this address, so nothing can tell the admin."""
    invitation, _created = Invitation.objects.update_or_create(
        team=team,
        email=normalise_email(email),
        state=Invitation.State.PENDING,
        defaults={"role": role, "invited_by": invited_by},
    )
    invitation_mail(invitation)
    return invitation


def invitation_resend(invitation: Invitation) -> bool:
    """A new link (valid INVITATION_DAYS days from now) to a pending invitation; False when it was
    answered meanwhile. Earlier links keep working until they expire: they open the same invitation."""
    if not invitation.is_pending:
        return False
    invitation_mail(invitation)
    return True


def account_exists(email: str) -> bool:
    """Whether the invited address has an account: told only to whoever holds the emailed link."""
    return get_user_model().objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists()


class AccountExists(Exception):
    """The invited address already belongs to an account: its owner signs in to accept."""


@transaction.atomic
def invitation_accept_new_account(invitation: Invitation, *, name: str, password: str):
    """Creates the invited person's account (signing in with their email address) and its
    membership: the new user, or None when the invitation is no longer pending (a second tab, a
    double submit). AccountExists when the address has an account already."""
    invitation = Invitation.objects.select_for_update().get(id=invitation.id)
    if not invitation.is_pending:
        return None
    email = invitation.email
    if account_exists(email):
        raise AccountExists(email)
    user = get_user_model().objects.create_user(
        username=email, email=email, password=password, first_name=name
    )
    Membership.objects.create(team=invitation.team, user=user, role=invitation.role)
    _answer(invitation, Invitation.State.ACCEPTED)
    return user


def _answer(invitation: Invitation, state: str) -> None:
    invitation.state = state
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["state", "answered_at"])


@transaction.atomic
def invitation_accept(invitation: Invitation, *, user) -> Membership | None:
    """The membership it creates, or None when the invitation is no longer pending. The person's
    current team stays as it is: they switch to the new one when they choose to."""
    invitation = Invitation.objects.select_for_update().get(id=invitation.id)
    if not invitation.is_pending:
        return None
    # An operator may have added them meanwhile (manage.py addmember): that role stands.
    membership, _created = Membership.objects.get_or_create(
        team=invitation.team, user=user, defaults={"role": invitation.role}
    )
    _answer(invitation, Invitation.State.ACCEPTED)
    return membership


@transaction.atomic
def invitation_close(invitation: Invitation, *, state: str) -> bool:
    """Declines or cancels; False when it was no longer pending."""
    invitation = Invitation.objects.select_for_update().get(id=invitation.id)
    if not invitation.is_pending:
        return False
    _answer(invitation, state)
    return True
