"""The review app's reads: the candidate tables' rows, the postings list, the profile's timeline and
ratings, the review queue and Home (what waits for whose review, what is new, what needs an admin).

"Awaiting my review" has one definition, unreviewed_by(): the review queue, the tables' "Unreviewed
by me" filter and Home's counts all go through it, so they cannot disagree again (the queue once
counted every status, Home every undecided interview of the team). Every function here costs a fixed
number of queries whatever the team's size: aggregates and window functions, never a query per row.
"""

import hashlib
import re
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FilteredRelation,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import (
    GreaterThan,
    GreaterThanOrEqual,
    IsNull,
    LessThan,
    LessThanOrEqual,
)
from django.utils import timezone

from dashboard.accounts.models import KeyStatus, Team
from dashboard.core.stamps import team_stamp
from dashboard.ingestion.models import CandidateIngest, ImportRow
from dashboard.mirror.models import Interview, Posting, SyncRun
from dashboard.review.models import (
    AuditEntry,
    CandidateStage,
    Decision,
    HiddenStage,
    Mention,
    Rating,
    RejectReason,
    ReviewSettings,
    SavedFilter,
    Shortlist,
    Stage,
    StageMove,
    TableColumns,
)
from dashboard.webhooks.models import Delivery

# Home's groups and rows are the queue's first ones: best score first (what "Review N" opens).
QUEUE_SORT = "-score"
TOP_PER_POSTING = 3
POSTINGS_SHOWN = 8
NEW_ROWS_SHOWN = 6
DEADLINE_DAYS = 7
# How long a cached sidebar count may outlive a change no writer announced (a deleted team's rows).
WAITING_TTL = 300
CLOSING_SOON_DAYS = 2
NEWS_LAG = timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# The candidate tables' rows


def latest_decision(field: str = "value"):
    """The team decision of each interview in a query: its current (latest) Decision (one
    subquery, no N+1). A list of many rows joins it instead (with_review())."""
    return Subquery(Decision.objects.filter(interview=OuterRef("pk"), current=True).values(field)[:1])


# What the candidate table shows of each row (see with_review() for the annotations).
TABLE_COLUMNS = (
    "id",
    "remote_id",
    "posting_id",
    "posting_remote_id",
    "name",
    "email",
    "status",
    "score",
    "resume_score",
    "match_score",
    "eligible",
    "interviewed_on",
    "last_engagement",
    "decision",
    "my_rating",
    "team_rating",
    "shortlisted",
)


def candidates(team, user, posting=None, *, show_all_ratings: bool = False):
    """The team's mirrored interviews (of one posting, if given) with the review columns of
    with_review()."""
    return with_review(candidate_rows(team, posting), user, show_all_ratings=show_all_ratings)


def candidate_rows(team, posting=None):
    """The team's mirrored interviews that HeyMilo still has, of one posting if given."""
    rows = (
        Interview.objects.for_team(team)
        .filter(missing=False)
        # The candidate's stage row, for the stage column, filter and sort (stage_name(),
        # in_stage_id()): the team's own rows only (the same rows: a stage row is its interview's
        # team's), so that PostgreSQL reads this team's from the team index rather than every team's.
        .alias(stage_row=FilteredRelation("pipeline", condition=Q(pipeline__team=F("team"))))
        .select_related("posting")
        # Lists never read the API documents (16 kB each): decoding 50 of them was half a page's time.
        .defer("document", "content_hash", "posting__document")
    )
    return rows if posting is None else rows.filter(posting=posting)


# with_review()'s columns.
REVIEW_COLUMNS = frozenset({"decision", "my_rating", "team_rating", "shortlisted"})


def with_review(rows, user, *, show_all_ratings: bool = False, columns=REVIEW_COLUMNS):
    """Interviews with the team decision, the user's own rating, the team's average rating and
    whether the interview is shortlisted; only `columns` of those (a list's filters and sort read
    one or two: CandidateFilter.review_columns).

    The team average is left empty on interviews the user has not rated unless show_all_ratings
    (private ratings off, or a viewer), so neither the column nor sorting by it gives it away.
    """
    # Joins on the one current decision and the one rating of the user's (each unique per
    # interview), not a subquery per row: sorting a list by them reads those tables once (sorting
    # 100,000 by decision, docs/performance.md, session 15). Each only where asked for:
    # PostgreSQL cannot drop an unused join on a partial unique index (the current decision's).
    if "decision" in columns:
        rows = rows.annotate(
            # The team's own decisions (the same rows: a decision is its interview's team's), so
            # that PostgreSQL reads this team's from the team index rather than every team's.
            team_decision=FilteredRelation(
                "decisions", condition=Q(decisions__current=True, decisions__team=F("team"))
            )
        ).annotate(decision=F("team_decision__value"))
    private = "team_rating" in columns and not show_all_ratings
    if "my_rating" in columns or private:
        rows = rows.annotate(
            own_rating=FilteredRelation("ratings", condition=Q(ratings__user=user))
        ).annotate(my_rating=F("own_rating__stars"))
    if "shortlisted" in columns:
        rows = rows.annotate(shortlisted=Exists(Shortlist.objects.filter(interview=OuterRef("pk"))))
    if "team_rating" in columns:
        team_rating: Subquery | Case = Subquery(
            Rating.objects.filter(interview=OuterRef("pk"))
            .order_by()
            .values("interview")
            .annotate(average=Avg("stars"))
            .values("average"),
            output_field=FloatField(),
        )
        if private:
            shown = When(my_rating__isnull=False, then=team_rating)
            team_rating = Case(shown, default=Value(None), output_field=FloatField())
        rows = rows.annotate(team_rating=team_rating)
    return rows


