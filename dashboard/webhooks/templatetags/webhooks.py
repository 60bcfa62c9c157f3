"""Template tags for the webhook panels other pages include: connection state and live notices."""

from django import template

from dashboard.webhooks import receiving, selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def webhook_connection(context, posting) -> dict:
    """Which of the three events of this posting reach this dashboard, as last mirrored."""
    team = context["request"].team
    hook = selectors.connected_events(team, posting_id=posting.remote_id, url=receiving.receiver_url(team))
    return {**hook, "receiver_local": receiving.receiver_is_local()}


@register.simple_tag(takes_context=True)
def live_since(context) -> int:
    """The newest delivery when the page was made: notices show what came after it."""
    return selectors.latest_delivery_id(context["request"].team)
