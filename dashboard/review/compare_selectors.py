"""The compare page's reads (dashboard/review/compare.py builds no query of its own): the picked
candidates with the team's review of each, the ratings a person may see, and the candidates one may
add. Each is one query whatever the number of candidates."""

from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, F, OuterRef, Subquery

from dashboard.mirror.models import Interview
from dashboard.review.models import Rating, ReviewSettings, Shortlist
from dashboard.review.selectors import latest_decision

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class ReviewColumns(TypedDict):
    """What compared_rows annotates on each interview."""

    decision: str | None
    decision_reason: str | None
    my_rating: int | None
    shortlisted: bool


if TYPE_CHECKING:
    ComparedRow = WithAnnotations[Interview, ReviewColumns]


def compared_rows(team, *, user, ids: list[str]) -> list["ComparedRow"]:
    """The picked interviews of this team in the order of `ids` (unknown ones left out)."""
    rows = (
        Interview.objects.for_team(team)
        .filter(remote_id__in=ids)
        .select_related("posting")
        .annotate(
            decision=latest_decision(),
            decision_reason=latest_decision("reason"),
            my_rating=Subquery(
                Rating.objects.filter(interview=OuterRef("pk"), user=user).values("stars")[:1]
            ),
            shortlisted=Exists(Shortlist.objects.filter(interview=OuterRef("pk"))),
        )
    )
    by_id = {row.remote_id: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def ratings_private(team) -> bool:
    return ReviewSettings.for_team(team).ratings_private


def visible_ratings(team, *, user, interviews, private: bool, can_review: bool) -> dict[int, list[Rating]]:
    """The ratings of `interviews` this person may see (Rating.objects.visible_to), by interview
    id, each list by rater's name."""
    visible = (
        Rating.objects.visible_to(team, user, private=private, can_review=can_review)
        .filter(interview__in=interviews)
        .select_related("user")
        .order_by("user__username", "id")
    )
    by_interview: dict[int, list[Rating]] = {}
    for rating in visible:
        by_interview.setdefault(rating.interview_id, []).append(rating)
    return by_interview


def addable_rows(team, *, posting_id: int | None, exclude: list[str], limit: int) -> list[Interview]:
    """Candidates one may add without going back: the posting's others still in HeyMilo (the
    team's, without a posting), best score first, along the list's score index (sorting by name
    too read every candidate of the posting: the compare page grew with it, docs/performance.md)."""
    rows = Interview.objects.for_team(team).filter(missing=False).exclude(remote_id__in=exclude)
    if posting_id is not None:
        rows = rows.filter(posting_id=posting_id)
    return list(
        rows.only("remote_id", "name", "score").order_by(F("score").desc(nulls_last=True), "-id")[:limit]
    )