def table_rows(team, user, ids, *, posting=None, show_all_ratings: bool):
    """The rows with these ids (a list, or a query of them), with the columns the table shows (and
    the posting's title on the all-candidates table), unordered, as dicts. One query.

    By primary key alone (repeating the filters let SQLite walk their index instead), read as
    dicts: a model instance with every column cost more to build than the row's SQL, and a dict
    key is a template's first lookup."""
    columns = {"posting_title": F("posting__title")} if posting is None else {}
    columns["stage"] = stage_name()
    rows = with_review(
        candidate_rows(team, posting).filter(pk__in=ids), user, show_all_ratings=show_all_ratings
    )
    return rows.order_by().values(*TABLE_COLUMNS, **columns)


def table_page(
    team, user, rows, offset: int, limit: int, *, posting=None, show_all_ratings: bool, walk: bool = False
) -> list[dict]:
    """The table's rows of the ordered list `rows` (CandidateFilter.apply's) from `offset`, at most
    `limit`, in its order: table_rows() of the page's ids, in one query, the ids a subquery of it
    (each query is a round trip to PostgreSQL). A walk on SQLite (page_ids) reads the ids first:
    two queries."""
    if walk and connection.vendor == "sqlite":
        ids = page_ids(rows, offset, limit, walk=True, posting=posting)
        by_id = {
            row["id"]: row
            for row in table_rows(team, user, ids, posting=posting, show_all_ratings=show_all_ratings)
        }
        return [by_id[pk] for pk in ids if pk in by_id]
    ids = rows.values("pk")[offset : offset + limit]
    page = table_rows(team, user, ids, posting=posting, show_all_ratings=show_all_ratings)
    # The page in the list's order: the same order on its few rows (every sort key is a column or
    # one of with_review()'s, which table_rows() has too; the id last).
    return list(page.order_by(*rows.query.order_by))


# The indexes a posting's table and the all-candidates table walk in their date order (mirror's
# Interview.Meta), filter columns included: page_ids() names them to SQLite.
WALK_INDEX = "interview_list_default"
WALK_INDEX_ALL = "interview_all_default"


def page_ids(rows, offset: int, limit: int, *, walk: bool = False, posting=None) -> list[int]:
    """The ids of `rows` (CandidateFilter.apply's, in order) from `offset`, at most `limit`.

    `walk` (a table in its date order): SQLite is told to walk WALK_INDEX (WALK_INDEX_ALL for the
    all-candidates table), checking the filters on each entry and stopping at the last row
    wanted. Its planner rather narrows a score range or a status through another index and sorts
    every match, as it cannot count on a walk stopping early: the bench's filtered table sorted
    all its matches to keep 50, so it grew with the posting (docs/performance.md, session 12).
    PostgreSQL walks its own order index (mirror 0004) and stops on its own."""
    ids = rows.values_list("pk", flat=True)[offset : offset + limit]
    if not walk or connection.vendor != "sqlite":
        return list(ids)
    with connection.cursor() as cursor:
        cursor.execute(*walk_sql(ids, WALK_INDEX if posting is not None else WALK_INDEX_ALL))
        return [pk for (pk,) in cursor.fetchall()]


def walk_sql(ids, index: str = WALK_INDEX) -> tuple[str, tuple]:
    """The SQL of the ids query `ids` reading the interviews through `index` (SQLite)."""
    sql, params = ids.query.sql_with_params()
    table = f'FROM "{Interview._meta.db_table}"'
    # The outer query's table comes first: the filters' subqueries read other tables, after it.
    return sql.replace(table, f'{table} INDEXED BY "{index}"', 1), params


def interviews(team, remote_ids):
    """The team's interviews with these HeyMilo ids, missing ones too (the profile's star)."""
    return Interview.objects.for_team(team).filter(remote_id__in=list(remote_ids))


def with_remote_ids(rows, remote_ids):
    """The rows among `rows` with these HeyMilo ids (a bulk action's ticked rows)."""
    return rows.filter(remote_id__in=list(remote_ids))


def shortlisted_count(rows) -> int:
    """How many of `rows` (with_review()'s) are on the shortlist already."""
    return rows.filter(shortlisted=True).count()


