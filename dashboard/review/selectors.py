"""Reads for the review queue and Home: what waits for whose review, what is new, what needs an admin.

"Awaiting my review" has one definition, unreviewed_by(): the review queue, the tables' "Unreviewed
by me" filter and Home's counts all go through it, so they cannot disagree again (the queue once
counted every status, Home every undecided interview of the team). Every function here costs a fixed
number of queries whatever the team's size: aggregates and window functions, never a query per row.
"""

from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dashboard.accounts.models import KeyStatus
from dashboard.mirror.models import Interview, Posting
from dashboard.review.models import Decision, Mention, Rating, Shortlist, candidate_rows
from dashboard.webhooks.models import Delivery

# Home's groups and rows are the queue's first ones: best score first (what "Review N" opens).
QUEUE_SORT = "-score"
TOP_PER_POSTING = 3
POSTINGS_SHOWN = 8
NEW_ROWS_SHOWN = 6
DEADLINE_DAYS = 7
CLOSING_SOON_DAYS = 2
NEWS_LAG = timedelta(days=1)


def unreviewed_by(rows, user, keep=None):
    """Completed interviews this person has neither decided on nor rated: what waits for their review.

    Only completed interviews: one still in progress or being evaluated has nothing to review yet.
    Someone else's decision does not count as mine. `keep` (an interview pk) stays in regardless,
    so a queue still steps on from the candidate just reviewed."""
    mine = Q(interview=OuterRef("pk"), user=user)
    reviewed = Exists(Decision.objects.filter(mine)) | Exists(Rating.objects.filter(mine))
    waiting = Q(status="completed") & ~reviewed
    return rows.filter(waiting | Q(pk=keep)) if keep is not None else rows.filter(waiting)


def waiting_count(team, user) -> int:
    """How many interviews wait for this person's review (unreviewed_by's rows, Home's total and the
    queue's length): one query, for the sidebar on every page."""
    return unreviewed_by(candidate_rows(team), user).count()


def _waiting_since():
    # When the candidate finished: HeyMilo's last step time, else when the interview happened.
    return Coalesce("last_engagement", "interviewed_on")


def _group_details(rows, posting_ids: list) -> tuple[dict, dict]:
    """For each posting, the best-scored TOP_PER_POSTING of `rows` in the queue's order, and when
    its longest-waiting one finished: two queries. The first picks ids per posting, each pick
    walking one of the posting's indexes and stopping at the first matches: a window function
    over every waiting row, or MIN() over them, read every row (docs/performance.md)."""
    if not posting_ids:
        return {}, {}
    order = [F("score").desc(nulls_last=True), F("id").desc()]
    mine = rows.filter(posting_id=OuterRef("pk"))
    pick = mine.order_by(*order).values("pk")
    places = {f"top{n}": Subquery(pick[n:n + 1]) for n in range(TOP_PER_POSTING)}
    # The first interviewed of those waiting: its finish is the oldest wait, near enough.
    first = mine.order_by("interviewed_on", "id").annotate(since=_waiting_since()).values("since")[:1]
    picked = list(Posting.objects.filter(pk__in=posting_ids)
                  .annotate(oldest=Subquery(first), **places).values_list("pk", "oldest", *places))
    oldest = {pk: since for pk, since, *_ in picked}
    ids = [pk for _, _, *tops in picked for pk in tops if pk is not None]
    found = {
        row["id"]: row for row in
        Interview.objects.filter(pk__in=ids)
        .annotate(waiting_since=_waiting_since(),
                  shortlisted=Exists(Shortlist.objects.filter(interview=OuterRef("pk"))))
        .values("id", "posting_id", "remote_id", "name", "email", "score", "waiting_since", "shortlisted")
    }
    by_group: dict = {}
    for pk in ids:
        by_group.setdefault(found[pk]["posting_id"], []).append(found[pk])
    return by_group, oldest


