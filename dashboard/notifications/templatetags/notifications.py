"""The follow button other apps' pages show (the posting page's header)."""

from django import template

from dashboard.notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/_follow.html", takes_context=True)
def follow_button(context, posting) -> dict:
    request = context["request"]
    return {
        "posting": posting,
        "following": selectors.following(request.team, request.user, posting),
        "csrf_token": context.get("csrf_token"),
    }
