"""What the site chrome (templates/base.html) shows of notifications: the header's unread count,
and the person's browser choices the badge carries for static/js/notifications.js."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard.notifications import selectors
from dashboard.notifications.models import NotificationSettings


def unread(request: HttpRequest) -> dict[str, object]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    team, user = membership.team, request.user

    def badge() -> dict[str, object]:
        count = selectors.unread_count(team, user)
        if not count:  # the usual case: one query, nothing to announce
            return {"count": 0, "latest": None, "browser": False, "sound": False}
        row = NotificationSettings.objects.filter(user_id=membership.user_id).values_list("browser", "sound")
        browser, sound = row.first() or (False, False)
        return {
            "count": count,
            "latest": selectors.latest_unread(team, user),
            "browser": browser,
            "sound": sound,
        }

    # Lazy: queried only when a page (or a live poll) renders the badge.
    return {"nav_notifications": SimpleLazyObject(badge)}
