"""Invitations to a team: an admin offers a role to an email; the person with that email accepts or
declines. Writes only; views read through Invitation.objects."""

from django.db import transaction
from django.utils import timezone

from dashboard.accounts.models import Invitation, Membership, Team, normalise_email


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
    return invitation


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