def list_count(team, user, rows, *, posting=None, query: str = "", keep=None) -> int:
    """The length of a candidate list: `rows`, which the table's query string `query` selects (in
    `posting`, or all candidates), for `user` (their own filters: unreviewed, my rating).

    Cached under the team's stamp, which every mirror and review write changes: counting a filter
    that no index answers (a name search) reads every candidate it matches, and the table and each
    profile opened from it ask for the same length. The key holds the query's digest."""
    digest = hashlib.blake2b(query.encode(), digest_size=12).hexdigest()
    where = posting.pk if posting is not None else "all"
    key = f"list-count:{team.pk}:{team_stamp(team.pk)}:{user.pk}:{where}:{keep}:{digest}"
    count = cache.get(key)
    if count is None:
        count = rows.count()
        cache.set(key, count, WAITING_TTL)
    return count


def list_position(rows, pk: int, *, total: int, at: int | None = None) -> dict:
    """Where the interview `pk` sits in the ordered list `rows` (CandidateFilter.apply's: one
    order, nulls last, then the id): its 1-based index (None when it is not in the list), the
    remote ids before and after it, and the list's length `total` (list_count()'s).

    By its place in the order (keyset): the neighbours are the first row on either side, read
    along the list's index. Reading every id of the list to find it in Python cost a visit to each
    of 100,000 candidates (docs/performance.md).

    `at`: its row number where the link was made (the table's, and each step's from it), taken
    for the index so that nothing is counted: counting the rows before it reads as many rows as
    its place, every one of them for the last row of a long list. The neighbours bound it: the
    first has no row before it, the last none after. Without `at` the rows before are counted."""
    position: dict[str, int | str | None] = {"index": None, "prev": None, "next": None, "total": total}
    order = rows.query.order_by[0]
    ascending = not order.descending
    keyed = rows.annotate(list_key=order.expression)
    found = list(keyed.filter(pk=pk).values_list("list_key", flat=True)[:1])
    if not found:
        return position
    value = found[0]
    # Conditions as lookup expressions rather than keyword filters: Django takes every branch of an
    # OR naming an annotation across a join (the stage's) as needing that join, and turned the
    # LEFT JOIN that keeps the candidates with no stage row into an inner one.
    key, own = F("list_key"), F("pk")
    earlier, later = (LessThan, GreaterThan) if ascending else (GreaterThan, LessThan)
    # Each side as one range of the list's index that the nearest row ends (this value onwards):
    # with the nulls or the equal values OR'ed in instead, SQLite merged three index searches and
    # sorted all they found, and PostgreSQL read the index from its far end up to the candidate.
    earlier_or_same, later_or_same = (
        (LessThanOrEqual, GreaterThanOrEqual) if ascending else (GreaterThanOrEqual, LessThanOrEqual)
    )
    if value is None:  # nulls last: only the other nulls are ordered by id
        before = Q(IsNull(key, False)) | Q(IsNull(key, True), earlier(own, pk))
        # The nearest null before it, else the last row with a value.
        nearest_before = [Q(IsNull(key, True), earlier(own, pk)), Q(IsNull(key, False))]
        after = Q(IsNull(key, True), later(own, pk))
    else:
        before = Q(earlier_or_same(key, value), Q(earlier(key, value)) | Q(earlier(own, pk)))
        nearest_before = [before]
        after = Q(later_or_same(key, value), Q(later(key, value)) | Q(later(own, pk)))
    if at is None:
        # The row just before, with how many rows come before it (a count over the same rows).
        nearest = list(
            keyed.filter(before)
            .reverse()
            .annotate(before=Window(Count("pk")))
            .values_list("remote_id", "before")[:1]
        )
        prev, before_count = nearest[0] if nearest else (None, 0)
    else:
        prev = None
        for side in nearest_before:
            prev = keyed.filter(side).reverse().values_list("remote_id", flat=True).first()
            if prev is not None:
                break
    following = keyed.filter(after).values_list("remote_id", flat=True).first()
    if following is None and value is not None:  # the last with a value: the nulls come next
        following = keyed.filter(IsNull(key, True)).values_list("remote_id", flat=True).first()
    if at is None:
        index = before_count + 1
    elif prev is None:
        index = 1
    elif following is None:
        index = max(total, 2)
    else:  # between the two ends, whatever the link said
        index = min(max(at, 2), max(total - 1, 2))
    position.update(index=index, prev=prev, next=following)
    return position


def awaiting_review(interviews):
    """Completed interviews the team has not decided on yet."""
    return interviews.filter(status="completed").exclude(
        Exists(Decision.objects.filter(interview=OuterRef("pk")))
    )


# ---------------------------------------------------------------------------------------------
# The review queue and Home


