"""Template helpers for the review pages: sortable column headers and the home page's count."""

from django import template
from django.utils.html import format_html

from dashboard.mirror.models import Interview
from dashboard.review.models import awaiting_review as awaiting_review_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str):
    """A column header whose link sorts by it; a second click reverses the order."""
    sort = context.get("sort", "")
    url = context["sort_urls"][key]
    state, arrow = "none", ""
    if sort == key:
        state, arrow = "ascending", " ▲"
    elif sort == f"-{key}":
        state, arrow = "descending", " ▼"
    return format_html(
        '<th scope="col" aria-sort="{}"><a href="{}" hx-get="{}" hx-push-url="true">{}{}</a></th>',
        state, url, url, label, arrow,
    )


@register.simple_tag
def awaiting_review(team) -> int:
    """Completed interviews in the team's mirror without a team decision yet."""
    if team is None:
        return 0
    return awaiting_review_rows(Interview.objects.for_team(team).filter(missing=False)).count()


@register.filter
def words(value) -> str:
    """An API identifier in words: "web_interview" → "Web interview"."""
    text = str(value or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


@register.filter
def web_url(value) -> str:
    """A remote link only when it is http(s): never a javascript: or data: URL from remote text."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""
