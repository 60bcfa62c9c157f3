"""The home page and the header's HeyMilo status dot."""

from django.core.cache import cache
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from dashboard.accounts import tasks as account_tasks
from dashboard.accounts.services import health_cache_key
from dashboard.mirror.models import Interview, Posting


@vary_on_headers("HX-Request")
def home(request):
    # A person without a team still gets a page that tells them what to do.
    stats = {}
    if request.team is not None:
        interviews = Interview.objects.for_team(request.team).filter(missing=False)
        stats = {
            "postings": Posting.objects.for_team(request.team).filter(missing=False).count(),
            "candidates": interviews.count(),
            "completed": interviews.filter(status="completed").count(),
        }
    return render(request, "home.html", {"stats": stats})


def heymilo_status(request):
    """Reads the cached health reading; a worker refreshes it. Never calls HeyMilo itself."""
    team = request.team
    reading = None
    if team is not None and team.has_api_key:
        reading = cache.get(health_cache_key(team.id))
        # add() is atomic: only the first request after expiry enqueues a refresh.
        if reading is None and cache.add(f"team:{team.id}:health-refresh", 1, 60):
            account_tasks.refresh_health.delay(team.id)
    return render(request, "base.html#heymilo-status", {"reading": reading, "polled": True})
