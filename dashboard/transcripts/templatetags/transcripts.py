"""Template filters for transcript times."""

from django import template

register = template.Library()


@register.filter
def clock(seconds) -> str:
    """12.5 -> '0:12', 3725 -> '1:02:05'; None -> ''."""
    if seconds is None:
        return ""
    total = int(float(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
