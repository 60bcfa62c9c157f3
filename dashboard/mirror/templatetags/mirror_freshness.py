"""Freshness words: when the data on a page was last synced, "just now" rather than "0 minutes"."""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

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


@register.filter
def since(value) -> str:
    """ "just now" for the first minute (what a person sees right after pressing a button), then
    Django's "7 minutes ago"."""
    if not value:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return "just now"
    return f"{timesince(value)} ago"
