"""Notification reads, each scoped to the team and person it is given."""

from collections import OrderedDict
from datetime import date

from django.utils import timezone

from dashboard.notifications.models import ADMIN_KINDS, Follow, Kind, Notification

PAGE_SIZE = 50


def unread_count(team, user) -> int:
    return Notification.objects.for_person(team, user).unread().count()


def latest_unread(team, user) -> Notification | None:
    """The newest unread one: the header's badge carries it for the browser notification."""
    return Notification.objects.for_person(team, user).unread().only("id", "text", "link").first()


def centre_rows(team, user, *, unread_only: bool = False):
    rows = Notification.objects.for_person(team, user).select_related("mention")
    return rows.unread() if unread_only else rows


def by_day(rows) -> list[tuple[date, list[Notification]]]:
    """The page's notifications grouped under the day they came, in the viewer's time zone."""
    days: OrderedDict[date, list[Notification]] = OrderedDict()
    for row in rows:
        days.setdefault(timezone.localdate(row.created_at), []).append(row)
    return list(days.items())


def following(team, user, posting) -> bool:
    return Follow.objects.for_team(team).filter(user=user, posting=posting, following=True).exists()


def kinds_for(membership) -> list[Kind]:
    """The kinds a person can receive: the admins' alerts only for admins."""
    return [k for k in Kind if membership.is_admin or k not in ADMIN_KINDS]
