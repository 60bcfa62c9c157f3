"""Writes: making and revoking share links, and logging each opening."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dashboard.sharing.models import ShareLink, ShareOpen

DEFAULT_DAYS = 7
MAX_DAYS = 30


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def share_link_create(
    team, *, user, interviews, posting=None, days: int = DEFAULT_DAYS, include_notes: bool = False
) -> tuple[ShareLink, str]:
    """A new link and its token (returned once: only its hash is kept).

    Every interview must be the team's: the packet is what the link shows, so a foreign row in it
    would be another team's data on a public page."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"A share link lasts 1 to {MAX_DAYS} days, not {days}.")
    rows = list(interviews)
    if not rows:
        raise ValueError("A share link needs at least one candidate.")
    if any(row.team_id != team.id for row in rows) or (posting is not None and posting.team_id != team.id):
        raise ValueError("A share link holds only this team's candidates.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    link = ShareLink.objects.create(
        team=team,
        posting=posting,
        token_hash=token_hash(token),
        include_notes=include_notes,
        created_by=user,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    link.interviews.set(rows)
    return link, token


def share_link_revoke(team, *, link: ShareLink, user) -> bool:
    """Ends the link now; False when it was revoked already (the first revocation is kept)."""
    if link.team_id != team.id:
        raise ValueError("This link is another team's.")
    return bool(
        ShareLink.objects.filter(pk=link.pk, team=team, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=user
        )
    )


def share_open_record(link: ShareLink, *, address: str | None, user_agent: str) -> ShareOpen:
    return ShareOpen.objects.create(link=link, address=address, user_agent=user_agent[:500])
