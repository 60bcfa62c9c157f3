"""`{% load core %}`: filters every app's pages share. (Scores and statuses in words are the
`scores` library beside this one.)"""

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from dashboard.core import labels

register = template.Library()


@register.filter
def words(value) -> str:
    """An API identifier in words: "web_interview" → "Web interview", "sms" → "SMS"."""
    return labels.words(value)


def _elapsed(value, phrase: str) -> str:
    """`phrase` around Django's timesince ("{} ago"), or "just now" for the first minute: what a
    person sees right after pressing a button, never "0 minutes"."""
    if not value:
        return ""
    if timezone.now() - value < timedelta(minutes=1):
        return "just now"
    return phrase.format(timesince(value))


@register.filter
def since(value) -> str:
    """When something happened: "7 minutes ago"."""
    return _elapsed(value, "{} ago")


@register.filter
def for_since(value) -> str:
    """How long something has been as it is, after its name: "Offer for 3 days"."""
    return _elapsed(value, "for {}")


@register.filter
def safe_url(value) -> str:
    """A remote URL (interview, resume, recording, export links) as an href or src only when it is
    http(s), else empty: never a javascript:, data: or vbscript: URL from remote text, in any case
    or behind spaces. The one filter every template uses for a URL it did not make."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""
