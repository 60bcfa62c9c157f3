"""When the data on a page was last synced (its words: the `since` filter in `{% load core %}`)."""

from django import template

from dashboard.mirror import selectors
from dashboard.mirror.models import Posting

register = template.Library()


@register.simple_tag(takes_context=True)
def synced_at(context, posting=None):
    """A posting's page counts its own refresh; other pages reuse the context processor's last
    team sync (no second query). None before the first sync."""
    if isinstance(posting, Posting):
        return selectors.last_synced_at(context["request"].team, posting)
    last = context.get("last_sync")
    return last.finished_at if last else None