def unreviewed_by(rows, user, keep=None):
    """Completed interviews this person has neither decided on, rated nor moved between stages: what
    waits for their review.

    Only completed interviews: one still in progress or being evaluated has nothing to review yet.
    Someone else's decision does not count as mine. `keep` (an interview pk) stays in regardless,
    so a queue still steps on from the candidate just reviewed."""
    mine = Q(interview=OuterRef("pk"), user=user)
    # Moving a candidate between stages is a review too (docs/architecture.md, "Stages and decisions").
    reviewed = (
        Exists(Decision.objects.filter(mine))
        | Exists(Rating.objects.filter(mine))
        | Exists(StageMove.objects.filter(mine))
    )
    waiting = Q(status="completed") & ~reviewed
    return rows.filter(waiting | Q(pk=keep)) if keep is not None else rows.filter(waiting)


def waiting_count(team, user) -> int:
    """How many interviews wait for this person's review (unreviewed_by's rows, Home's total and the
    queue's length), for the sidebar on every page: cached under the team's stamp, which every
    mirror and review write changes, so a page pays the count only after something changed
    (docs/performance.md, "Sidebar count")."""
    key = f"waiting:{team.pk}:{user.pk}:{team_stamp(team.pk)}"
    count = cache.get(key)
    if count is None:
        count = unreviewed_by(candidate_rows(team), user).count()
        cache.set(key, count, WAITING_TTL)
    return count


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
    places = {f"top{n}": Subquery(pick[n : n + 1]) for n in range(TOP_PER_POSTING)}
    # The first interviewed of those waiting: its finish is the oldest wait, near enough.
    first = mine.order_by("interviewed_on", "id").annotate(since=_waiting_since()).values("since")[:1]
    picked = list(
        Posting.objects.filter(pk__in=posting_ids)
        .annotate(oldest=Subquery(first), **places)
        .values_list("pk", "oldest", *places)
    )
    oldest = {pk: since for pk, since, *_ in picked}
    ids = [pk for _, _, *tops in picked for pk in tops if pk is not None]
    found = {
        row["id"]: row
        for row in Interview.objects.filter(pk__in=ids)
        .annotate(
            waiting_since=_waiting_since(),
            shortlisted=Exists(Shortlist.objects.filter(interview=OuterRef("pk"))),
        )
        .values("id", "posting_id", "remote_id", "name", "email", "score", "waiting_since", "shortlisted")
    }
    by_group: dict = {}
    for pk in ids:
        by_group.setdefault(found[pk]["posting_id"], []).append(found[pk])
    return by_group, oldest


def waiting_for(team, user) -> dict:
    """What waits for this person's review, per posting (most waiting first), each with its count,
    the age of its oldest interview and its best-scored few (none for interviews without a
    posting): three queries, none when nothing changed since the last look.

    Returns {"total", "postings" (count of postings with something waiting), "groups" (the first
    POSTINGS_SHOWN), "by_posting" ({posting id: count}, for the deadlines)}."""
    # Both the counts and the picks read every waiting row, so Home grew with the team: they are
    # cached under the team's stamp as the sidebar's total is (docs/performance.md, pages at
    # 100,000).
    key = f"waiting-for:{team.pk}:{user.pk}:{team_stamp(team.pk)}"
    found = cache.get(key)
    if found is None:
        found = _waiting_for(team, user)
        cache.set(key, found, WAITING_TTL)
    now = timezone.now()
    for group in found["groups"]:
        deadline = group["posting__deadline"]
        group["closing_soon"] = bool(deadline and now <= deadline <= now + timedelta(days=CLOSING_SOON_DAYS))
    return found


def _waiting_for(team, user) -> dict:
    rows = unreviewed_by(candidate_rows(team), user)
    groups = list(
        rows.order_by()
        .values("posting_id", "posting__remote_id", "posting__title", "posting__name", "posting__deadline")
        .annotate(count=Count("id"))
        .order_by("-count", "posting__title", "posting_id")
    )
    shown = groups[:POSTINGS_SHOWN]
    by_group, oldest = _group_details(rows, [g["posting_id"] for g in shown if g["posting_id"] is not None])
    for group in shown:
        group["rows"] = by_group.get(group["posting_id"], [])
        group["oldest"] = oldest.get(group["posting_id"])
        group["more"] = group["count"] - len(group["rows"])
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
        .values("remote_id", "name", "status", "score", "at", "posting__title", "posting__remote_id")[
            :NEW_ROWS_SHOWN
        ]
    )
    return {"since": since, "total": sum(counts.values()), "rows": rows, **counts}


