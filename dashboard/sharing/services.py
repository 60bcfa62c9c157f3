"""Writes: making and revoking share links, and logging each opening."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dashboard.review.models import AuditEntry
from dashboard.review.services import audit_record
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
    audit_record(
        team,
        user=user,
        action=AuditEntry.Action.SHARE_CREATE,
        interview=rows[0] if len(rows) == 1 else None,
        interview_ids=[row.remote_id for row in rows],
        after=_link_state(link),
    )
    return link, token


def _link_state(link: ShareLink) -> dict:
    """What the audit log keeps of a link: which, until when, whether notes were shared (never
    the token, which only its holder has)."""
    return {
        "link": link.pk,
        "posting": link.posting.remote_id if link.posting else None,
        "expires_at": link.expires_at.isoformat(),
        "include_notes": link.include_notes,
    }


@transaction.atomic
def share_link_revoke(team, *, link: ShareLink, user) -> bool:
    """Ends the link now; False when it was revoked already (the first revocation is kept). The
    audit log says who revoked it, and whether that was someone other than its maker (an admin)."""
    if link.team_id != team.id:
        raise ValueError("This link is another team's.")
    revoked = bool(
        ShareLink.objects.filter(pk=link.pk, team=team, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=user
        )
    )
    if revoked:
        ids = list(link.interviews.values_list("remote_id", flat=True))
        audit_record(
            team,
            user=user,
            action=AuditEntry.Action.SHARE_REVOKE,
            interview=link.interviews.first() if len(ids) == 1 else None,
            interview_ids=ids,
            before=_link_state(link),
            after={"revoked": True, "by_maker": user is not None and link.created_by_id == user.pk},
        )
    return revoked


def share_open_record(link: ShareLink, *, address: str | None, user_agent: str) -> ShareOpen:
    return ShareOpen.objects.create(link=link, address=address, user_agent=user_agent[:500])
