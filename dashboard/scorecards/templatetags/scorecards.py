"""Scorecard regions on other apps' pages (the profile, compare, a posting's Manage tab, the shared
reports): their templates include ours and load these tags, so their views need not know of us."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from dashboard.scorecards import selectors
from dashboard.scorecards.forms import PostingTemplateForm
from dashboard.scorecards.models import PostingTemplate, Rating, Recommendation, ScorecardTemplate

register = template.Library()


@register.simple_tag(takes_context=True)
def scorecard_panel(context, interview) -> dict:
    from dashboard.scorecards.views import panel_context

    return panel_context(context["request"], interview)


# One radio button of the scorecard form's rating scale: id, field name, value, checked, label.
_RATING_BUTTON = (
    '<input type="radio" id="{0}" name="{1}" value="{2}"{3}>'
    '<label for="{0}" class="sc-r{2}"><span class="sc-num">{2}</span> {4}</label>'
)
_CHECKED = mark_safe(" checked")


@register.simple_tag
def rating_scale(row) -> str:
    """The radio buttons of my rating of one criterion (Skip aside), written here rather than by a
    template loop, the largest line of the profile's rendering: the scorecard region's render
    time with the tag, in docs/performance.md, "2026-12-06 (session 12, issue 24), the profile"."""
    name = row.field_name
    return format_html_join(
        "", _RATING_BUTTON, ((c.id, name, c.value, _CHECKED if c.checked else "", c.label) for c in row.scale)
    )


@register.simple_tag(takes_context=True)
def compare_recommendations(context, columns) -> list[dict]:
    """Per compared column, in its order: the recommendations the person may see and how many are
    hidden from them until they submit their own."""
    request = context["request"]
    found = selectors.team_recommendations(
        request.team,
        user=request.user,
        interviews=[c.row for c in columns],
        can_review=request.membership.can_review,
    )
    return [found[c.row.pk] for c in columns]


@register.simple_tag
def shared_scorecards(interview) -> list[dict]:
    return selectors.submitted_scorecards(interview)


@register.simple_tag
def posting_scorecard_choice(posting) -> dict:
    choice = PostingTemplate.objects.filter(posting=posting).select_related("template").first()
    form = PostingTemplateForm(
        team=posting.team, initial={"template": choice.template_id if choice else None}
    )
    return {
        "choice": choice,
        "form": form,
        "any": ScorecardTemplate.objects.filter(team=posting.team_id).exists(),
    }


@register.filter
def rating_word(value) -> str:
    return Rating(value).label if value in Rating.values else ""


@register.filter
def recommendation_word(value) -> str:
    return Recommendation(value).label if value in Recommendation.values else ""


@register.filter
def reviewer_name(user) -> str:
    if user is None:
        return "Former member"
    return user.get_full_name() or user.username


@register.filter
def get_note(notes, section_id) -> str:
    return (notes or {}).get(str(section_id), "")
