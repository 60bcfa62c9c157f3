"""The sidebar's "Waiting for you" count on every page, for people who review."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard.review import selectors


def waiting(request: HttpRequest) -> dict[str, object]:
    membership = getattr(request, "membership", None)
    # Viewers never review: nothing waits for them, and they pay no query for it.
    if membership is None or not membership.can_review:
        return {}
    # Lazy: only a full page's sidebar reads it, not an htmx partial.
    return {"nav_waiting": SimpleLazyObject(lambda: selectors.waiting_count(membership.team, request.user))}
