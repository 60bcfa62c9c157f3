"""Template tags for the webhook panels other pages include: connection state and live notices."""

from django import template
from django.db.models import Max

from dashboard.webhooks import receiving
from dashboard.webhooks.models import EVENT_NAMES, Delivery, WebhookSubscription

register = template.Library()


@register.simple_tag(takes_context=True)
def webhook_connection(context, posting) -> dict:
    """Which of the three events of this posting reach this dashboard, as last mirrored."""
    team = context["request"].team
    url = receiving.receiver_url(team)
    events = set(WebhookSubscription.objects.for_team(team).filter(
        posting_id=posting.remote_id, url=url, is_active=True).values_list("event_type", flat=True))
    return {
        "connected": all(e in events for e in EVENT_NAMES),
        "events": sorted(events),
        "missing": [e for e in EVENT_NAMES if e not in events],
        "receiver_local": receiving.receiver_is_local(),
    }


@register.simple_tag(takes_context=True)
def live_since(context) -> int:
    """The newest delivery when the page was made: notices show what came after it."""
    team = context["request"].team
    return Delivery.objects.for_team(team).aggregate(last=Max("id"))["last"] or 0
