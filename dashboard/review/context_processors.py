"""What the site chrome (templates/base.html) shows of review on every page: the sidebar's
"Waiting for you" count and the Inbox link's unread mentions. base.html loads no review tags and
includes no review template: it reads these."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard.review import selectors


def inbox(request: HttpRequest) -> dict[str, object]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    # Lazy: one count query when a page shows the link, none for an htmx partial that does not.
    return {"nav_unread": SimpleLazyObject(lambda: selectors.unread_mentions(membership.team, request.user))}


def waiting(request: HttpRequest) -> dict[str, object]:
    membership = getattr(request, "membership", None)
    # Viewers never review: nothing waits for them, and they pay no query for it.
    if membership is None or not membership.can_review:
        return {}
    # Lazy: only a full page's sidebar reads it, not an htmx partial.
    return {"nav_waiting": SimpleLazyObject(lambda: selectors.waiting_count(membership.team, request.user))}