def unread_mentions_latest(team, user, limit: int = 3) -> list:
    """The person's latest unread mentions with their note, author, candidate and posting, and each
    note's mentions (to mark the @names in it): three queries, none when there are none."""
    return list(
        Mention.objects.for_team(team)
        .filter(user=user, read_at__isnull=True)
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
    latest = (
        Decision.objects.filter(pk__in=Subquery(ids))
        .select_related("user", "interview__posting")
        .only(
            "value",
            "reason",
            "created_at",
            "user__username",
            "user__first_name",
            "user__last_name",
            "interview__remote_id",
            "interview__name",
            "interview__posting__title",
        )
    )
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
    failed_deliveries = (
        Delivery.objects.for_team(team)
        .filter(state=Delivery.State.FAILED, received_at__gte=timezone.now() - timedelta(days=1))
        .count()
    )
    key_invalid = team.api_key_status == KeyStatus.INVALID
    return {
        "failed_deliveries": failed_deliveries,
        "key_invalid": key_invalid,
        "any": bool(failed_deliveries or key_invalid),
    }


# ---------------------------------------------------------------------------------------------
# Postings

# Sort key in the URL → the annotation or field it orders by.
POSTING_SORTS = {
    "title": "title",
    "deadline": "deadline",
    "candidates": "candidates",
    "score": "average_score",
    "awaiting": "awaiting",
}


def posting_rows(team, *, q: str = "", state: str = "", sort: str = ""):
    """The team's postings with their candidates, completed interviews, average score and how many
    await a team decision (awaiting_review), matching `q`, in `state` (active, expired, archived;
    anything else: all), in `sort` order (a POSTING_SORTS key, "-" for descending; anything else:
    archived last, then by title). One query."""
    awaiting = (
        awaiting_review(Interview.objects.filter(posting=OuterRef("pk"), missing=False))
        .order_by()
        .values("posting")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Posting.objects.for_team(team)
        .filter(missing=False)
        .annotate(
            candidates=Count("interviews", filter=Q(interviews__missing=False)),
            completed=Count(
                "interviews", filter=Q(interviews__status="completed", interviews__missing=False)
            ),
            average_score=Avg("interviews__score", filter=Q(interviews__missing=False)),
            awaiting=Coalesce(Subquery(awaiting, output_field=IntegerField()), Value(0)),
        )
    )
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(name__icontains=q))
    now = timezone.now()
    if state == "active":
        rows = rows.filter(archived=False).filter(Q(deadline__isnull=True) | Q(deadline__gte=now))
    elif state == "expired":
        rows = rows.filter(archived=False, deadline__lt=now)
    elif state == "archived":
        rows = rows.filter(archived=True)
    if sort.lstrip("-") in POSTING_SORTS:
        field = POSTING_SORTS[sort.lstrip("-")]
        # Empty values last either way, on SQLite and PostgreSQL alike (their defaults differ).
        order = F(field).desc(nulls_last=True) if sort.startswith("-") else F(field).asc(nulls_last=True)
        return rows.order_by(order, "id")
    return rows.order_by("archived", "title", "id")


def posting_by_remote_id(team, remote_id: str) -> Posting | None:
    """The team's posting with this HeyMilo id, or None (also for an id no posting can have)."""
    if "\x00" in remote_id:  # PostgreSQL refuses to compare a NUL
        return None
    return Posting.objects.for_team(team).filter(remote_id=remote_id).first()


def sync_run_latest(team, scope: str, target: str) -> SyncRun | None:
    """The team's latest sync of one posting or interview (SyncRun orders newest first)."""
    return SyncRun.objects.for_team(team).filter(scope=scope, target=target).first()


# ---------------------------------------------------------------------------------------------
# Candidate profile


# When the last syncs that read an interview from HeyMilo ended, as subqueries of the profile's
# row: built once, as they name nothing of a request (each query resolves its own copy).
_SYNCS_DONE = SyncRun.objects.filter(team=OuterRef("team"), state=SyncRun.State.DONE).order_by("-finished_at")
_REFRESHED_AT = Subquery(
    _SYNCS_DONE.filter(scope=SyncRun.Scope.INTERVIEW, target=OuterRef("remote_id")).values("finished_at")[:1]
)
_TEAM_SYNCED_AT = Subquery(_SYNCS_DONE.filter(scope=SyncRun.Scope.TEAM).values("finished_at")[:1])


def profile_rows(team):
    """The team's interviews as the profile reads them, with when the last syncs that read each
    from HeyMilo ended: its own (the Refresh button's, a webhook's check) and the team's. Both
    subqueries ride on the row's own query."""
    return (
        Interview.objects.for_team(team)
        .select_related("posting", "shortlisted_entry__added_by", "pipeline")
        .annotate(refreshed_at=_REFRESHED_AT, team_synced_at=_TEAM_SYNCED_AT)
    )


def profile_row(team, remote_id: str) -> Interview | None:
    # Unordered: (team, remote_id) is unique, and first()'s order by id cost compiling it.
    found = list(profile_rows(team).filter(remote_id=remote_id).order_by()[:1])
    return found[0] if found else None


def interview_ratings(row) -> list[Rating]:
    """Every rating of the candidate, with its user: the profile's rating summary and timeline
    are both read from these (one query for the two)."""
    return list(Rating.objects.filter(interview=row).select_related("user"))


