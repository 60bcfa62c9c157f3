"""Read queries behind the webhook pages: the webhooks list, the event log, connection state, live
notices. Every one is scoped to the team it is given."""

from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Max, Q

from dashboard.accounts.models import Team
from dashboard.mirror import selectors as mirror_selectors
from dashboard.mirror.models import Interview, Posting
from dashboard.webhooks.models import EVENT_NAMES, EVENT_VERBS, Delivery, WebhookSubscription

EVENT_LOG_PAGE_SIZE = 50


# --- the webhooks list ------------------------------------------------------------------------


def posting_choices(team: Team) -> list[tuple[str, str]]:
    """The team's current postings as (remote id, title) pairs, for forms and labels."""
    rows = Posting.objects.for_team(team).filter(missing=False).order_by("title")
    return [(p.remote_id, p.title or p.remote_id) for p in rows]


def subscription_rows(team: Team, *, posting: str = "", event_type: str = "") -> list[WebhookSubscription]:
    """The team's mirrored webhooks, active first, each with its posting's title."""
    rows = WebhookSubscription.objects.for_team(team)
    if posting:
        rows = rows.filter(posting_id=posting)
    if event_type:
        rows = rows.filter(event_type=event_type)
    titles = dict(posting_choices(team))
    subscriptions = list(rows.order_by("-is_active", "posting_id", "event_type", "-created_remote"))
    for sub in subscriptions:
        sub.posting_title = titles.get(sub.posting_id, sub.posting_id)
    return subscriptions


def subscriptions_synced_at(team: Team) -> datetime | None:
    """When the team's webhooks were last loaded from HeyMilo."""
    return WebhookSubscription.objects.for_team(team).aggregate(at=Max("synced_at"))["at"]


def connectable_posting_ids(team: Team) -> list[str]:
    """The postings "Connect this dashboard" subscribes: current ones, not archived, by title."""
    return list(
        Posting.objects.for_team(team)
        .filter(missing=False, archived=False)
        .order_by("title")
        .values_list("remote_id", flat=True)
    )


def connected_events(team: Team, *, posting_id: str, url: str) -> dict:
    """Which of the three events of this posting reach `url` (the receiver URL, with or without the
    posting in its query string), as last mirrored."""
    events = set(
        WebhookSubscription.objects.for_team(team)
        .filter(
            Q(url=url) | Q(url__startswith=url + "?"),
            posting_id=posting_id,
            is_active=True,
        )
        .values_list("event_type", flat=True)
    )
    return {
        "connected": all(e in events for e in EVENT_NAMES),
        "events": sorted(events),
        "missing": [e for e in EVENT_NAMES if e not in events],
    }


# --- the event log ----------------------------------------------------------------------------


def delivery_page(team: Team, *, state: str = "", number: str | None = None) -> Page:
    """One page of the team's deliveries, newest first, labelled (with_labels)."""
    rows = Delivery.objects.for_team(team)
    if state:
        rows = rows.filter(state=state)
    page = Paginator(rows.order_by("-id"), EVENT_LOG_PAGE_SIZE).get_page(number)
    page.object_list = with_labels(team, list(page.object_list))
    return page


def with_labels(team: Team, deliveries: list[Delivery]) -> list[Delivery]:
    """Sets each verified delivery's `label` (candidate name and posting) from the mirror, in one query."""
    ids = [d.interview_id for d in deliveries if d.links_interview]
    labels = mirror_selectors.interview_labels(team, ids)
    for d in deliveries:
        d.label = labels.get(d.interview_id) if d.links_interview else None
    return deliveries


# --- live notices -----------------------------------------------------------------------------


def latest_delivery_id(team: Team) -> int:
    """The newest delivery when a page is made: its notices show what came after it."""
    return Delivery.objects.for_team(team).aggregate(last=Max("id"))["last"] or 0


def notices(team: Team, *, after: int, limit: int = 5) -> list[dict]:
    """What changed since the page loaded: processed deliveries newer than `after`, newest first."""
    rows = list(
        Delivery.objects.for_team(team)
        .filter(id__gt=after, state=Delivery.State.PROCESSED)
        .only("id", "event_type", "interview_id", "processed_at")
        .order_by("-id")[:limit]
    )
    interviews = {
        i.remote_id: i
        for i in Interview.objects.for_team(team)
        .filter(remote_id__in={d.interview_id for d in rows})
        .only("remote_id", "name", "status", "score")
    }
    return [
        {
            "id": d.id,
            "interview_id": d.interview_id,
            "interview": interviews.get(d.interview_id),
            "name": getattr(interviews.get(d.interview_id), "name", "") or "A candidate",
            "verb": EVENT_VERBS.get(d.event_type, d.event_type),
            "at": d.processed_at,
        }
        for d in rows
    ]
