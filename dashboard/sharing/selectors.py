"""Reads: a link by its token, a profile's and a team's links, and a link's packet."""

from django.db.models import Avg, Count, F, Max, Prefetch

from dashboard.mirror.models import Interview
from dashboard.review.models import Decision, Note, Rating
from dashboard.sharing.models import ShareLink, ShareOpen
from dashboard.sharing.services import token_hash

# How many of a candidate's past links the profile lists (active ones first).
PROFILE_LINKS = 10


def link_by_token(token: str) -> ShareLink | None:
    # A token is ASCII letters, digits, - and _; anything else is no link (and never reaches SQL).
    if not token or len(token) > 100 or not token.isascii():
        return None
    return (
        ShareLink.objects.select_related("team", "created_by", "revoked_by", "posting")
        .filter(token_hash=token_hash(token))
        .first()
    )


def packet(link: ShareLink):
    """The link's interviews, scoped to the link's own team a second time: whatever the join table
    holds, a shared page can only ever show its own team's rows."""
    return (
        Interview.objects.for_team(link.team)
        .filter(pk__in=link.interviews.through.objects.filter(sharelink=link).values("interview"))
        .select_related("posting")
        .order_by("name", "id")
    )


def links_with_opens(team):
    return _with_opens(ShareLink.objects.for_team(team)).annotate(
        candidates=Count("interviews", distinct=True)
    )


def _with_opens(rows):
    return rows.select_related("created_by", "revoked_by", "posting").annotate(
        open_count=Count("opens", distinct=True), last_open=Max("opens__at")
    )


def links_for_interview(team, interview) -> list[ShareLink]:
    rows = _with_opens(ShareLink.objects.for_team(team).filter(interviews=interview))
    return list(rows.order_by("revoked_at", "-expires_at", "-id")[:PROFILE_LINKS])


def links_for_posting(team, posting) -> list[ShareLink]:
    rows = _with_opens(ShareLink.objects.for_team(team).filter(posting=posting))
    return list(rows.annotate(candidates=Count("interviews", distinct=True)).order_by("-created_at", "-id"))


def links_for_team(team):
    """Every link of the team, newest first, with its candidates and its openings counted."""
    return (
        links_with_opens(team)
        .prefetch_related(
            Prefetch(
                "interviews", queryset=Interview.objects.only("id", "name", "remote_id").order_by("name")
            ),
            Prefetch("opens", queryset=ShareOpen.objects.order_by("-at", "-id")),
        )
        .order_by("-created_at", "-id")
    )


def team_review(team, row) -> dict:
    """What a link made with "include notes" adds: the team's decision, every rating's average and
    the notes (an outsider anchors on nobody's stars: they rate nothing)."""
    ratings = (
        Rating.objects.for_team(team).filter(interview=row).aggregate(average=Avg("stars"), count=Count("id"))
    )
    return {
        "decision": team_decision(team, row),
        "rating": ratings,
        "notes": list(Note.objects.for_team(team).filter(interview=row).select_related("author")),
    }


def shortlist(team, posting):
    """The posting's shortlisted interviews, best score first."""
    return (
        Interview.objects.for_team(team)
        .filter(posting=posting, shortlisted_entry__isnull=False, missing=False)
        .select_related("posting")
        .order_by(F("score").desc(nulls_last=True), "name", "id")
    )


def team_decision(team, row):
    """The team's current decision on the interview (its latest), or None."""
    return Decision.objects.for_team(team).filter(interview=row, current=True).select_related("user").first()


def interviews_named(team, remote_ids: list[str]):
    """The team's interviews with these remote ids (ids of other teams match nothing), best first."""
    return (
        Interview.objects.for_team(team)
        .filter(remote_id__in=remote_ids)
        .select_related("posting")
        .order_by(F("score").desc(nulls_last=True), "name", "id")
    )