def activity(team, user, row, *, show_all_ratings: bool, ratings: list[Rating] | None = None) -> list[dict]:
    """Decisions, stage moves, ratings and notes as one timeline, newest first (others' ratings only
    when the team's private-ratings setting lets this person see them): four queries and a prefetch,
    three when the candidate's `ratings` (interview_ratings()) are given."""
    if ratings is None:
        visible = list(
            Rating.objects.visible_to(team, user, private=not show_all_ratings, can_review=True)
            .filter(interview=row)
            .select_related("user")
        )
    else:  # Rating.visible_to for one candidate: all of them once I rated it, else mine (none)
        rated = show_all_ratings or any(r.user_id == user.pk for r in ratings)
        visible = ratings if rated else []
    notes = row.notes.select_related("author").prefetch_related(
        Prefetch("mentions", queryset=Mention.objects.select_related("user"))
    )
    items = [("decision", d.created_at, d.user, d) for d in row.decisions.select_related("user")]
    moves = row.stage_moves.select_related("user", "from_stage", "to_stage", "reason")
    items += [("stage", m.created_at, m.user, m) for m in moves]
    items += [("rating", r.updated_at, r.user, r) for r in visible]
    items += [("note", n.created_at, n.author, n) for n in notes]
    items.sort(key=lambda item: item[1], reverse=True)
    return [{"kind": kind, "when": when, "who": who, "item": obj} for kind, when, who, obj in items]


def rating_summary(row, user, *, show_all_ratings: bool, ratings: list[Rating] | None = None) -> dict:
    """My stars and the team's average for this candidate in one query (none when its `ratings`
    are given); the average is hidden while private ratings keep it from someone who has not
    rated yet."""
    if ratings is None:
        summary = Rating.objects.filter(interview=row).aggregate(
            average=Avg("stars"), count=Count("id"), mine=Max("stars", filter=Q(user=user))
        )
    else:
        stars = [r.stars for r in ratings]
        summary = {
            "average": sum(stars) / len(stars) if stars else None,
            "count": len(stars),
            "mine": max((r.stars for r in ratings if r.user_id == user.pk), default=None),
        }
    summary["hidden"] = not show_all_ratings and summary["mine"] is None
    return summary


def told_about(team, remote_id: str) -> bool:
    """Whether HeyMilo told the team about this interview id: a webhook delivery or an import
    named it. Three small indexed queries at most."""
    return (
        Delivery.objects.for_team(team).filter(interview_id=remote_id).exists()
        or ImportRow.objects.filter(job__team=team, interview_id=remote_id).exists()
        or CandidateIngest.objects.for_team(team).filter(interview_id=remote_id).exists()
    )


# ---------------------------------------------------------------------------------------------
# Remembered filters, mentions, the audit log


def saved_filter_get(team, user, posting) -> SavedFilter | None:
    return SavedFilter.objects.for_team(team).filter(user=user, posting=posting).first()


def table_settings(team, user, posting) -> tuple[TableColumns | None, SavedFilter | None, bool]:
    """What a candidate table reads before its rows: the person's column choice (for columns.chosen()),
    their remembered filters for this table (saved_filter_get) and whether the team keeps
    ratings private (ReviewSettings.for_team). One query for the three: each query is a round
    trip to PostgreSQL."""
    chosen = TableColumns.objects.for_team(team).filter(user=user).order_by("pk")
    saved = SavedFilter.objects.for_team(team).filter(user=user, posting=posting).order_by("pk")
    private = ReviewSettings.objects.filter(team=team).values("ratings_private")[:1]
    found = (
        Team.objects.filter(pk=team.pk)
        .values(
            chosen_id=Subquery(chosen.values("pk")[:1]),
            chosen_columns=Subquery(chosen.values("columns")[:1]),
            saved_id=Subquery(saved.values("pk")[:1]),
            saved_query=Subquery(saved.values("query")[:1]),
            private=Subquery(private),
        )
        .get()
    )
    columns = (
        TableColumns(pk=found["chosen_id"], team=team, user=user, columns=found["chosen_columns"])
        if found["chosen_id"] is not None
        else None
    )
    remembered = (
        SavedFilter(pk=found["saved_id"], team=team, user=user, posting=posting, query=found["saved_query"])
        if found["saved_id"] is not None
        else None
    )
    if found["private"] is None:  # never changed: the defaults
        found["private"] = ReviewSettings(team=team).ratings_private
    return columns, remembered, found["private"]


# Django usernames are letters, digits and @ . + - _; a mention ends at anything else.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
# "Thanks @bob." means bob: punctuation that ends a sentence is tried off the end too.
_TRAILING = ".,-+@"


def mention_candidates(body: str) -> dict[str, str]:
    """Every spelling a mention in the text could mean, mapped to the text as written."""
    names: dict[str, str] = {}
    for match in MENTION.finditer(body):
        name = match.group(1)
        while name:
            names.setdefault(name, match.group(1))
            stripped = name.rstrip(_TRAILING)
            name = stripped if stripped != name else ""
    return names


