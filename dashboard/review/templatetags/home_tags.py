"""Home's short times: "12 min ago", "09:41", "Yesterday", "Thu". A recruiter scans them; Django's
timesince ("2 hours, 3 minutes") is too long for a 36 px row."""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

register = template.Library()


def _days_ago(value, now) -> int:
    return (timezone.localtime(now).date() - timezone.localtime(value).date()).days


@register.filter
def ago(value, now=None) -> str:
    """How long ago: "just now", "12 min ago", "3 h ago", "Yesterday", "4 days ago", "12 May"."""
    if value is None:
        return "–"
    now = now or timezone.now()
    seconds = (now - value).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    days = _days_ago(value, now)
    if days == 0 or seconds < 6 * 3600:
        return f"{int(seconds // 3600)} h ago"
    if days == 1:
        return "Yesterday"
    if days < 7:
        return f"{days} days ago"
    return date_format(timezone.localtime(value), "j M")


@register.filter
def age(value, now=None) -> str:
    """A duration up to now without "ago": "5 min", "5 h", "1 day", "3 days"."""
    if value is None:
        return ""
    now = now or timezone.now()
    seconds = max(0, (now - value).total_seconds())
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''}"


@register.filter
def clock(value, now=None) -> str:
    """A time of day today ("09:41"), "Yesterday 18:20", or a date ("12 May")."""
    if value is None:
        return "–"
    local = timezone.localtime(value)
    days = _days_ago(value, now or timezone.now())
    if days <= 0:
        return date_format(local, "H:i")
    if days == 1:
        return "Yesterday " + date_format(local, "H:i")
    return date_format(local, "j M")


@register.filter
def since(value, now=None) -> str:
    """The start of "New since …": "09:41", "yesterday 17:00", "12 May"."""
    text = clock(value, now)
    return text[0].lower() + text[1:] if text.startswith("Yesterday") else text


@register.filter
def weekday(value) -> str:
    """ "Thu" for a date."""
    return date_format(timezone.localtime(value), "D") if value else ""


@register.filter
def monthday(value) -> str:
    return date_format(timezone.localtime(value), "j") if value else ""


@register.filter
def days_left(value, now=None) -> int:
    """Whole days from today to `value`'s day (0: today)."""
    return -_days_ago(value, now or timezone.now()) if value else 0


@register.filter
def initials(user) -> str:
    """ "ML" for Maya Lindqvist, "BO" for the username bob: a neutral avatar's letters."""
    if user is None:
        return "?"
    words = (user.get_full_name() or "").split()
    if len(words) >= 2:
        return (words[0][0] + words[-1][0]).upper()
    return (words[0] if words else user.get_username())[:2].upper()
