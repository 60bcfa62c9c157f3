"""The home page (a work queue for the signed-in person) and the header's HeyMilo status dot."""

from datetime import timedelta
from urllib.parse import urlencode

from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts import tasks as account_tasks
from dashboard.accounts.http import SignedInRequest
from dashboard.accounts.services import health_cache_key
from dashboard.mirror.models import Posting
from dashboard.review import selectors

# A first visit has no "last looked": news of the last day is what a person returning would see.
FIRST_VISIT_WINDOW = timedelta(days=1)


def _greeting(hour: int) -> str:
    return "Good morning" if hour < 12 else "Good afternoon" if hour < 18 else "Good evening"


@vary_on_headers("HX-Request")
def home(request: SignedInRequest):
    # A person without a team still gets a page that tells them what to do.
    membership = request.membership
    if membership is None:
        return render(request, "home.html", {})
    team, now = request.team, timezone.now()
    local = timezone.localtime(now)
    since = membership.home_seen_at or now - FIRST_VISIT_WINDOW
    today = local.replace(hour=0, minute=0, second=0, microsecond=0)
    decisions_today, decisions = selectors.decisions_since(team, today)
    waiting = selectors.waiting_for(team, request.user) if membership.can_review else None
    context = {
        "now": now,
        "greeting": _greeting(local.hour),
        "has_postings": Posting.objects.for_team(team).filter(missing=False).exists(),
        "waiting": waiting,
        "new": selectors.new_since(team, since),
        "mentions": selectors.unread_mentions_latest(team, request.user),
        "mentions_unread": selectors.unread_mentions(team, request.user),
        "decisions_today": decisions_today,
        "decisions": decisions,
        "deadlines": [
            (posting, (waiting or {}).get("by_posting", {}).get(posting.id, 0))
            for posting in selectors.deadlines_within(team)
        ],
        "trouble": selectors.trouble(team) if membership.is_admin else None,
        # The queue's list (sorted as Home's rows are) and a profile's, as the queue hands it on.
        "queue_sort": selectors.QUEUE_SORT,
        "queue_list": urlencode({"sort": selectors.QUEUE_SORT}),
        "queue_nav": urlencode({"sort": selectors.QUEUE_SORT, "unreviewed": "on"}),
    }
    # After reading: this visit's news is shown once, the next visit counts from here. Only a
    # person's GET is a visit (a POST here changes nothing: tests/hardening/test_security.py).
    if request.method == "GET":
        membership.mark_home_seen(now)
    return render(request, "home.html", context)


def heymilo_status(request: SignedInRequest):
    """Reads the cached health reading; a worker refreshes it. Never calls HeyMilo itself."""
    team = request.team
    reading = None
    if team is not None and team.has_api_key:
        reading = cache.get(health_cache_key(team.id))
        # add() is atomic: only the first request after expiry enqueues a refresh.
        if reading is None and cache.add(f"team:{team.id}:health-refresh", 1, 60):
            account_tasks.refresh_health.delay(team.id)
    return render(request, "base.html#heymilo-status", {"reading": reading, "polled": True})