def mentioned_members(team, body: str, author=None) -> list:
    """Members of this team named in the text; other people and unknown names resolve to nothing."""
    names = mention_candidates(body)
    if not names:
        return []
    users = get_user_model().objects.filter(memberships__team=team, username__in=list(names))
    if author is not None:
        users = users.exclude(pk=author.pk)  # writing your own name needs no inbox entry
    return list(users.distinct())


def unread_mentions(team, user) -> int:
    return Mention.objects.for_team(team).filter(user=user, read_at__isnull=True).count()


def mention_rows(team, user):
    """The person's mentions in this team with their note, its author and candidate, newest first."""
    return Mention.objects.for_team(team).filter(user=user).select_related("note__author", "note__interview")


def team_members(team):
    """The team's people by username (the audit log's filter)."""
    return get_user_model().objects.filter(memberships__team=team).order_by("username")


def audit_rows(team):
    """The team's audit log, newest first, with who did it and to which candidate."""
    return AuditEntry.objects.for_team(team).select_related("user", "interview")


# ---------------------------------------------------------------------------------------------
# The pipeline: stages, where each candidate is, the board

# Cards a board column shows at first, and how many more each "Show more" adds.
BOARD_CARDS = 10
BOARD_CARDS_MAX = 200


def stage_rows(team, *, archived: bool = False):
    """The team's stages in pipeline order: open ones, then closed ones; the archived too if asked."""
    rows = Stage.objects.for_team(team).order_by(
        Case(When(kind="closed", then=1), default=0), "position", "id"
    )
    return rows if archived else rows.filter(archived_at__isnull=True)


def reason_rows(team, *, archived: bool = False):
    rows = RejectReason.objects.for_team(team)
    return rows if archived else rows.filter(archived_at__isnull=True)


def table_choices(team) -> tuple[list[dict], list[dict]]:
    """The team's stages in pipeline order and its reasons for a closed stage, archived ones left
    out, as {"pk", "name"}: the candidate table's stage filter and its bulk bar. One query for
    the two lists (each query is a round trip to PostgreSQL)."""
    stages = (
        stage_rows(team)
        .order_by()
        .annotate(list=Value(0), rank=Case(When(kind="closed", then=1), default=0))
        .values_list("list", "rank", "position", "id", "name")
    )
    reasons = (
        reason_rows(team)
        .order_by()
        .annotate(list=Value(1), rank=Value(0))
        .values_list("list", "rank", "position", "id", "name")
    )
    found: tuple[list[dict], list[dict]] = ([], [])
    for which, _, _, pk, name in stages.union(reasons, all=True).order_by("list", "rank", "position", "id"):
        found[which].append({"pk": pk, "name": name})
    return found


def stage_entry(team) -> Stage:
    """Where a candidate with no stage row is: the team's entry stage (New)."""
    return Stage.objects.for_team(team).get(role=Stage.Role.ENTRY)


def stage_rejected(team) -> Stage:
    return Stage.objects.for_team(team).get(role=Stage.Role.REJECTED)


def stage_name():
    """Each interview's stage name in a query of candidate_rows(): its row's, else the entry
    stage's (one join and one small subquery, no N+1)."""
    entry = Stage.objects.filter(team=OuterRef("team"), role=Stage.Role.ENTRY).values("name")[:1]
    return Coalesce(F("stage_row__stage__name"), Subquery(entry))


def in_stage_id(stage_id: int) -> Q:
    """The interviews of candidate_rows() in the stage with this id (a filter in a URL): those
    whose row names it, and for the entry stage those with no row. Another team's id matches
    nothing."""
    entry = Stage.objects.filter(pk=stage_id, team=OuterRef("team"), role=Stage.Role.ENTRY)
    return Q(stage_row__stage_id=stage_id) | (Q(stage_row__isnull=True) & Q(Exists(entry)))


def posting_stages(team, posting) -> list[Stage]:
    """The active stages a posting uses, in pipeline order (its hidden ones left out)."""
    hidden = HiddenStage.objects.filter(posting=posting, stage=OuterRef("pk"))
    return list(stage_rows(team).exclude(Exists(hidden)))


def hidden_stage_ids(posting) -> set[int]:
    return set(HiddenStage.objects.filter(posting=posting).values_list("stage_id", flat=True))


def stage_current(team, interview) -> tuple[Stage, object]:
    """The candidate's stage and since when (the entry stage since the interview, without a row)."""
    row = CandidateStage.objects.filter(interview=interview).select_related("stage").first()
    if row is not None:
        return row.stage, row.entered_at
    return stage_entry(team), interview.interviewed_on


def stage_next(team, interview) -> Stage | None:
    """The stage "Advance" moves the candidate to: the next active open stage its posting uses."""
    current, _ = stage_current(team, interview)
    if current.closed:
        return None
    stages = posting_stages(team, interview.posting) if interview.posting_id else list(stage_rows(team))
    later = [s for s in stages if not s.closed and s.position > current.position]
    return later[0] if later else None