def waiting_for(team, user) -> dict:
    """What waits for this person's review, per posting (most waiting first), each with its count,
    the age of its oldest interview and its best-scored few (none for interviews without a
    posting): three queries.

    Returns {"total", "postings" (count of postings with something waiting), "groups" (the first
    POSTINGS_SHOWN), "by_posting" ({posting id: count}, for the deadlines)}."""
    rows = unreviewed_by(candidate_rows(team), user)
    groups = list(
        rows.order_by().values("posting_id", "posting__remote_id", "posting__title", "posting__name",
                               "posting__deadline")
        .annotate(count=Count("id"))
        .order_by("-count", "posting__title", "posting_id")
    )
    shown = groups[:POSTINGS_SHOWN]
    by_group, oldest = _group_details(rows, [g["posting_id"] for g in shown if g["posting_id"] is not None])
    now = timezone.now()
    for group in shown:
        group["rows"] = by_group.get(group["posting_id"], [])
        group["oldest"] = oldest.get(group["posting_id"])
        group["more"] = group["count"] - len(group["rows"])
        deadline = group["posting__deadline"]
        group["closing_soon"] = bool(deadline and now <= deadline <= now + timedelta(days=CLOSING_SOON_DAYS))
    return {
        "total": sum(g["count"] for g in groups),
        "postings": len(groups),
        "groups": shown,
        "by_posting": {g["posting_id"]: g["count"] for g in groups},
    }


def new_since(team, since) -> dict:
    """Interviews the mirror saw change since `since`, counted by status, and the latest completions
    and knock-outs among them: two queries.

    The mirror's own clock (synced_at, set when a document changes) decides, not HeyMilo's: an
    interview finished just before `since` but synced after it is still news to the person. The
    candidate's last activity (indexed) narrows the scan to the last NEWS_LAG before `since`
    instead of every row's synced_at (docs/performance.md). Something the mirror learned more
    than a day late is not news any more; it still waits in "Waiting for you"."""
    changed = candidate_rows(team).filter(last_engagement__gte=since - NEWS_LAG, synced_at__gt=since)
    counts = changed.aggregate(
        completed=Count("id", filter=Q(status="completed")),
        knocked_out=Count("id", filter=Q(status="knocked_out")),
        in_progress=Count("id", filter=Q(status__in=["in_progress", "evaluating"])),
    )
    rows = list(
        changed.filter(status__in=["completed", "knocked_out"])
        .annotate(at=Coalesce("last_engagement", "synced_at"))
        .order_by("-synced_at", "-id")
        .values("remote_id", "name", "status", "score", "at", "posting__title", "posting__remote_id")
        [:NEW_ROWS_SHOWN]
    )
    return {"since": since, "total": sum(counts.values()), "rows": rows, **counts}


def unread_mentions_latest(team, user, limit: int = 3) -> list:
    """The person's latest unread mentions with their note, author, candidate and posting, and each
    note's mentions (to mark the @names in it): three queries, none when there are none."""
    return list(
        Mention.objects.for_team(team).filter(user=user, read_at__isnull=True)
        .select_related("note__author", "note__interview__posting")
        .defer("note__interview__document", "note__interview__posting__document")
        .prefetch_related("note__mentions__user")[:limit]
    )


def decisions_since(team, since, limit: int = 5) -> tuple[int, list]:
    """How many decisions the team recorded since `since` and the latest few: two queries."""
    rows = Decision.objects.for_team(team).filter(created_at__gte=since)
    # The latest few found on the decisions alone, then joined: joining first sorted every
    # decision of the day with its interview (figures: docs/performance.md).
    ids = rows.order_by("-created_at", "-id").values("pk")[:limit]
    latest = (Decision.objects.filter(pk__in=Subquery(ids))
              .select_related("user", "interview__posting")
              .only("value", "reason", "created_at", "user__username", "user__first_name", "user__last_name",
                    "interview__remote_id", "interview__name", "interview__posting__title"))
    return rows.count(), list(latest.order_by("-created_at", "-id"))


def deadlines_within(team, days: int = DEADLINE_DAYS) -> list:
    """Open postings whose deadline falls within `days`, soonest first: one query."""
    now = timezone.now()
    return list(
        Posting.objects.for_team(team)
        .filter(missing=False, archived=False, deadline__gte=now, deadline__lte=now + timedelta(days=days))
        .order_by("deadline", "id")
        .only("id", "remote_id", "title", "name", "deadline")[:5]
    )


def trouble(team) -> dict:
    """What an admin should fix besides a failed sync (the page context's `sync_failed`, from
    mirror.context_processors, already says that): a rejected key, webhook deliveries that failed
    in the last day. One query."""
    failed_deliveries = Delivery.objects.for_team(team).filter(
        state=Delivery.State.FAILED, received_at__gte=timezone.now() - timedelta(days=1)).count()
    key_invalid = team.api_key_status == KeyStatus.INVALID
    return {"failed_deliveries": failed_deliveries, "key_invalid": key_invalid,
            "any": bool(failed_deliveries or key_invalid)}