def stage_panel(team, interview) -> dict:
    """The profile's stage line: where the candidate is and since when, the stage "Advance" moves
    them to, the stages "Move to…" offers (those their posting uses, and where they are now if
    the posting hides it) and the team's reject reasons. Two queries: the team's stages with
    whether the posting hides each, and the reasons; the candidate's row comes with the profile's
    (profile_rows selects `pipeline`)."""
    hidden = HiddenStage.objects.filter(posting_id=interview.posting_id, stage=OuterRef("pk"))
    every = list(stage_rows(team, archived=True).annotate(hidden=Exists(hidden)))
    try:
        row = interview.pipeline
    except CandidateStage.DoesNotExist:
        row = None
    if row is not None:
        current, since = next(s for s in every if s.pk == row.stage_id), row.entered_at
    else:
        current, since = next(s for s in every if s.role == Stage.Role.ENTRY), interview.interviewed_on
    stages = [s for s in every if s.archived_at is None and not s.hidden]
    later = [s for s in stages if not s.closed and s.position > current.position]
    return {
        "stage": current,
        "stage_since": since,
        "stage_next": None if current.closed or not later else later[0],
        "stage_choices": stages if current in stages else [current, *stages],
        "reject_reasons": list(reason_rows(team)),
    }


def stage_history(interview) -> list:
    """The candidate's stage moves, newest first, with who and why (archived stages included)."""
    return list(
        StageMove.objects.filter(interview=interview).select_related(
            "user", "from_stage", "to_stage", "reason"
        )
    )


def _board_counts(team, posting, live) -> tuple[dict[int, int], int]:
    """Candidates per stage moved to (the entry stage's are the rest) and in all. They grow with
    the posting (the board's p95, docs/performance.md), so they are cached under the team's
    stamp, which every mirror write and stage move changes."""
    key = f"board-counts:{team.pk}:{team_stamp(team.pk)}:{posting.pk}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    # Counted from the (posting, stage) index alone, then the few candidates HeyMilo no longer
    # returns taken off: a join to the interviews to filter them read every candidate's wide row.
    counts = dict(
        CandidateStage.objects.filter(posting=posting)
        .order_by()
        .values("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    gone = (
        Interview.objects.filter(team=team, posting=posting, missing=True, pipeline__isnull=False)
        .order_by()
        .values("pipeline__stage")
        .annotate(n=Count("id"))
        .values_list("pipeline__stage", "n")
    )
    for stage_id, n in gone:
        counts[stage_id] -= n
    found = (counts, live.count())
    cache.set(key, found, WAITING_TTL)
    return found


def board(team, user, posting, *, shown: dict[int, int] | None = None) -> list[dict]:
    """The posting's board: one column per stage it uses, each with its count and its first
    BOARD_CARDS cards (`shown` asks for more in some columns): the entry column best score first,
    the others longest in the stage first. Queries: the stages, the counts (cached), one per
    column and my ratings, however many candidates there are."""
    shown = shown or {}
    stages = posting_stages(team, posting)
    live = Interview.objects.filter(team=team, posting=posting, missing=False)
    counts, total = _board_counts(team, posting, live)
    fields = ("id", "remote_id", "name", "email", "score", "status")
    columns: list[dict] = []
    ids: list[int] = []
    for stage in stages:
        limit = min(shown.get(stage.pk, BOARD_CARDS), BOARD_CARDS_MAX)
        cards: list[dict]
        if stage.role == Stage.Role.ENTRY:
            count = total - sum(n for sid, n in counts.items() if sid != stage.pk)
            # NOT EXISTS per row rather than a join: the scan walks the posting's score index and
            # stops at the first cards still here (a join with OR read and sorted every candidate).
            elsewhere = CandidateStage.objects.filter(interview=OuterRef("pk")).exclude(stage=stage)
            entered = CandidateStage.objects.filter(interview=OuterRef("pk")).values("entered_at")[:1]
            cards = list(
                live.exclude(Exists(elsewhere))
                .annotate(since=Coalesce(Subquery(entered), "interviewed_on", "synced_at"))
                .order_by(F("score").desc(nulls_last=True), "-id")
                .values(*fields, "since")[:limit]
            )
        else:
            count = counts.get(stage.pk, 0)
            cards = [
                {**{key: row[f"interview__{key}"] for key in fields}, "since": row["entered_at"]}
                for row in CandidateStage.objects.filter(
                    posting=posting, stage=stage, interview__missing=False
                )
                .order_by("entered_at", "id")
                .values(*(f"interview__{key}" for key in fields), "entered_at")[:limit]
            ]
        ids += [card["id"] for card in cards]
        columns.append({"stage": stage, "count": count, "cards": cards, "more": max(count - len(cards), 0)})
    mine = dict(Rating.objects.filter(user=user, interview_id__in=ids).values_list("interview_id", "stars"))
    for column in columns:
        for card in column["cards"]:
            card["my_rating"] = mine.get(card["id"])
    return columns
